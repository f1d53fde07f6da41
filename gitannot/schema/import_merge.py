"""`schema import` into an existing ontology: keep everything it says (labels, ids,
aliases, attributes, comments, layout: the file is edited with ruamel.yaml's round trip,
not rewritten) and add what the data shows. Returns the new text and a list of what was
added and what conflicts were left for a person to decide."""

from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from gitannot.schema.compiled import CompiledOntology, attribute_problem
from gitannot.schema.draft import Draft, DraftLabel
from gitannot.schema.model import AttributeSpec, AttrType, Ontology
from gitannot.schema.yaml_roundtrip import dump_roundtrip, load_roundtrip

MAX_LISTED_VALUES = 8


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)


def merge_into(text: bytes, existing: Ontology, draft: Draft) -> tuple[bytes, ImportReport]:
    doc = load_roundtrip(text)
    report = ImportReport()
    nodes = {str(node.get("name")): node for node in doc["labels"]}
    compiled = CompiledOntology(existing)
    known = existing.by_any_name()
    next_id = _IdPool(existing)
    for name, label in draft.labels.items():
        spec = known.get(name)
        if spec is None:
            _drop_global(label, existing, report)
            doc["labels"].append(_new_label(label, next_id.take(label), report))
            continue
        node = nodes[spec.name]
        _extend_label(node, spec.name, label, compiled, report)
    return dump_roundtrip(doc), report


def _drop_global(label: DraftLabel, existing: Ontology, report: ImportReport) -> None:
    """A new label needs no copy of an attribute every label already has."""
    for spec in existing.attributes:
        seen = label.attributes.get(spec.name)
        if seen is None:
            continue
        del label.attributes[spec.name]
        bad = sorted(
            {repr(v) for v in label.observed.get(spec.name, ()) if attribute_problem(spec, v)}
        )
        if bad:
            report.conflicts.append(
                f"label {label.name!r} attribute {spec.name!r} ({spec.type.value}, top-level) "
                f"gets {_listed(bad)} in the data (left as is)"
            )


class _IdPool:
    """New labels keep the id their file gave them (COCO) when free, else the next."""

    def __init__(self, existing: Ontology) -> None:
        self.used = {label.id for label in existing.labels}
        self.next = max(self.used, default=0) + 1

    def take(self, label: DraftLabel) -> int:
        if label.id is not None and label.id not in self.used:
            chosen = label.id
        else:
            while self.next in self.used:
                self.next += 1
            chosen = self.next
        self.used.add(chosen)
        return chosen


def _new_label(label: DraftLabel, label_id: int, report: ImportReport) -> CommentedMap:
    node = CommentedMap()
    node["id"] = label_id
    node["name"] = label.name
    if label.parent:
        node["parent"] = label.parent
    if label.abstract:
        node["abstract"] = True
    if label.geometry:
        node["geometry"] = _flow(sorted(g.value for g in label.geometry))
    if label.attributes:
        node["attributes"] = CommentedMap(
            (a.name, _attr_node(a)) for a in label.attributes.values()
        )
    source = sorted(label.sources)[0].rsplit("/", 1)[-1] if label.sources else "the data"
    node.yaml_add_eol_comment(f"new, from {source}", "id")
    extra = f", attributes {', '.join(label.attributes)}" if label.attributes else ""
    report.added.append(f"label {label.name!r} (id {label_id}) from {source}{extra}")
    return node


def _extend_label(
    node: CommentedMap,
    name: str,
    label: DraftLabel,
    compiled: CompiledOntology,
    report: ImportReport,
) -> None:
    effective = compiled.labels[name].attributes
    for attr in label.attributes.values():
        known = effective.get(attr.name)
        if known is None:
            _own_attributes(node)[attr.name] = _attr_node(attr)
            report.added.append(f"attribute {attr.name!r} ({attr.type.value}) to label {name!r}")
        elif known.type is not attr.type and attr.name not in label.observed:
            report.conflicts.append(
                f"label {name!r} attribute {attr.name!r} is {known.type.value} in the "
                f"ontology but {attr.type.value} in the data (left as is)"
            )
    seen: dict[str, set[object]] = {n: set(v) for n, v in label.observed.items()}
    for attr in label.attributes.values():  # declared values (CVAT select) count too
        seen.setdefault(attr.name, set()).update(attr.values)
    for attr_name, values in seen.items():
        known = effective.get(attr_name)
        if known is not None and values:
            _observed_values(node, name, known, values, report)
    _geometry(node, name, label, compiled, report)


def _observed_values(
    node: CommentedMap, name: str, spec: AttributeSpec, values: set[object], report: ImportReport
) -> None:
    """Enum (and str allow-list) values the data uses are added; a value of the wrong
    type or range is a conflict."""
    if spec.values and spec.type in (AttrType.ENUM, AttrType.STR):
        new = sorted({str(v) for v in values} - set(spec.values))
        if not new:
            return
        own = _own_attributes(node).get(spec.name)
        if own is None or not isinstance(own, dict) or "values" not in own:
            report.conflicts.append(
                f"label {name!r} attribute {spec.name!r} (inherited) lacks values the data "
                f"uses: {_listed(new)} (left as is)"
            )
            return
        own["values"].extend(new)
        report.added.append(f"values {_listed(new)} to {name!r} attribute {spec.name!r}")
        return
    bad = sorted({repr(v) for v in values if attribute_problem(spec, v) is not None})
    if bad:
        report.conflicts.append(
            f"label {name!r} attribute {spec.name!r} ({spec.type.value}) gets "
            f"{_listed(bad)} in the data (left as is)"
        )


def _geometry(
    node: CommentedMap,
    name: str,
    label: DraftLabel,
    compiled: CompiledOntology,
    report: ImportReport,
) -> None:
    allowed = compiled.labels[name].geometry
    if allowed is None:
        return  # any kind
    missing = sorted(g.value for g in (label.geometry | label.observed_geometry) - allowed)
    if not missing:
        return
    if "geometry" not in node:
        report.conflicts.append(
            f"label {name!r} inherits geometry {sorted(g.value for g in allowed)} but the "
            f"data has {', '.join(missing)} (left as is)"
        )
        return
    node["geometry"].extend(missing)
    report.added.append(f"geometry {', '.join(missing)} to label {name!r}")


def _own_attributes(node: CommentedMap) -> Any:
    if "attributes" not in node or node["attributes"] is None:
        node["attributes"] = CommentedMap()
    return node["attributes"]


def _attr_node(spec: AttributeSpec) -> CommentedMap:
    node = CommentedMap()
    node["type"] = spec.type.value
    if spec.values:
        node["values"] = _flow(list(spec.values))
    if spec.min is not None:
        node["min"] = spec.min
    if spec.max is not None:
        node["max"] = spec.max
    if spec.required:
        node["required"] = True
    node.fa.set_flow_style()
    return node


def _flow(items: list[Any]) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _listed(values: list[str]) -> str:
    shown = ", ".join(values[:MAX_LISTED_VALUES])
    return shown + (
        f" (+{len(values) - MAX_LISTED_VALUES} more)" if len(values) > MAX_LISTED_VALUES else ""
    )
