"""Model links: pushed as a request, recorded (signed) by the server, listed both ways."""

from __future__ import annotations

import pygit2
import pytest

from gitannot.main import main as gitannot_main
from gitannot.release.store import read
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


def _request(client: Client, body: bytes, extra: dict[str, bytes] | None = None) -> str:
    """A link request made by hand: a parentless commit holding link.json (and more)."""
    repo = pygit2.Repository(str(client.path / ".git"))
    builder = repo.TreeBuilder()
    for name, data in {"link.json": body, **(extra or {})}.items():
        builder.insert(name, repo.create_blob(data), pygit2.enums.FileMode.BLOB)
    sig = pygit2.Signature("x", "x@example.com", 0, 0)
    return str(repo.create_commit(None, sig, sig, "link", builder.write(), []))


@pytest.mark.parametrize(
    ("body", "extra", "needle"),
    [
        (b'{"uri": ""}', None, "`uri` (where the checkpoint is) is required"),
        (b'{"uri": "s3://m.pt", "metrics": {"mAP": "high"}}', None, "finite numbers"),
        (b'{"uri": "s3://m.pt", "linked_by": "eve"}', None, "unknown key(s) linked_by"),
        (b'{"uri": "s3://m.pt"}', {"x.txt": b"x"}, "must hold exactly link.json"),
    ],
)
def test_malformed_link_requests_rejected(
    server: ServerRepo,
    make_client: MakeClient,
    body: bytes,
    extra: dict[str, bytes] | None,
    needle: str,
) -> None:
    alice = seeded(server, make_client)
    assert tag_and_push(alice).accepted
    commit = _request(alice, body, extra)
    result = alice.push(f"{commit}:refs/release-links/{TAG}/by-hand")
    assert not result.accepted, result.output
    assert "[release.link-invalid]" in result.output
    assert needle in result.output
    files = read(pygit2.Repository(str(server.path)), TAG)
    assert files is not None
    assert not [p for p in files if p.startswith("models/")]
