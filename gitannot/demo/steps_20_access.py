"""Demo steps: the access policy on main decides who may push what, path by path."""

import json
from pathlib import Path

from gitannot.demo.scenario import Demo

ORDER = 20

_LABEL = {
    "images": [{"id": 1, "file_name": "intro-0001.jpg", "width": 640, "height": 480}],
    "categories": [{"id": 1, "name": "person"}],
    "annotations": [
        {
            "id": 1,
            "image_id": 1,
            "category_id": 1,
            "bbox": [10, 20, 50, 120],
            "area": 6000,
            "iscrowd": 0,
        }
    ],
}


def run(demo: Demo) -> None:
    demo.step("Access policy: configs/access.yaml on main decides who may push what")
    demo.say("bob and carol are annotators: their own branches annotate/<user>/..., labels/")
    demo.say("only; dave reviews and owns schema/; alice is admin. Ask before pushing:")
    server = str(demo.server)
    demo.gitannot("policy", "explain", "--repo", server, "bob", "refs/heads/main", "update")
    demo.gitannot(
        "policy", "explain", "--repo", server, "bob", "refs/heads/annotate/bob/intro",
        "create", "--path", "labels/coco/intro-0001.json",
    )  # fmt: skip

    bob = demo.client("bob")
    bob.git("fetch", "-q", "origin")
    bob.git("checkout", "-q", "-B", "annotate/bob/intro", "origin/main")

    demo.step("bob pushes a label file to his personal branch: accepted")
    bob.commit(
        {"labels/coco/intro-0001.json": json.dumps(_LABEL, indent=1) + "\n"}, "Label intro-0001"
    )
    bob.push("HEAD:refs/heads/annotate/bob/intro", expect="accepted")

    demo.step("bob also edits the ontology and pushes: denied, naming commit, path and rule")
    bob.commit({"schema/labels.yaml": _with_truck(bob.path)}, "Add truck to the ontology")
    bob.push("HEAD:refs/heads/annotate/bob/intro", expect="rejected")
    demo.say("and straight to main: denied before any file is looked at")
    bob.push("HEAD:refs/heads/main", expect="rejected")
    bob.git("reset", "-q", "--hard", "origin/annotate/bob/intro")


def _with_truck(clone: Path) -> str:
    """schema/labels.yaml with one more line: the content does not matter to access."""
    text = (clone / "schema" / "labels.yaml").read_text(encoding="utf-8")
    return text + "# bob: we also need truck\n"
