"""verify reads a log commit of the usual shape by slicing its raw bytes (check_usual)
and anything else with the general parsers (check_general). Wherever the fast path
answers, it must give the general path's answer: on real log commits, and on every
mutation of their bytes that the fast path still accepts."""

import subprocess

import pygit2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitannot.audit import entry as E
from gitannot.audit import gitobjects, sigcheck, sshsig, writer
from tests.audit.helpers import synthetic_fields
from tests.gitenv import ServerRepo


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> tuple[pygit2.Repository, list[str]]:
    """A real log: accepted and rejected pushes, and receipts appended to an existing
    note (each receipt's tip already has the push's note)."""
    from gitannot.main import main

    path = tmp_path_factory.mktemp("fast") / "labels.git"
    assert main(["server", "install", str(path), "--init", "--admin", "alice"]) == 0
    server = ServerRepo(path=path, admins=["alice"])
    for i in range(4):
        fields = synthetic_fields(server, f"u{i}", "rejected" if i == 2 else "accepted")
        writer.append(path, fields)
        if i != 2:
            updates = fields["updates"]
            assert isinstance(updates, list)
            receipt = {"type": E.RECEIPT, "completes": None, "completes_digest": None,
                       "updates": [{k: u[k] for k in ("ref", "old", "new", "action")}
                                   for u in updates]}  # fmt: skip
            writer.append(path, receipt)
    repo = pygit2.Repository(str(path))
    out = subprocess.run(
        ["git", "--git-dir", str(path), "rev-list", "--reverse", "refs/notes/audit"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return repo, out


def _before_tree(repo: pygit2.Repository, commits: list[str], at: int) -> str | None:
    return gitobjects.read_commit(repo, commits[at - 1]).tree_id if at else None


def test_fast_and_general_agree_on_every_commit_of_a_real_log(
    log: tuple[pygit2.Repository, list[str]],
) -> None:
    repo, commits = log
    notes_appended = 0
    for at, oid in enumerate(commits):
        _kind, raw = repo.odb.read(oid)
        before = _before_tree(repo, commits, at)
        usual = sigcheck.check_usual(repo, oid, raw, before, {})
        general = sigcheck.check_general(repo, gitobjects.parse_commit(oid, raw), before, {})
        assert usual is not None, oid  # the writer's own commits take the fast path
        assert usual == general and general.tree_ok and general.entry_key, oid
        notes_appended += general.kind == E.RECEIPT
    assert notes_appended == 3


mutations = st.tuples(
    st.sampled_from(["replace", "insert", "delete"]),
    st.integers(0, 10**6),
    st.binary(min_size=1, max_size=3)
    | st.sampled_from([b"\n", b"\n ", b" ", b"\n\n", b"\ntree ", b"\nparent ", b"\xff", b"{"]),
)


def _mutate(raw: bytes, how: tuple[str, int, bytes]) -> bytes:
    op, where, data = how
    at = where % (len(raw) + 1)
    if op == "replace":
        return raw[:at] + data + raw[at + len(data) :]
    if op == "insert":
        return raw[:at] + data + raw[at:]
    return raw[:at] + raw[at + len(data) :]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pick=st.integers(0, 100), how=mutations)
def test_commit_slicing_agrees_with_the_general_parsers(
    log: tuple[pygit2.Repository, list[str]], pick: int, how: tuple[str, int, bytes]
) -> None:
    repo, commits = log
    oid = commits[pick % len(commits)]
    raw = _mutate(repo.odb.read(oid)[1], how)
    usual = gitobjects.usual_commit(raw)
    if usual is None:
        return
    general = gitobjects.parse_commit(oid, raw)
    signed = gitobjects.split_signature(raw)
    assert signed is not None
    assert (usual.tree_id, usual.parents) == (general.tree_id, len(general.parent_ids))
    assert (usual.armor, usual.payload) == (signed[0] + b"\n", signed[1])
    assert usual.message.decode("utf-8", "replace") == general.message
    split = E.split_message(usual.message)
    if split is not None:
        data, armor = split
        try:
            data.decode("utf-8")  # the fast path only goes on with an entry that parses
        except UnicodeDecodeError:
            return
        assert E.parse_message(general.message) == (data, armor.decode("utf-8", "replace"))


@settings(max_examples=300, deadline=None)
@given(how=mutations)
def test_armor_read_from_bytes_gives_the_text_verdict(
    log: tuple[pygit2.Repository, list[str]], how: tuple[str, int, bytes]
) -> None:
    """sshsig.verify on the raw armor (fast unarmor, remembered blob layout) and on
    the same armor as text (the general path): the same key, or the same error."""
    repo, commits = log
    usual = gitobjects.usual_commit(repo.odb.read(commits[0])[1])
    assert usual is not None
    armor = _mutate(usual.armor, how)

    def verdict(signature: str | bytes) -> str:
        try:
            return sshsig.verify(signature, usual.payload, E.GIT_NAMESPACE).public_key
        except (sshsig.SignatureError, UnicodeDecodeError) as exc:
            return f"{type(exc).__name__}: {exc}"

    try:
        text = armor.decode()
    except UnicodeDecodeError:
        assert verdict(armor).startswith("UnicodeDecodeError")
        return
    assert verdict(armor) == verdict(text)


@settings(max_examples=60, deadline=None)
@given(
    old=st.binary(max_size=30),
    block=st.binary(min_size=1, max_size=30),
    tip=st.text("0123456789abcdef", min_size=40, max_size=40),
)
def test_appended_note_matches_reading_the_old_note_first(
    tmp_path_factory: pytest.TempPathFactory, old: bytes, block: bytes, tip: str
) -> None:
    """Appended (the old note read during the tree walk) gives the tree that
    expected_blobs' two steps (read the old note, then set old + newline + block) give."""
    path = tmp_path_factory.mktemp("append") / "r.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    repo = pygit2.Repository(str(path))
    note = gitobjects.note_path(tip)
    other = gitobjects.note_path("ab" + tip[2:] if tip[:2] != "ab" else "cd" + tip[2:])
    blobs = {other: repo.create_blob(b"x")}
    if old:
        blobs[note] = repo.create_blob(old)
    base = str(gitobjects.update_tree(repo, None, blobs))
    seen = gitobjects.blob_at(repo, base, note)
    explicit = {note: (seen + b"\n" if seen else b"") + block}
    assert gitobjects.tree_id_with(repo, base, {note: gitobjects.Appended(block)}) == (
        gitobjects.tree_id_with(repo, base, explicit)
    )


def test_a_tampered_commit_takes_the_general_path_and_says_why(
    log: tuple[pygit2.Repository, list[str]],
) -> None:
    repo, commits = log
    raw = repo.odb.read(commits[2])[1]  # the second push, accepted
    edited = raw.replace(b'"decision":"accepted"', b'"decision":"rejected"', 1)
    assert edited != raw
    before = _before_tree(repo, commits, 2)
    assert sigcheck.check_usual(repo, commits[2], edited, before, {}) is None
    general = sigcheck.check_general(repo, gitobjects.parse_commit(commits[2], edited), before, {})
    assert general.entry_key is None
    assert general.entry_sig_error == "signature does not match the signed bytes"
    assert general.commit_key is None and general.commit_error == (
        "signature does not match the signed bytes"
    )


def test_an_unsigned_commit_takes_the_general_path(
    log: tuple[pygit2.Repository, list[str]],
) -> None:
    """No gpgsig header: not the usual shape, and the general path says it is unsigned."""
    repo, commits = log
    raw = repo.odb.read(commits[0])[1]
    signed = gitobjects.split_signature(raw)
    assert signed is not None
    unsigned = signed[1]
    assert gitobjects.usual_commit(unsigned) is None
    general = sigcheck.check_general(repo, gitobjects.parse_commit(commits[0], unsigned), None, {})
    assert general.commit_key is None and general.commit_error == ""
    assert general.entry_key is not None and general.tree_ok


@pytest.mark.parametrize(
    ("total", "count"), [(1, 2), (255, 2), (10_000, 2), (10_001, 3), (10**6, 8)]
)
def test_jobs_cover_the_log_once_in_order_large_first(total: int, count: int) -> None:
    jobs = list(sigcheck.jobs(total, count))
    assert [start for start, _stop in jobs] == [0] + [stop for _start, stop in jobs[:-1]]
    assert jobs[-1][1] == total
    sizes = [stop - start for start, stop in jobs]
    assert all(size <= sigcheck.CHUNK_MAX for size in sizes)
    assert all(size >= sigcheck.CHUNK for size in sizes[:-1])
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # the last: what is left
