"""Properties of the evaluation order over random policies (hypothesis)."""

from __future__ import annotations

from fnmatch import fnmatchcase

from hypothesis import given, settings
from hypothesis import strategies as st

from gitannot.access.evaluate import decide
from gitannot.access.model import Effect, Mode, Policy, Rule
from gitannot.core.refupdate import Action

USERS = {"ann": frozenset({"annotator"}), "rev": frozenset({"reviewer"}), "adm": frozenset()}
GROUPS = {"team": frozenset({"ann", "rev"})}
REFS = ["refs/heads/main", "refs/heads/annotate/{user}/**", "refs/tags/**", "refs/heads/**"]
PATHS = ["labels/**", "schema/**", "**", "labels/*.json"]
WHO = ["ann", "rev", "adm", "@team", "role:annotator", "role:reviewer", "*"]
QUERY_REFS = [
    "refs/heads/main",
    "refs/heads/annotate/ann/x",
    "refs/heads/annotate/rev/x/y",
    "refs/tags/v1",
    "refs/heads/dev",
]
QUERY_PATHS = [None, "labels/a.json", "labels/x/y.json", "labels", "schema/s.yaml", "data/d"]

rules = st.builds(
    Rule,
    effect=st.sampled_from(Effect),
    actions=st.frozensets(st.sampled_from(Action), min_size=1),
    who=st.lists(st.sampled_from(WHO), min_size=1, max_size=2).map(tuple),
    refs=st.lists(st.sampled_from(REFS), min_size=1, max_size=2).map(tuple),
    paths=st.none() | st.lists(st.sampled_from(PATHS), min_size=1, max_size=2).map(tuple),
    mode=st.sampled_from(Mode),
    source=st.just("p.yaml:1"),
)
Query = tuple[str, str, Action, str | None]
queries = st.tuples(
    st.sampled_from([*sorted(USERS), "stranger"]),
    st.sampled_from(QUERY_REFS),
    st.sampled_from(Action),
    st.sampled_from(QUERY_PATHS),
)


def _policy(rule_list: list[Rule]) -> Policy:
    return Policy(path="p.yaml", users=USERS, groups=GROUPS, rules=tuple(rule_list))


# An independent reference evaluator: brute force over the whole rule list, with its own
# glob matching (segment by segment, fnmatch inside a segment), written from the rules in
# docs/access.md and not from gitannot.access.evaluate, so the two cannot share a bug.


def ref_glob(pattern: str, text: str, user: str) -> bool:
    """`**/` is zero or more folders, a final `**` is one or more (it follows a `/`, and
    `x/**` does not match `x` itself), `*`/`?` stay inside a segment, `{user}` is literal."""
    pat = pattern.replace("{user}", user).split("/")
    segs = text.split("/")

    def go(i: int, j: int) -> bool:
        if i == len(pat):
            return j == len(segs)
        if pat[i] == "**":
            least = 1 if i == len(pat) - 1 else 0
            return any(go(i + 1, k) for k in range(j + least, len(segs) + 1))
        return j < len(segs) and fnmatchcase(segs[j], pat[i]) and go(i + 1, j + 1)

    return go(0, 0)


def ref_selected(selector: str, user: str) -> bool:
    members = {m for group in GROUPS.values() for m in group}
    if user not in USERS and user not in members:
        return False  # a user the policy does not know is never selected
    if selector == "*":
        return True
    if selector.startswith("role:"):
        return selector.removeprefix("role:") in USERS.get(user, frozenset())
    if selector.startswith("@"):
        return user in GROUPS.get(selector[1:], frozenset())
    return selector == user


def ref_applies(rule: Rule, user: str, ref: str, action: Action, path: str | None) -> bool:
    if action not in rule.actions or not any(ref_selected(w, user) for w in rule.who):
        return False
    if not any(ref_glob(r, ref, user) for r in rule.refs):
        return False
    if rule.paths is None:
        return True
    if path is None:  # a ref question: only allow rules speak for all their paths
        return rule.effect is Effect.ALLOW
    return any(ref_glob(p, path, user) for p in rule.paths)


def reference(rule_list: list[Rule], q: Query) -> tuple[bool, int | None, int | None]:
    """(allowed, index of the deciding rule, index of the disagreeing evaluate rule)."""
    hits = [i for i, r in enumerate(rule_list) if ref_applies(r, *q)]
    enforced = [i for i in hits if rule_list[i].mode is Mode.ENFORCE]
    decider = enforced[0] if enforced else None
    allowed = decider is not None and rule_list[decider].effect is Effect.ALLOW
    before = [
        i for i in hits if rule_list[i].mode is Mode.EVALUATE and (decider is None or i < decider)
    ]
    first_eval = before[0] if before else None
    if first_eval is not None and (rule_list[first_eval].effect is Effect.ALLOW) == allowed:
        first_eval = None  # it agrees: nothing to report
    return allowed, decider, first_eval


def _index(rule_list: list[Rule], rule: Rule | None) -> int | None:
    return None if rule is None else next(i for i, r in enumerate(rule_list) if r is rule)


def test_reference_glob_on_written_cases() -> None:
    cases = [
        ("labels/**", "labels/a.json", True),
        ("labels/**", "labels/x/y.json", True),
        ("labels/**", "labels", False),
        ("labels/*.json", "labels/a.json", True),
        ("labels/*.json", "labels/x/y.json", False),
        ("**", "data/d", True),
        ("refs/heads/annotate/{user}/**", "refs/heads/annotate/ann/x", True),
        ("refs/heads/annotate/{user}/**", "refs/heads/annotate/rev/x", False),
        ("refs/heads/main", "refs/heads/main2", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
    ]
    assert [ref_glob(p, t, "ann") for p, t, _ in cases] == [want for _, _, want in cases]


@settings(max_examples=400, deadline=None)
@given(st.lists(rules, max_size=6), queries)
def test_decide_agrees_with_the_reference_evaluator(rule_list: list[Rule], q: Query) -> None:
    decision = decide(_policy(rule_list), *q)
    got = (
        decision.allowed,
        _index(rule_list, decision.rule),
        _index(rule_list, decision.would_decide),
    )
    assert got == reference(rule_list, q)


@settings(max_examples=300, deadline=None)
@given(st.lists(rules, max_size=6), st.lists(rules, max_size=3), queries)
def test_rules_appended_below_never_change_a_decided_question(
    rule_list: list[Rule],
    extra: list[Rule],
    q: Query,
) -> None:
    before = decide(_policy(rule_list), *q)
    after = decide(_policy(rule_list + extra), *q)
    if before.rule is not None:
        assert after == before


@settings(max_examples=300, deadline=None)
@given(st.lists(rules, max_size=6), queries)
def test_evaluate_rules_never_decide(rule_list: list[Rule], q: Query) -> None:
    enforced = [r for r in rule_list if r.mode is Mode.ENFORCE]
    assert decide(_policy(rule_list), *q).allowed == decide(_policy(enforced), *q).allowed


@settings(max_examples=200, deadline=None)
@given(st.lists(rules, max_size=6), queries)
def test_without_allow_rules_nothing_is_allowed(rule_list: list[Rule], q: Query) -> None:
    denies = [r for r in rule_list if r.effect is Effect.DENY]
    assert not decide(_policy(denies), *q).allowed


@settings(max_examples=200, deadline=None)
@given(st.lists(rules, max_size=6), queries)
def test_unknown_users_are_never_allowed(rule_list: list[Rule], q: Query) -> None:
    assert not decide(_policy(rule_list), "stranger", *q[1:]).allowed
