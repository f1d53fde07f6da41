"""The demo's workflow step runs after the server step and shows what it claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitannot.demo import scenario, steps_10_server, steps_50_workflow


@pytest.mark.slow
def test_demo_workflow_step(tmp_path: Path) -> None:
    out = scenario.CapturePrinter()
    demo = scenario.Demo(tmp_path / "demo", out)
    steps_10_server.run(demo)
    steps_50_workflow.run(demo)
    text = "\n".join(out.lines)
    assert demo.mismatches == [], text
    assert "[task.not-assigned] refs/heads/annotate/bob/w1" in text
    assert "[review.request-changes] refs/reviews/" in text
    assert "dave request-changes" in text
    assert "changes requested by dave; missing 1 more from: dave, erin" in text
    assert "not counted, self-approval: dave" in text
    assert "approved by erin" in text
    assert "workflow.approved: refs/heads/main moves onto" in text  # from audit show
    assert "annotation/completed" in text  # the board
