"""Read schema/labels.yaml into an Ontology; every problem names `file:line`."""

import dataclasses
import re
from typing import Any

from gitannot.core.annotation import GeometryKind
from gitannot.errors import ConfigError
from gitannot.schema.model import (
    DEFAULT_SCHEMA_PATH,
    AttributeSpec,
    AttrType,
    ChangelogEntry,
    ExclusiveGroup,
    LabelSpec,
    Ontology,
    version_key,
)
from gitannot.schema.yamlsrc import LineDict, YamlFloat, YamlInt, line_of, load_yaml, where

_ATTR_TYPE_ALIASES = {
    "bool": AttrType.BOOL,
    "boolean": AttrType.BOOL,
    "checkbox": AttrType.BOOL,
    "int": AttrType.INT,
    "integer": AttrType.INT,
    "float": AttrType.FLOAT,
    "number": AttrType.FLOAT,
    "str": AttrType.STR,
    "string": AttrType.STR,
    "text": AttrType.STR,
    "enum": AttrType.ENUM,
    "select": AttrType.ENUM,
    "radio": AttrType.ENUM,
}
_GEOMETRY_ALIASES = {g.value: g for g in GeometryKind} | {
    "rle": GeometryKind.MASK,
    "box": GeometryKind.BBOX,
    "rectangle": GeometryKind.BBOX,
    "points": GeometryKind.POINT,
    "tag": GeometryKind.NONE,
}
_TOP_KEYS = {"version", "name", "labels", "attributes", "exclusive_groups", "changelog"}
_LABEL_KEYS = {"id", "name", "parent", "abstract", "geometry", "attributes", "aliases"}
_LABEL_KEYS |= {"description", "color"}
_ATTR_KEYS = {"type", "values", "min", "max", "required", "description", "default"}


def load_ontology(data: bytes, source: str = DEFAULT_SCHEMA_PATH) -> Ontology:
    doc = load_yaml(data, source, typed=True)
    if not isinstance(doc, LineDict):
        raise ConfigError(f"{source}:1: the ontology must be a YAML mapping", _HINT)
    _no_unknown_keys(doc, _TOP_KEYS, source, "top level")
    if "version" not in doc:
        raise ConfigError(f"{source}:1: missing `version`", _HINT)
    version = _text(doc["version"], source, where(source, doc, "version"), "version")
    if version_key(version) is None:
        raise ConfigError(
            f"{where(source, doc, 'version')}: version {version!r} is not dotted integers",
            "use e.g. `version: 3` or `version: 1.2.0`",
        )
    raw_labels = doc.get("labels")
    if not isinstance(raw_labels, list) or not raw_labels:
        raise ConfigError(f"{where(source, doc, 'labels')}: `labels` must be a non-empty list")
    labels = [_label(item, source) for item in raw_labels]
    ontology = Ontology(
        version=version,
        labels=labels,
        source=source,
        name=str(doc.get("name", "")),
        attributes=_attributes(doc.get("attributes"), source, doc, "attributes"),
        exclusive_groups=_groups(doc.get("exclusive_groups"), source, doc),
        changelog=_changelog(doc.get("changelog"), source, doc),
    )
    return _resolved(ontology, source)


_HINT = "see docs/validation.md for the ontology format"


def _text(value: Any, source: str, loc: str, what: str) -> str:
    """A scalar meant as text. YAML types unquoted scalars: `1.10` is the number 1.1,
    `0001` is 1, `true` a boolean. A number whose text survives is taken as written;
    anything else names the line and says to quote it."""
    if isinstance(value, str):
        return value
    if isinstance(value, YamlInt | YamlFloat):
        if str(value) != value.text:
            raise ConfigError(
                f"{source}:{value.line}: {what} {value.text} is read by YAML as the number {value}",
                f'quote it ("{value.text}") to keep it as written',
            )
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ConfigError(
        f"{loc}: {what} must be text, not {value!r}",
        f'quote it ("{str(value).lower()}") to keep it as text'
        if isinstance(value, bool)
        else _HINT,
    )


def _flag(node: LineDict, key: str, source: str) -> bool:
    """A true/false key: a YAML 1.2 boolean, or yes/no/on/off (what YAML 1.1 read as
    booleans, with the same meaning). Anything else names the line: `bool("maybe")` would
    silently be true."""
    value = node.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _FLAG_WORDS:
        return _FLAG_WORDS[value.lower()]
    raise ConfigError(
        f"{where(source, node, key)}: `{key}` must be true or false, not {value!r}",
        f"write `{key}: true` or `{key}: false`",
    )


_FLAG_WORDS = {"yes": True, "on": True, "y": True, "no": False, "off": False, "n": False}


def _no_unknown_keys(node: LineDict, allowed: set[str], source: str, what: str) -> None:
    for key in node:
        if key not in allowed:
            raise ConfigError(
                f"{where(source, node, key)}: unknown key {key!r} in {what}",
                f"allowed keys: {', '.join(sorted(allowed))}",
            )


def _label(item: Any, source: str) -> LabelSpec:
    if isinstance(item, str):  # shorthand not allowed: ids must be explicit and stable
        raise ConfigError(
            f"{source}: label {item!r} needs a mapping with `id` and `name`",
            "stable ids let a rename keep its identity: `- {id: 1, name: person}`",
        )
    if not isinstance(item, LineDict):
        raise ConfigError(f"{source}: each label must be a mapping with `id` and `name`")
    _no_unknown_keys(item, _LABEL_KEYS, source, "a label")
    loc = where(source, item)
    label_id = item.get("id")
    if not isinstance(label_id, int) or isinstance(label_id, bool) or label_id < 0:
        raise ConfigError(f"{loc}: label `id` must be a non-negative integer", _HINT)
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{loc}: label `name` must be a non-empty string", _HINT)
    parent = item.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise ConfigError(f"{where(source, item, 'parent')}: `parent` must be a label name")
    aliases = item.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise ConfigError(f"{where(source, item, 'aliases')}: `aliases` must be a list of names")
    return LabelSpec(
        id=label_id,
        name=name,
        parent=parent,
        abstract=_flag(item, "abstract", source),
        geometry=_geometry(item, source),
        attributes=_attributes(item.get("attributes"), source, item, "attributes"),
        aliases=tuple(aliases),
        description=str(item.get("description", "")),
        line=line_of(item),
        color=_color(item, source),
    )


def _color(item: LineDict, source: str) -> str:
    """`color: "#rrggbb"`: tools (Label Studio, CVAT) take exactly that form."""
    value = item.get("color")
    if value is None:
        return ""
    if not isinstance(value, str) or not _COLOR.fullmatch(value):
        raise ConfigError(
            f'{where(source, item, "color")}: `color` must be "#rrggbb", not {value!r}',
            'quote it: `color: "#ff8800"` (a bare # starts a YAML comment)',
        )
    return value.lower()


_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


def _geometry(item: LineDict, source: str) -> frozenset[GeometryKind] | None:
    raw = item.get("geometry")
    if raw is None:
        return None
    values = [raw] if isinstance(raw, str) else raw
    if not isinstance(values, list) or not values:
        raise ConfigError(f"{where(source, item, 'geometry')}: `geometry` must be a list")
    kinds = set()
    for value in values:
        kind = _GEOMETRY_ALIASES.get(str(value).lower())
        if kind is None:
            raise ConfigError(
                f"{where(source, item, 'geometry')}: unknown geometry {value!r}",
                f"use any of: {', '.join(g.value for g in GeometryKind)}",
            )
        kinds.add(kind)
    return frozenset(kinds)


def _attributes(raw: Any, source: str, parent: LineDict, key: str) -> tuple[AttributeSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, LineDict):
        raise ConfigError(f"{where(source, parent, key)}: `attributes` must be a mapping")
    return tuple(_attribute(name, spec, source, raw) for name, spec in raw.items())


def _attribute(name: str, spec: Any, source: str, parent: LineDict) -> AttributeSpec:
    loc = where(source, parent, name)
    if isinstance(spec, str):  # `occluded: bool` shorthand
        spec_map: dict[str, Any] = {"type": spec}
    elif isinstance(spec, LineDict):
        _no_unknown_keys(spec, _ATTR_KEYS, source, f"attribute {name!r}")
        spec_map = spec
    else:
        raise ConfigError(f"{loc}: attribute {name!r} must be a type name or a mapping")
    values = spec_map.get("values") or []
    if not isinstance(values, list):
        raise ConfigError(f"{loc}: `values` of {name!r} must be a list")
    values = [_text(v, source, loc, "value") for v in values]
    type_name = str(spec_map.get("type", "enum" if values else "str")).lower()
    attr_type = _ATTR_TYPE_ALIASES.get(type_name)
    if attr_type is None:
        raise ConfigError(
            f"{loc}: attribute {name!r} has unknown type {type_name!r}",
            "use bool, int, float, str or enum",
        )
    if attr_type is AttrType.ENUM and not values:
        raise ConfigError(f"{loc}: enum attribute {name!r} needs `values`")
    low, high = _number(spec_map.get("min"), loc, "min"), _number(spec_map.get("max"), loc, "max")
    if low is not None and high is not None and low > high:
        raise ConfigError(f"{loc}: attribute {name!r} has min > max")
    return AttributeSpec(
        name=name,
        type=attr_type,
        values=tuple(values),
        min=low,
        max=high,
        required=_flag(spec, "required", source) if isinstance(spec, LineDict) else False,
        line=line_of(parent, name),
    )


def _number(value: Any, loc: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{loc}: `{key}` must be a number")
    return float(value)


def _groups(raw: Any, source: str, doc: LineDict) -> list[ExclusiveGroup]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{where(source, doc, 'exclusive_groups')}: must be a list")
    groups = []
    for item in raw:
        if not isinstance(item, LineDict) or not isinstance(item.get("labels"), list):
            raise ConfigError(
                f"{where(source, doc, 'exclusive_groups')}: each group needs `name` and `labels`"
            )
        loc = where(source, item, "labels")
        labels = tuple(_text(x, source, loc, "label") for x in item["labels"])
        groups.append(ExclusiveGroup(str(item.get("name", "")), labels, line_of(item)))
    return groups


def _changelog(raw: Any, source: str, doc: LineDict) -> list[ChangelogEntry]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigError(f"{where(source, doc, 'changelog')}: must be a list")
    entries = []
    for item in raw:
        if not isinstance(item, LineDict) or "version" not in item:
            raise ConfigError(
                f"{where(source, doc, 'changelog')}: each entry needs `version` and `changes`"
            )
        changes = item.get("changes") or []
        if isinstance(changes, str):
            changes = [changes]
        if not isinstance(changes, list) or not changes:
            raise ConfigError(f"{where(source, item)}: changelog entry needs `changes`")
        entries.append(
            ChangelogEntry(
                version=_text(item["version"], source, where(source, item, "version"), "version"),
                changes=tuple(str(c) for c in changes),
                date=str(item.get("date", "")),
                line=line_of(item),
            )
        )
    return entries


def _resolved(ontology: Ontology, source: str) -> Ontology:
    """Check names and ids, then write every label reference (parents, exclusive groups)
    with the canonical name: an alias names the same label everywhere, so a rename that
    keeps the old name as an alias changes no check's behaviour."""
    names = _names(ontology, source)
    labels = []
    for label in ontology.labels:
        if label.parent is not None and label.parent not in names:
            raise ConfigError(
                f"{source}:{label.line}: parent {label.parent!r} of {label.name!r} is not a label"
            )
        parent = names[label.parent].name if label.parent is not None else None
        labels.append(dataclasses.replace(label, parent=parent))
    groups = []
    for group in ontology.exclusive_groups:
        for name in group.labels:
            if name not in names:
                raise ConfigError(
                    f"{source}:{group.line}: exclusive group {group.name!r} names "
                    f"unknown label {name!r}"
                )
        canonical = tuple(dict.fromkeys(names[n].name for n in group.labels))
        groups.append(dataclasses.replace(group, labels=canonical))
    out = dataclasses.replace(ontology, labels=labels, exclusive_groups=groups)
    by_name = out.by_name()
    for label in labels:
        _no_cycle(label, by_name, source)
    return out


def _names(ontology: Ontology, source: str) -> dict[str, LabelSpec]:
    names: dict[str, LabelSpec] = {}
    ids: dict[int, LabelSpec] = {}
    for label in ontology.labels:
        loc = f"{source}:{label.line}"
        for name in (label.name, *label.aliases):
            if name in names:
                raise ConfigError(f"{loc}: label name {name!r} is defined twice")
            names[name] = label
        if label.id in ids:
            raise ConfigError(
                f"{loc}: label id {label.id} is used by {ids[label.id].name!r} too",
                "every label needs its own stable id",
            )
        ids[label.id] = label
    return names


def _no_cycle(label: LabelSpec, names: dict[str, LabelSpec], source: str) -> None:
    seen = {label.name}
    current = label
    while current.parent is not None:
        if current.parent in seen:
            raise ConfigError(
                f"{source}:{label.line}: label hierarchy has a cycle at {label.name!r}"
            )
        seen.add(current.parent)
        current = names[current.parent]
