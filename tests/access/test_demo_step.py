"""The demo's access step runs after the server step and shows what it claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitannot.demo import scenario, steps_10_server, steps_20_access


@pytest.mark.slow
def test_demo_access_step(tmp_path: Path) -> None:
    out = scenario.CapturePrinter()
    demo = scenario.Demo(tmp_path / "demo", out)
    steps_10_server.run(demo)
    steps_20_access.run(demo)
    text = "\n".join(out.lines)
    assert demo.mismatches == [], text
    assert "git push HEAD:refs/heads/annotate/bob/intro (bob)  -> ok (as expected)" in text
    assert "push by bob accepted" in text
    assert "[access.path-denied] refs/heads/annotate/bob/intro" in text
    assert "schema/labels.yaml: DENIED: bob may not update branch annotate/bob/intro" in text
    assert "[access.ref-denied] refs/heads/main: DENIED: bob may not update branch main" in text
    assert "decided by configs/access.yaml:" in text
