"""`gitannot validate` and `gitannot schema` in-process, in real git repositories."""

import io
import json
import os
from pathlib import Path

import pytest

from gitannot.main import main
from gitannot.schema.loader import load_ontology
from gitannot.validation.output import Progress
from tests.gitenv import git
from tests.validation.helpers import (
    LS_CONFIG,
    POSE_DATA,
    PROJECT,
    SCHEMA_V1,
    coco,
    ls_export,
    pose_row,
    schema_v2_with_keypoints,
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "work"
    root.mkdir()
    git("init", "-q", cwd=root)
    files = {
        "schema/labels.yaml": SCHEMA_V1,
        "configs/project.yaml": PROJECT,
        "labels/coco/a.json": coco(["person", "car"]),
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "base", cwd=root)
    monkeypatch.chdir(root)
    return root


@pytest.mark.usefixtures("repo")
def test_clean_tree_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate"]) == 0
    assert "validated 1 label file(s) (0 from cache): 0 error(s)" in capsys.readouterr().out


def test_invalid_file_exits_1_with_the_push_report(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "labels/coco/b.json").write_text(coco(["truck"]))
    assert main(["validate"]) == 1
    out = capsys.readouterr().out
    assert "ERROR [schema.unknown-label] labels/coco/b.json#1: label 'truck'" in out


@pytest.mark.usefixtures("repo")
def test_second_run_comes_from_cache(capsys: pytest.CaptureFixture[str]) -> None:
    main(["validate"])
    capsys.readouterr()
    main(["validate"])
    assert "(1 from cache)" in capsys.readouterr().out
    assert main(["validate", "--no-cache"]) == 0
    assert "(0 from cache)" in capsys.readouterr().out


def test_json_report(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "labels/coco/b.json").write_text(coco(["truck"]))
    assert main(["validate", "--json", "labels/coco/b.json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    assert doc["summary"]["files"] == 1
    assert doc["findings"][0]["rule"] == "schema.unknown-label"
    assert doc["findings"][0]["path"] == "labels/coco/b.json"


def test_paths_filter_and_folders(repo: Path) -> None:
    (repo / "labels/coco/b.json").write_text(coco(["truck"]))
    assert main(["validate", "labels/coco/a.json", "README.md"]) == 0
    assert main(["validate", "labels"]) == 1
    # pre-commit passes the ontology when it changes: then every label file is checked.
    assert main(["validate", "schema/labels.yaml"]) == 1
    os.chdir(repo / "labels")
    assert main(["validate", "coco/a.json"]) == 0


def test_commit_and_range(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git("rev-parse", "HEAD", cwd=repo).stdout.strip()
    (repo / "labels/coco/b.json").write_text(coco(["truck"]))
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "bad", cwd=repo)
    (repo / "labels/coco/b.json").unlink()  # the work tree is clean again
    assert main(["validate"]) == 0
    assert main(["validate", "--commit", "HEAD"]) == 1
    assert main(["validate", "--commit", base]) == 0
    capsys.readouterr()
    assert main(["validate", "--range", f"{base}..HEAD"]) == 1
    assert "labels/coco/b.json" in capsys.readouterr().out


def test_range_checks_evolution(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = git("rev-parse", "HEAD", cwd=repo).stdout.strip()
    schema = repo / "schema/labels.yaml"
    schema.write_text(SCHEMA_V1.replace("  - {id: 2, name: car, geometry: [bbox, polygon]}\n", ""))
    git("commit", "-q", "-am", "drop car", cwd=repo)
    assert main(["validate", "--range", f"{base}..HEAD"]) == 1
    out = capsys.readouterr().out
    assert "[schema.version-not-bumped]" in out
    assert "[schema.label-removed-in-use]" in out
    # The work tree (pre-commit) compares against HEAD: same finding before committing.
    git("reset", "-q", "--hard", base, cwd=repo)
    schema.write_text(SCHEMA_V1.replace("  - {id: 2, name: car, geometry: [bbox, polygon]}\n", ""))
    assert main(["validate"]) == 1
    assert "[schema.label-removed-in-use]" in capsys.readouterr().out


def test_broken_schema_names_file_and_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "schema/labels.yaml").write_text("version: 1\nlabels:\n  - {id: x, name: a}\n")
    assert main(["validate"]) == 1
    assert "schema/labels.yaml:3: label `id` must be" in capsys.readouterr().out


def test_symlink_where_labels_belong_rejected(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "labels/coco/link.json").symlink_to("/etc/passwd")
    assert main(["validate"]) == 1
    assert "[validate.symlink] labels/coco/link.json" in capsys.readouterr().out


def test_oversized_file_refused_before_parsing(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "configs/project.yaml").write_text(PROJECT + "limits: {max_file_bytes: 100}\n")
    assert main(["validate"]) == 1
    assert "[file.too-large] labels/coco/a.json" in capsys.readouterr().out


def test_schema_import_extends_and_keeps_ids(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "data.yaml").write_text("names: [person, dog, car]\nnc: 3\n")
    assert main(["schema", "import", "data.yaml"]) == 0
    onto = load_ontology((repo / "schema/labels.yaml").read_bytes())
    ids = {label.name: label.id for label in onto.labels}
    assert ids == {"person": 1, "car": 2, "bicycle": 3, "dog": 4}
    assert "1 label(s) added, 3 kept" in capsys.readouterr().err


def test_schema_import_refuses_unknown_files(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "notes.md").write_text("hi\n")
    assert main(["schema", "import", "notes.md", "--out", "-"]) == 2
    assert "cannot tell what kind of file" in capsys.readouterr().err


@pytest.mark.usefixtures("repo")
def test_schema_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "show"]) == 0
    out = capsys.readouterr().out
    assert "version 1, 3 label(s)" in out
    assert "car  (geometry bbox,polygon)" in out


def test_yolo_names_come_from_the_nearest_names_file(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "labels/yolo/train").mkdir(parents=True)
    (repo / "labels/yolo/classes.txt").write_text("person\ntruck\n")
    (repo / "labels/yolo/train/a.txt").write_text("0 0.5 0.5 0.2 0.2\n1 0.5 0.5 0.1 0.1\n")
    assert main(["validate", "labels/yolo/train/a.txt"]) == 1
    assert "[schema.unknown-label] labels/yolo/train/a.txt#" in capsys.readouterr().out
    (repo / "labels/yolo/classes.txt").write_text("person\ncar\n")
    assert main(["validate", "labels/yolo/train/a.txt"]) == 0  # names changed: not cached


def test_labelstudio_export_checked_against_the_project_labeling_config(
    repo: Path, realdata: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = realdata / "label-studio-converter/test_export_yolo"
    (repo / "configs/labelstudio.xml").write_bytes(
        (src / "label_config.xml").read_bytes().replace(b'name="label"', b'name="other"')
    )
    (repo / "configs/project.yaml").write_text(
        PROJECT + "labelstudio_config: configs/labelstudio.xml\n"
    )
    (repo / "labels/ls").mkdir()
    (repo / "labels/ls/export.json").write_bytes((src / "data.json").read_bytes())
    main(["validate", "--json", "labels/ls/export.json"])
    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert "labelstudio.dangling-from-name" in rules


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_large_inputs() -> None:
    tty = _Tty()
    progress = Progress(25, tty)
    progress.update(1, "labels/a.json")
    progress.close()
    assert "validating 1/25 labels/a.json" in tty.getvalue()
    small = _Tty()
    Progress(3, small).update(1, "x")
    assert small.getvalue() == ""
    pipe = io.StringIO()
    Progress(100, pipe).update(1, "x")
    assert pipe.getvalue() == ""


def test_yolo_pose_rows_use_kpt_shape_and_its_blob_keys_the_cache(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "schema/labels.yaml").write_text(schema_v2_with_keypoints())
    git("commit", "-qam", "person keypoints", cwd=repo)
    (repo / "labels/pose/train").mkdir(parents=True)
    (repo / "labels/pose/data.yaml").write_text(POSE_DATA)
    (repo / "labels/pose/train/p1.txt").write_text(pose_row())
    assert main(["validate", "labels/pose"]) == 0, capsys.readouterr().out
    (repo / "labels/pose/train/p2.txt").write_text(pose_row(visibility=5))
    assert main(["validate", "labels/pose"]) == 1
    assert "[yolo.keypoint-visibility] labels/pose/train/p2.txt#line:1" in capsys.readouterr().out
    # Same row file, new kpt_shape (same names): the cached verdict must not be reused.
    (repo / "labels/pose/train/p2.txt").unlink()
    (repo / "labels/pose/data.yaml").write_text(POSE_DATA.replace("[17, 3]", "[16, 3]"))
    assert main(["validate", "labels/pose/train/p1.txt"]) == 1
    assert "kpt_shape [16, 3] needs 53" in capsys.readouterr().out


def test_labelstudio_config_at_the_conventional_path_joins_the_cache_key(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "labels/ls").mkdir()
    (repo / "labels/ls/export.json").write_text(ls_export(from_name="bbox"))
    assert main(["validate", "labels/ls/export.json"]) == 0  # no labeling config: unchecked
    capsys.readouterr()
    (repo / "configs/labelstudio.xml").write_text(LS_CONFIG)
    assert main(["validate", "labels/ls/export.json"]) == 1
    out = capsys.readouterr().out
    assert "(0 from cache)" in out
    assert "[labelstudio.dangling-from-name] labels/ls/export.json#1/1/r1" in out
    # A declared config wins over the conventional path.
    (repo / "configs/other.xml").write_text(LS_CONFIG.replace('name="label"', 'name="bbox"'))
    (repo / "configs/project.yaml").write_text(PROJECT + "labelstudio_config: configs/other.xml\n")
    assert main(["validate", "labels/ls/export.json"]) == 0, capsys.readouterr().out


VOC = (
    "<annotation><filename>a.jpg</filename><size><width>100</width><height>100</height>"
    "</size><object><name>person</name><bndbox><xmin>10</xmin><ymin>10</ymin><xmax>20</xmax>"
    "<ymax>20</ymax></bndbox></object></annotation>\n"
)


def test_same_blob_at_another_path_is_not_served_from_cache(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A verdict depends on the path too (detection by extension, VOC's file name check):
    the same bytes elsewhere must be validated again, not take the first path's verdict."""
    (repo / "labels/voc").mkdir()
    (repo / "labels/voc/a.xml").write_text(VOC)
    assert main(["validate", "labels/voc/a.xml"]) == 0, capsys.readouterr().out
    capsys.readouterr()
    os.rename(repo / "labels/voc/a.xml", repo / "labels/voc/b.json")
    assert main(["validate", "labels/voc/b.json"]) == 1
    out = capsys.readouterr().out
    assert "(0 from cache)" in out and "ERROR [json.parse] labels/voc/b.json" in out
    os.rename(repo / "labels/voc/b.json", repo / "labels/voc/b.xml")
    assert main(["validate", "labels/voc/b.xml"]) == 0
    assert "WARNING [voc.filename-mismatch] labels/voc/b.xml" in capsys.readouterr().out


def test_declared_formats_get_their_context_whatever_the_extension(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path the project maps to yolo / labelstudio is read with its names file / labeling
    config even when its extension is not the usual .txt / .json."""
    (repo / "configs/project.yaml").write_text(
        PROJECT.replace(
            "formats:\n",
            'formats:\n  - {glob: "labels/**/*.rows", format: yolo}\n'
            '  - {glob: "labels/**/*.tasks", format: labelstudio}\n',
        )
    )
    (repo / "configs/labelstudio.xml").write_text(LS_CONFIG)
    (repo / "labels/yolo").mkdir(parents=True)
    (repo / "labels/yolo/classes.txt").write_text("person\ncar\n")
    (repo / "labels/yolo/a.rows").write_text("0 0.5 0.5 0.2 0.2\n7 0.5 0.5 0.1 0.1\n")
    (repo / "labels/yolo/b.tasks").write_text(ls_export(from_name="bbox"))
    assert main(["validate", "labels/yolo"]) == 1
    out = capsys.readouterr().out
    assert "ERROR [yolo.class-out-of-range] labels/yolo/a.rows#line:2" in out
    assert "ERROR [labelstudio.dangling-from-name] labels/yolo/b.tasks#" in out
