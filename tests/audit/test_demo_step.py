"""The demo's audit step: the log of the earlier steps' pushes, shown and verified."""

from pathlib import Path

import pytest

from gitannot.demo import scenario, steps_10_server, steps_90_audit


@pytest.mark.slow
def test_demo_audit_step(tmp_path: Path) -> None:
    out = scenario.CapturePrinter()
    demo = scenario.Demo(tmp_path / "demo", out)
    steps_10_server.run(demo)
    steps_90_audit.run(demo)
    text = "\n".join(out.lines)
    assert demo.mismatches == [], text
    assert "decision: rejected" in text  # the anonymous push of step 10
    assert "gitannot audit #3 push" in text and "pushed by (no identity)" in text
    assert "counts pushes per user: (no identity) {'rejected': 1}, alice {'accepted': 1}" in text
    assert 'Good "git" signature for gitannot-audit' in text
    assert "$ git notes --ref=audit show origin/main  -> ok" in text
    assert "pushed by alice via forced-command over unknown" in text
    assert "OK: 3 entries verified; head #3" in text
