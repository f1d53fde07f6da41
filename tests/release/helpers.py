"""A release-ready project: ontology, config, release policy, manifest, COCO labels."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from tests.gitenv import Client, PushResult, ServerRepo
from tests.validation.helpers import PROJECT, SCHEMA_V1

MakeClient = Callable[[ServerRepo, str], Client]

RELEASE_POLICY = "tag_pattern: 'v*'\nsplits: [train, val, test]\nfrozen_splits: [test]\n"
TAG = "v1.0-validated"


def sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def row(ident: str, split: str, digest: str | None = None, **extra: object) -> str:
    data = {
        "id": ident,
        "uri": f"s3://bucket/{ident}.jpg",
        "sha256": digest if digest is not None else sha(ident),
        "size": 1000,
        "width": 100,
        "height": 100,
        "split": split,
        **extra,
    }
    return json.dumps(data) + "\n"


MANIFEST = row("a", "train") + row("b", "val") + row("c", "test")


def coco_images(names: list[str], labels: tuple[str, ...] = ("person", "car")) -> str:
    """One box per label on each image; images named <name>.jpg."""
    images = [
        {"id": i + 1, "file_name": f"{n}.jpg", "width": 100, "height": 100}
        for i, n in enumerate(names)
    ]
    cats = [{"id": i + 1, "name": n, "supercategory": ""} for i, n in enumerate(labels)]
    anns = [
        {
            "id": len(labels) * i + k + 1,
            "image_id": i + 1,
            "category_id": k + 1,
            "bbox": [10, 10, 20, 20],
            "area": 400,
            "iscrowd": 0,
            "segmentation": [],
        }
        for i in range(len(names))
        for k in range(len(labels))
    ]
    doc = {"images": images, "annotations": anns, "categories": cats}
    return json.dumps(doc, indent=1) + "\n"


BASE_FILES: dict[str, str | bytes | None] = {
    "schema/labels.yaml": SCHEMA_V1,
    "configs/project.yaml": PROJECT,
    "configs/release.yaml": RELEASE_POLICY,
    "data/items.jsonl": MANIFEST,
    "labels/coco/all.json": coco_images(["a", "b", "c"]),
}


def seeded(server: ServerRepo, make_client: MakeClient) -> Client:
    client = make_client(server, "alice")
    client.commit(dict(BASE_FILES), "release-ready project")
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return client


def tag_and_push(client: Client, tag: str = TAG, rev: str = "HEAD") -> PushResult:
    client.git("tag", "-a", tag, "-m", f"release {tag}", rev)
    return client.push(f"refs/tags/{tag}:refs/tags/{tag}")
