"""Issue 9 item 2: bad YOLO rows must never make a file "unknown" and let it land.

Real pushes into a server whose main holds the scaffold's project config and ontology.
A file under a glob declared `yolo` is always read as YOLO rows; a file that only
content detection sees (a `detect` glob, or no glob under a label root) is still read as
YOLO when it holds rows of numbers, however broken; and a file nobody can identify under
labels/ is at least a warning, an error when the project config says so.
"""

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.gitenv import Client, ServerRepo

MakeClient = Callable[[ServerRepo, str], Client]
TEMPLATES = Path(__file__).resolve().parents[2] / "gitannot" / "scaffold" / "templates"
SCAFFOLD_PROJECT = (TEMPLATES / "configs" / "project.yaml").read_text(encoding="utf-8")
SCAFFOLD_SCHEMA = (TEMPLATES / "schema" / "labels.yaml").read_text(encoding="utf-8")
# The glob as the scaffold wrote it before: YOLO rows found by content detection.
DETECT_PROJECT = """\
formats:
  - {glob: "labels/yolo/**/data.yaml", format: yolo-data}
  - {glob: "labels/yolo/**/*.txt", format: detect}
"""
GOOD_ROW = "0 0.5 0.5 0.2 0.2\n"
ROWS = "labels/yolo/train/img1.txt"

# kind -> (rows, the rule that must reject them); each bad row sits among good ones,
# inside the first 50 rows that content detection looks at.
EVASIVE = {
    "nan": (GOOD_ROW * 10 + "1 0.5 0.5 nan 0.2\n" + GOOD_ROW * 5, "value.not-finite"),
    "negative-class": (GOOD_ROW * 10 + "-1 0.5 0.5 0.2 0.2\n", "yolo.number"),
    "three-numbers": (GOOD_ROW * 3 + "0 0.5 0.5\n" + GOOD_ROW, "yolo.token-count"),
    "7.5-after-a-bad-row": ("0 0.5 0.5\n1 0.5 0.5 7.5 0.2\n", "yolo.coordinate-range"),
    "all-rows-bad": ("nan nan nan nan nan\n-1 0.1 0.1\n", "yolo.number"),
}


def _seed(server: ServerRepo, make_client: MakeClient, project: str) -> Client:
    alice = make_client(server, "alice")
    alice.commit(
        {
            "configs/project.yaml": project,
            "schema/labels.yaml": SCAFFOLD_SCHEMA,
            "labels/yolo/train/data.yaml": "names: [person, car]\n",
            "labels/yolo/train/img0.txt": GOOD_ROW,
        },
        "scaffold",
    )
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    return alice


@pytest.mark.parametrize("kind", sorted(EVASIVE))
@pytest.mark.parametrize("project", ["scaffold", "detect-glob"])
def test_evasive_yolo_rows_are_rejected(
    server: ServerRepo, make_client: MakeClient, kind: str, project: str
) -> None:
    text = SCAFFOLD_PROJECT if project == "scaffold" else DETECT_PROJECT
    alice = _seed(server, make_client, text)
    before = server.rev("refs/heads/main")
    rows, rule = EVASIVE[kind]
    alice.commit({ROWS: rows})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted, result.output
    assert f"ERROR [{rule}] refs/heads/main" in result.output
    assert ROWS in result.output
    assert "[format.unknown]" not in result.output
    assert server.rev("refs/heads/main") == before


def test_scaffold_reads_classes_txt_as_names_and_rows_as_yolo(
    server: ServerRepo, make_client: MakeClient
) -> None:
    """The scaffold declares classes.txt (names) before `*.txt` (rows): both are checked
    as what they are, and rows resolve their classes through classes.txt."""
    alice = _seed(server, make_client, SCAFFOLD_PROJECT)
    alice.commit(
        {
            "labels/yolo/val/classes.txt": "person\ncar\n",
            "labels/yolo/val/img1.txt": "1 0.5 0.5 0.2 0.2\n",
        }
    )
    assert alice.push("HEAD:refs/heads/main").accepted
    alice.commit({"labels/yolo/val/img2.txt": "2 0.5 0.5 0.2 0.2\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "[yolo.class-out-of-range]" in result.output
    assert "labels/yolo/val/img2.txt" in result.output


def test_unidentifiable_file_under_labels_is_a_warning(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice = _seed(server, make_client, SCAFFOLD_PROJECT)
    commit = alice.commit({"labels/other/notes.txt": "reviewed by carol\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "WARNING [format.unknown]" in result.output
    assert "labels/other/notes.txt" in result.output
    assert server.rev("refs/heads/main") == commit


def test_unidentifiable_file_is_an_error_when_the_project_says_so(
    server: ServerRepo, make_client: MakeClient
) -> None:
    strict = SCAFFOLD_PROJECT.replace(
        "    coco.area-mismatch: warning\n",
        "    coco.area-mismatch: warning\n    format.unknown: error\n",
    )
    assert strict != SCAFFOLD_PROJECT
    alice = _seed(server, make_client, strict)
    before = server.rev("refs/heads/main")
    alice.commit({"labels/other/notes.txt": "reviewed by carol\n"})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted
    assert "ERROR [format.unknown] refs/heads/main" in result.output
    assert server.rev("refs/heads/main") == before
