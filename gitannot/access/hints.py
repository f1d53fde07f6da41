""" "What would allow it": the users the current policy lets do the denied thing. Pure."""

from gitannot.access import globs
from gitannot.access.evaluate import Decision, who_may
from gitannot.access.model import Effect, Mode, Policy, Rule
from gitannot.core.globs import USER_PLACEHOLDER
from gitannot.core.refupdate import Action

# Asking every user costs users x rules per question; beyond this many distinct
# questions in one push the hint stays generic (only the first ten findings print anyway).
MAX_EXACT_HINTS = 50


class Hints:
    def __init__(self, policy: Policy, user: str) -> None:
        self.policy = policy
        self.user = user
        self._cache: dict[tuple[str, Action, str | None], str] = {}

    def hint(self, ref: str, action: Action, path: str | None, decision: Decision) -> str:
        key = (ref, action, path)
        if key not in self._cache:
            self._cache[key] = self._build(ref, action, path, decision)
        return self._cache[key]

    def _build(self, ref: str, action: Action, path: str | None, decision: Decision) -> str:
        change = f"an admin can change {self.policy.path} on the default branch"
        if len(self._cache) >= MAX_EXACT_HINTS:
            return change
        users = who_may(self.policy, ref, action, path)
        parts = []
        if users:
            parts.append(f"allowed for {', '.join(users)} under the current policy")
        else:
            parts.append("no user may do this under the current policy")
        yours = self._yours(ref, action, path)
        if yours:
            parts.append(yours)
        if decision.would_decide is not None:
            parts.append(f"an evaluate-mode rule at {decision.would_decide.source} would allow it")
        parts.append(change)
        return "; ".join(parts)

    def _yours(self, ref: str, action: Action, path: str | None) -> str:
        """What the pusher may do instead: refs for a ref denial, paths for a path denial.

        Read off the allow rules naming the pusher; a deny above one may still narrow it.
        """
        grants = [r for r in self.policy.rules if self._grants(r, action)]
        if path is None:
            refs = [p.replace(USER_PLACEHOLDER, self.user) for r in grants for p in r.refs]
            where = ", ".join(dict.fromkeys(refs))
            return f"{self.user} may {action.value}: {where}" if where else ""
        here = [r for r in grants if any(globs.matches(p, ref, self.user) for p in r.refs)]
        if any(r.paths is None for r in here):
            return ""
        paths = [p.replace(USER_PLACEHOLDER, self.user) for r in here for p in r.paths or ()]
        where = ", ".join(dict.fromkeys(paths))
        return f"on this ref {self.user} may change: {where}" if where else ""

    def _grants(self, rule: Rule, action: Action) -> bool:
        return (
            rule.effect is Effect.ALLOW
            and rule.mode is Mode.ENFORCE
            and action in rule.actions
            and any(self.policy.selects(sel, self.user) for sel in rule.who)
        )
