"""The ontology loader (errors name file:line), compiled checks and evolution rules."""

import pytest

from gitannot.core.annotation import Annotation, GeometryKind, Item, ParsedFile
from gitannot.errors import ConfigError
from gitannot.schema.compiled import CompiledOntology
from gitannot.schema.evolution import check_evolution, label_changes
from gitannot.schema.loader import load_ontology

SCHEMA = b"""\
version: 2
attributes:
  occluded: bool
labels:
  - {id: 1, name: vehicle, abstract: true, geometry: [bbox],
     attributes: {color: {type: enum, values: [red, blue]}}}
  - {id: 2, name: car, parent: vehicle, aliases: [automobile],
     attributes: {doors: {type: int, min: 2, max: 5, required: true}}}
  - {id: 3, name: person, geometry: [bbox, polygon]}
  - {id: 4, name: day, geometry: [none]}
  - {id: 5, name: night, geometry: [none]}
exclusive_groups:
  - {name: time-of-day, labels: [day, night]}
changelog:
  - {version: 2, changes: [add doors]}
"""


def _ann(label: str, geometry: GeometryKind = GeometryKind.BBOX, **attrs: object) -> Annotation:
    return Annotation(id="a1", item="img1", label=label, geometry=geometry, attributes=attrs)


def _rules(*anns: Annotation) -> list[str]:
    parsed = ParsedFile(path="x.json", format="coco", items={"img1": Item("img1")})
    parsed.annotations = list(anns)
    return [f.rule for f in CompiledOntology(load_ontology(SCHEMA)).check(parsed)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"version: 1\nlabels:\n  - {id: 1, name: a\n", "schema/labels.yaml:4: invalid YAML"),
        (b"version: 1\nlabel: []\n", "schema/labels.yaml:2: unknown key 'label'"),
        (b"labels: [{id: 1, name: a}]\n", "schema/labels.yaml:1: missing `version`"),
        (b"version: one\nlabels: [{id: 1, name: a}]\n", "schema/labels.yaml:1: version 'one'"),
        (b"version: 1\nlabels:\n  - {id: 1, name: a}\n  - {id: 1, name: b}\n", ":4: label id 1"),
        (b"version: 1\nlabels:\n  - {id: 1, name: a}\n  - {id: 2, name: a}\n", ":4: label name"),
        (b"version: 1\nlabels:\n  - {id: 1, name: a, parent: zz}\n", ":3: parent 'zz'"),
        (b"version: 1\nlabels:\n  - {id: 1, name: a, attributes: {c: enum}}\n", "needs `values`"),
        (b"version: 1\nlabels:\n  - {id: 1, name: a, geometry: [cube]}\n", "unknown geometry"),
        (b"version: 1\nlabels:\n  - person\n", "needs a mapping with `id` and `name`"),
        (
            b"version: 1\nlabels:\n - {id: 1, name: a, parent: b}\n"
            b" - {id: 2, name: b, parent: a}\n",
            "cycle",
        ),
        (
            b"version: 1\nlabels: [{id: 1, name: a}]\n"
            b"exclusive_groups:\n  - {name: g, labels: [q]}\n",
            ":4: exclusive group 'g' names unknown label 'q'",
        ),
        (b"\xff\xfe", "not UTF-8"),
        (
            b"version: 1\nx: &a [1, 1]\ny: [*a, *a]\nlabels: [{id: 1, name: a}]\n",
            ":2: YAML anchors and aliases (&name, *name) are not allowed",
        ),
        (b"version: 1\n" + b"#" * (5 * 1024 * 1024), "byte limit"),
    ],
)
def test_loader_errors_name_file_and_line(text: bytes, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_ontology(text)
    assert expected in info.value.message


def test_loader_reads_full_example() -> None:
    onto = load_ontology(SCHEMA)
    assert [label.name for label in onto.labels] == ["vehicle", "car", "person", "day", "night"]
    assert onto.changelog[0].version == "2"


def test_valid_annotations_pass() -> None:
    assert _rules(_ann("car", doors=4, color="red", occluded=True), _ann("person")) == []


def test_alias_resolves() -> None:
    assert _rules(_ann("automobile", doors="3")) == []  # XML formats carry numbers as text


@pytest.mark.parametrize(
    ("ann", "rule"),
    [
        (_ann("truck"), "schema.unknown-label"),
        (_ann(""), "schema.labels-unresolved"),
        (_ann("vehicle"), "schema.abstract-label"),
        (_ann("car", GeometryKind.POLYGON, doors=4), "schema.geometry-not-allowed"),
        (_ann("car"), "schema.missing-attribute"),
        (_ann("car", doors=9), "schema.attribute-range"),
        (_ann("car", doors=2.5), "schema.attribute-type"),
        (_ann("car", doors=4, color="green"), "schema.attribute-value"),
        (_ann("car", doors=4, occluded="maybe"), "schema.attribute-type"),
        (_ann("person", speed=3), "schema.unknown-attribute"),
    ],
)
def test_each_ontology_check_yields_its_rule(ann: Annotation, rule: str) -> None:
    assert _rules(ann) == [rule]


def test_exclusive_group_per_item() -> None:
    day = _ann("day", GeometryKind.NONE)
    night = Annotation(id="a2", item="img1", label="night", geometry=GeometryKind.NONE)
    other_item = Annotation(id="a3", item="img2", label="night", geometry=GeometryKind.NONE)
    assert _rules(day, night) == ["schema.exclusive-group"]
    assert _rules(day, other_item) == []


def _changed(text: bytes) -> bytes:
    return text.replace(b"version: 2\n", b"version: 3\n") + b"  - {version: 3, changes: [x]}\n"


def test_evolution_rename_keeps_id_and_alias_avoids_in_use_error() -> None:
    old = load_ontology(SCHEMA)
    renamed = load_ontology(_changed(SCHEMA.replace(b"name: person,", b"name: human,")))
    changes = label_changes(old, renamed)
    assert [(c.old_name, c.new_name) for c in changes] == [("person", "human")]
    in_use = check_evolution(old, renamed, lambda: {"person": "labels/a.json"})
    assert [f.rule for f in in_use] == ["schema.label-renamed-in-use"]
    aliased = load_ontology(
        _changed(SCHEMA.replace(b"name: person,", b"name: human, aliases: [person],"))
    )
    assert check_evolution(old, aliased, lambda: {"person": "labels/a.json"}) == []


def test_evolution_unchanged_rules_need_no_bump() -> None:
    old = load_ontology(SCHEMA)
    reformatted = load_ontology(b"# comment\n" + SCHEMA)
    assert check_evolution(old, reformatted, lambda: {}) == []


def test_evolution_id_reuse_rejected() -> None:
    old = load_ontology(SCHEMA)
    swapped = SCHEMA.replace(b"{id: 4, name: day", b"{id: 9, name: day").replace(
        b"{id: 3, name: person", b"{id: 4, name: person"
    )
    new = load_ontology(_changed(swapped.replace(b"{id: 9, name: day", b"{id: 3, name: day")))
    rules = {f.rule for f in check_evolution(old, new, lambda: {})}
    assert "schema.label-id-reused" in rules


def test_labels_in_use_only_computed_when_a_label_disappears() -> None:
    old = load_ontology(SCHEMA)
    added = load_ontology(
        _changed(SCHEMA.replace(b"exclusive", b"  - {id: 6, name: dog}\nexclusive"))
    )

    def boom() -> dict[str, str]:
        raise AssertionError("scanned the tree for a pure addition")

    assert check_evolution(old, added, boom) == []


def test_findings_are_capped_per_rule() -> None:
    parsed = ParsedFile(path="x.json", format="coco")
    parsed.annotations = [
        Annotation(id=str(i), item="img1", label="truck", geometry=GeometryKind.BBOX)
        for i in range(1000)
    ]
    findings = CompiledOntology(load_ontology(SCHEMA)).check(parsed, max_per_rule=5)
    assert [f.rule for f in findings] == ["schema.unknown-label"] * 6
    assert findings[-1].message == "995 more like this not listed"
    assert findings[-1].blocks
