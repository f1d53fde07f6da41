"""A passing release's record: mlcroissant reads it, `release verify` accepts it from a
clone, and any changed byte of it fails verification."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from pathlib import Path

import mlcroissant as mlc
import pygit2
import pytest

from gitannot.audit import reader
from gitannot.main import main as gitannot_main
from gitannot.release.store import read, record_ref
from tests.gitenv import Client, ServerRepo
from tests.release.helpers import TAG, MakeClient, seeded, sha, tag_and_push

RECORD_FILES = (
    "croissant.json",
    "items.csv",
    "sha256sums.txt",
    "frozen.json",
    "attestation.dsse.json",
)


@pytest.fixture
def released(server: ServerRepo, make_client: MakeClient) -> Client:
    alice = seeded(server, make_client)
    result = tag_and_push(alice)
    assert result.accepted, result.output
    clone = make_client(server, "bob")
    clone.git("fetch", "-q", "origin", "+refs/releases/*:refs/releases/*")
    clone.git("fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit")
    return clone


def _verify(client: Client, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = gitannot_main(["release", "--repo", str(client.path), "verify", TAG])
    return code, capsys.readouterr().out


def test_mlcroissant_validates_the_record(released: Client, tmp_path: Path) -> None:
    files = read(pygit2.Repository(str(released.path / ".git")), TAG)
    assert files is not None
    for name in ("croissant.json", "items.csv"):
        (tmp_path / name).write_bytes(files[name])
    dataset = mlc.Dataset(jsonld=str(tmp_path / "croissant.json"))
    assert dataset.metadata.version == TAG
    rows = list(dataset.records("items"))
    assert {(r["items/id"], r["items/split"]) for r in rows} == {
        (b"a", b"train"),
        (b"b", b"val"),
        (b"c", b"test"),
    }
    assert {r["items/sha256"] for r in rows} == {sha(n).encode() for n in "abc"}
    doc = json.loads(files["croissant.json"])
    labels = {d["label_distribution/label"]: d["label_distribution/count"] for d in _data(doc)}
    assert labels == {"person": 3, "car": 3}
    assert doc["rai:annotationsPerItem"] == "2.00"
    shas = {f["name"]: f["sha256"] for f in doc["distribution"]}
    assert shas["data/items.jsonl"] == _sha_of(released, "data/items.jsonl")


def _data(doc: dict[str, object]) -> list[dict[str, object]]:
    sets = doc["recordSet"]
    assert isinstance(sets, list)
    (found,) = [s for s in sets if s["@id"] == "label_distribution"]
    return list(found["data"])


def _sha_of(client: Client, path: str) -> str:
    return hashlib.sha256((client.path / path).read_bytes()).hexdigest()


def test_verify_from_a_clone(released: Client, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _verify(released, capsys)
    assert code == 0, out
    assert f"release {TAG}: verified" in out
    assert "every file of commit" in out


def test_statement_lists_every_gate(released: Client) -> None:
    files = read(pygit2.Repository(str(released.path / ".git")), TAG)
    assert files is not None
    envelope = json.loads(files["attestation.dsse.json"])
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    gates = {g["name"]: g["status"] for g in statement["predicate"]["gates"]}
    assert gates == {
        "validation": "pass",
        "conflicts": "pass",
        "tasks": "skipped",
        "approvals": "skipped",
        "manifest-hashes": "pass",
        "split-leakage": "pass",
        "split-freeze": "pass",
    }
    commit = released.git("rev-parse", f"{TAG}^{{commit}}").stdout.strip()
    assert statement["subject"][0] == {"name": "git-commit", "digest": {"gitCommit": commit}}
    assert statement["predicate"]["pusher"] == "alice"


def test_release_is_in_the_audit_log(released: Client) -> None:
    repo = pygit2.Repository(str(released.path / ".git"))
    entries = [e.entry for e in reader.entries(repo) if e.entry.get("type") == "release"]
    assert len(entries) == 1
    assert entries[0]["tag"] == TAG
    assert entries[0]["record"] == str(repo.references[record_ref(TAG)].target)


@pytest.mark.parametrize("name", RECORD_FILES)
def test_any_changed_byte_fails(
    released: Client, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    repo = pygit2.Repository(str(released.path / ".git"))
    original = read(repo, TAG)
    assert original is not None
    data = original[name]
    rng = random.Random(f"{name}-1")  # seeded: the same positions on every run
    for position in (0, len(data) // 2, len(data) - 1, *rng.sample(range(len(data)), 5)):
        changed = bytearray(data)
        changed[position] = ord("x") if changed[position] != ord("x") else ord("y")
        _rewrite(repo, {**original, name: bytes(changed)})
        code, out = _verify(released, capsys)
        assert code == 1, f"{name} byte {position} changed, still verified:\n{out}"
        assert "NOT verified" in out
    _rewrite(repo, original)
    assert _verify(released, capsys)[0] == 0


def test_an_added_file_fails(released: Client, capsys: pytest.CaptureFixture[str]) -> None:
    repo = pygit2.Repository(str(released.path / ".git"))
    original = read(repo, TAG)
    assert original is not None
    _rewrite(repo, {**original, "extra.txt": b"hello\n"})
    code, out = _verify(released, capsys)
    assert code == 1
    assert "files the statement does not cover: extra.txt" in out


def _rewrite(repo: pygit2.Repository, files: dict[str, bytes]) -> None:
    """What someone with write access to a copy of the record could do."""
    builder = repo.TreeBuilder()
    for name, data in files.items():
        builder.insert(name, repo.create_blob(data), pygit2.enums.FileMode.BLOB)
    sig = pygit2.Signature("mallory", "m@example.com", 0, 0)
    commit = repo.create_commit(None, sig, sig, "forged", builder.write(), [])
    repo.references.create(record_ref(TAG), commit, force=True)


def test_reformatted_envelope_fails(released: Client, capsys: pytest.CaptureFixture[str]) -> None:
    """Still valid JSON with the same payload and signature, but not the bytes signed off."""
    repo = pygit2.Repository(str(released.path / ".git"))
    original = read(repo, TAG)
    assert original is not None
    compact = json.dumps(json.loads(original["attestation.dsse.json"])).encode()
    _rewrite(repo, {**original, "attestation.dsse.json": compact})
    code, out = _verify(released, capsys)
    assert code == 1
    assert "not in the exact form the server writes" in out


def test_verify_cross_checks_the_audit_log(
    released: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _verify(released, capsys)
    assert code == 0, out
    assert "ok: audit log release entry names this attestation.dsse.json" in out


def test_list_shows_the_release(released: Client, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert gitannot_main(["release", "--repo", str(released.path), "list"]) == 0
    commit = released.git("rev-parse", f"{TAG}^{{commit}}").stdout.strip()
    (line,) = capsys.readouterr().out.splitlines()
    assert line.startswith(f"{TAG}\t{commit[:12]}\t")
    assert line.endswith("\t0 model(s)")


@pytest.mark.ssh
def test_pusher_comes_from_the_ssh_key(ssh_server: ServerRepo, make_client: MakeClient) -> None:
    """Over the real sshd the forced command names the user; the commit author is not read."""
    alice = seeded(ssh_server, make_client)
    alice.git("tag", "-a", TAG, "-m", "release")
    result = alice.push(f"refs/tags/{TAG}:refs/tags/{TAG}", via="ssh")
    assert result.accepted, result.output
    files = read(pygit2.Repository(str(ssh_server.path)), TAG)
    assert files is not None
    envelope = json.loads(files["attestation.dsse.json"])
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["predicate"]["pusher"] == "alice"
