"""Accepted pushes become typed events in the outbox, in order, with annotation counts."""

from collections.abc import Callable

from gitannot.events import types as T
from gitannot.main import main
from tests.events.helpers import bootstrap, coco, events
from tests.gitenv import Client, ServerRepo

AUTOMATION = """\
protected: [main]
commit_url: "https://git.example.org/labels/commit/{id}"
auto_tag: {enabled: true, pattern: "auto/{date}.{n}"}
"""


def test_push_event_counts_annotations_per_label(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = bootstrap(server, make_client, AUTOMATION, {"labels/a.json": coco([(1, 1), (2, 1)])})
    first = events(server)
    assert [e.type for e in first] == [T.PUSH]
    assert first[0].data["annotations"]["added"] == {"cat": 2}
    # one cat relabelled to dog, one cat removed, two dogs added
    alice.commit({"labels/a.json": coco([(1, 2), (3, 2), (4, 2)])}, "relabel")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert events(server, after=first[-1].seq), result.output
    push = events(server, after=first[-1].seq)[0]
    assert push.type == T.PUSH and push.seq == first[-1].seq + 1
    data = push.data
    assert data["pusher"] == "alice"
    assert data["annotations"]["added"] == {"dog": 2}
    assert data["annotations"]["removed"] == {"cat": 1}
    assert data["annotations"]["relabelled"] == {"cat -> dog": 1}
    assert data["files"] == ["labels/a.json"]
    assert [c["message"] for c in data["commits"]] == ["relabel"]
    head = server.rev("refs/heads/main")
    assert data["commits"][0]["url"] == f"https://git.example.org/labels/commit/{head}"
    assert any(
        line.startswith("gitannot: events #2-#2 queued (push)") for line in result.remote_lines()
    )


def test_merge_into_protected_branch_is_an_event_and_tagged(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = bootstrap(server, make_client, AUTOMATION, {"labels/a.json": coco([(1, 1)])})
    alice.git("checkout", "-q", "-b", "topic")
    alice.commit({"labels/b.json": coco([(1, 2)])}, "topic work")
    assert alice.push("HEAD:refs/heads/topic").accepted
    alice.git("checkout", "-q", "main")
    alice.commit({"README.md": "x\n"}, "main work")
    alice.git("merge", "-q", "--no-edit", "topic")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    kinds = [e.type for e in events(server)]
    assert kinds == [T.PUSH, T.PUSH, T.PUSH, T.MERGE, T.AUTO_TAG]
    merge, tagged = events(server)[-2:]
    assert merge.data["annotations"]["added"] == {"dog": 1}
    tag = tagged.data["tag"]
    assert tag.startswith("auto/") and tag.endswith(".1")
    head = server.rev("refs/heads/main")
    assert server.rev(f"refs/tags/{tag}^{{commit}}") == head
    # written by the server, and in the audit log
    tagger = server.git("for-each-ref", "--format=%(taggername)", f"refs/tags/{tag}").stdout
    assert tagger.strip() == "gitannot-server"
    log = server.git("log", "--format=%B", "refs/notes/audit").stdout
    assert f"refs/tags/{tag}" in log
    assert main(["audit", "verify", "--repo", str(server.path)]) == 0
    # a client may not write there
    alice.git("tag", "auto/2000-01-01.1")
    refused = alice.push("refs/tags/auto/2000-01-01.1")
    assert not refused.accepted
    assert "[automation.server-tag]" in refused.output


def test_tag_and_schema_change_events(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = bootstrap(server, make_client, "protected: [main]\n")
    alice.commit({"configs/project.yaml": "dataset: {name: pets}\n"}, "project")
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.git("tag", "-a", "-m", "first release", "v1")
    assert alice.push("refs/tags/v1").accepted
    kinds = [(e.type, e.subject) for e in events(server)]
    assert kinds[1:] == [
        (T.PUSH, "refs/heads/main"),
        (T.SCHEMA_CHANGE, "refs/heads/main"),
        (T.TAG, "refs/tags/v1"),
    ]
    assert events(server)[2].data["files"] == ["configs/project.yaml"]
    tag = events(server)[3].data
    assert (tag["commit"], tag["annotated"], tag["pusher"]) == (server.rev("main"), True, "alice")


def test_rejected_push_makes_no_event(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    bootstrap(server, make_client, "protected: [main]\n")
    bob = make_client(server, "bob")
    bob.commit({"README.md": "x\n"})
    assert not bob.push("HEAD:refs/heads/main").accepted
    assert [e.seq for e in events(server)] == [1]


def test_invalid_automation_config_is_rejected(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = make_client(server, "alice")
    alice.commit({"configs/automation.yaml": "targets:\n  - {name: x, kind: fax}\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[automation.invalid]" in result.output
    assert "configs/automation.yaml" in result.output
