"""`gitannot server warm` fills the cache for the branch the hook trusts (recorded at
install), not for wherever HEAD points: the hook keys its cache by that branch's rules,
so warming another branch would leave the next push to pay for a full check."""

from __future__ import annotations

import shutil

import pytest

from gitannot.main import main
from gitannot.validation.push import cache_dir
from tests.gitenv import ServerRepo
from tests.validation.test_warm import PATH, MakeClient, _edited, _setup


def test_warm_fills_the_trusted_branch_when_head_points_elsewhere(
    server: ServerRepo, make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    alice, data = _setup(server, make_client)
    alice.commit({"notes.txt": "elsewhere\n"}, "a branch without the label file's edits")
    assert alice.push("HEAD:refs/heads/other").accepted
    server.git("symbolic-ref", "HEAD", "refs/heads/other")
    shutil.rmtree(cache_dir(server.path))

    assert main(["server", "warm", str(server.path)]) == 0
    assert "warmed 1 label file(s) on refs/heads/main (0 already cached)" in (
        capsys.readouterr().out
    )
    alice.commit({PATH: _edited(data, 5)}, "edit")
    pushed = alice.push("HEAD:refs/heads/main")
    assert pushed.accepted, pushed.output
    assert "1 checked by record, 5 record(s) re-checked" in pushed.output
