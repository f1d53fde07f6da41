"""Agreement figures on a real VOC file (2007_000032) against values worked out by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from gitannot.main import main as gitannot_main
from gitannot.workflow.agreement import Shape, nominal_alpha, pair_agreement
from tests.gitenv import git

VOC = Path("review-odm-voc2012-100/pascalvoc_format/2007_000032.xml")


def carol_version(text: str) -> str:
    """The second annotator: object 2 relabelled bird, object 3 moved 4 px right,
    object 4 (the second person) left out."""
    objects = re.findall(r"\t<object>.*?</object>\n", text, flags=re.S)
    assert len(objects) == 4
    second = objects[1].replace("<name>aeroplane</name>", "<name>bird</name>")
    third = objects[2].replace("<xmin>195</xmin>", "<xmin>199</xmin>")
    third = third.replace("<xmax>213</xmax>", "<xmax>217</xmax>")
    return text.replace(objects[1], second).replace(objects[2], third).replace(objects[3], "")


def test_hand_computed_alpha_matches_the_krippendorff_package() -> None:
    # Matched label pairs: (aeroplane, aeroplane), (aeroplane, bird), (person, person).
    # Coincidences: n = 6, n_aeroplane = 3, n_bird = 1, n_person = 2, D_o = 2;
    # alpha = 1 - (n - 1) * D_o / (n^2 - sum n_c^2) = 1 - 5 * 2 / (36 - 14) = 6/11.
    units = [("aeroplane", "aeroplane"), ("aeroplane", "bird"), ("person", "person")]
    assert nominal_alpha(units) == pytest.approx(6 / 11)
    codes = {"aeroplane": 0, "bird": 1, "person": 2}
    data = np.array([[codes[a] for a, _ in units], [codes[b] for _, b in units]], dtype=float)
    reference = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert nominal_alpha(units) == pytest.approx(reference)


def test_perfect_and_no_variation_cases() -> None:
    assert nominal_alpha([("cat", "cat"), ("dog", "dog")]) == pytest.approx(1.0)
    assert nominal_alpha([("cat", "cat")]) is None  # one value only: nothing to judge
    box = (0.0, 0.0, 10.0, 10.0)
    same = pair_agreement("a", [Shape("i", "cat", box)], "b", [Shape("i", "cat", box)])
    assert (same.f1, same.mean_iou) == (1.0, 1.0)
    other_item = pair_agreement("a", [Shape("i", "cat", box)], "b", [Shape("j", "cat", box)])
    assert (other_item.matched, other_item.f1) == (0, 0.0)


def test_qa_command_on_two_annotator_branches_of_a_real_file(
    tmp_path: Path, realdata: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = (realdata / VOC).read_text(encoding="utf-8")
    repo = tmp_path / "clone"
    git("init", "-q", str(repo))
    task = (
        "id: t5\nitems: [labels/voc/*.xml]\nassignees: [bob, carol]\nreviewers: [dave]\n"
        "stage: annotation\nstate: completed\noverlap: 2\n"
    )
    (repo / "tasks").mkdir()
    (repo / "tasks" / "t5.yaml").write_text(task, encoding="utf-8")
    (repo / "labels" / "voc").mkdir(parents=True)
    target = repo / "labels" / "voc" / "2007_000032.xml"
    for user, text in (("bob", original), ("carol", carol_version(original))):
        git("checkout", "-q", "-B", f"annotate/{user}/t5", cwd=repo)
        target.write_text(text, encoding="utf-8")
        git("add", "-A", cwd=repo)
        git("commit", "-q", "-m", f"{user} labels", cwd=repo)
    monkeypatch.chdir(repo)
    assert gitannot_main(["qa", "--write", "--json"]) == 0
    report = json.loads((repo / "reviews" / "metrics" / "agreement-t5.json").read_text())
    (pair,) = report["pairs"]
    assert pair["annotators"] == ["bob", "carol"]
    assert pair["shapes"] == [4, 3]
    assert pair["matched"] == 3
    # F1 = 2 * 3 / (4 + 3). VOC is 1-based: the moved person box is 19 px wide, so
    # IoU = 15 / 23; mean IoU = (1 + 1 + 15/23) / 3 = 61/69.
    assert pair["f1"] == pytest.approx(6 / 7)
    assert pair["mean_iou"] == pytest.approx(61 / 69)
    assert pair["alpha"] == pytest.approx(6 / 11)
    # Per label (shapes match only within their label): aeroplane 2 vs 1 -> 2*1/3,
    # person 2 vs 1 -> 2*1/3, bird 0 vs 1 -> 0.
    assert pair["per_label_f1"] == pytest.approx({"aeroplane": 2 / 3, "bird": 0.0, "person": 2 / 3})
