"""Real pushes: release tags are annotated, immutable, and gated at the tagged commit."""

from __future__ import annotations

import pygit2
import pytest

from gitannot.release.store import RecordError, read, write
from tests.gitenv import Client, PushResult, ServerRepo
from tests.release.helpers import (
    MANIFEST,
    TAG,
    MakeClient,
    coco_images,
    row,
    seeded,
    sha,
    tag_and_push,
)


@pytest.fixture
def alice(server: ServerRepo, make_client: MakeClient) -> Client:
    return seeded(server, make_client)


def _rejected(result: PushResult, *needles: str) -> None:
    output = result.output
    assert not result.accepted, output
    for needle in needles:
        assert needle in output, f"{needle!r} not in:\n{output}"


def test_passing_release_is_accepted_and_recorded(alice: Client, server: ServerRepo) -> None:
    result = tag_and_push(alice)
    assert result.accepted, result.output
    assert server.rev(f"refs/tags/{TAG}") is not None
    assert server.rev(f"refs/releases/{TAG}") is not None
    assert "every gate passed" in result.output


def test_lightweight_release_tag_rejected(alice: Client, server: ServerRepo) -> None:
    alice.git("tag", TAG)
    result = alice.push(f"refs/tags/{TAG}:refs/tags/{TAG}")
    _rejected(result, "[release.tag-not-annotated]", TAG)
    assert server.rev(f"refs/tags/{TAG}") is None
    assert server.rev(f"refs/releases/{TAG}") is None


def test_tag_outside_the_pattern_is_a_plain_tag(alice: Client, server: ServerRepo) -> None:
    alice.git("tag", "nightly")
    result = alice.push("refs/tags/nightly:refs/tags/nightly")
    assert result.accepted, result.output
    assert server.rev("refs/releases/nightly") is None


def test_release_tag_never_moves_or_goes(alice: Client, server: ServerRepo) -> None:
    assert tag_and_push(alice).accepted
    released = server.rev(f"refs/tags/{TAG}")
    alice.commit({"labels/coco/more.json": coco_images(["a"])})
    alice.git("tag", "-f", "-a", TAG, "-m", "moved")
    moved = alice.push(f"+refs/tags/{TAG}:refs/tags/{TAG}")
    _rejected(moved, "[release.tag-immutable]", f"release tag {TAG} may never be moved")
    deleted = alice.push(f":refs/tags/{TAG}")
    _rejected(deleted, "[release.tag-immutable]", f"release tag {TAG} may never be deleted")
    assert server.rev(f"refs/tags/{TAG}") == released


def test_clients_cannot_write_release_records(alice: Client, server: ServerRepo) -> None:
    result = alice.push(f"HEAD:refs/releases/{TAG}")
    _rejected(result, "[release.server-ref]")
    assert tag_and_push(alice).accepted
    record = server.rev(f"refs/releases/{TAG}")
    overwrite = alice.push(f"+HEAD:refs/releases/{TAG}")
    _rejected(overwrite, "[release.server-ref]")
    delete = alice.push(f":refs/releases/{TAG}")
    _rejected(delete, "[release.server-ref]")
    assert server.rev(f"refs/releases/{TAG}") == record


def test_gate_validation_names_the_file(alice: Client, server: ServerRepo) -> None:
    # The bad commit reaches the server only with the tag: the gate judges it.
    alice.commit({"labels/coco/bad.json": coco_images(["a"], labels=("truck",))})
    result = tag_and_push(alice)
    _rejected(result, "[release.gate.validation]", "labels/coco/bad.json")
    assert server.rev(f"refs/tags/{TAG}") is None


def test_gate_conflicts(alice: Client) -> None:
    conflicted = coco_images(["a"]).replace(
        '"annotations": [',
        '"annotations": [{"__gitannot_conflict__": true, "key": 1, "base": null, '
        '"ours": null, "theirs": null},',
    )
    alice.commit({"labels/coco/conflicted.json": conflicted})
    result = tag_and_push(alice)
    _rejected(result, "[release.gate.conflicts]", "labels/coco/conflicted.json")
    assert "[release.gate.validation]" not in result.output


def test_gate_manifest_hashes_dangling_item(alice: Client) -> None:
    alice.commit({"labels/coco/extra.json": coco_images(["zzz"])})
    result = tag_and_push(alice)
    _rejected(result, "[release.gate.manifest-hashes]", "'zzz.jpg'", "[manifest.dangling-item]")


def test_gate_split_leakage_at_release(alice: Client) -> None:
    """A leaking manifest is refused on the branch already; a tag on a commit that never
    went through a branch push is judged by the gate."""
    alice.commit({"data/items.jsonl": MANIFEST + row("d", "train", sha("c"))})
    branch = alice.push("HEAD:refs/heads/main")
    _rejected(branch, "[manifest.split-leakage]", "'d' (train) has the same sha256 as 'c'")
    result = tag_and_push(alice)
    _rejected(result, "[release.gate.split-leakage]")


def test_gate_approvals_required_without_workflow(alice: Client) -> None:
    alice.commit(
        {"configs/release.yaml": "tag_pattern: 'v*'\nrequired_approvals: 2\n"}, "need approvals"
    )
    assert alice.push("HEAD:refs/heads/main").accepted
    result = tag_and_push(alice)
    _rejected(result, "[release.gate.approvals]", "no review workflow is installed")


def test_each_failed_gate_is_listed(alice: Client) -> None:
    alice.commit(
        {
            "labels/coco/bad.json": coco_images(["zzz"], labels=("truck",)),
            "data/items.jsonl": MANIFEST + row("d", "train", sha("c")),
        }
    )
    result = tag_and_push(alice)
    _rejected(
        result,
        "[release.gate.validation]",
        "[release.gate.manifest-hashes]",
        "[release.gate.split-leakage]",
    )


def test_tasks_gate_skipped_when_not_configured(alice: Client, server: ServerRepo) -> None:
    assert tag_and_push(alice).accepted
    files = read(pygit2.Repository(str(server.path)), TAG)
    assert files is not None
    assert b"tasks: skipped" in files["croissant.json"]


def test_invalid_release_policy_refused_on_push(alice: Client, server: ServerRepo) -> None:
    before = server.rev("refs/heads/main")
    alice.commit({"configs/release.yaml": "tag_pattern: 'v*'\nfrozen_splits: [holdout]\n"})
    result = alice.push("HEAD:refs/heads/main")
    _rejected(
        result,
        "[release.policy-invalid]",
        "configs/release.yaml",
        "frozen split(s) holdout are not in `splits`",
    )
    assert server.rev("refs/heads/main") == before


def test_record_files_are_never_replaced(alice: Client, server: ServerRepo) -> None:
    assert tag_and_push(alice).accepted
    with pytest.raises(RecordError, match=r"already holds croissant\.json"):
        write(server.path, TAG, {"croissant.json": b"{}"}, "overwrite")
    files = read(pygit2.Repository(str(server.path)), TAG)
    assert files is not None
    assert files["croissant.json"] != b"{}"


def test_gate_split_freeze_at_a_later_release(alice: Client, server: ServerRepo) -> None:
    assert tag_and_push(alice).accepted
    alice.commit({"data/items.jsonl": MANIFEST.replace(row("c", "test"), row("c", "train"))})
    result = tag_and_push(alice, "v2.0")  # the commit reaches the server only with the tag
    _rejected(result, "[release.gate.split-freeze]", "[release.frozen-split-moved]")
    assert server.rev("refs/tags/v2.0") is None
    assert server.rev("refs/releases/v2.0") is None


def test_second_release_keeps_the_freeze(alice: Client, server: ServerRepo) -> None:
    assert tag_and_push(alice).accepted
    alice.commit({"data/items.jsonl": MANIFEST + row("d", "train")})
    assert alice.push("HEAD:refs/heads/main").accepted
    result = tag_and_push(alice, "v2.0")
    assert result.accepted, result.output
    files = read(pygit2.Repository(str(server.path)), "v2.0")
    assert files is not None
    assert b"split-freeze: pass" in files["croissant.json"]
    assert b'"id": "c"' in files["frozen.json"]


def test_a_recorded_tag_name_is_never_remade(alice: Client, server: ServerRepo) -> None:
    """As if git had failed to move the tag after the record was written."""
    assert tag_and_push(alice).accepted
    record = server.rev(f"refs/releases/{TAG}")
    server.git("update-ref", "-d", f"refs/tags/{TAG}")
    alice.git("tag", "-f", "-a", TAG, "-m", "another message, another tag object")
    other = alice.push(f"refs/tags/{TAG}:refs/tags/{TAG}")
    _rejected(other, "[release.record-exists]")
    assert server.rev(f"refs/releases/{TAG}") == record


def test_a_retried_release_push_keeps_its_record(alice: Client, server: ServerRepo) -> None:
    assert tag_and_push(alice).accepted
    record = server.rev(f"refs/releases/{TAG}")
    server.git("update-ref", "-d", f"refs/tags/{TAG}")
    retry = alice.push(f"refs/tags/{TAG}:refs/tags/{TAG}")  # the same tag object again
    assert retry.accepted, retry.output
    assert f"record refs/releases/{TAG} already written" in retry.output
    assert server.rev(f"refs/releases/{TAG}") == record
