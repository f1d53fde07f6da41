"""Shared setup: a server whose default branch holds an automation config."""

import os
from collections.abc import Callable
from pathlib import Path

import orjson

from gitannot.events import outbox
from gitannot.events.types import Event
from tests.gitenv import Client, ServerRepo

COCO_CATS = [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}]


def coco(annotations: list[tuple[int, int]]) -> str:
    """A small COCO file: (annotation id, category id) pairs on one image."""
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "categories": COCO_CATS,
        "annotations": [
            {
                "id": i,
                "image_id": 1,
                "category_id": c,
                "bbox": [i % 90, 1, 5, 5],
                "area": 25,
                "iscrowd": 0,
            }
            for i, c in annotations
        ],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def bootstrap(
    server: ServerRepo,
    make_client: Callable[[ServerRepo, str], Client],
    automation: str,
    files: dict[str, str | bytes | None] | None = None,
) -> Client:
    # Events, not hook speed, are under test here; a loaded machine must not time out.
    server.configure(hook_timeout_seconds=60)
    alice = make_client(server, "alice")
    alice.commit({"configs/automation.yaml": automation, **(files or {})}, "automation")
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return alice


def events(server: ServerRepo, after: int = 0) -> list[Event]:
    return list(outbox.read_events(server.path, after))


def set_secret(server: ServerRepo, name: str, value: str) -> Path:
    folder = server.path / "gitannot" / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(value + "\n", encoding="utf-8")
    os.chmod(path, 0o600)
    return path


def person(
    make_client: Callable[[ServerRepo, str], Client],
    server: ServerRepo,
    name: str,
    env: dict[str, str] | None = None,
) -> Client:
    """A clone for `name` with the server's refs fetched (extra git environment: `env`)."""
    client = make_client(server, name)
    client.git("fetch", "-q", "origin")
    client.extra_env.update(env or {})
    return client
