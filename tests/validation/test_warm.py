"""Issue 11: a big COCO file re-pushed with a few edits re-checks only those records,
and `gitannot server warm REPO.git` gives a file already on the default branch its
record index, as the time-limit rejection's hint says."""

import json
import shutil
from collections.abc import Callable
from typing import Any

import pytest

from gitannot.constants import CONFLICT_KEY
from gitannot.main import main
from gitannot.validation.incremental import MIN_BYTES
from gitannot.validation.push import cache_dir
from tests.gitenv import Client, ServerRepo
from tests.validation.helpers import PROJECT, SCHEMA_V1
from tests.validation.test_cache_incomplete import big_valid_coco

MakeClient = Callable[[ServerRepo, str], Client]
PATH = "labels/coco/big.json"
IMAGES, PER_IMAGE = 300, 10  # 3,000 annotation records


def _edited(data: str, count: int) -> str:
    doc = json.loads(data)
    for ann in doc["annotations"][:count]:
        ann["bbox"][0] += 1.0
    return json.dumps(doc)


def _setup(server: ServerRepo, make_client: MakeClient) -> tuple[Client, str]:
    alice = make_client(server, "alice")
    alice.commit({"schema/labels.yaml": SCHEMA_V1, "configs/project.yaml": PROJECT}, "rules")
    assert alice.push("HEAD:refs/heads/main").accepted
    data = big_valid_coco(images=IMAGES, per_image=PER_IMAGE)
    assert len(data) > MIN_BYTES  # big enough to be checked by record
    alice.commit({PATH: data}, "big file")
    first = alice.push("HEAD:refs/heads/main")
    assert first.accepted, first.output
    assert "1 checked by record, 3000 record(s) re-checked" in first.output
    return alice, data


def test_an_edit_of_a_big_file_rechecks_only_the_edited_records(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice, data = _setup(server, make_client)
    alice.commit({PATH: _edited(data, 30)}, "edit 1%")
    second = alice.push("HEAD:refs/heads/main")
    assert second.accepted, second.output
    assert "1 checked by record, 30 record(s) re-checked" in second.output


@pytest.mark.parametrize("head_elsewhere", [False, True], ids=["head-on-main", "head-moved"])
def test_warm_gives_a_file_on_the_trusted_branch_its_record_index(
    server: ServerRepo,
    make_client: MakeClient,
    capsys: pytest.CaptureFixture[str],
    head_elsewhere: bool,
) -> None:
    """Warm fills the cache for the branch recorded at install, whose rules the hook
    keys its cache by, wherever HEAD points."""
    alice, data = _setup(server, make_client)
    if head_elsewhere:
        alice.commit({"notes.txt": "elsewhere\n"}, "another branch")
        assert alice.push("HEAD:refs/heads/other").accepted
        server.git("symbolic-ref", "HEAD", "refs/heads/other")
    shutil.rmtree(cache_dir(server.path))  # a file that arrived before the cache did
    assert main(["server", "warm", str(server.path)]) == 0
    assert "warmed 1 label file(s) on refs/heads/main (0 already cached)" in (
        capsys.readouterr().out
    )
    alice.commit({PATH: _edited(data, 5)}, "edit")
    pushed = alice.push("HEAD:refs/heads/main")
    assert pushed.accepted, pushed.output
    assert "1 checked by record, 5 record(s) re-checked" in pushed.output


def test_without_warm_the_first_push_rechecks_every_record(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice, data = _setup(server, make_client)
    shutil.rmtree(cache_dir(server.path))
    alice.commit({PATH: _edited(data, 5)}, "edit")
    pushed = alice.push("HEAD:refs/heads/main")
    assert pushed.accepted, pushed.output
    assert "1 checked by record, 3000 record(s) re-checked" in pushed.output


def test_warm_on_an_empty_repository_says_there_is_nothing(
    server: ServerRepo, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["server", "warm", str(server.path)]) == 0
    assert "refs/heads/main has no commits: nothing to warm" in capsys.readouterr().out


def test_the_timeout_rejection_names_warm(server: ServerRepo, make_client: MakeClient) -> None:
    alice = make_client(server, "alice")
    alice.commit({"schema/labels.yaml": SCHEMA_V1, "configs/project.yaml": PROJECT}, "rules")
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.commit({PATH: big_valid_coco(images=2500, per_image=20)})
    server.configure(hook_timeout_seconds=0.2)
    rejected = alice.push("HEAD:refs/heads/main")
    assert not rejected.accepted
    assert "[internal.timeout]" in rejected.output
    assert "run `gitannot server warm REPO.git` on the server" in rejected.output


def _same_box_as_its_neighbour(doc: dict[str, Any]) -> None:
    doc["annotations"][2]["bbox"] = list(doc["annotations"][0]["bbox"])  # image 1, cat 1


def _unknown_category(doc: dict[str, Any]) -> None:
    doc["annotations"][6]["category_id"] = 9


def _image_removed(doc: dict[str, Any]) -> None:
    doc["images"] = [img for img in doc["images"] if img["id"] != 5]


def _category_renamed_off_the_ontology(doc: dict[str, Any]) -> None:
    doc["categories"][1]["name"] = "zebra"


@pytest.mark.parametrize(
    ("edit", "rule", "accepted", "rechecked"),
    [
        (_same_box_as_its_neighbour, "annotation.duplicate", True, 1),
        (_unknown_category, "coco.unknown-category", False, 1),
        (_image_removed, "coco.dangling-image-ref", False, 10),
        (_category_renamed_off_the_ontology, "schema.unknown-label", False, 1500),
    ],
    ids=lambda x: getattr(x, "__name__", str(x)),
)
def test_a_finding_an_edit_brings_is_reported_by_the_record_check(
    server: ServerRepo,
    make_client: MakeClient,
    edit: Callable[[dict[str, Any]], None],
    rule: str,
    accepted: bool,
    rechecked: int,
) -> None:
    """Through real pushes: what a few edited records (or a changed image or category
    that unchanged records reference) bring is found, though the push re-checks only
    those records (duplicates through the shortcut that compares only the records on
    the edited records' images, when the indexed version repeated nothing)."""
    alice, data = _setup(server, make_client)
    doc = json.loads(data)
    edit(doc)
    alice.commit({PATH: json.dumps(doc)}, "edit")
    pushed = alice.push("HEAD:refs/heads/main")
    assert pushed.accepted is accepted, pushed.output
    assert f"[{rule}]" in pushed.output
    assert f"1 checked by record, {rechecked} record(s) re-checked" in pushed.output


def test_what_the_unchanged_images_report_is_still_reported(
    server: ServerRepo, make_client: MakeClient
) -> None:
    """The `images` member is read again only when its bytes changed: the findings it
    gave the last check are kept in the record index and reported with every push."""
    alice = make_client(server, "alice")
    alice.commit({"schema/labels.yaml": SCHEMA_V1, "configs/project.yaml": PROJECT}, "rules")
    assert alice.push("HEAD:refs/heads/main").accepted
    doc = json.loads(big_valid_coco(images=IMAGES, per_image=PER_IMAGE))
    doc["images"][1]["file_name"] = doc["images"][0]["file_name"]
    alice.commit({PATH: json.dumps(doc)}, "big file")
    first = alice.push("HEAD:refs/heads/main")
    assert first.accepted, first.output
    assert "[coco.duplicate-file-name]" in first.output
    alice.commit({PATH: _edited(json.dumps(doc), 30)}, "edit 1%")
    second = alice.push("HEAD:refs/heads/main")
    assert second.accepted, second.output
    assert "1 checked by record, 30 record(s) re-checked" in second.output
    assert "[coco.duplicate-file-name]" in second.output


@pytest.mark.parametrize("where", ["edited record", "info member"])
def test_a_conflict_record_an_edit_brings_goes_to_the_full_check(
    server: ServerRepo, make_client: MakeClient, where: str
) -> None:
    """A file with an index is not searched whole for conflict markers: only its
    members other than the annotations and the records not known clean are. A marker
    in either still sends the file to the full check, which reports it."""
    alice, data = _setup(server, make_client)
    doc = json.loads(data)
    conflict = {CONFLICT_KEY: {"ours": {"id": 5}, "theirs": {"id": 5, "category_id": 2}}}
    if where == "edited record":
        doc["annotations"][4] = conflict
    else:
        doc["info"] = {"note": conflict}
    alice.commit({PATH: json.dumps(doc)}, "edit")
    pushed = alice.push("HEAD:refs/heads/main")
    assert not pushed.accepted, pushed.output
    assert "[merge.unresolved-conflict]" in pushed.output
    assert "checked by record" not in pushed.output
