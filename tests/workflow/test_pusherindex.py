"""The first-pusher index: extended with new log entries, rebuilt when it does not match."""

from __future__ import annotations

import json
from collections.abc import Callable

import pygit2

from gitannot.audit import reader
from gitannot.workflow.pusherindex import first_pushers_indexed, index_path
from tests.access.helpers import assert_accepted
from tests.gitenv import Client, ServerRepo
from tests.workflow.helpers import start_from


def test_index_follows_the_log_and_is_rebuilt_when_it_does_not_match(
    wf: ServerRepo, user: Callable[[str], Client]
) -> None:
    bob = user("bob")
    start_from(bob)
    first = bob.commit({"labels/cats/a.txt": "cat 1 v1\n"}, "v1")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/t1"))
    repo = pygit2.Repository(str(wf.path))
    assert first_pushers_indexed(repo, wf.path, {first}) == {first: "bob"}
    path = index_path(wf.path)
    index = json.loads(path.read_text())
    head = reader.parse_commit(reader.head_commit(repo))  # type: ignore[arg-type]
    assert (index["seq"], index["digest"]) == (head.seq, head.digest)

    # A later push is added from the new entries only.
    second = bob.commit({"labels/cats/a.txt": "cat 1 v2\n"}, "v2")
    assert_accepted(bob.push("HEAD:refs/heads/annotate/bob/t1"))
    assert first_pushers_indexed(repo, wf.path, {first, second}) == {first: "bob", second: "bob"}
    assert json.loads(path.read_text())["seq"] > index["seq"]

    # An index whose last entry is not in the log as recorded is rebuilt from the log.
    forged = json.loads(path.read_text())
    forged["placed"][second] = "erin"
    forged["digest"] = "sha256:" + "0" * 64
    path.write_text(json.dumps(forged))
    assert first_pushers_indexed(repo, wf.path, {second}) == {second: "bob"}
    path.write_text("not json")
    assert first_pushers_indexed(repo, wf.path, {second}) == {second: "bob"}
