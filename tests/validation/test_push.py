"""Real pushes through the installed pre-receive hook: content validation end to end."""

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from gitannot.validation.cache import DB_NAME
from gitannot.validation.push import cache_dir
from tests.audit.helpers import log_entries
from tests.gitenv import Client, PushResult, ServerRepo
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

MakeClient = Callable[[ServerRepo, str], Client]


@pytest.fixture
def alice(server: ServerRepo, make_client: MakeClient) -> Client:
    """A clone whose main already holds the ontology, the project config and a label file."""
    client = make_client(server, "alice")
    client.commit(
        {
            "schema/labels.yaml": SCHEMA_V1,
            "configs/project.yaml": PROJECT,
            "labels/coco/a.json": coco(["person", "car"]),
        },
        "scaffold",
    )
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return client


def cached_results(server: ServerRepo) -> list[dict[str, Any]]:
    """Every per-file result the push left in the server's validation cache."""
    db = sqlite3.connect(cache_dir(server.path) / DB_NAME)
    try:
        return [json.loads(value) for (value,) in db.execute("SELECT value FROM results")]
    finally:
        db.close()


def assert_schema_push_recorded(
    server: ServerRepo, client: Client, result: PushResult, cached: dict[str, Any]
) -> None:
    """The push moved main, the audit log says so with the pushed ontology applied and no
    error, and the changed label file's clean result is in the cache under the new rules."""
    assert result.accepted, result.output
    head = client.git("rev-parse", "HEAD").stdout.strip()
    assert server.rev("refs/heads/main") == head
    entry = [e.entry for e in log_entries(server) if e.entry["type"] == "push"][-1]
    assert entry["decision"] == "accepted"
    [update] = entry["updates"]
    assert (update["ref"], update["new"], update["decision"]) == (
        "refs/heads/main",
        head,
        "accepted",
    )
    assert [r for r in update["reasons"] + entry["reasons"] if r["severity"] == "error"] == []
    schema_blob = client.git("rev-parse", "HEAD:schema/labels.yaml").stdout.strip()
    assert entry["applied"]["schema-pushed"] == schema_blob
    assert {**cached, "findings": []} in cached_results(server)


def test_valid_label_file_accepted(alice: Client, server: ServerRepo) -> None:
    commit = alice.commit({"labels/coco/b.json": coco(["bicycle"], occluded=True)})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert server.rev("refs/heads/main") == commit
    assert any("validated 1 label file(s)" in line for line in result.remote_lines())


def test_invalid_label_file_rejected_with_report(alice: Client, server: ServerRepo) -> None:
    before = server.rev("refs/heads/main")
    alice.commit({"labels/coco/b.json": coco(["person", "truck"], occluded="maybe")})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert server.rev("refs/heads/main") == before
    report = "\n".join(result.remote_lines())
    assert "ERROR [schema.unknown-label] refs/heads/main" in report
    assert "labels/coco/b.json#2" in report
    assert "label 'truck' is not in the ontology" in report
    assert "[schema.attribute-type]" in report
    assert "hint:" in report


def test_unknown_file_under_labels_is_still_checked(alice: Client) -> None:
    """No glob names `labels/other/x.json`: content detection finds COCO and checks it."""
    alice.commit({"labels/other/x.json": coco(["truck"])})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.unknown-label]" in result.output


def test_ontology_change_without_version_bump_rejected(alice: Client) -> None:
    changed = SCHEMA_V1.replace(
        "  - {id: 3, name: bicycle}", "  - {id: 3, name: bicycle}\n  - {id: 4, name: dog}"
    )
    alice.commit({"schema/labels.yaml": changed})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.version-not-bumped]" in result.output


def test_version_bump_without_changelog_entry_rejected(alice: Client) -> None:
    changed = SCHEMA_V1.replace("version: 1\n", "version: 2\n").replace(
        "  - {id: 3, name: bicycle}", "  - {id: 3, name: bicycle}\n  - {id: 4, name: dog}"
    )
    alice.commit({"schema/labels.yaml": changed})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.changelog-missing]" in result.output
    assert "[schema.version-not-bumped]" not in result.output


def _v2(schema: str, change: str) -> str:
    return (
        schema.replace("version: 1\n", "version: 2\n")
        + f"  - {{version: 2, changes: [{change}]}}\n"
    )


def test_ontology_change_with_bump_and_changelog_accepted(
    alice: Client, server: ServerRepo
) -> None:
    changed = SCHEMA_V1.replace(
        "  - {id: 3, name: bicycle}", "  - {id: 3, name: bicycle}\n  - {id: 4, name: dog}"
    )
    alice.commit(
        {"schema/labels.yaml": _v2(changed, "add dog"), "labels/coco/d.json": coco(["dog"])}
    )
    result = alice.push("HEAD:refs/heads/main")
    dog = {"format": "coco", "labels": ["dog"], "label_ids": {"1": "dog"}}
    assert_schema_push_recorded(server, alice, result, dog)


def test_removing_a_used_label_rejected(alice: Client) -> None:
    removed = _v2(
        SCHEMA_V1.replace("  - {id: 2, name: car, geometry: [bbox, polygon]}\n", ""), "drop car"
    )
    alice.commit({"schema/labels.yaml": removed})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.label-removed-in-use]" in result.output
    assert "labels/coco/a.json" in result.output


def test_rename_with_migration_in_same_push_accepted(alice: Client, server: ServerRepo) -> None:
    renamed = _v2(SCHEMA_V1.replace("name: car,", "name: automobile,"), "rename car to automobile")
    alice.commit({"schema/labels.yaml": renamed})
    alice.commit(
        {"labels/coco/a.json": coco(["person", "automobile"], categories=["automobile", "person"])}
    )
    result = alice.push("HEAD:refs/heads/main")
    migrated = {
        "format": "coco",
        "labels": ["automobile", "person"],
        "label_ids": {"1": "automobile", "2": "person"},
    }
    assert_schema_push_recorded(server, alice, result, migrated)


def test_rename_without_migration_rejected(alice: Client) -> None:
    renamed = _v2(SCHEMA_V1.replace("name: car,", "name: automobile,"), "rename car")
    alice.commit({"schema/labels.yaml": renamed})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.label-renamed-in-use]" in result.output


def test_category_id_remap_rejected(alice: Client) -> None:
    """a.json maps 1 -> car, 2 -> person; swapping ids silently relabels trained models."""
    alice.commit({"labels/coco/a.json": coco(["person", "car"], categories=["person", "car"])})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.class-mapping-changed]" in result.output


def test_pushing_an_unreadable_schema_rejected_naming_the_line(alice: Client) -> None:
    broken = "version: 2\nlabels:\n  - {id: 1, name: person\n"
    alice.commit({"schema/labels.yaml": broken})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.invalid]" in result.output
    assert "schema/labels.yaml:4: invalid YAML" in result.output


def test_unreadable_base_schema_fails_closed_until_fixed(alice: Client, server: ServerRepo) -> None:
    """A base whose schema cannot be read (e.g. written before gitannot was installed)
    blocks label pushes; a push that repairs the schema is accepted."""
    alice.commit({"schema/labels.yaml": "version: 1\nlabels: {oops\n"}, "broken")
    # Land the broken schema behind the hook's back, as a pre-existing history would.
    server.git("fetch", str(alice.path), "HEAD:refs/heads/main", "--force")
    alice.commit({"labels/coco/b.json": coco(["person"])})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.invalid]" in result.output
    assert "schema/labels.yaml:" in result.output
    assert "on the default branch" in result.output
    alice.commit({"schema/labels.yaml": SCHEMA_V1}, "repair the ontology")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "this change replaces them" in result.output


def test_break_glass_skips_content_validation(alice: Client, server: ServerRepo) -> None:
    commit = alice.commit({"labels/coco/b.json": coco(["truck"])})
    result = alice.push("HEAD:refs/heads/main", options=["gitannot.bypass=hotfix for demo"])
    assert result.accepted, result.output
    assert "content validation skipped: break-glass (hotfix for demo)" in result.output
    assert server.rev("refs/heads/main") == commit


def test_symlink_where_labels_belong_rejected(alice: Client) -> None:
    (alice.path / "labels/coco/link.json").symlink_to("../../schema/labels.yaml")
    alice.commit({})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[validate.symlink]" in result.output
    assert "labels/coco/link.json" in result.output


def test_submodule_where_labels_belong_rejected(alice: Client) -> None:
    head = alice.git("rev-parse", "HEAD").stdout.strip()
    alice.git("update-index", "--add", "--cacheinfo", f"160000,{head},labels/vendor")
    alice.git("commit", "-q", "-m", "add a gitlink")
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[validate.submodule]" in result.output
    assert "labels/vendor" in result.output


def test_unchanged_blob_comes_from_cache(alice: Client) -> None:
    alice.commit({"labels/coco/b.json": coco(["bicycle"])})
    first = alice.push("HEAD:refs/heads/work-1")
    assert first.accepted, first.output
    assert any("(0 from cache)" in line for line in first.remote_lines())
    # Same blob at the same path on another branch, from a new commit: from the cache.
    alice.git("checkout", "-q", "HEAD~1")
    alice.commit({"labels/coco/b.json": coco(["bicycle"])}, "the same file again")
    second = alice.push("HEAD:refs/heads/work-2")
    assert second.accepted, second.output
    assert any("validated 1 label file(s) (1 from cache)" in ln for ln in second.remote_lines())


def test_only_the_tip_counts_for_content(alice: Client, server: ServerRepo) -> None:
    """A bad file fixed by a later commit of the same push is accepted (the tip is what
    lands); access rules still look at every commit."""
    alice.commit({"labels/coco/b.json": coco(["truck"])}, "bad")
    tip = alice.commit({"labels/coco/b.json": coco(["car"])}, "fixed")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert server.rev("refs/heads/main") == tip


def test_project_config_change_applies_to_the_same_push(alice: Client) -> None:
    """Severity overrides in a pushed project config judge that push (editing configs/
    is itself access-controlled)."""
    relaxed = PROJECT + "checks:\n  severity:\n    schema.unknown-label: warning\n"
    alice.commit({"configs/project.yaml": relaxed, "labels/coco/b.json": coco(["truck"])})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "WARNING [schema.unknown-label]" in result.output


def test_yolo_rows_resolve_names_and_reordering_names_is_rejected(alice: Client) -> None:
    files: dict[str, str | bytes | None] = {
        "labels/yolo/data.yaml": "names: [person, car]\nnc: 2\n",
        "labels/yolo/train/img1.txt": "0 0.5 0.5 0.2 0.2\n1 0.3 0.3 0.1 0.1\n",
    }
    alice.commit(files)
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    alice.commit({"labels/yolo/data.yaml": "names: [car, person]\nnc: 2\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.class-mapping-changed] refs/heads/main" in result.output
    assert result.output.count("[schema.class-mapping-changed]") == 1  # reported once
    assert "0: 'person' -> 'car'" in result.output


def test_a_names_file_that_remaps_unchanged_rows_is_rejected(alice: Client) -> None:
    """Adding a closer classes.txt (or deleting one) changes which name every row below
    it gets without touching the rows: the same mapping check applies."""
    alice.commit(
        {
            "labels/yolo/data.yaml": "names: [person, car]\nnc: 2\n",
            "labels/yolo/train/img1.txt": "0 0.5 0.5 0.2 0.2\n1 0.3 0.3 0.1 0.1\n",
        }
    )
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.commit({"labels/yolo/train/classes.txt": "car\nperson\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[schema.class-mapping-changed] refs/heads/main" in result.output
    assert "labels/yolo/train/classes.txt" in result.output
    assert "0: 'person' -> 'car'" in result.output
    # The same order in the closer file changes nothing: accepted.
    alice.commit({"labels/yolo/train/classes.txt": "person\ncar\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    # Deleting it hands the rows back to data.yaml, same order: accepted too.
    alice.commit({"labels/yolo/train/classes.txt": None})
    assert alice.push("HEAD:refs/heads/main").accepted


def test_audit_entry_records_the_applied_schema_blob(alice: Client, server: ServerRepo) -> None:
    schema_blob = alice.git("rev-parse", "HEAD:schema/labels.yaml").stdout.strip()
    commit = alice.commit({"labels/coco/b.json": coco(["car"])})
    assert alice.push("HEAD:refs/heads/main").accepted
    note = server.git("notes", "--ref=refs/notes/audit", "show", commit).stdout
    assert schema_blob in note


def test_local_range_report_matches_the_push_report(
    alice: Client, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gitannot.main import main

    alice.commit({"labels/coco/b.json": coco(["person", "truck"], occluded="maybe")})
    monkeypatch.chdir(alice.path)
    alice.git("fetch", "-q", "origin")
    assert main(["validate", "--range", "origin/main..HEAD"]) == 1
    local = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("ERROR")]
    remote = alice.push("HEAD:refs/heads/main").remote_lines()
    assert local
    for line in local:  # the push adds only "gitannot: " and the ref/commit in front
        head, _, rest = line.partition(" labels/")
        assert any(
            r.startswith(f"gitannot: {head} refs/heads/main") and r.endswith(rest) for r in remote
        ), line


def test_removal_with_migration_in_same_push_accepted(alice: Client, server: ServerRepo) -> None:
    removed = _v2(
        SCHEMA_V1.replace("  - {id: 2, name: car, geometry: [bbox, polygon]}\n", ""), "drop car"
    )
    alice.commit({"schema/labels.yaml": removed, "labels/coco/a.json": coco(["person"])})
    result = alice.push("HEAD:refs/heads/main")
    person = {"format": "coco", "labels": ["person"], "label_ids": {"1": "person"}}
    assert_schema_push_recorded(server, alice, result, person)


def test_remap_with_ontology_version_bump_accepted(alice: Client, server: ServerRepo) -> None:
    bumped = _v2(SCHEMA_V1, "category ids of a.json renumbered: 1 person, 2 car")
    alice.commit(
        {
            "schema/labels.yaml": bumped,
            "labels/coco/a.json": coco(["person", "car"], categories=["person", "car"]),
        }
    )
    result = alice.push("HEAD:refs/heads/main")
    remapped = {
        "format": "coco",
        "labels": ["car", "person"],
        "label_ids": {"1": "person", "2": "car"},  # the new numbering, not the old one
    }
    assert_schema_push_recorded(server, alice, result, remapped)


def test_oversized_label_file_refused_before_parsing(alice: Client) -> None:
    alice.commit({"configs/project.yaml": PROJECT + "limits: {max_file_bytes: 2000}\n"})
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.commit({"labels/coco/big.json": coco(["person"] * 30)})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[file.too-large]" in result.output
    assert "is over the limit of 2000 bytes" in result.output


def test_tightened_ontology_warns_about_existing_files(alice: Client) -> None:
    """A new required attribute does not block the schema change, but the push says
    which untouched files now fail."""
    strict = _v2(
        SCHEMA_V1.replace("  occluded: {type: bool}", "  occluded: {type: bool, required: true}"),
        "occluded is required",
    )
    alice.commit({"schema/labels.yaml": strict})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "WARNING [schema.existing-files-invalid]" in result.output
    assert "1 label file(s) this change does not touch have errors" in result.output
    assert "labels/coco/a.json: schema.missing-attribute" in result.output


def test_labelstudio_export_checked_against_the_declared_labeling_config(alice: Client) -> None:
    project = PROJECT + "labelstudio_config: configs/ls/config.xml\n"
    alice.commit(
        {
            "configs/project.yaml": project,
            "configs/ls/config.xml": LS_CONFIG,
            "labels/ls/good.json": ls_export(),
        }
    )
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    alice.commit({"labels/ls/bad.json": ls_export(from_name="bbox")})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[labelstudio.dangling-from-name] refs/heads/main" in result.output
    assert "labels/ls/bad.json" in result.output


def test_labelstudio_config_at_the_conventional_path_is_used_when_none_declared(
    alice: Client,
) -> None:
    """PROJECT declares no labelstudio_config: configs/labelstudio.xml is the default."""
    alice.commit({"configs/labelstudio.xml": LS_CONFIG, "labels/ls/good.json": ls_export()})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    alice.commit({"labels/ls/bad.json": ls_export(label="dog")})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[labelstudio.unknown-label]" in result.output  # a warning: 'dog' not offered
    assert "[schema.unknown-label]" in result.output  # the error that blocks
    alice.commit({"labels/ls/bad.json": ls_export(from_name="bbox")})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[labelstudio.dangling-from-name]" in result.output


def test_yolo_pose_rows_checked_with_kpt_shape_from_data_yaml(alice: Client) -> None:
    """kpt_shape comes from the data.yaml that gives the names: 17 x (x y v) per row."""
    alice.commit(
        {
            "schema/labels.yaml": schema_v2_with_keypoints(),
            "labels/pose/data.yaml": POSE_DATA,
            "labels/pose/train/p1.txt": pose_row(),
        }
    )
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    alice.commit(
        {
            "labels/pose/train/p2.txt": pose_row(visibility=5),
            "labels/pose/train/p3.txt": pose_row(keypoints=16),
        }
    )
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[yolo.keypoint-visibility] refs/heads/main" in result.output
    assert "labels/pose/train/p2.txt" in result.output
    assert "kpt_shape [17, 3] needs 56" in result.output


def test_fast_forward_onto_break_glass_commits_is_validated(
    alice: Client, server: ServerRepo
) -> None:
    """Content that came in under break-glass on a side branch is checked again when a
    push moves main onto it: those commits are already in the repo, but not on main."""
    before = server.rev("refs/heads/main")
    alice.commit({"labels/coco/b.json": coco(["truck"])})
    bypass = alice.push("HEAD:refs/heads/hotfix", options=["gitannot.bypass=outage"])
    assert bypass.accepted, bypass.output
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [schema.unknown-label] refs/heads/main" in result.output
    assert server.rev("refs/heads/main") == before
