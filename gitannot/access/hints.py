""" "What would allow it": the users the current policy lets do the denied thing. Pure."""

from gitannot.access.evaluate import Decision, who_may
from gitannot.access.model import Policy
from gitannot.core.refupdate import Action

# Asking every user costs users x rules per question; beyond this many distinct
# questions in one push the hint stays generic (only the first ten findings print anyway).
MAX_EXACT_HINTS = 50


class Hints:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
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
        if decision.would_decide is not None:
            parts.append(f"an evaluate-mode rule at {decision.would_decide.source} would allow it")
        parts.append(change)
        return "; ".join(parts)
