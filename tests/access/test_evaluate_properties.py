"""Properties of the evaluation order over random policies (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gitannot.access.evaluate import decide, trace
from gitannot.access.model import Effect, Mode, Policy, Rule
from gitannot.core.refupdate import Action

USERS = {"ann": frozenset({"annotator"}), "rev": frozenset({"reviewer"}), "adm": frozenset()}
GROUPS = {"team": frozenset({"ann", "rev"})}
REFS = ["refs/heads/main", "refs/heads/annotate/{user}/**", "refs/tags/**", "refs/heads/**"]
PATHS = ["labels/**", "schema/**", "**", "labels/*.json"]
WHO = ["ann", "rev", "adm", "@team", "role:annotator", "role:reviewer", "*"]
QUERY_REFS = ["refs/heads/main", "refs/heads/annotate/ann/x", "refs/tags/v1", "refs/heads/dev"]
QUERY_PATHS = [None, "labels/a.json", "labels/x/y.json", "schema/s.yaml", "data/d"]

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


@settings(max_examples=300, deadline=None)
@given(st.lists(rules, max_size=6), queries)
def test_decision_is_the_first_matching_enforced_rule(rule_list: list[Rule], q: Query) -> None:
    policy = _policy(rule_list)
    decision = decide(policy, *q)
    enforced_hits = [r for r, hit in trace(policy, *q) if hit and r.mode is Mode.ENFORCE]
    if enforced_hits:
        assert decision.rule is enforced_hits[0]
        assert decision.allowed is (enforced_hits[0].effect is Effect.ALLOW)
    else:
        assert decision.rule is None and not decision.allowed  # deny by default


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
