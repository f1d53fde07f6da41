"""A draft ontology gathered from existing exports, merged into an existing one, as YAML."""

import json
from dataclasses import dataclass, field
from typing import Any

from gitannot.core.annotation import GeometryKind
from gitannot.schema.model import AttributeSpec, AttrType, Ontology


@dataclass
class DraftLabel:
    name: str
    geometry: set[GeometryKind] = field(default_factory=set)
    attributes: dict[str, AttributeSpec] = field(default_factory=dict)
    parent: str | None = None
    abstract: bool = False
    id: int | None = None  # kept from an existing ontology
    aliases: tuple[str, ...] = ()  # kept from an existing ontology
    sources: set[str] = field(default_factory=set)
    # Attribute values seen on annotations, typed once all files are read.
    observed: dict[str, set[object]] = field(default_factory=dict)
    # Geometry kinds annotations have: never a new label's rule (a sample is not a rule),
    # but an existing label whose `geometry` list lacks one is extended on import.
    observed_geometry: set[GeometryKind] = field(default_factory=set)


@dataclass
class Draft:
    labels: dict[str, DraftLabel] = field(default_factory=dict)

    def add(
        self,
        name: str,
        source: str,
        *,
        geometry: GeometryKind | None = None,
        parent: str | None = None,
        abstract: bool = False,
    ) -> DraftLabel:
        label = self.labels.get(name)
        if label is None:
            label = self.labels[name] = DraftLabel(name=name, abstract=abstract)
        if geometry is not None:
            label.geometry.add(geometry)
        if parent and parent != name and label.parent is None:
            label.parent = parent
            self.add(parent, source, abstract=True)
        if not abstract:  # used directly somewhere: not only a grouping node
            label.abstract = False
        label.sources.add(source)
        return label

    def add_attribute(self, label: str, spec: AttributeSpec) -> None:
        target = self.labels[label].attributes
        if spec.name not in target:
            target[spec.name] = spec
            return
        known = target[spec.name]
        if known.type is spec.type and spec.values:  # widen the allowed values
            merged = tuple(dict.fromkeys((*known.values, *spec.values)))
            target[spec.name] = AttributeSpec(spec.name, known.type, merged, known.min, known.max)

    def observe(self, label: str, name: str, value: object) -> None:
        values = self.labels[label].observed.setdefault(name, set())
        if len(values) < 64:  # enough to type it; bounded on huge files
            values.add(value if isinstance(value, str | int | float | bool) else str(value))

    def settle(self) -> None:
        """Type observed attributes that no declaration (CVAT spec) typed already."""
        for label in self.labels.values():
            for name, values in label.observed.items():
                if name not in label.attributes:
                    label.attributes[name] = infer_from_values(name, values)


_BOOL_TEXT = {"0", "1", "true", "false"}


def infer_from_values(name: str, values: set[object]) -> AttributeSpec:
    """bool when every value is a boolean or 0/1/true/false text (VOC `difficult`, CVAT
    `occluded`), int / float when all are numbers, else str."""
    if all(isinstance(v, bool) or str(v).lower() in _BOOL_TEXT for v in values):
        return AttributeSpec(name, AttrType.BOOL)
    if all(_is_int(v) for v in values):
        return AttributeSpec(name, AttrType.INT)
    if all(_is_float(v) for v in values):
        return AttributeSpec(name, AttrType.FLOAT)
    return AttributeSpec(name, AttrType.STR)


def _is_int(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().lstrip("-").isdigit()


def _is_float(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    try:
        float(str(value))
    except ValueError:
        return False
    return True


def render(draft: Draft, existing: Ontology | None, version: str = "1") -> str:
    """YAML text: existing labels keep their ids, new ones get the next free ids."""
    next_id = max((label.id for label in existing.labels), default=0) + 1 if existing else 1
    known = existing.by_name() if existing else {}
    lines = [
        "# Label ontology (see docs/validation.md). Drafted by `gitannot schema import`:",
        "# review names, geometry and attributes, then commit.",
        f"version: {_version(existing.version if existing else version)}",
    ]
    if existing and existing.name:
        lines.append(f"name: {q(existing.name)}")
    lines.append("labels:")
    ordered = _ordered(draft, existing)
    ids = _ids(ordered, known, next_id)
    for label in ordered:
        lines.extend(_label_lines(label, ids[label.name], label.name not in known))
    if existing and existing.exclusive_groups:
        lines.append("exclusive_groups:")
        for group in existing.exclusive_groups:
            lines.append(
                f"  - {{name: {q(group.name)}, labels: [{', '.join(map(q, group.labels))}]}}"
            )
    lines.append("changelog:")
    for entry in existing.changelog if existing else []:
        lines.append(f"  - version: {_version(entry.version)}")
        if entry.date:
            lines.append(f"    date: {q(entry.date)}")
        lines.append("    changes:")
        lines.extend(f"      - {q(change)}" for change in entry.changes)
    if not existing:
        lines.append(f"  - version: {_version(version)}")
        lines.append("    changes:")
        lines.append("      - imported with gitannot schema import")
    return "\n".join(lines) + "\n"


def _ids(ordered: list[DraftLabel], known: dict[str, Any], next_id: int) -> dict[str, int]:
    """Existing labels keep their ids; a new label keeps the id its file gave it (COCO
    category ids) when no other label has it; the rest take the next free ids."""
    ids = {label.name: known[label.name].id for label in ordered if label.name in known}
    used = set(ids.values())
    for label in ordered:
        if label.name not in ids and label.id is not None and label.id not in used:
            ids[label.name] = label.id
            used.add(label.id)
    next_id = max([next_id - 1, *used], default=0) + 1
    for label in ordered:
        if label.name not in ids:
            ids[label.name] = next_id
            next_id += 1
    return ids


def _ordered(draft: Draft, existing: Ontology | None) -> list[DraftLabel]:
    out: dict[str, DraftLabel] = {}
    for spec in existing.labels if existing else []:
        label = DraftLabel(
            name=spec.name,
            geometry=set(spec.geometry or ()),
            attributes={a.name: a for a in spec.attributes},
            parent=spec.parent,
            abstract=spec.abstract,
            aliases=spec.aliases,
        )
        out[spec.name] = label
    known = existing.by_any_name() if existing else {}
    for name, label in draft.labels.items():
        if name in out or name in known:  # an alias of an existing label is that label
            continue
        out[name] = label
    # Parents before children so the file reads top-down.
    ordered: list[DraftLabel] = []
    seen: set[str] = set()

    def visit(label: DraftLabel) -> None:
        if label.name in seen:
            return
        seen.add(label.name)
        if label.parent and label.parent in out:
            visit(out[label.parent])
        ordered.append(label)

    for label in out.values():
        visit(label)
    return ordered


def _label_lines(label: DraftLabel, label_id: int, new: bool) -> list[str]:
    lines = [f"  - id: {label_id}", f"    name: {q(label.name)}"]
    if label.aliases:
        lines.append(f"    aliases: [{', '.join(map(q, label.aliases))}]")
    if label.parent:
        lines.append(f"    parent: {q(label.parent)}")
    if label.abstract:
        lines.append("    abstract: true")
    if label.geometry:
        kinds = sorted(g.value for g in label.geometry)
        lines.append(f"    geometry: [{', '.join(kinds)}]")
    if label.attributes:
        lines.append("    attributes:")
        for spec in label.attributes.values():
            lines.append(f"      {q(spec.name)}: {_attr_flow(spec)}")
    if new and label.sources:
        first = sorted(label.sources)[0].rsplit("/", 1)[-1]
        more = f" (+{len(label.sources) - 1} more)" if len(label.sources) > 1 else ""
        lines[0] += f"  # new, from {first}{more}"
    return lines


def _attr_flow(spec: AttributeSpec) -> str:
    parts = [f"type: {spec.type.value}"]
    if spec.values:
        parts.append(f"values: [{', '.join(q(v) for v in spec.values)}]")
    if spec.min is not None:
        parts.append(f"min: {spec.min:g}")
    if spec.max is not None:
        parts.append(f"max: {spec.max:g}")
    if spec.required:
        parts.append("required: true")
    return "{" + ", ".join(parts) + "}"


_PLAIN_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-. ")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "~", ""}


def _version(version: str) -> str:
    """`3` plain; a dotted version quoted: YAML reads `1.10` as the number 1.1."""
    return version if version.isdigit() else _q_always(version)


def _q_always(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def q(text: str) -> str:
    """Plain YAML scalar when safe, else a double-quoted one (JSON string syntax is valid
    YAML, and escapes newlines and tabs)."""
    if (
        text
        and set(text) <= _PLAIN_OK
        and text.lower() not in _YAML_WORDS
        and not text[:1].isdigit()
        and not text.startswith(("-", " ", "."))
        and not text.endswith(" ")
    ):
        return text
    return json.dumps(text, ensure_ascii=False)
