"""docs/access.md shows the scaffold policy verbatim, and that policy is valid."""

from pathlib import Path

from gitannot.access.loader import parse_policy
from tests.access.helpers import policy_text

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def test_doc_embeds_the_scaffold_policy() -> None:
    assert f"```yaml\n{policy_text()}```" in DOC.read_text(encoding="utf-8")
    parse_policy(policy_text(), "configs/access.yaml")
