"""Automatic tags never take a release tag's name: overlapping patterns are refused at
push naming both files, and a server with such configs from before writes no such tag."""

import fnmatch
import re
from collections.abc import Callable

import pytest

from gitannot.events import types as T
from gitannot.oversight.tagoverlap import shared_name
from tests.access.helpers import assert_accepted, assert_denied
from tests.events.helpers import bootstrap, coco, events
from tests.gitenv import Client, ServerRepo

AUTOMATION = 'protected: [main]\nauto_tag: {enabled: true, pattern: "auto/{date}.{n}"}\n'


@pytest.mark.parametrize(
    ("pattern", "glob", "shared"),
    [
        ("auto/{date}.{n}", "v*", None),
        ("auto/{date}.{n}", "*", "auto/0000-00-00.1"),
        ("auto/{date}.{n}", "auto/*", "auto/0000-00-00.1"),
        ("auto/{date}.{n}", "auto/????-??-??.[2-9]", "auto/0000-00-00.2"),
        ("auto/{date}.{n}", "auto/*.[!0-9]", None),  # {n} always ends in a digit
        ("auto/{date}.{n}", "auto/[a-z]*", None),  # a date starts with a digit
        ("v{n}", "v[0-9]*", "v1"),
        ("rel-{branch}-{n}", "rel-main-?", "rel-main-1"),
        ("nightly/{branch}/{n}", "v*", None),
    ],
)
def test_shared_name_is_one_both_patterns_give(pattern: str, glob: str, shared: str | None) -> None:
    assert shared_name(pattern, glob) == shared
    if shared is not None:  # the witness really is in both: fnmatch and the pattern's shape
        assert fnmatch.fnmatchcase(shared, glob)


def test_overlapping_release_pattern_is_refused_naming_both_files(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = bootstrap(server, make_client, AUTOMATION)
    alice.commit({"configs/release.yaml": 'tag_pattern: "*"\n'}, "every tag is a release")
    assert_denied(
        alice.push("HEAD:refs/heads/main"),
        "[automation.tag-overlap]",
        "configs/automation.yaml auto_tag.pattern 'auto/{date}.{n}'",
        "configs/release.yaml tag_pattern '*'",
        "both give 'auto/0000-00-00.1'",
    )
    alice.commit({"configs/release.yaml": 'tag_pattern: "v*"\n'}, "releases are v*")
    assert_accepted(alice.push("HEAD:refs/heads/main"))
    # The other way round: an automation change that walks into the release names.
    alice.commit(
        {"configs/automation.yaml": AUTOMATION.replace("auto/{date}", "v{date}")}, "v tags"
    )
    assert_denied(
        alice.push("HEAD:refs/heads/main"),
        "[automation.tag-overlap]",
        "tag_pattern 'v*' both give 'v0000-00-00.1'",
    )


def test_server_never_writes_an_auto_tag_a_release_pattern_matches(
    server: ServerRepo, make_client: Callable[[ServerRepo, str], Client]
) -> None:
    alice = bootstrap(server, make_client, AUTOMATION, {"labels/a.json": coco([(1, 1)])})
    # Configs that overlapped before the rule existed: put on main server-side, past the
    # hooks, as an older installation could hold them.
    alice.commit({"configs/release.yaml": 'tag_pattern: "auto/*"\n'}, "legacy release policy")
    server.git("fetch", "-q", str(alice.path), "+HEAD:refs/heads/main")
    alice.git("checkout", "-q", "-b", "topic")
    alice.commit({"labels/b.json": coco([(1, 2)])}, "topic work")
    assert_accepted(alice.push("HEAD:refs/heads/topic"))
    alice.git("checkout", "-q", "main")
    alice.commit({"README.md": "x\n"}, "main work")
    alice.git("merge", "-q", "--no-edit", "topic")
    result = alice.push("HEAD:refs/heads/main")
    assert_accepted(result)
    assert re.search(
        r"automatic tag of main not written: 'auto/\d{4}-\d\d-\d\d\.1' matches "
        r"tag_pattern 'auto/\*' of configs/release.yaml",
        result.output,
    ), result.output
    assert server.git("tag", "--list").stdout == ""
    assert T.MERGE in [e.type for e in events(server)]
    assert T.AUTO_TAG not in [e.type for e in events(server)]
