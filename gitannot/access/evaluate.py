"""Decide one question against a policy. Pure; the hook and `gitannot policy` share it.

Evaluation order (documented in docs/access.md): rules are read top to bottom and the
first *enforced* rule that matches decides, allow or deny; if none matches, the answer is
deny. An `evaluate` rule never decides: if it matches before the deciding rule and
disagrees with it, that is reported (`would_decide`).

Two kinds of question:
- ref question (user, ref, action): a rule matches when who, refs and actions match; a
  deny rule that lists `paths` is about those paths only, so it is skipped here.
- path question (user, ref, action, path): as above and the path matches the rule's
  `paths` (a rule without `paths` covers every path).
"""

from dataclasses import dataclass

from gitannot.access import globs
from gitannot.access.model import Effect, Mode, Policy, Rule
from gitannot.core.refupdate import Action


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: Rule | None  # None: no rule matched, denied by default
    would_decide: Rule | None = None  # first matching evaluate-mode rule that disagrees

    @property
    def source(self) -> str:
        return self.rule.source if self.rule else ""


def rule_matches(
    policy: Policy, rule: Rule, user: str, ref: str, action: Action, path: str | None
) -> bool:
    if action not in rule.actions:
        return False
    if not any(policy.selects(sel, user) for sel in rule.who):
        return False
    if not any(globs.matches(p, ref, user) for p in rule.refs):
        return False
    if path is None:
        return rule.paths is None or rule.effect is Effect.ALLOW
    # A deny's paths fold case (fail closed); an allow's are exact (never grant more).
    match = globs.matches_any_case if rule.effect is Effect.DENY else globs.matches
    return rule.paths is None or any(match(p, path, user) for p in rule.paths)


def decide(
    policy: Policy, user: str, ref: str, action: Action, path: str | None = None
) -> Decision:
    """The decision for a ref question (path None) or a path question."""
    pending: Rule | None = None
    for rule in policy.rules:
        if not rule_matches(policy, rule, user, ref, action, path):
            continue
        if rule.mode is Mode.EVALUATE:
            pending = pending or rule
            continue
        allowed = rule.effect is Effect.ALLOW
        return Decision(allowed, rule, _disagrees(pending, allowed))
    return Decision(False, None, _disagrees(pending, False))


def _disagrees(rule: Rule | None, allowed: bool) -> Rule | None:
    if rule is None or (rule.effect is Effect.ALLOW) == allowed:
        return None
    return rule


def trace(
    policy: Policy, user: str, ref: str, action: Action, path: str | None = None
) -> list[tuple[Rule, bool]]:
    """Every rule with whether it matched, up to and including the deciding one."""
    out = []
    for rule in policy.rules:
        hit = rule_matches(policy, rule, user, ref, action, path)
        out.append((rule, hit))
        if hit and rule.mode is Mode.ENFORCE:
            break
    return out


def who_may(policy: Policy, ref: str, action: Action, path: str | None = None) -> list[str]:
    """Users the policy would allow; this is the "what would allow it" part of a denial."""
    return [u for u in policy.known_users() if decide(policy, u, ref, action, path).allowed]
