"""Issue 19: GitOps for Label Studio, against a real Label Studio server on loopback and
real pushes into a bare repository with the gitannot hooks installed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from gitannot.schema.export import export
from gitannot.schema.loader import load_ontology
from gitannot.sync.reconcile import canonical_config
from tests.audit.helpers import log_entries
from tests.gitenv import Client, ServerRepo
from tests.sync import helpers as h
from tests.sync.labelstudio import LabelStudioServer
from tests.workflow.helpers import task

# One Label Studio per session: under xdist (tests/run.sh uses --dist loadgroup) every
# test of this module runs on one worker, so only that worker starts a server.
pytestmark = [pytest.mark.labelstudio, pytest.mark.xdist_group("labelstudio")]

Repo = tuple[ServerRepo, Client]


@pytest.fixture
def title(request: pytest.FixtureRequest, project_repo: Repo) -> str:
    """A project per test: the seeded repository names this title in configs/sync.yaml."""
    _server, alice = project_repo
    name = h.title_for(request)
    alice.commit({"configs/sync.yaml": h.files(name)["configs/sync.yaml"]}, "name the project")
    assert alice.push("HEAD:refs/heads/main").accepted
    return name


def test_schema_and_manifest_become_config_and_tasks(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, _alice = project_repo
    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    pid = h.project_id(labelstudio, title)
    config = labelstudio.sdk().projects.get(id=pid).label_config
    want = export(load_ontology(h.SCHEMA.encode()), "labelstudio")
    assert canonical_config(config) == canonical_config(want)
    tasks = h.tool_tasks(labelstudio, pid)
    assert sorted(t["data"]["gitannot_item"] for t in tasks) == ["img1", "img2"]
    assert {t["data"]["image"] for t in tasks} == {"s3://street/img1.jpg", "s3://street/img2.jpg"}
    assert "tasks: created 2" in out


def test_annotations_come_back_as_a_push_the_hook_accepts_and_the_audit_log_names(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, _alice = project_repo
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    ann = h.annotate(labelstudio, h.BOB, h.task_of(labelstudio, pid, "img1"), [h.box("person", 10)])
    before = h.main_tip(server)

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    tip = h.main_tip(server)
    assert tip is not None and tip != before
    # One commit on main, by the sync identity, whose parent is what main was.
    assert server.git("rev-parse", f"{tip}^").stdout.strip() == before
    author = server.git("log", "-1", "--format=%an|%B", tip).stdout
    assert author.startswith("labelstudio-sync|")
    assert f"Label-Studio-User: {h.BOB} annotations={ann}" in author
    ls_doc = h.server_file(server, h.LS_FILE)
    assert [t["data"]["gitannot_item"] for t in ls_doc] == ["img1"]
    [stored] = ls_doc[0]["annotations"]
    assert (stored["id"], stored["completed_by"]) == (ann, h.BOB)
    assert stored["result"][0]["value"]["rectanglelabels"] == ["person"]
    coco = h.server_file(server, h.COCO_FILE)
    assert [(a["category_id"], a["bbox"]) for a in coco["annotations"]] == [
        (1, [64.0, 48.0, 128.0, 120.0])
    ]
    # The audit entry of that push: the transport identity is the sync's, and the push
    # options name the Label Studio user behind the annotation.
    entry = h.last_push_entry(log_entries(server))
    assert entry["actor"]["user"] == h.SYNC_USER
    assert entry["decision"] == "accepted"
    assert [u["new"] for u in entry["updates"]] == [tip]
    assert f"labelstudio.user={h.BOB} annotations={ann}" in entry["push_options"]
    assert "gitannot.sync=labelstudio" in entry["push_options"]

    # Nothing new on either side: the next run commits nothing and creates no task.
    tasks = h.tool_tasks(labelstudio, pid)
    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    assert h.main_tip(server) == tip
    assert h.tool_tasks(labelstudio, pid) == tasks
    assert "annotations: Git is up to date with the tool" in out


def test_a_config_edited_in_the_tool_is_drift_and_is_reverted(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, _alice = project_repo
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    generated = labelstudio.sdk().projects.get(id=pid).label_config
    edited = generated.replace(
        '<Label value="car"', '<Label value="truck"/>\n    <Label value="car"'
    )
    assert edited != generated
    labelstudio.sdk().projects.update(id=pid, label_config=edited)  # what the UI's Save sends

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    assert f"DRIFT: the labeling config of project {pid} was edited in the tool" in out
    now = labelstudio.sdk().projects.get(id=pid).label_config
    assert canonical_config(now) == canonical_config(generated)


def test_drift_is_only_reported_when_the_config_says_report(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    both = str(h.files(title, drift="report")["configs/sync.yaml"])
    # The Label Studio file only: the tool's output meets the hook's validation.
    ls_only = both.replace(f", {h.COCO_FILE}]", "]")
    assert ls_only != both
    alice.commit({"configs/sync.yaml": ls_only})
    assert alice.push("HEAD:refs/heads/main").accepted
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    generated = labelstudio.sdk().projects.get(id=pid).label_config
    edited = generated.replace(
        '<Label value="car"', '<Label value="truck"/>\n    <Label value="car"'
    )
    labelstudio.sdk().projects.update(id=pid, label_config=edited)

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    assert "left as is (drift: report in configs/sync.yaml)" in out
    now = labelstudio.sdk().projects.get(id=pid).label_config
    assert canonical_config(now) == canonical_config(edited)


def test_a_sync_push_the_policy_rejects_changes_neither_repo_nor_tool(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    # The sync may write labels/other/** only: its labels/ls and labels/coco files are not.
    alice.commit(
        {"configs/access.yaml": h.files(title, sync_paths="labels/other/**")["configs/access.yaml"]}
    )
    assert alice.push("HEAD:refs/heads/main").accepted
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    h.annotate(labelstudio, h.BOB, h.task_of(labelstudio, pid, "img2"), [h.box("car", 30)])
    tool_before, tip_before = h.tool_tasks(labelstudio, pid), h.main_tip(server)

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 1, out
    assert (
        "REJECTED: the server refused the sync push to main; "
        "Git and the tool's annotations are unchanged" in out
    )
    assert "push by ls-sync REJECTED" in out  # the hook's own report, shown
    assert h.main_tip(server) == tip_before
    assert h.tool_tasks(labelstudio, pid) == tool_before
    entry = h.last_push_entry(log_entries(server))
    assert (entry["actor"]["user"], entry["decision"]) == (h.SYNC_USER, "rejected")

    # Still refused on the next run (the state did not move past the refused content).
    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 1 and "REJECTED" in out


def test_the_same_annotation_changed_in_git_and_in_the_tool_is_a_conflict(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    ann = h.annotate(labelstudio, h.BOB, h.task_of(labelstudio, pid, "img1"), [h.box("person", 10)])
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    # Git side: alice moves the box; tool side: bob moves the same box elsewhere.
    alice.git("pull", "-q", "origin", "main")
    doc = h.server_file(server, h.LS_FILE)
    doc[0]["annotations"][0]["result"][0]["value"]["x"] = 50
    alice.commit({h.LS_FILE: h.dump(doc)}, "alice moves the box")
    assert alice.push("HEAD:refs/heads/main").accepted
    h.edit_annotation(labelstudio, h.BOB, ann, [h.box("person", 70)])
    tip = h.main_tip(server)

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 1, out
    assert "CONFLICT: annotations changed both in Git (main) and in Label Studio" in out
    assert f"conflicted: {h.LS_FILE}" in out
    # The annotation-aware driver (not a line merge) found it: one region, field `value`.
    assert f"{h.LS_FILE}: 1 conflict record(s) (labelstudio)" in out
    assert f"/annotations/{ann}/result/r1/bbox reason=modify/modify fields=value" in out
    assert '"x":50' in out.split("git : ")[1].splitlines()[0]
    assert '"x":70' in out.split("tool: ")[1].splitlines()[0]
    assert h.main_tip(server) == tip  # nothing overwritten
    assert h.server_file(server, h.LS_FILE)[0]["annotations"][0]["result"][0]["value"]["x"] == 50


def test_changes_on_both_sides_to_different_annotations_merge(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    h.annotate(labelstudio, h.BOB, h.task_of(labelstudio, pid, "img1"), [h.box("person", 10)])
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    alice.git("pull", "-q", "origin", "main")
    doc = h.server_file(server, h.LS_FILE)
    doc[0]["annotations"][0]["result"][0]["value"]["x"] = 50
    alice.commit({h.LS_FILE: h.dump(doc)}, "alice moves bob's box")
    assert alice.push("HEAD:refs/heads/main").accepted
    carol = h.annotate(labelstudio, h.CAROL, h.task_of(labelstudio, pid, "img2"), [h.box("car", 5)])

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    merged = {t["data"]["gitannot_item"]: t for t in h.server_file(server, h.LS_FILE)}
    assert merged["img1"]["annotations"][0]["result"][0]["value"]["x"] == 50  # Git's edit kept
    assert [a["id"] for a in merged["img2"]["annotations"]] == [carol]  # the tool's added
    entry = h.last_push_entry(log_entries(server))
    assert f"labelstudio.user={h.CAROL} annotations={carol}" in entry["push_options"]
    assert not any(h.BOB in o for o in entry["push_options"])  # bob changed nothing new


def test_an_item_removed_from_the_manifest_is_reported_not_deleted(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    h.annotate(labelstudio, h.BOB, h.task_of(labelstudio, pid, "img2"), [h.box("car", 30)])
    alice.git("pull", "-q", "origin", "main")
    alice.commit({"data/images.jsonl": h.manifest_row("img1")}, "img2 leaves the dataset")
    assert alice.push("HEAD:refs/heads/main").accepted

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    assert "tasks: 1 kept (no longer in data/; not deleted): img2" in out
    tasks = {t["data"]["gitannot_item"]: t for t in h.tool_tasks(labelstudio, pid)}
    assert sorted(tasks) == ["img1", "img2"] and len(tasks["img2"]["annotations"]) == 1


def test_watch_registers_a_webhook_and_an_annotation_pulls_within_the_loop(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
) -> None:
    server, _alice = project_repo
    args = ["sync", "labelstudio", "--watch", "--interval", "3600"]
    args += ["--workdir", str(workdir), "--remote", server.file_url()]
    proc = subprocess.Popen(
        [sys.executable, "-m", "gitannot", *args],
        env=h.sync_env(labelstudio),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        seen = h.read_until(proc, "waiting for a webhook")
        assert "watch: sync finished (exit 0)" in seen, seen
        pid = h.project_id(labelstudio, title)
        hooks = labelstudio.sdk().webhooks.list(project=str(pid))
        assert [w.url for w in hooks] == [seen.split("registered webhook ", 1)[1].split()[0]]
        before = h.main_tip(server)
        # The loop waits an hour between passes: only the webhook can wake it now.
        ann = h.annotate(
            labelstudio, h.BOB, h.task_of(labelstudio, pid, "img1"), [h.box("car", 40)]
        )
        seen = h.read_until(proc, "pushed ")
        assert h.main_tip(server) != before, seen
        [stored] = h.server_file(server, h.LS_FILE)[0]["annotations"]
        assert (stored["id"], stored["completed_by"]) == (ann, h.BOB)
    finally:
        proc.send_signal(signal.SIGTERM)
        rest = proc.communicate(timeout=60)[0]
    assert proc.returncode == 0, rest


def test_removed_items_are_archived_when_the_config_says_archive(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    sync_yaml = h.files(title)["configs/sync.yaml"]
    assert isinstance(sync_yaml, str)
    alice.commit({"configs/sync.yaml": sync_yaml + "  removed: archive\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    alice.commit({"data/images.jsonl": h.manifest_row("img1")}, "img2 leaves the dataset")
    assert alice.push("HEAD:refs/heads/main").accepted

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    assert "tasks: 1 archived: img2" in out
    tasks = {t["data"]["gitannot_item"]: t for t in h.tool_tasks(labelstudio, pid)}
    assert tasks["img2"]["meta"].get("gitannot_archived") is True
    assert "gitannot_archived" not in tasks["img1"]["meta"]


def test_the_sync_reads_its_settings_from_the_default_branch_only(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    # A branch that would point the sync at another project and add an item: ignored.
    alice.git("checkout", "-q", "-b", "other")
    alice.commit(
        {
            "configs/sync.yaml": h.files("gitannot elsewhere")["configs/sync.yaml"],
            "data/images.jsonl": h.manifest_row("img1") + h.manifest_row("img3"),
        }
    )
    assert alice.push("HEAD:refs/heads/other").accepted

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    titles = [p.title for p in labelstudio.sdk().projects.list(page_size=100)]
    assert title in titles and "gitannot elsewhere" not in titles
    pid = h.project_id(labelstudio, title)
    assert sorted(t["data"]["gitannot_item"] for t in h.tool_tasks(labelstudio, pid)) == [
        "img1",
        "img2",
    ]


def test_an_ontology_changed_in_git_updates_the_config_without_calling_it_drift(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    alice.commit({"schema/labels.yaml": h.SCHEMA_V2}, "trucks")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    assert f"config: project {pid} follows the ontology changed in Git" in out
    assert "DRIFT" not in out
    now = labelstudio.sdk().projects.get(id=pid).label_config
    want = export(load_ontology(h.SCHEMA_V2.encode()), "labelstudio")
    assert canonical_config(now) == canonical_config(want)


def test_a_label_added_in_the_tool_is_refused_by_the_same_validation_as_a_person(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    both = str(h.files(title, drift="report")["configs/sync.yaml"])
    # The Label Studio file only: the tool's output meets the hook's validation.
    ls_only = both.replace(f", {h.COCO_FILE}]", "]")
    assert ls_only != both
    alice.commit({"configs/sync.yaml": ls_only})
    assert alice.push("HEAD:refs/heads/main").accepted
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    # Someone adds `truck` in the tool's UI (left alone: drift is report-only) and uses it.
    config = labelstudio.sdk().projects.get(id=pid).label_config
    edited = config.replace('<Label value="car"', '<Label value="truck"/>\n    <Label value="car"')
    labelstudio.sdk().projects.update(id=pid, label_config=edited)
    h.annotate(labelstudio, h.BOB, h.task_of(labelstudio, pid, "img1"), [h.box("truck", 10)])
    tip, tool = h.main_tip(server), h.tool_tasks(labelstudio, pid)

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 1, out
    assert "REJECTED" in out and "DRIFT" in out
    # The hook's own finding: the ontology rule, the file and the label.
    finding = next(line for line in out.splitlines() if "[schema.unknown-label]" in line)
    assert "truck" in finding and h.LS_FILE in out
    assert h.main_tip(server) == tip
    assert h.tool_tasks(labelstudio, pid) == tool

    # With a COCO file too, the sync stops before pushing: COCO has no category for it.
    alice.commit({"configs/sync.yaml": both})
    assert alice.push("HEAD:refs/heads/main").accepted
    tip = h.main_tip(server)
    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code != 0, out
    assert "COCO output cannot hold" in out and "label 'truck'" in out
    assert "REJECTED" not in out
    assert h.main_tip(server) == tip
    assert h.tool_tasks(labelstudio, pid) == tool


def test_annotations_go_to_the_configured_branch_which_the_sync_creates(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    access = h.files(title)["configs/access.yaml"]
    sync_yaml = h.files(title)["configs/sync.yaml"]
    assert isinstance(access, str) and isinstance(sync_yaml, str)
    # main takes reviewed merges only; the sync writes its own branch.
    access = access.replace(
        "    refs: refs/heads/main\n    paths: [labels/**]\n",
        "    refs: refs/heads/sync/**\n    paths: [labels/**]\n",
    ).replace("allow: [update]\n    who: role:sync", "allow: [create, update]\n    who: role:sync")
    alice.commit(
        {"configs/access.yaml": access, "configs/sync.yaml": sync_yaml + "  branch: sync/ls\n"}
    )
    assert alice.push("HEAD:refs/heads/main").accepted
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    ann = h.annotate(labelstudio, h.BOB, h.task_of(labelstudio, pid, "img1"), [h.box("car", 10)])
    main_before = h.main_tip(server)

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    assert h.main_tip(server) == main_before
    branch_tip = server.rev("refs/heads/sync/ls")
    assert branch_tip is not None
    assert server.git("rev-parse", f"{branch_tip}^").stdout.strip() == main_before
    doc = json.loads(server.git("show", f"refs/heads/sync/ls:{h.LS_FILE}").stdout)
    assert [a["id"] for a in doc[0]["annotations"]] == [ann]


def test_a_task_file_naming_an_item_updates_that_task_and_commits_nothing(
    labelstudio: LabelStudioServer,
    project_repo: Repo,
    title: str,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, alice = project_repo
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    pid = h.project_id(labelstudio, title)
    h.annotate(labelstudio, h.BOB, h.task_of(labelstudio, pid, "img1"), [h.box("car", 10)])
    assert h.sync(monkeypatch, capsys, labelstudio, server, workdir)[0] == 0
    ids = {t["data"]["gitannot_item"]: t["id"] for t in h.tool_tasks(labelstudio, pid)}
    item = "data/images.jsonl#s3://street/img1.jpg"
    alice.git("pull", "-q", "origin", "main")
    alice.commit({"tasks/t1.yaml": task("t1", f"['{item}']", "[bob]")}, "task t1")
    assert alice.push("HEAD:refs/heads/main").accepted
    tip = h.main_tip(server)

    code, out = h.sync(monkeypatch, capsys, labelstudio, server, workdir)
    assert code == 0, out
    assert "tasks: updated 1 (img1)" in out
    tasks = {t["data"]["gitannot_item"]: t for t in h.tool_tasks(labelstudio, pid)}
    assert tasks["img1"]["data"]["gitannot_tasks"] == ["t1"]
    assert {k: t["id"] for k, t in tasks.items()} == ids  # the same tasks, updated in place
    assert len(tasks["img1"]["annotations"]) == 1
    assert h.main_tip(server) == tip  # Git-owned task data does not come back as a commit
