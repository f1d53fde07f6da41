"""The sync's pure parts, without a Label Studio server: its config, where credentials
may come from, what Git asks the tool to show, and how annotations are written."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import pytest

from gitannot.errors import ConfigError
from gitannot.main import main
from gitannot.project.config import load_project
from gitannot.schema.loader import load_ontology
from gitannot.sync.config import load_sync
from gitannot.sync.credentials import load_credentials
from gitannot.sync.desired import desired_state
from gitannot.sync.model import ToolAnnotation, ToolTask
from gitannot.sync.reconcile import canonical_config
from gitannot.sync.render import output_format, render
from gitannot.sync.webhook import Listener
from gitannot.sync.workclone import WorkClone
from gitannot.validation.rules import load_rules
from gitannot.validation.sources import WorkTreeSource
from tests.gitenv import ServerRepo
from tests.sync import helpers as h
from tests.sync.labelstudio import free_port
from tests.workflow.helpers import task


def test_the_repository_cannot_name_the_tool_or_its_token() -> None:
    text = "version: 1\nlabelstudio:\n  project: street\n  labels: labels/a.json\n"
    for key in ("url: http://evil.example", "token: abc"):
        with pytest.raises(ConfigError) as err:
            load_sync((text + f"  {key}\n").encode())
        assert err.value.message.startswith("configs/sync.yaml:5: ")
        assert "does not belong in the repository" in err.value.message
        assert "GITANNOT_LABELSTUDIO_URL" in (err.value.hint or "")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("  drift: ignore\n", "configs/sync.yaml:5: `drift` must be one of revert, report"),
        ("  labels2: x\n", "configs/sync.yaml:5: unknown key 'labels2'"),
    ],
)
def test_a_bad_sync_config_names_the_line(extra: str, message: str) -> None:
    text = "version: 1\nlabelstudio:\n  project: street\n  labels: labels/a.json\n" + extra
    with pytest.raises(ConfigError) as err:
        load_sync(text.encode())
    assert err.value.message == message


def test_annotations_are_written_under_labels_only() -> None:
    text = "version: 1\nlabelstudio:\n  project: street\n  labels: [configs/access.yaml]\n"
    with pytest.raises(ConfigError) as err:
        load_sync(text.encode())
    assert "'configs/access.yaml' is not a path under labels/" in err.value.message


def test_no_sync_config_on_the_default_branch_is_an_error() -> None:
    with pytest.raises(ConfigError) as err:
        load_sync(None)
    assert err.value.message == "configs/sync.yaml: not found on the server's default branch"


def test_credentials_come_from_the_environment_or_a_private_file(tmp_path: Path) -> None:
    env = {"GITANNOT_LABELSTUDIO_URL": "http://ls:8080/", "GITANNOT_LABELSTUDIO_TOKEN": "t0k"}
    creds = load_credentials(None, env)
    assert (creds.url, creds.token) == ("http://ls:8080", "t0k")
    assert "t0k" not in repr(creds)
    with pytest.raises(ConfigError) as err:
        load_credentials(None, {})
    assert "GITANNOT_LABELSTUDIO_TOKEN" in (err.value.hint or "")
    file = tmp_path / "ls.yaml"
    file.write_text("url: https://ls.example\ntoken: secret\n")
    file.chmod(0o644)
    with pytest.raises(ConfigError) as err:
        load_credentials(file, {})
    assert err.value.message == f"{file}: the credentials file is readable by other users"
    file.chmod(0o600)
    assert load_credentials(file, {}).url == "https://ls.example"


def _project(root: Path, extra: dict[str, str | bytes | None]) -> WorkTreeSource:
    for rel, text in {**h.files("street"), **extra}.items():
        assert isinstance(text, str)
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return WorkTreeSource(root)


def test_each_manifest_item_is_one_task_keyed_by_its_id_with_the_tasks_naming_it(
    tmp_path: Path,
) -> None:
    item = "data/images.jsonl#s3://street/img1.jpg"
    source = _project(tmp_path, {"tasks/t1.yaml": task("t1", f"['{item}']", "[bob]")})
    want = desired_state(load_rules(source), source)
    assert sorted(want.tasks) == ["img1", "img2"]
    assert want.tasks["img1"].data == {
        "image": "s3://street/img1.jpg",
        "gitannot_item": "img1",
        "split": "train",
        "gitannot_tasks": ["t1"],
    }
    assert "gitannot_tasks" not in want.tasks["img2"].data
    assert want.width_height["img2"] == (640, 480)


def test_a_broken_manifest_stops_the_sync_naming_the_file(tmp_path: Path) -> None:
    source = _project(tmp_path, {"data/images.jsonl": h.manifest_row("img1") * 2})
    with pytest.raises(ConfigError) as err:
        desired_state(load_rules(source), source)
    assert err.value.message.startswith("data/images.jsonl: [manifest.duplicate-id]")


def _tool_task(task_id: int, key: str, x: float, ann_id: int = 7) -> ToolTask:
    result = [h.box("car", x, region="reg1")]
    data = {"image": f"s3://street/{key}.jpg", "gitannot_item": key}
    return ToolTask(task_id, data, {}, [ToolAnnotation(ann_id, h.BOB, result, "t1")])


def test_coco_output_has_pixel_boxes_and_stable_ids_in_any_order() -> None:
    onto = load_ontology(h.SCHEMA.encode())
    tasks = [_tool_task(3, "img2", 50, 8), _tool_task(1, "img1", 10)]
    first = render("coco", tasks, onto, {"img1": (640, 480)})
    assert first == render("coco", list(reversed(tasks)), onto, {"img1": (640, 480)})
    doc = json.loads(first)
    assert [i["file_name"] for i in doc["images"]] == [
        "s3://street/img1.jpg",
        "s3://street/img2.jpg",
    ]
    assert [(a["image_id"], a["category_id"], a["bbox"]) for a in doc["annotations"]] == [
        (1, 2, [64.0, 48.0, 128.0, 120.0]),
        (3, 2, [320.0, 48.0, 128.0, 120.0]),
    ]
    assert [c["name"] for c in doc["categories"]] == ["person", "car"]


def test_formats_other_than_labelstudio_and_coco_are_refused() -> None:
    project = load_project(b'formats:\n  - {glob: "labels/yolo/*.txt", format: yolo}\n')
    assert output_format(project, "labels/x.coco.json") == "coco"
    assert output_format(project, "labels/x.json") == "labelstudio"
    with pytest.raises(ConfigError) as err:
        output_format(project, "labels/yolo/a.txt")
    assert "labels/yolo/a.txt is declared as 'yolo'" in err.value.message


def test_a_reindented_config_is_not_drift_but_a_new_label_is() -> None:
    xml = '<View><Image name="image" value="$image"/></View>'
    assert canonical_config(xml) == canonical_config(xml.replace("><", ">\n  <"))
    assert canonical_config(xml) != canonical_config(xml.replace("$image", "$img"))


def test_the_sync_config_in_the_docs_loads() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "sync.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S) if "labelstudio:" in b]
    assert len(blocks) == 1
    text = "\n".join(line.removeprefix("   ") for line in blocks[0].splitlines()) + "\n"
    settings = load_sync(text.encode())
    assert (settings.project, settings.drift, settings.removed) == (
        "street signs",
        "revert",
        "report",
    )
    assert settings.outputs == ("labels/ls/annotations.json", "labels/coco/annotations.coco.json")


def test_one_sync_at_a_time_per_working_clone(server: ServerRepo, tmp_path: Path) -> None:
    first = WorkClone.open(tmp_path / "clone", server.file_url())
    second = WorkClone.open(tmp_path / "clone", server.file_url())
    with first.lock():
        with pytest.raises(ConfigError) as err, second.lock():
            pass
        assert err.value.message.endswith("another sync is running on this working clone")
    with second.lock():  # free again once the first pass ended
        pass


def test_only_annotation_webhooks_wake_the_watch_loop() -> None:
    listener = Listener("127.0.0.1", 0)
    listener.start()
    try:
        for action in ("PROJECT_UPDATED", "ANNOTATION_UPDATED"):
            body = json.dumps({"action": action, "project": {"id": 1}}).encode()
            request = urllib.request.Request(listener.url(), data=body, method="POST")
            with urllib.request.urlopen(request, timeout=10) as resp:
                assert resp.status == 200
            assert listener.wake.is_set() is (action == "ANNOTATION_UPDATED")
        assert listener.received == 1
    finally:
        listener.stop()


def test_only_the_client_module_imports_the_label_studio_sdk() -> None:
    package = Path(__file__).resolve().parents[2] / "gitannot"
    importers = sorted(
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if re.search(r"^\s*(from|import) label_studio_sdk", p.read_text(), re.M)
    )
    assert importers == ["sync/lsclient.py"]


def test_polygons_become_coco_segmentations_in_pixels() -> None:
    onto = load_ontology(h.SCHEMA.encode())
    region = {
        "id": "p1",
        "type": "polygonlabels",
        "value": {"points": [[10, 10], [50, 10], [50, 60]], "polygonlabels": ["car"]},
    }
    task = ToolTask(5, {"image": "s3://street/img1.jpg", "gitannot_item": "img1"}, {})
    task.annotations.append(ToolAnnotation(9, h.BOB, [region], "t"))
    [ann] = json.loads(render("coco", [task], onto, {"img1": (200, 100)}))["annotations"]
    assert ann["segmentation"] == [[20.0, 10.0, 100.0, 10.0, 100.0, 60.0]]
    assert (ann["bbox"], ann["area"], ann["category_id"]) == ([20.0, 10.0, 80.0, 50.0], 2000.0, 2)


@pytest.mark.parametrize(
    ("region", "named"),
    [
        ({"id": "k1", "type": "keypointlabels",
          "value": {"x": 1, "y": 2, "keypointlabels": ["car"]}}, "a 'keypointlabels' region"),
        ({"id": "c1", "type": "choices", "value": {"choices": ["day"]}}, "a 'choices' region"),
        (h.box("tram", 10, region="r2"), "label 'tram'"),
    ],
)  # fmt: skip
def test_a_region_coco_cannot_hold_stops_the_write_naming_it(
    region: dict[str, object], named: str
) -> None:
    """Left out, it would be gone from Git while the tool still shows it as synced."""
    onto = load_ontology(h.SCHEMA.encode())
    task = _tool_task(4, "img1", 10)
    task.annotations.append(ToolAnnotation(11, h.BOB, [region], "t2"))
    with pytest.raises(ConfigError) as caught:
        render("coco", [task], onto, {"img1": (640, 480)})
    assert f"task img1 annotation 11: {named}" in caught.value.message
    assert "format: labelstudio" in (caught.value.hint or "")
    # The Label Studio file keeps every region.
    assert (
        region in json.loads(render("labelstudio", [task], onto, {}))[0]["annotations"][1]["result"]
    )


def test_an_unreachable_tool_is_an_error_naming_the_request(
    project_repo: tuple[ServerRepo, object],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, _alice = project_repo
    monkeypatch.setenv("GITANNOT_LABELSTUDIO_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("GITANNOT_LABELSTUDIO_TOKEN", "t")
    args = ["sync", "labelstudio", "--workdir", str(tmp_path / "w"), "--remote", server.file_url()]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "gitannot: Label Studio at http://127.0.0.1:" in err
    assert ": listing projects failed: " in err
