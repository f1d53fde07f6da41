"""The demo's release steps: policy and manifest, gates, a signed record, verification."""

from pathlib import Path

import pytest

from gitannot.demo import (
    scenario,
    steps_10_server,
    steps_20_access,
    steps_30_validation,
    steps_40_merge,
    steps_50_workflow,
    steps_80_release,
)


@pytest.mark.slow
def test_demo_release_steps(tmp_path: Path) -> None:
    out = scenario.CapturePrinter()
    demo = scenario.Demo(tmp_path / "demo", out)
    # The workflow steps protect main, so the release setup goes through an approval.
    steps = (steps_10_server, steps_20_access, steps_30_validation, steps_40_merge)
    for module in (*steps, steps_50_workflow):
        module.run(demo)
    steps_80_release.run(demo)
    text = "\n".join(out.lines)
    assert demo.mismatches == [], text
    assert "unusable" not in text  # the policy edit keeps the access policy valid
    assert "[release.tag-not-annotated]" in text
    assert "release v1.0-validated: every gate passed" in text
    assert "[release.frozen-split-moved]" in text
    assert "model s3://models/street-detector-v1.pt linked to release v1.0-validated" in text
    assert "ok: every file of commit" in text
    assert out.lines[-1].strip() == "| release v1.0-validated: verified"
