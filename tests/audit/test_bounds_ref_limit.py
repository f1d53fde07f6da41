"""The max_ref_updates limit as the policy states it: parsed strictly, counted over the
refs it selects, a default when the policy sets none, report-only in evaluate mode."""

import pytest

from gitannot.access.limits import DEFAULT_MAX_REF_UPDATES, check_ref_count
from gitannot.access.loader import PolicyError, parse_policy
from gitannot.core.refupdate import RefUpdate

BASE = """version: 1
users:
  alice: [admin]
rules:
  - allow: all
    who: alice
    refs: ["refs/**"]
"""


def updates(prefix: str, count: int) -> list[RefUpdate]:
    return [RefUpdate("0" * 40, f"{i + 1:040x}", f"{prefix}{i}") for i in range(count)]


def test_default_applies_without_a_limit_in_the_policy() -> None:
    policy = parse_policy(BASE, "configs/access.yaml")
    assert check_ref_count(policy, updates("refs/heads/b", DEFAULT_MAX_REF_UPDATES), "alice") == []
    (hit,) = check_ref_count(policy, updates("refs/heads/b", DEFAULT_MAX_REF_UPDATES + 1), "alice")
    assert hit.rule == "access.limit.max_ref_updates" and hit.blocks
    assert hit.source.startswith("gitannot's default")
    (no_policy,) = check_ref_count(None, updates("refs/heads/b", 1001), "alice")
    assert no_policy.rule == "access.limit.max_ref_updates"


def test_policy_limit_counts_only_the_refs_it_selects() -> None:
    text = BASE + 'limits:\n  - max_ref_updates: 3\n    refs: ["refs/tags/**"]\n'
    policy = parse_policy(text, "configs/access.yaml")
    assert check_ref_count(policy, updates("refs/heads/b", 5000), "alice") == []
    (hit,) = check_ref_count(policy, updates("refs/tags/t", 4), "alice")
    assert "this push updates 4 refs, over the limit of 3 per push" in hit.message
    assert hit.source == "configs/access.yaml:9"
    assert "split the push into batches of at most 3 refs" in hit.hint


def test_evaluate_mode_reports_without_blocking() -> None:
    text = BASE + "limits:\n  - max_ref_updates: 2\n    mode: evaluate\n"
    (hit,) = check_ref_count(parse_policy(text, "p.yaml"), updates("refs/heads/b", 3), "alice")
    assert hit.evaluate_only and not hit.blocks


@pytest.mark.parametrize(
    "limit",
    ["max_ref_updates: 0", "max_ref_updates: -1", "max_ref_updates: many",
     'max_ref_updates: 10\n    paths: ["labels/**"]'],
)  # fmt: skip
def test_bad_limits_name_the_line(limit: str) -> None:
    with pytest.raises(PolicyError, match=r"configs/access.yaml:9: .*max_ref_updates"):
        parse_policy(BASE + f"limits:\n  - {limit}\n", "configs/access.yaml")
