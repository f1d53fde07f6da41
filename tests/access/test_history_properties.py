"""Property: random small histories pushed by a user allowed only labels/** (hypothesis).

Each example builds a history on top of main in pat's clone (label edits, deletions,
renames in and out of labels/, reverts of old commits, merges with arbitrary parents in
arbitrary order and a tree taken from any commit, rewinds onto any old commit) and pushes
it to main through the real hook (pat may force), sometimes in two pushes. Whatever the
hook accepts: main's configs/ and schema/ trees never change, and no label blob on main
is one of the invalid contents.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.access.helpers import assert_accepted
from tests.gitenv import Client, ServerRepo, clone, git, install_server, sealed_environ
from tests.validation.helpers import PROJECT, SCHEMA_V1, coco

POLICY = """\
version: 1
users:
  alice: {roles: [admin]}
  pat: {roles: [labeler]}
break_glass:
  who: [role:admin]
rules:
  - allow: all
    who: role:admin
    refs: ["refs/heads/**"]
  - allow: [create, update, force]
    who: pat
    refs: ["refs/heads/**"]
    paths: ["labels/**"]
"""

VALID = [coco(["person"]), coco(["car", "person"])]
INVALID = [coco(["truck"]), "{ not json\n"]
PATHS = [
    "labels/coco/a.json",
    "labels/coco/b.json",
    "labels/coco/old.json",
    "configs/extra.yaml",
    "schema/notes.md",
]


@dataclass
class World:
    server: ServerRepo
    alice: Client
    pat: Client
    tip: str  # main before every example
    pool: list[str]  # main's history: old configs/, schema/ and an invalid label file
    invalid_blobs: set[str]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("history")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in sealed_environ(root / "home").items():
            mp.setenv(key, value)
        server = install_server(root / "labels.git", ["alice"])
        # The property is about decisions: a push cut off by a loaded machine proves nothing.
        server.configure(hook_timeout_seconds=60)
        alice = clone(server, root / "alice", "alice")
        pool = [
            alice.commit(
                {
                    "configs/access.yaml": POLICY,
                    "configs/project.yaml": PROJECT,
                    "configs/extra.yaml": "v: 1\n",
                    "schema/labels.yaml": SCHEMA_V1,
                    "schema/notes.md": "first\n",
                    "labels/coco/a.json": VALID[0],
                },
                "seed",
            )
        ]
        assert_accepted(alice.push("HEAD:refs/heads/main"))
        # An invalid label file that once came in under break-glass, then removed.
        pool.append(alice.commit({"labels/coco/old.json": INVALID[0]}, "outage"))
        assert_accepted(alice.push("HEAD:refs/heads/main", options=["gitannot.bypass=outage"]))
        pool.append(alice.commit({"labels/coco/old.json": None}, "clean up"))
        pool.append(alice.commit({"configs/extra.yaml": "v: 2\n"}, "config v2"))
        pool.append(alice.commit({"schema/notes.md": "second\n"}, "schema notes v2"))
        assert_accepted(alice.push("HEAD:refs/heads/main"))
        # Another one after the last configs/ and schema/ change: a rewind onto it
        # changes labels/ only.
        pool.append(alice.commit({"labels/coco/old2.json": INVALID[1]}, "second outage"))
        assert_accepted(alice.push("HEAD:refs/heads/main", options=["gitannot.bypass=again"]))
        pool.append(alice.commit({"labels/coco/old2.json": None}, "clean up again"))
        assert_accepted(alice.push("HEAD:refs/heads/main"))
        pat = clone(server, root / "pat", "pat")
        invalid = {git("hash-object", "--stdin", input=text).stdout.strip() for text in INVALID}
        yield World(server, alice, pat, pool[-1], pool, invalid)


Step = tuple[object, ...]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("edit"), st.sampled_from(PATHS), st.sampled_from(VALID + INVALID)),
        st.tuples(st.just("delete"), st.sampled_from(PATHS)),
        st.tuples(st.just("rename"), st.sampled_from(PATHS), st.sampled_from(PATHS)),
        st.tuples(st.just("revert"), st.integers(0, 30)),
        st.tuples(
            st.just("merge"),
            st.lists(st.integers(0, 30), min_size=2, max_size=3),
            st.integers(0, 30),
        ),
        st.tuples(st.just("reset"), st.integers(0, 30)),
        st.tuples(st.just("push"), st.booleans()),
    ),
    min_size=1,
    max_size=7,
)


class History:
    """Commits built in pat's clone; `pool` is every commit a step may point at."""

    def __init__(self, world: World) -> None:
        self.client = world.pat
        self.pool = list(world.pool)
        self.head = world.tip

    def _at_head(self) -> None:
        self.client.git("checkout", "-q", "--force", "-B", "build", self.head)

    def _commit(self, message: str) -> None:
        self.client.git("add", "-A")
        self.client.git("commit", "-q", "--allow-empty", "-m", message)
        self.head = self.client.git("rev-parse", "HEAD").stdout.strip()
        self.pool.append(self.head)

    def run(self, step: Step) -> None:
        kind = step[0]
        if kind == "edit":
            self._at_head()
            self.client.write({str(step[1]): str(step[2])})
            self._commit(f"edit {step[1]}")
        elif kind == "delete":
            self._at_head()
            self.client.write({str(step[1]): None})
            self._commit(f"delete {step[1]}")
        elif kind == "rename":
            self._rename(str(step[1]), str(step[2]))
        elif kind == "revert":
            self._revert(self._pick(step[1]))
        elif kind == "reset":  # point the branch anywhere: a push may rewind main
            self.head = self._pick(step[1])
        elif kind == "merge":
            parents = step[1]
            assert isinstance(parents, list)
            self._merge([self._pick(p) for p in parents], self._pick(step[2]))

    def _pick(self, index: object) -> str:
        assert isinstance(index, int)
        return self.pool[index % len(self.pool)]

    def _rename(self, src: str, dst: str) -> None:
        self._at_head()
        if src == dst or not (self.client.path / src).exists():
            return
        (self.client.path / dst).parent.mkdir(parents=True, exist_ok=True)
        self.client.git("mv", "-f", src, dst)
        self._commit(f"rename {src} {dst}")

    def _revert(self, target: str) -> None:
        self._at_head()
        parents = self.client.git("rev-list", "--parents", "-n1", target).stdout.split()
        if len(parents) != 2:  # root or merge: nothing simple to revert
            return
        if self.client.git("revert", "--no-edit", target, check=False).returncode != 0:
            self.client.git("revert", "--abort", check=False)
            return
        self.head = self.client.git("rev-parse", "HEAD").stdout.strip()
        self.pool.append(self.head)

    def _merge(self, parents: list[str], tree_of: str) -> None:
        unique = list(dict.fromkeys(parents))
        if len(unique) < 2:
            return
        tree = self.client.git("rev-parse", f"{tree_of}^{{tree}}").stdout.strip()
        args = ["commit-tree", tree, "-m", "merge"]
        for parent in unique:
            args += ["-p", parent]
        self.head = self.client.git(*args).stdout.strip()
        self.pool.append(self.head)


def _tree_id(server: ServerRepo, spec: str) -> str:
    return server.git("rev-parse", spec).stdout.strip()


def _label_blobs(server: ServerRepo) -> set[str]:
    listing = server.git("ls-tree", "-r", "refs/heads/main", "--", "labels").stdout
    return {line.split()[2] for line in listing.splitlines()}


# Pool indexes: 0 seed, 1 outage (invalid old.json), 2 clean up, 3 config v2, 4 schema
# v2, 5 second outage (invalid old2.json), 6 main's tip; a history's own commits follow
# from 7. The attacks, always run:
ROLLBACK = [("merge", [0, 6], 0)]  # tree of the seed, parents (seed, tip)
BRING_BACK_OLD = [("merge", [1, 6], 1)]  # the outage's tree, first parent the outage
ADD_REMOVE_MERGE = [  # add + remove in one push, then a merge on the intermediate commit
    ("edit", "labels/coco/b.json", INVALID[0]),
    ("delete", "labels/coco/b.json"),
    ("push", True),
    ("merge", [7, 8], 7),
]
REWIND = [("reset", 0)]  # no new commit at all: only the net change shows it
REWIND_TO_INVALID = [("reset", 5)]  # labels/ only, and an invalid file comes back


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history_steps=steps)
@example(history_steps=ROLLBACK)
@example(history_steps=BRING_BACK_OLD)
@example(history_steps=ADD_REMOVE_MERGE)
@example(history_steps=REWIND)
@example(history_steps=REWIND_TO_INVALID)
def test_labels_only_pusher_never_changes_configs_or_schema(
    world: World, history_steps: list[Step]
) -> None:
    server = world.server
    configs = _tree_id(server, f"{world.tip}:configs")
    schema = _tree_id(server, f"{world.tip}:schema")
    if server.rev("refs/heads/main") != world.tip:
        assert_accepted(world.alice.push(f"+{world.tip}:refs/heads/main"))
    world.pat.git("fetch", "-q", "origin")
    history = History(world)
    for step in [*history_steps, ("push", True)]:
        if step[0] == "push":
            if history.head != server.rev("refs/heads/main"):
                world.pat.push(f"+{history.head}:refs/heads/main")
            assert _tree_id(server, "refs/heads/main:configs") == configs
            assert _tree_id(server, "refs/heads/main:schema") == schema
            assert not (_label_blobs(server) & world.invalid_blobs)
        else:
            history.run(step)


def test_world_history_holds_what_the_property_relies_on(world: World) -> None:
    """The pool really has older configs/ and schema/ and a once-landed invalid file."""
    server = world.server
    assert _tree_id(server, f"{world.pool[0]}:configs") != _tree_id(server, f"{world.tip}:configs")
    assert _tree_id(server, f"{world.pool[0]}:schema") != _tree_id(server, f"{world.tip}:schema")
    old = server.git("rev-parse", f"{world.pool[1]}:labels/coco/old.json").stdout.strip()
    assert old in world.invalid_blobs
    old2 = server.git("rev-parse", f"{world.pool[5]}:labels/coco/old2.json").stdout.strip()
    assert old2 in world.invalid_blobs
    assert _tree_id(server, f"{world.pool[5]}:configs") == _tree_id(server, f"{world.tip}:configs")
