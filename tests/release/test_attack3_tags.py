"""Attack: a plain tag that differs from a release tag only in letter case. The release
pattern is matched case-sensitively, so `V1.0-validated` passed no gate; on a
case-insensitive clone it is the same ref file as the release `v1.0-validated`."""

from __future__ import annotations

from tests.access.helpers import assert_denied
from tests.gitenv import ServerRepo
from tests.release.helpers import TAG, MakeClient, coco_images, seeded, tag_and_push


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
