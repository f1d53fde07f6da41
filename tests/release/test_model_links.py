"""Model links: pushed as a request, recorded (signed) by the server, listed both ways."""

from __future__ import annotations

import pytest

from gitannot.main import main as gitannot_main
from tests.gitenv import Client, ServerRepo
from tests.release.helpers import TAG, MakeClient, seeded, tag_and_push


def _cli(client: Client, *args: str) -> int:
    return gitannot_main(["release", "--repo", str(client.path), *args])


def test_link_show_find_and_verify(
    server: ServerRepo,
    make_client: MakeClient,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alice = seeded(server, make_client)
    assert tag_and_push(alice).accepted
    monkeypatch.setenv("GITANNOT_USER", "alice")  # what the transport would set
    code = _cli(alice, "link-model", TAG, "--uri", "s3://models/r1.pt", "--run-id", "run-7",
                "--metrics", "mAP=0.61")  # fmt: skip
    assert code == 0
    assert not [r for r in server.git("for-each-ref", "refs/release-links").stdout.splitlines()]
    alice.git("fetch", "-q", "origin", "+refs/releases/*:refs/releases/*")
    capsys.readouterr()
    assert _cli(alice, "show", TAG) == 0
    out = capsys.readouterr().out
    assert "model s3://models/r1.pt run run-7 by alice" in out
    assert "mAP=0.61" in out
    assert _cli(alice, "find-model", "s3://models/r1.pt") == 0
    assert capsys.readouterr().out.startswith(f"{TAG}\trun-7\tmodels/0001.dsse.json")
    alice.git("fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit")
    assert _cli(alice, "verify", TAG) == 0
    assert "models/0001.dsse.json: model link signed" in capsys.readouterr().out


def test_link_to_unknown_release_rejected(
    server: ServerRepo,
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    alice = seeded(server, make_client)
    monkeypatch.setenv("GITANNOT_USER", "alice")
    assert _cli(alice, "link-model", "v9", "--uri", "s3://m.pt") == 1
    assert "[release.link-invalid]" in capfd.readouterr().err
    assert _cli(alice, "find-model", "s3://m.pt") == 1
