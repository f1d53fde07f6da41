"""Issue 9 item 4: only completed verdicts are cached.

A push cut short by gitannot's time limit is rejected (fail closed), but what was cut
short is no verdict: after the limit is raised, as the rejection's hint says, the same
push must be judged on its content and accepted.
"""

import json
from collections.abc import Callable

from tests.gitenv import Client, ServerRepo
from tests.validation.helpers import PROJECT, SCHEMA_V1

MakeClient = Callable[[ServerRepo, str], Client]


def big_valid_coco(images: int, per_image: int) -> str:
    """A valid COCO file of a few MB (labels from SCHEMA_V1)."""
    cats = [{"id": 1, "name": "person", "supercategory": ""}, {"id": 2, "name": "car"}]
    imgs = [
        {"id": i, "file_name": f"img{i:06d}.jpg", "width": 640, "height": 480}
        for i in range(1, images + 1)
    ]
    anns = [
        {
            "id": (i - 1) * per_image + k + 1,
            "image_id": i,
            "category_id": 1 + k % 2,
            "bbox": [10.0 + k, 20.0, 30.0, 40.0],
            "area": 1200.0,
            "iscrowd": 0,
            "segmentation": [],
        }
        for i in range(1, images + 1)
        for k in range(per_image)
    ]
    return json.dumps({"images": imgs, "annotations": anns, "categories": cats})


def test_timed_out_validation_is_not_cached(server: ServerRepo, make_client: MakeClient) -> None:
    alice = make_client(server, "alice")
    alice.commit({"schema/labels.yaml": SCHEMA_V1, "configs/project.yaml": PROJECT}, "rules")
    assert alice.push("HEAD:refs/heads/main").accepted
    data = big_valid_coco(images=2500, per_image=20)
    assert 4_000_000 < len(data) < 8_000_000
    commit = alice.commit({"labels/coco/big.json": data})

    server.configure(hook_timeout_seconds=0.2)
    first = alice.push("HEAD:refs/heads/main")
    assert not first.accepted
    assert "[internal.timeout]" in first.output
    assert "raise hook_timeout_seconds" in first.output

    server.configure(hook_timeout_seconds=120)
    second = alice.push("HEAD:refs/heads/main")
    assert second.accepted, second.output
    assert "validated 1 label file(s) (0 from cache): 0 error(s)" in second.output
    assert server.rev("refs/heads/main") == commit
