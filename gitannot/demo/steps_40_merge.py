"""Demo steps: two annotators edit one COCO file at once; `git merge` merges it per
annotation (the gitannot driver), then a true conflict is listed and resolved."""

import json
from typing import Any

from gitannot.demo.scenario import Demo, DemoClient

ORDER = 40
PATH = "labels/coco/street-batch.json"
LABELS = ("person", "car", "dog")


def _batch() -> dict[str, Any]:
    """Two images, six labelled objects (labels from the demo ontology)."""
    cats = [{"id": i + 1, "name": name} for i, name in enumerate(LABELS)]
    anns = [
        {
            "id": k + 1,
            "image_id": 1 + k // 3,
            "category_id": 1 + k % 2,
            "bbox": [40 + 90 * (k % 3), 120, 80, 160],
            "area": 80 * 160,
            "iscrowd": 0,
            "attributes": {"occluded": False},
        }
        for k in range(6)
    ]
    images = [
        {"id": i, "file_name": f"street-{i:04d}.jpg", "width": 640, "height": 480} for i in (1, 2)
    ]
    return {"images": images, "categories": cats, "annotations": anns}


def _text(doc: dict[str, Any]) -> str:
    for ann in doc["annotations"]:  # keep area consistent with the (edited) box
        ann["area"] = ann["bbox"][2] * ann["bbox"][3]
    return json.dumps(doc, indent=2) + "\n"


def _ann(doc: dict[str, Any], ann_id: int) -> dict[str, Any]:
    return next(a for a in doc["annotations"] if a.get("id") == ann_id)


def _branch(demo: Demo, user: str, branch: str) -> tuple[DemoClient, dict[str, Any]]:
    client = demo.client(user)
    client.git("fetch", "-q", "origin")
    client.git("checkout", "-q", "-B", branch, "origin/main")
    return client, json.loads((client.path / PATH).read_text(encoding="utf-8"))


def _merge(demo: Demo, alice: DemoClient, ref: str, expect: str) -> None:
    outcome = alice.git("merge", "--no-ff", "--no-edit", ref, check=False)
    demo.print_outcome(f"git merge {ref} (alice)", outcome, expect)


def _line_merge_conflicts(demo: Demo, client: DemoClient, base: str, ours: str, theirs: str) -> int:
    """What `git merge-file` (no driver) makes of the same three versions."""
    paths = []
    for name, ref in (("base", base), ("ours", ours), ("theirs", theirs)):
        target = demo.root / f"line-merge-{name}.json"
        target.write_text(client.git("show", f"{ref}:{PATH}").output, encoding="utf-8")
        paths.append(str(target))
    outcome = client.git("merge-file", "-p", paths[1], paths[0], paths[2], check=False)
    return outcome.returncode


def run(demo: Demo) -> None:
    alice = demo.client("alice")
    demo.step("alice publishes a COCO batch that two annotators will work on at once")
    alice.git("fetch", "-q", "origin")
    alice.git("checkout", "-q", "-B", "main", "origin/main")
    alice.commit({PATH: _text(_batch())}, "Add street batch")
    alice.push("HEAD:refs/heads/main", expect="accepted")

    demo.step("bob and carol edit the same file on their own branches, concurrently")
    bob, doc = _branch(demo, "bob", "annotate/bob/street")
    _ann(doc, 2)["bbox"] = [132, 118, 84, 166]  # tighter box
    doc["annotations"].append({**_ann(doc, 1), "id": 7, "bbox": [520, 130, 60, 150]})
    bob.commit({PATH: _text(doc)}, "Fix box 2, add a person (id 7)")
    bob.push("HEAD:refs/heads/annotate/bob/street", expect="accepted")
    demo.say("bob: moved annotation 2 and added annotation 7 on street-0001")

    carol, doc = _branch(demo, "carol", "annotate/carol/street")
    _ann(doc, 2)["attributes"] = {"occluded": True}  # same annotation, another field
    _ann(doc, 3)["bbox"] = [222, 124, 76, 150]  # annotation 3 sits next to bob's edit
    doc["annotations"].append({**_ann(doc, 4), "id": 7, "bbox": [10, 300, 50, 90]})
    carol.commit({PATH: _text(doc)}, "Mark 2 occluded, fix box 3, add a car (id 7)")
    carol.push("HEAD:refs/heads/annotate/carol/street", expect="accepted")
    demo.say("carol: marked 2 occluded, moved 3, and also added an annotation 7 (other image)")

    demo.step("alice merges both branches with plain `git merge`: the driver merges per annotation")
    alice.git("fetch", "-q", "origin")
    conflicts = _line_merge_conflicts(
        demo, alice, "origin/main", "origin/annotate/bob/street", "origin/annotate/carol/street"
    )
    demo.say(f"for comparison, git's own line merge of these versions: {conflicts} conflict(s)")
    _merge(demo, alice, "origin/annotate/bob/street", "accepted")
    _merge(demo, alice, "origin/annotate/carol/street", "accepted")
    merged = json.loads((alice.path / PATH).read_text(encoding="utf-8"))
    two = _ann(merged, 2)
    demo.say(f"annotation 2: bbox {two['bbox']} (bob) + attributes {two['attributes']} (carol)")
    demo.say(f"annotation 3: bbox {_ann(merged, 3)['bbox']} (carol)")
    for ann in merged["annotations"][6:]:
        demo.say(f"added: id {ann['id']} on image {ann['image_id']} bbox {ann['bbox']}")
    demo.say("carol's colliding id 7 was re-keyed above every id; its image_id kept")
    alice.push("HEAD:refs/heads/main", expect="accepted")

    demo.step("A true conflict: bob and carol give annotation 5 different labels")
    bob, doc = _branch(demo, "bob", "annotate/bob/labels")
    _ann(doc, 5)["category_id"] = 3
    bob.commit({PATH: _text(doc)}, "Annotation 5 is a dog")
    bob.push("HEAD:refs/heads/annotate/bob/labels", expect="accepted")
    carol, doc = _branch(demo, "carol", "annotate/carol/labels")
    _ann(doc, 5)["category_id"] = 2
    carol.commit({PATH: _text(doc)}, "Annotation 5 is a car")
    carol.push("HEAD:refs/heads/annotate/carol/labels", expect="accepted")
    alice.git("fetch", "-q", "origin")
    _merge(demo, alice, "origin/annotate/bob/labels", "accepted")
    _merge(demo, alice, "origin/annotate/carol/labels", "rejected")
    demo.say("the file stays valid JSON; the conflict record holds base, ours and theirs")
    alice.gitannot("conflicts", PATH)
    alice.gitannot("resolve", PATH, "--pick", "5=theirs")
    alice.git("add", PATH)
    alice.git("commit", "-q", "--no-edit")
    alice.push("HEAD:refs/heads/main", expect="accepted")
