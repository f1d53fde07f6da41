"""Property tests: the in-memory tree hash matches what git writes, and any single
tampering of a log (drop, swap, edit, duplicate) is caught by verify."""

import subprocess
from pathlib import Path

import pygit2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gitannot.audit import entry as E
from gitannot.audit import gitobjects, writer
from gitannot.audit.reader import LogEntry
from gitannot.audit.verify import verify_log
from tests.audit.helpers import log_entries, rebuild, synthetic_fields
from tests.gitenv import ServerRepo

hexid = st.text("0123456789abcdef", min_size=40, max_size=40)
paths = st.one_of(
    hexid.map(gitobjects.note_path), st.integers(1, 5000).map(E.seq_path), st.just("README")
)


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> pygit2.Repository:
    path = tmp_path_factory.mktemp("props") / "r.git"
    subprocess.run(["git", "init", "-q", "--bare", str(path)], check=True)
    return pygit2.Repository(str(path))


@settings(max_examples=60, deadline=None)
@given(
    first=st.dictionaries(paths, st.binary(max_size=40), max_size=12),
    second=st.dictionaries(paths, st.binary(max_size=40), min_size=1, max_size=4),
)
def test_tree_id_with_matches_git(
    bare: pygit2.Repository, first: dict[str, bytes], second: dict[str, bytes]
) -> None:
    """Splicing into raw trees must give the id libgit2 gets by writing them."""
    blobs = {p: bare.create_blob(c) for p, c in first.items()}
    base = bare[gitobjects.update_tree(bare, None, blobs)].peel(pygit2.Tree) if blobs else None
    assert gitobjects.tree_id_with(bare, None, first) == (str(base.id) if base else
        gitobjects.tree_id_with(bare, None, {}))  # fmt: skip
    written = gitobjects.update_tree(
        bare, base, {p: bare.create_blob(c) for p, c in second.items()}
    )
    assert gitobjects.tree_id_with(bare, base, second) == str(written)


@pytest.fixture(scope="module")
def base_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[ServerRepo, list[LogEntry]]:
    from gitannot.main import main

    path = tmp_path_factory.mktemp("taml") / "labels.git"
    assert main(["server", "install", str(path), "--init", "--admin", "alice"]) == 0
    server = ServerRepo(path=path, admins=["alice"])
    for i in range(6):
        writer.append(path, synthetic_fields(server, f"u{i}", "rejected" if i % 3 else "accepted"))
    return server, log_entries(server)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_any_single_tampering_is_detected(
    base_log: tuple[ServerRepo, list[LogEntry]], data: st.DataObject
) -> None:
    server, items = base_log
    pairs = [(i.data, i.signature) for i in items]
    op = data.draw(st.sampled_from(["drop", "swap", "edit", "duplicate"]))
    i = data.draw(st.integers(0, len(pairs) - 1))
    if op == "drop":
        tampered = pairs[:i] + pairs[i + 1 :]
    elif op == "swap":
        j = data.draw(st.integers(0, len(pairs) - 1).filter(lambda j: j != i))
        tampered = list(pairs)
        tampered[i], tampered[j] = tampered[j], tampered[i]
    elif op == "duplicate":
        tampered = pairs[: i + 1] + pairs[i:]
    else:
        edited = pairs[i][0].replace(b'"user":"u', b'"user":"x')
        tampered = [*pairs[:i], (edited, pairs[i][1]), *pairs[i + 1 :]]
    head = str(items[-1].commit.id)
    try:
        rebuild(server, tampered)
        repo = pygit2.Repository(str(server.path))
        from gitannot.audit import state

        mark = state.read_high_water(server.path)
        assert mark is not None
        keys = [Path(f"{server.path}/gitannot/audit_ed25519.pub").read_text().rsplit(" ", 1)[0]]
        report = verify_log(repo, keys, marks=[("high-water mark", mark)])
        assert not report.ok, (op, i)
    finally:
        server.git("update-ref", "refs/notes/audit", head)
