"""Issue 17: `schema import` over an existing ontology keeps everything it says (labels,
ids, aliases, attributes, comments) and learns what the data shows; tried as a new user
would: `gitannot init`, then `schema import` of each real export, then `validate`."""

import contextlib
import io
import json
import shutil
from pathlib import Path

import pytest

from gitannot.main import main
from gitannot.scaffold import template_files
from gitannot.schema.loader import load_ontology
from tests.conftest import REALDATA
from tests.gitenv import git

# Each real export of tests/data: a tool's output folder (or a lone file).
EXPORTS = sorted(
    p.relative_to(REALDATA).as_posix()
    for top in REALDATA.iterdir()
    if top.is_dir()
    for p in (top.iterdir() if any(c.is_dir() for c in top.iterdir()) else [top])
    if p.is_dir() or p.suffix in (".json", ".xml", ".yaml", ".yml")
)

# Exports that name no labels: COCO results without categories, panoptic PNG masks,
# OpenImages CSVs. Import refuses them and leaves the ontology as it was.
NO_LABELS = {
    "cocoapi-results",
    "panopticapi/panoptic_examples",
    "review-odm-voc2012-100/openimages_format",
}

# What the init template says that an import must never lose.
KEPT = [
    "# Label ontology (docs/validation.md describes every key).",
    "# Attributes every label may carry.\nattributes:\n  occluded: {type: bool}\n",
    "  # A grouping node: annotations use its children (car, bicycle), never `vehicle`.\n",
    "    aliases: [bike]          # files may say `bike`; it is the same label\n",
    "      # int/float attributes take min/max; required ones must be on every annotation.\n",
    "exclusive_groups:\n  - name: time-of-day\n    labels: [day, night]\n",
]


def _init_and_import(
    tmp_path: Path, export: str, monkeypatch: pytest.MonkeyPatch, expect_rc: int = 0
) -> str:
    repo = tmp_path / "repo"
    assert main(["init", str(repo)]) == 0
    src = REALDATA / export
    dest = repo / "labels/imported" / src.name
    if src.is_dir():
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns("SOURCES.md"))
    else:
        dest.parent.mkdir(parents=True)
        shutil.copy(src, dest)
    git("init", "-q", cwd=repo)
    monkeypatch.chdir(repo)
    assert main(["schema", "import", "labels/imported"]) == expect_rc
    return (repo / "schema/labels.yaml").read_text()


def test_exports_are_found() -> None:
    assert len(EXPORTS) >= 20 and "review-odm-voc2012-100/coco_format_v1" in EXPORTS


@pytest.mark.slow
@pytest.mark.parametrize("export", EXPORTS)
def test_import_over_the_init_ontology_keeps_it_and_clears_unknown_attributes(
    export: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    template = template_files()["schema/labels.yaml"].decode()
    if export in NO_LABELS:
        assert _init_and_import(tmp_path, export, monkeypatch, expect_rc=2) == template
        assert "no labels found in the given files" in capsys.readouterr().err
        return
    text = _init_and_import(tmp_path, export, monkeypatch)
    for kept in KEPT:
        assert kept in text, kept
    before, after = load_ontology(template.encode()), load_ontology(text.encode())
    # Every label of the template is still there with its id, aliases, attributes.
    old = {lab.id: lab.signature() for lab in before.labels}
    new = {lab.id: lab for lab in after.labels}
    for label_id, signature in old.items():
        kept_label = new[label_id]
        assert kept_label.name == signature[1] and kept_label.aliases == signature[6]
        assert {a.name for a in kept_label.attributes} >= {a[0] for a in signature[5]}
    assert after.attributes == before.attributes
    capsys.readouterr()
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        main(["validate", "--json", "--no-cache"])
    findings = json.loads(buffer.getvalue())["findings"]
    assert [f for f in findings if f["rule"] == "schema.unknown-attribute"] == []


def test_the_issue_scenario_learns_occluded_and_prints_what_it_added(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CVAT COCO export that produced 51 warnings: its labels arrive, `occluded` is the
    ontology's top-level attribute already, so no label gets a copy of it."""
    capsys.readouterr()
    text = _init_and_import(tmp_path, "review-odm-voc2012-100/coco_format_v1", monkeypatch)
    err = capsys.readouterr().err
    assert "gitannot: added label 'cow' (id 23) from instances_default.json\n" in err
    assert "addition(s), 0 conflict(s) left to decide" in err
    assert "  - id: 23  # new, from instances_default.json\n    name: cow\n" in text
    assert text.count("occluded") == 1


def test_conflicts_are_listed_and_values_learned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    assert main(["init", str(repo)]) == 0
    coco = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [1, 1, 5, 5], "area": 25,
             "iscrowd": 0, "attributes": {"pose": "crouching", "occluded": "maybe"}},
            {"id": 2, "image_id": 1, "category_id": 2, "bbox": [1, 1, 5, 5], "area": 25,
             "iscrowd": 0, "attributes": {"visible_percent": 250, "muddy": True}},
        ],
        "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "dog"}],
    }  # fmt: skip
    (repo / "labels/a.json").write_text(json.dumps(coco))
    monkeypatch.chdir(repo)
    capsys.readouterr()
    assert main(["schema", "import", "labels/a.json"]) == 0
    err = capsys.readouterr().err
    assert "gitannot: added values crouching to 'person' attribute 'pose'\n" in err
    assert "gitannot: added attribute 'muddy' (bool) to label 'dog'\n" in err
    assert (
        "gitannot: conflict: label 'dog' attribute 'visible_percent' (int) gets 250 in the "
        "data (left as is)\n" in err
    )
    assert "gitannot: conflict: label 'person' attribute 'occluded' (bool) gets 'maybe'" in err
    text = (repo / "schema/labels.yaml").read_text()
    assert "pose: {type: enum, values: [standing, sitting, lying, unknown, crouching]}" in text
