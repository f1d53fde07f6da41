"""ItemIndex answers as matching every item of every task would (access.globs), faster."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gitannot.access import globs
from gitannot.workflow.itemindex import ItemIndex, is_wildcard, literal_folder
from gitannot.workflow.model import Task


def _task(task_id: str, *items: str) -> Task:
    return Task(
        id=task_id, path=f"tasks/{task_id}.yaml", title="", items=items, assignees=("bob",),
        reviewers=("dave",), stage="annotation", state="new", due=None, on_expiry="lock",
        overlap=1,
    )  # fmt: skip


def _naive(tasks: list[Task], path: str, user: str) -> list[Task]:
    return [t for t in tasks if any(globs.matches(p, path, user) for p in t.items)]


def test_literal_wildcard_user_and_folder_items() -> None:
    tasks = [
        _task("t1", "labels/a.json", "data/manifest.jsonl#s3://b/a.jpg"),
        _task("t2", "labels/*.json"),
        _task("t3", "labels/{user}/**"),
        _task("t4", "labels/deep/"),
        _task("t5", "labels/a.json"),
    ]
    index = ItemIndex(tasks)
    assert [t.id for t in index.covering("labels/a.json", "bob")] == ["t1", "t2", "t5"]
    assert [t.id for t in index.covering("labels/bob/x/y.json", "bob")] == ["t3"]
    assert index.covering("labels/bob/x/y.json", "carol") == []
    assert [t.id for t in index.covering("labels/deep/x.json", "bob")] == ["t4"]
    assert index.covering("data/manifest.jsonl", "bob") == []
    assert [is_wildcard(i) for i in ("a/b", "a/*", "a/?", "a/", "a/{user}")] == [
        False, True, True, True, True,
    ]  # fmt: skip


_SEGMENT = st.sampled_from(["labels", "a", "b.json", "*", "**", "*.json", "{user}", "c?"])


@given(
    items=st.lists(
        st.tuples(st.lists(_SEGMENT, min_size=1, max_size=4), st.booleans()).map(
            lambda t: "/".join(t[0]) + ("/" if t[1] else "")  # "labels/": all below it
        ),
        max_size=6,
    ),
    path=st.lists(
        st.sampled_from(["labels", "a", "b.json", "bob", "c1"]), min_size=1, max_size=4
    ).map("/".join),
)
def test_same_answer_as_matching_every_item(items: list[str], path: str) -> None:
    tasks = [_task(f"t{i}", *items[i::2]) for i in range(2)]
    assert ItemIndex(tasks).covering(path, "bob") == _naive(tasks, path, "bob")


def test_a_path_is_tried_only_against_wildcards_of_its_own_folders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """100 tasks x 1,000 wildcard items, each in its own folder: a changed file costs the
    few items filed under its folders, not all 100,000 (counted, not timed)."""
    tasks = [
        _task(f"t{t}", *(f"labels/batch{t}/part{i}/*.json" for i in range(1000)))
        for t in range(100)
    ]
    tasks += [_task("everywhere", "**/*.json"), _task("deep", "labels/**/z.json")]
    index = ItemIndex(tasks)
    tried: list[str] = []
    real = globs.matches

    def counting(pattern: str, text: str, user: str) -> bool:
        tried.append(pattern)
        return real(pattern, text, user)

    monkeypatch.setattr(globs, "matches", counting)
    covering = index.covering("labels/batch7/part42/x.json", "bob")
    assert [t.id for t in covering] == ["t7", "everywhere"]
    assert sorted(tried) == sorted(["**/*.json", "labels/**/z.json", "labels/batch7/part42/*.json"])


def test_literal_folder_is_the_text_before_the_first_wildcard() -> None:
    assert [
        literal_folder(i)
        for i in ("labels/cats/*.json", "labels/deep/", "*.json", "a/{user}/b/*", "a/b?/c")
    ] == ["labels/cats", "labels/deep", "", "a", "a"]
