"""Real pushes: manifests are checked on push; a released test split stays frozen."""

from __future__ import annotations

import pytest

from gitannot.main import main as gitannot_main
from tests.gitenv import Client, PushResult, ServerRepo
from tests.release.helpers import (
    MANIFEST,
    MakeClient,
    coco_images,
    row,
    seeded,
    sha,
    tag_and_push,
)


@pytest.fixture
def released(server: ServerRepo, make_client: MakeClient) -> Client:
    alice = seeded(server, make_client)
    assert tag_and_push(alice).accepted
    return alice


def _rejected(result: PushResult, *needles: str) -> None:
    assert not result.accepted, result.output
    for needle in needles:
        assert needle in result.output, f"{needle!r} not in:\n{result.output}"


def test_test_item_moved_to_train_after_release(released: Client, server: ServerRepo) -> None:
    before = server.rev("refs/heads/main")
    moved = MANIFEST.replace(row("c", "test"), row("c", "train"))
    released.commit({"data/items.jsonl": moved})
    result = released.push("HEAD:refs/heads/main")
    _rejected(
        result,
        "[release.frozen-split-moved]",
        "data/items.jsonl#c",
        "was in test at release v1.0-validated and may not move to train",
    )
    assert server.rev("refs/heads/main") == before


def test_copy_of_test_item_under_new_id(released: Client) -> None:
    released.commit(
        {
            "data/items.jsonl": MANIFEST.replace(row("c", "test"), "")
            + row("c", "test")
            + row("c-copy", "val", sha("c"))
        }
    )
    result = released.push("HEAD:refs/heads/main")
    _rejected(result, "[release.frozen-split-copy]", "'c-copy' (val) is an exact copy")


def test_new_items_and_test_additions_are_fine(released: Client) -> None:
    released.commit({"data/items.jsonl": MANIFEST + row("d", "train") + row("e", "test")})
    result = released.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


def test_frozen_split_holds_on_any_branch(released: Client) -> None:
    released.commit({"data/items.jsonl": MANIFEST.replace(row("c", "test"), row("c", "val"))})
    result = released.push("HEAD:refs/heads/experiment")
    _rejected(result, "[release.frozen-split-moved]")


@pytest.mark.parametrize(
    ("text", "rule", "needle"),
    [
        (row("x", "train", "abc"), "manifest.bad-hash", "line 4: sha256 'abc'"),
        (row("x", "holdout"), "manifest.unknown-split", "split 'holdout' is not one of"),
        (row("a", "train", sha("zz")), "manifest.duplicate-id", "already listed at data/items"),
        ("{not json\n", "manifest.bad-row", "line 4: not JSON"),
    ],
)
def test_bad_manifest_rows(
    server: ServerRepo, make_client: MakeClient, text: str, rule: str, needle: str
) -> None:
    alice = seeded(server, make_client)
    alice.commit({"data/items.jsonl": MANIFEST + text})
    result = alice.push("HEAD:refs/heads/main")
    _rejected(result, f"[{rule}]", "data/items.jsonl", needle)


def test_csv_manifest(server: ServerRepo, make_client: MakeClient) -> None:
    alice = seeded(server, make_client)
    csv_text = (
        f"id,uri,sha256,split\nx,s3://b/x.jpg,{sha('x')},train\ny,s3://b/y.jpg,{sha('y')},holdout\n"
    )
    alice.commit({"data/more.csv": csv_text})
    result = alice.push("HEAD:refs/heads/main")
    _rejected(result, "[manifest.unknown-split]", "data/more.csv", "line 3")


def test_release_check_gives_the_servers_answer(
    server: ServerRepo, make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = seeded(server, make_client)
    assert gitannot_main(["release", "--repo", str(alice.path), "check"]) == 0
    assert "every gate passed" in capsys.readouterr().out
    alice.commit({"data/items.jsonl": MANIFEST + row("d", "train", sha("c"))})
    assert gitannot_main(["release", "--repo", str(alice.path), "check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL    split-leakage" in out
    assert "FAILED: split-leakage" in out
    _rejected(tag_and_push(alice), "[release.gate.split-leakage]")


def test_dangling_label_item_is_a_warning_on_push(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice = seeded(server, make_client)
    alice.commit({"labels/coco/new.json": coco_images(["zzz"])})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "WARNING [manifest.dangling-item]" in result.output
    assert "labels/coco/new.json#zzz.jpg" in result.output


def test_unlabeled_items_are_reported_by_release_check(
    server: ServerRepo, make_client: MakeClient, capsys: pytest.CaptureFixture[str]
) -> None:
    alice = seeded(server, make_client)
    alice.commit({"data/items.jsonl": MANIFEST + row("d", "train")})
    assert gitannot_main(["release", "--repo", str(alice.path), "check"]) == 0
    out = capsys.readouterr().out
    assert "data/items.jsonl#d [manifest.unlabeled-item] line 4: item 'd' has no labels" in out
