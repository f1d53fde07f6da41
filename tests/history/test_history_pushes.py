"""`gitannot blame` and `log --annotation` for every format on a repository built by real
pushes of three users: relabels, moves, deletes, a merge whose driver re-keys a colliding
COCO id, and a push of a commit authored under someone else's name."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REALDATA
from tests.gitenv import Client, ServerRepo, clone, git, install_server

pytestmark = pytest.mark.slow  # one server, many pushes: built once per module

LSC = REALDATA / "label-studio-converter"
ODM = REALDATA / "review-odm-voc2012-100"
COCO, YOLO, VOC, CVAT, LS = (
    "labels/a.json",
    "labels/yolo/img_1.txt",
    "labels/voc/2007_000129.xml",
    "labels/cvat/annotations.xml",
    "labels/ls/tasks.json",
)
CATS = {"car": 1, "truck": 2}


def coco(anns: dict[int, tuple[str, list[int]]]) -> bytes:
    doc = {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "categories": [{"id": i, "name": n} for n, i in CATS.items()],
        "annotations": [
            {"id": i, "image_id": 1, "category_id": CATS[name], "bbox": box,
             "area": box[2] * box[3], "iscrowd": 0}
            for i, (name, box) in anns.items()
        ],
    }  # fmt: skip
    return json.dumps(doc, indent=2).encode()


BASE_COCO = {i: ("car", [i, i, 10, 10]) for i in (1, 2, 3)}


def yolo_rows(edit: Any) -> bytes:
    rows = (LSC / "test_import_yolo_data/labels/img_1.txt").read_text().splitlines()
    edit(rows)
    return ("\n".join(rows) + "\n").encode()


def ls_doc(edit: Any) -> bytes:
    doc = json.loads((LSC / "test_export_yolo/data.json").read_bytes())
    edit(doc)
    return json.dumps(doc, indent=4).encode()


def voc_objects(edit: Any) -> bytes:
    parts = (ODM / "pascalvoc_format/2007_000129.xml").read_text().split("<object>")
    edit(parts)
    return "<object>".join(parts).encode()


def cvat(old: bytes, new: bytes, data: bytes | None = None) -> bytes:
    data = data if data is not None else (ODM / "cvat_format/annotations.xml").read_bytes()
    assert data.count(old) == 1
    return data.replace(old, new)


PERSON = b'<box label="person" occluded="0" source="manual" xtl="26.00"'
PLANE = b'xtl="133.00" ytl="88.00" xbr="197.00"'
LAST_BOX = b'<box label="person" occluded="0" source="manual" xtl="195.00"'


def _keep(value: Any) -> None:
    """The real export as it is (the first version)."""


def relabel(rows: list[str], n: int, cls: str) -> None:
    rows[n] = " ".join([cls, *rows[n].split()[1:]])


def move(rows: list[str], n: int) -> None:
    t = rows[n].split()
    rows[n] = " ".join([t[0], str(float(t[1]) + 0.01), *t[2:]])


def gitannot(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gitannot", *args], cwd=cwd, capture_output=True, text=True
    )


def user_clone(server: ServerRepo, dest: Path, user: str) -> Client:
    client = clone(server, dest, user)
    email = f"{user}@example.org"
    client.extra_env = {
        "GIT_AUTHOR_NAME": user,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": user,
        "GIT_COMMITTER_EMAIL": email,
    }
    proc = gitannot(dest, "install-driver", str(dest))
    assert proc.returncode == 0, proc.stderr
    return client


Built = tuple[ServerRepo, dict[str, str]]


def push(client: Client) -> None:
    result = client.push("HEAD:refs/heads/main")
    assert result.accepted, result.output


def build(tmp: Path) -> Built:
    server = install_server(tmp / "server" / "labels.git", ["alice", "bob", "carol"])
    tips: dict[str, str] = {}
    alice = user_clone(server, tmp / "alice", "alice")
    tips["A"] = alice.commit(
        {
            ".gitattributes": "labels/** merge=gitannot diff=gitannot\n",
            COCO: coco(BASE_COCO),
            YOLO: yolo_rows(_keep),
            "labels/yolo/classes.txt": (LSC / "test_import_yolo_data/classes.txt").read_bytes(),
            VOC: voc_objects(_keep),
            CVAT: (ODM / "cvat_format/annotations.xml").read_bytes(),
            LS: ls_doc(_keep),
        },
        "add labels",
    )
    push(alice)
    bob = user_clone(server, tmp / "bob", "bob")

    def ls_relabel(doc: Any) -> None:
        doc[0]["annotations"][0]["result"][0]["value"]["rectanglelabels"] = ["white"]

    def voc_relabel(parts: list[str]) -> None:
        parts[1] = parts[1].replace("<name>bicycle</name>", "<name>motorbike</name>")

    tips["B"] = bob.commit(
        {
            COCO: coco({**BASE_COCO, 2: ("truck", [2, 2, 10, 10])}),
            YOLO: yolo_rows(lambda rows: relabel(rows, 0, "1")),
            VOC: voc_objects(voc_relabel),
            CVAT: cvat(PERSON, PERSON.replace(b"person", b"aeroplane")),
            LS: ls_doc(ls_relabel),
        },
        "relabel",
    )
    push(bob)
    carol = user_clone(server, tmp / "carol", "carol")
    # carol pushes commits authored as alice: the pusher shown must still be carol

    def both_yolo(rows: list[str]) -> None:
        relabel(rows, 0, "1")
        move(rows, 1)

    def both_ls(doc: Any) -> None:
        ls_relabel(doc)
        doc[0]["annotations"][0]["result"][1]["value"]["x"] += 1.0

    def both_voc(parts: list[str]) -> None:
        voc_relabel(parts)
        parts[2] = parts[2].replace("<ymin>242</ymin>", "<ymin>240</ymin>")

    cvat_b = (tmp / "bob" / CVAT).read_bytes()
    carol.write(
        {
            COCO: coco({**BASE_COCO, 2: ("truck", [2, 2, 10, 10]), 3: ("car", [5, 1, 10, 10])}),
            YOLO: yolo_rows(both_yolo),
            VOC: voc_objects(both_voc),
            CVAT: cvat(PLANE, PLANE.replace(b'xtl="133.00"', b'xtl="135.00"'), cvat_b),
            LS: ls_doc(both_ls),
        }
    )
    carol.git("commit", "-q", "-am", "move", "--author", "Alice Author <alice@example.org>")
    tips["C"] = carol.git("rev-parse", "HEAD").stdout.strip()
    push(carol)
    # Two users add COCO id 4 in parallel; bob merges with the driver, which re-keys
    # the side merged in (alice's 4 becomes 5).
    alice.git("pull", "-q", "--ff-only", "origin", "main")
    after_c = {**BASE_COCO, 2: ("truck", [2, 2, 10, 10]), 3: ("car", [5, 1, 10, 10])}
    tips["A2"] = alice.commit({COCO: coco({**after_c, 4: ("car", [40, 40, 10, 10])})}, "add 4")
    push(alice)
    bob.git("pull", "-q", "--ff-only", "origin", tips["C"])
    tips["B2"] = bob.commit({COCO: coco({**after_c, 4: ("truck", [60, 60, 5, 5])})}, "add 4")
    bob.git("fetch", "-q", "origin")
    merged = bob.git("merge", "--no-edit", "origin/main", check=False)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    ids = [a["id"] for a in json.loads((tmp / "bob" / COCO).read_bytes())["annotations"]]
    assert sorted(ids) == [1, 2, 3, 4, 5]  # the driver re-keyed one of the two 4s
    tips["M"] = bob.git("rev-parse", "HEAD").stdout.strip()
    push(bob)
    # alice deletes: COCO 1, the last YOLO row, the last VOC object, a CVAT box, an LS region
    alice.git("pull", "-q", "--ff-only", "origin", "main")
    doc = json.loads((tmp / "alice" / COCO).read_bytes())
    doc["annotations"] = [a for a in doc["annotations"] if a["id"] != 1]
    ls = json.loads((tmp / "alice" / LS).read_bytes())
    del ls[0]["annotations"][1]["result"][0]

    def both_then_drop_last(rows: list[str]) -> None:
        both_yolo(rows)
        rows.pop()

    tips["D"] = alice.commit(
        {
            COCO: json.dumps(doc, indent=2).encode(),
            YOLO: yolo_rows(both_then_drop_last),
            VOC: _drop_last_object((tmp / "alice" / VOC).read_text()),
            CVAT: _drop_box((tmp / "alice" / CVAT).read_bytes()),
            LS: json.dumps(ls, indent=4).encode(),
        },
        "delete",
    )
    push(alice)
    return server, tips


def _drop_last_object(text: str) -> bytes:
    start = text.rindex("<object>")
    end = text.index("</object>", start) + len("</object>")
    return (text[:start].rstrip(" \t") + text[end:].lstrip("\n")).encode()


def _drop_box(data: bytes) -> bytes:
    start = data.index(LAST_BOX)
    end = data.index(b"</box>", start) + len(b"</box>")
    return data[:start].rstrip(b" ") + data[end:].lstrip(b"\n")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("pushes"))


def reader(tmp_path: Path, server: ServerRepo, notes: bool = True) -> Path:
    path = tmp_path / "reader"
    git("clone", "-q", server.file_url(), str(path))
    if notes:
        git("fetch", "-q", "origin", "refs/notes/audit:refs/notes/audit", cwd=path)
    return path


def blame_rows(repo: Path, rel: str) -> dict[str, tuple[str, str, str | None, str]]:
    proc = gitannot(repo, "blame", rel, "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)["annotations"]
    return {r["id"]: (r["commit"], r["kind"], r["pushed_by"], r["author"]) for r in rows}


def log_events(repo: Path, rel: str, aid: str) -> list[tuple[Any, ...]]:
    proc = gitannot(repo, "log", rel, "--annotation", aid, "--json")
    assert proc.returncode == 0, proc.stderr
    events = json.loads(proc.stdout)["events"]
    return [
        (e["commit"], e["kind"], e["fields"], e["pushed_by"], e["id_in_commit"]) for e in events
    ]


AUTHOR = {u: f"{u} <{u}@example.org>" for u in ("alice", "bob", "carol")}
ALICE_AUTHOR = "Alice Author <alice@example.org>"


def test_coco_blame_follows_the_rekey_and_names_pushers(tmp_path: Path, built: Built) -> None:
    server, t = built
    got = blame_rows(reader(tmp_path, server), COCO)
    assert got == {
        "2": (t["B"], "changed", "bob", AUTHOR["bob"]),
        "3": (t["C"], "changed", "carol", ALICE_AUTHOR),
        "4": (t["B2"], "created", "bob", AUTHOR["bob"]),
        "5": (t["M"], "re-keyed", "bob", AUTHOR["bob"]),
    }


def test_coco_log_through_the_merge_rekey(tmp_path: Path, built: Built) -> None:
    server, t = built
    repo = reader(tmp_path, server)
    assert log_events(repo, COCO, "5") == [
        (t["A2"], "created", [], "alice", "4"),  # on the side the merge brought in
        (t["M"], "re-keyed", ["id 4 → 5"], "bob", "5"),
    ]
    text = gitannot(repo, "log", COCO, "--annotation", "5").stdout.splitlines()
    assert text[0].startswith(f"{t['A2'][:12]} created [as 4] (pushed by alice at ")
    assert text[1].startswith(f"{t['M'][:12]} re-keyed: id 4 → 5 (pushed by bob at ")
    assert log_events(repo, COCO, "2") == [
        (t["A"], "created", [], "alice", "2"),
        (t["B"], "changed", ["label car → truck"], "bob", "2"),
    ]
    assert log_events(repo, COCO, "3") == [
        (t["A"], "created", [], "alice", "3"),
        (t["C"], "changed", ["bbox moved by (+2, -2)"], "carol", "3"),
    ]
    assert log_events(repo, COCO, "1") == [
        (t["A"], "created", [], "alice", "1"),
        (t["D"], "deleted", [], "alice", "1"),
    ]


def test_yolo_rows_keyed_by_line(tmp_path: Path, built: Built) -> None:
    server, t = built
    repo = reader(tmp_path, server)
    got = blame_rows(repo, YOLO)
    assert got == {
        "line:1": (t["B"], "changed", "bob", AUTHOR["bob"]),
        "line:2": (t["C"], "changed", "carol", ALICE_AUTHOR),
        "line:3": (t["A"], "created", "alice", AUTHOR["alice"]),
    }
    assert log_events(repo, YOLO, "line:1") == [
        (t["A"], "created", [], "alice", "line:1"),
        (t["B"], "changed", ["label bus → opened_door"], "bob", "line:1"),
    ]
    assert log_events(repo, YOLO, "line:4") == [  # the last row, deleted by alice
        (t["A"], "created", [], "alice", "line:4"),
        (t["D"], "deleted", [], "alice", "line:4"),
    ]
    text = gitannot(repo, "blame", YOLO).stdout.splitlines()
    assert text[0].startswith(f"{t['B'][:12]} line:1 opened_door changed pushed by bob at ")


def test_voc_objects(tmp_path: Path, built: Built) -> None:
    server, t = built
    repo = reader(tmp_path, server)
    got = blame_rows(repo, VOC)
    assert (got["0"], got["1"], got["2"]) == (
        (t["B"], "changed", "bob", AUTHOR["bob"]),
        (t["C"], "changed", "carol", ALICE_AUTHOR),
        (t["A"], "created", "alice", AUTHOR["alice"]),
    )
    last = str(len(got))  # the object alice deleted was the last one
    assert log_events(repo, VOC, last) == [
        (t["A"], "created", [], "alice", last),
        (t["D"], "deleted", [], "alice", last),
    ]
    assert log_events(repo, VOC, "1")[-1] == (
        t["C"],
        "changed",
        ["bbox moved by (+0, -2)", "bbox resized 84×259 → 84×261"],
        "carol",
        "1",
    )  # ymin 242 -> 240, ymax kept


def test_cvat_shapes(tmp_path: Path, built: Built) -> None:
    server, t = built
    repo = reader(tmp_path, server)
    got = blame_rows(repo, CVAT)
    assert (got["1/0"], got["1/1"], got["1/2"]) == (
        (t["B"], "changed", "bob", AUTHOR["bob"]),
        (t["C"], "changed", "carol", ALICE_AUTHOR),
        (t["A"], "created", "alice", AUTHOR["alice"]),
    )
    assert "1/3" not in got  # alice deleted image 1's last box
    assert log_events(repo, CVAT, "1/3") == [
        (t["A"], "created", [], "alice", "1/3"),
        (t["D"], "deleted", [], "alice", "1/3"),
    ]


def test_labelstudio_regions(tmp_path: Path, built: Built) -> None:
    server, t = built
    repo = reader(tmp_path, server)
    got = blame_rows(repo, LS)
    assert (got["1/1/C7oHaRDVVC"], got["1/1/9GLz8g9skg"]) == (
        (t["B"], "changed", "bob", AUTHOR["bob"]),
        (t["C"], "changed", "carol", ALICE_AUTHOR),
    )
    assert "1/2/ipBS_GBGZp" not in got
    assert log_events(repo, LS, "1/2/ipBS_GBGZp") == [
        (t["A"], "created", [], "alice", "1/2/ipBS_GBGZp"),
        (t["D"], "deleted", [], "alice", "1/2/ipBS_GBGZp"),
    ]
    assert log_events(repo, LS, "1/1/C7oHaRDVVC")[-1] == (
        t["B"],
        "changed",
        ["label parasites → white"],
        "bob",
        "1/1/C7oHaRDVVC",
    )


def test_without_notes_the_pusher_is_unknown(tmp_path: Path, built: Built) -> None:
    server, t = built
    repo = reader(tmp_path, server, notes=False)
    proc = gitannot(repo, "log", COCO, "--annotation", "3", "--json")
    doc = json.loads(proc.stdout)
    assert doc["audit_fetched"] is False
    assert [(e["commit"], e["pushed_by"], e["author"]) for e in doc["events"]] == [
        (t["A"], None, AUTHOR["alice"]),
        (t["C"], None, ALICE_AUTHOR),  # the author is shown, only as a claim
    ]
    text = gitannot(repo, "log", COCO, "--annotation", "3")
    assert "git fetch origin refs/notes/audit:refs/notes/audit" in text.stderr
    assert text.stdout.splitlines()[1].startswith(
        f"{t['C'][:12]} changed: bbox moved by (+2, -2) (pusher unknown: audit log not fetched"
    )


def test_unknown_ids_and_paths_are_usage_errors(tmp_path: Path, built: Built) -> None:
    server, _ = built
    repo = reader(tmp_path, server)
    proc = gitannot(repo, "log", COCO, "--annotation", "77")
    assert proc.returncode != 0
    assert f"{COCO} has no annotation 77 at HEAD, nor one deleted before" in proc.stderr
    proc = gitannot(repo, "blame", "labels/none.json")
    assert proc.returncode != 0
    assert "labels/none.json is not in HEAD" in proc.stderr
