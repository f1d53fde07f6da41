"""Attack: a plain tag that differs from a release tag only in letter case. The release
pattern is matched case-sensitively, so `V1.0-validated` passed no gate; on a
case-insensitive clone it is the same ref file as the release `v1.0-validated`."""

from __future__ import annotations

from tests.access.helpers import assert_denied
from tests.gitenv import ServerRepo
from tests.release.helpers import (
    MANIFEST,
    TAG,
    MakeClient,
    coco_images,
    seeded,
    tag_and_push,
)


def test_a_tag_differing_from_a_release_only_in_case_is_refused(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice = seeded(server, make_client)
    assert tag_and_push(alice).accepted
    # An item no manifest lists: a warning on a push, a failed gate at a release.
    alice.commit({"labels/coco/extra.json": coco_images(["zzz"])}, "ungated work")
    twin = TAG.upper()
    alice.git("tag", "-a", twin, "-m", "looks like the release")
    assert_denied(
        alice.push(f"refs/tags/{twin}"),
        f"[refs.case-collision] refs/tags/{twin}",
        f"differs from refs/tags/{TAG} only in letter case",
    )
    assert server.rev(f"refs/tags/{twin}") is None


def test_a_release_in_the_same_push_freezes_its_split_for_the_others(
    server: ServerRepo, make_client: MakeClient
) -> None:
    """Two release tags (and main) in one push: the second release moved an item out of
    the test split the first one froze, and each was judged only against older records."""
    alice = seeded(server, make_client)
    first = alice.git("rev-parse", "HEAD").stdout.strip()
    moved = MANIFEST.replace('"split": "test"', '"split": "train"')
    alice.commit({"data/items.jsonl": moved}, "c leaves the test split")
    alice.git("tag", "-a", "v1.0", "-m", "release v1.0", first)
    alice.git("tag", "-a", "v2.0", "-m", "release v2.0")
    result = alice.push("refs/tags/v2.0", "refs/tags/v1.0", "HEAD:refs/heads/main")
    assert_denied(
        result,
        "[release.gate.split-freeze] refs/tags/v2.0",
        "item 'c' was in test at release v1.0 and may not move to train",
        "[release.frozen-split-moved] refs/heads/main",
    )
    assert server.rev("refs/releases/v1.0") is None
    assert server.rev("refs/tags/v2.0") is None
