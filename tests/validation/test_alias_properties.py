"""Renaming a label and keeping the old name as an alias (the documented way to rename)
changes no check's behaviour, whichever place of the ontology names the label: exclusive
groups, parents, the label that scopes attributes, and labels that already have aliases.

For each label and each way of writing the references (left naming the old name, or
rewritten to the new one), the same annotations get exactly the same findings before and
after the rename.
"""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gitannot.core.annotation import Annotation, GeometryKind, ParsedFile
from gitannot.formats.options import FormatOptions
from gitannot.project.config import ProjectConfig
from gitannot.schema.compiled import CompiledOntology
from gitannot.schema.evolution import check_evolution
from gitannot.schema.loader import load_ontology
from gitannot.schema.model import Ontology
from gitannot.validation.evolve import same_label
from gitannot.validation.rules import Rules

# name -> (id, aliases it already has, parent as written, attributes as written, flags)
LABELS: dict[str, tuple[int, list[str], str | None, str, str]] = {
    "person": (1, [], None, "", "geometry: [bbox, polygon]"),
    "vehicle": (2, ["veh"], None, "make: {type: enum, values: [vw, bmw], required: true}", ""),
    "car": (3, [], "vehicle", "", "geometry: [bbox]"),
    "bus": (4, [], "veh", "doors: {type: int, min: 1, max: 6}", ""),  # parent via an alias
    "bicycle": (5, ["bike"], None, "electric: bool", ""),
    "day": (6, [], None, "", "geometry: [none, bbox]"),
    "night": (7, [], None, "", ""),
}
# Each group names labels in a different way: plain names, a parent, an alias.
GROUPS = {"time": ["day", "night"], "kind": ["vehicle", "bike"], "who": ["person", "bus"]}


def _ontology(rename: dict[str, str], follow: bool) -> Ontology:
    """The ontology with `rename` applied (old name kept as the first alias). References
    name the new names when `follow`, else they keep naming the old ones."""

    def ref(name: str) -> str:
        owner = next((n for n, spec in LABELS.items() if name == n or name in spec[1]), name)
        return rename.get(name, name) if follow and owner == name else name

    lines = ["version: 1", "attributes:", "  occluded: bool", "labels:"]
    for name, (label_id, aliases, parent, attrs, extra) in LABELS.items():
        all_aliases = ([name] if name in rename else []) + aliases
        lines.append(f"  - id: {label_id}")
        lines.append(f"    name: {rename.get(name, name)}")
        if all_aliases:
            lines.append(f"    aliases: [{', '.join(all_aliases)}]")
        if parent:
            lines.append(f"    parent: {ref(parent)}")
        if attrs:
            lines.append(f"    attributes: {{{attrs}}}")
        if extra:
            lines.append(f"    {extra}")
    lines.append("exclusive_groups:")
    for group, members in GROUPS.items():
        lines.append(f"  - {{name: {group}, labels: [{', '.join(ref(m) for m in members)}]}}")
    lines += ["changelog:", "  - {version: 1, changes: [first]}", ""]
    return load_ontology("\n".join(lines).encode())


BASE = _ontology({}, follow=False)
# Every name the base ontology answers to, one unknown label and an unnamed annotation.
POOL = [*sorted(BASE.by_any_name()), "zebra", ""]
CASES = [(name, follow) for name in LABELS for follow in (False, True)]

_attribute_values: dict[str, list[Any]] = {
    "make": ["vw", "audi", None],
    "electric": [True, "maybe"],
    "doors": [3, 9, "x"],
    "occluded": [False, "2"],
    "colour": ["red"],  # defined nowhere
}
annotations = st.lists(
    st.tuples(
        st.sampled_from(POOL),
        st.sampled_from(["a", "b"]),
        st.sampled_from([GeometryKind.BBOX, GeometryKind.POLYGON, GeometryKind.NONE]),
        st.fixed_dictionaries(
            {}, optional={k: st.sampled_from(v) for k, v in _attribute_values.items()}
        ),
    ),
    max_size=8,
)
declared = st.lists(st.sampled_from([*POOL[:-1], "truck"]), max_size=4)


def _file(
    anns: list[tuple[str, str, GeometryKind, dict[str, Any]]], names: list[str]
) -> ParsedFile:
    parsed = ParsedFile(path="labels/x.json", format="coco", declared_labels=list(names))
    parsed.annotations = [
        Annotation(str(k), item, label, geometry, attributes=dict(attrs))
        for k, (label, item, geometry, attrs) in enumerate(anns)
    ]
    return parsed


def test_the_pool_covers_every_place_a_label_is_named() -> None:
    """A label used as a parent by name and by alias, groups naming a parent, an alias
    and plain labels, labels with attributes of their own and inherited."""
    compiled = CompiledOntology(BASE)
    assert compiled.labels["bus"].spec.parent == "vehicle"  # written `veh`
    assert set(compiled.labels["bus"].attributes) == {"occluded", "make", "doors"}
    assert compiled.labels["bike"].groups == ("kind",)
    assert compiled.labels["car"].groups == ("kind",)  # through its parent
    assert compiled.labels["bus"].groups == ("kind", "who")


@pytest.mark.parametrize(("name", "follow"), CASES)
@settings(max_examples=60, deadline=None)
@given(anns=annotations, names=declared)
def test_rename_kept_as_alias_gives_identical_findings(
    name: str,
    follow: bool,
    anns: list[tuple[str, str, GeometryKind, dict[str, Any]]],
    names: list[str],
) -> None:
    renamed = _ontology({name: f"{name}-renamed"}, follow)
    parsed = _file(anns, names)
    before = CompiledOntology(BASE).check(parsed)
    after = CompiledOntology(renamed).check(parsed)
    assert after == before


@pytest.mark.parametrize(("name", "follow"), CASES)
def test_rename_kept_as_alias_is_no_evolution_error(name: str, follow: bool) -> None:
    renamed = _ontology({name: f"{name}-renamed"}, follow)
    every_name_used = {n: "labels/x.json" for n in BASE.by_any_name()}
    findings = check_evolution(BASE, renamed, lambda: every_name_used)
    assert [f.rule for f in findings if f.rule.startswith("schema.label-")] == []


@pytest.mark.parametrize(("name", "follow"), CASES)
def test_rename_kept_as_alias_is_no_class_remap(name: str, follow: bool) -> None:
    """A names file or COCO category that switches from the old to the new name keeps
    the class: `schema.class-mapping-changed` compares labels, not spellings."""
    renamed = _ontology({name: f"{name}-renamed"}, follow)
    rules = Rules(ProjectConfig(), renamed, CompiledOntology(renamed), FormatOptions())
    assert same_label(rules, name, f"{name}-renamed")
    other = next(n for n in LABELS if n != name)
    assert not same_label(rules, name, other)
