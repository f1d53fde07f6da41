"""Geometry checks use the manifest's image size when a label file has none (VOC)."""

from __future__ import annotations

from tests.gitenv import ServerRepo
from tests.release.helpers import MANIFEST, MakeClient, seeded


def voc(xmax: int) -> str:
    return (
        "<annotation><filename>a.jpg</filename>"
        "<object><name>person</name><bndbox><xmin>10</xmin><ymin>10</ymin>"
        f"<xmax>{xmax}</xmax><ymax>50</ymax></bndbox></object></annotation>\n"
    )


def test_box_outside_the_manifest_size_rejected(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice = seeded(server, make_client)  # the manifest says a.jpg is 100x100
    alice.commit({"labels/voc/a.xml": voc(xmax=500)})
    result = alice.push("HEAD:refs/heads/main")
    assert not result.accepted, result.output
    assert "[voc.bbox-outside-image]" in result.output
    assert "outside 100x100" in result.output
    assert "[voc.missing-size]" not in result.output


def test_box_inside_the_manifest_size_accepted(server: ServerRepo, make_client: MakeClient) -> None:
    alice = seeded(server, make_client)
    alice.commit({"labels/voc/a.xml": voc(xmax=90)})
    result = alice.push("HEAD:refs/heads/main")
    assert result.accepted, result.output
    assert "[voc.missing-size]" not in result.output


def test_without_a_manifest_row_the_size_stays_unknown(
    server: ServerRepo, make_client: MakeClient
) -> None:
    alice = seeded(server, make_client)
    alice.commit({"labels/voc/a.xml": voc(xmax=500), "data/items.jsonl": MANIFEST.replace(
        '"width": 100, "height": 100, "split": "train"', '"split": "train"')})  # fmt: skip
    result = alice.push("HEAD:refs/heads/main")
    assert "[voc.missing-size]" in result.output
    assert "[voc.bbox-outside-image]" not in result.output
