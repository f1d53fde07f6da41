"""Schema migrations: `schema/migrations/NNNN.yaml`, the relabelling that goes with an
ontology change that would otherwise orphan annotations.

    version: 2                  # the ontology version this migration leads to
    steps:
      - rename: {from: bike, to: bicycle}
      - merge: {from: [car, truck], to: vehicle}
      - delete: dog
      - split: {from: vehicle, by: kind, into: {sedan: car, pickup: truck}, default: car}

Steps apply in order to each annotation's label name; a deleted label's annotations
are removed. Pure: text in, a Migration out; applying it to files is migrate_files.
"""

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from gitannot.errors import ConfigError
from gitannot.schema.yamlsrc import LineDict, load_yaml, where

MIGRATIONS_DIR = "schema/migrations"
_NAME = re.compile(r"[0-9]{4}[A-Za-z0-9_.-]*\.ya?ml")
_HINT = "see docs/schema.md (migrations)"


@dataclass(frozen=True)
class Step:
    kind: str  # rename | merge | delete | split
    sources: tuple[str, ...]  # the label names the step takes away
    target: str | None = None  # rename/merge: the new name; delete/split: None
    by: str = ""  # split: the attribute deciding the new label
    into: tuple[tuple[str, str], ...] = ()  # split: attribute value -> label
    default: str | None = None  # split: label for other values (None: error)

    def targets(self) -> tuple[str, ...]:
        out = [self.target] if self.target else []
        out.extend(label for _, label in self.into)
        if self.default:
            out.append(self.default)
        return tuple(dict.fromkeys(out))


class SplitUndecided(ValueError):
    """A split step met an annotation whose attribute value it has no label for."""


@dataclass(frozen=True)
class Migration:
    source: str
    version: str
    steps: tuple[Step, ...]

    @property
    def number(self) -> str:
        return posixpath.basename(self.source)[:4]

    def sources(self) -> set[str]:
        return {name for step in self.steps for name in step.sources}

    def needs_attributes(self, name: str) -> bool:
        """True when `name`'s new label depends on an attribute (a split)."""
        return any(step.kind == "split" and name in step.sources for step in self.steps)

    def relabel(self, name: str, attributes: dict[str, Any] | None = None) -> str | None:
        """The label an annotation named `name` gets; None: the annotation is deleted.
        Raises SplitUndecided when a split has no label for the attribute's value."""
        current: str | None = name
        for step in self.steps:
            if current is None or current not in step.sources:
                continue
            if step.kind == "delete":
                current = None
            elif step.kind == "split":
                current = _split(step, current, attributes)
            else:
                current = step.target
        return current


def _split(step: Step, name: str, attributes: dict[str, Any] | None) -> str:
    value = (attributes or {}).get(step.by)
    text = _as_text(value)
    for key, label in step.into:
        if text is not None and key == text:
            return label
    if step.default is not None:
        return step.default
    raise SplitUndecided(
        f"split of {name!r} by {step.by!r}: no label for value {value!r}"
        + ("" if attributes is not None else " (this format carries no attributes)")
    )


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def is_migration_path(path: str) -> bool:
    folder, name = posixpath.split(path)
    return folder == MIGRATIONS_DIR and _NAME.fullmatch(name) is not None


def load_migration(data: bytes, source: str) -> Migration:
    doc = load_yaml(data, source)
    if not isinstance(doc, LineDict):
        raise ConfigError(f"{source}:1: a migration is a mapping with `version` and `steps`", _HINT)
    unknown = set(doc) - {"version", "steps", "description"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{where(source, doc, key)}: unknown key {key!r}", _HINT)
    if "version" not in doc:
        raise ConfigError(f"{source}:1: missing `version` (the ontology version it leads to)")
    raw_steps = doc.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ConfigError(f"{where(source, doc, 'steps')}: `steps` must be a non-empty list", _HINT)
    steps = tuple(_step(item, source, doc) for item in raw_steps)
    return Migration(source=source, version=str(doc["version"]), steps=steps)


def _step(item: Any, source: str, doc: LineDict) -> Step:
    loc = where(source, doc, "steps")
    if not isinstance(item, LineDict) or len(item) != 1:
        raise ConfigError(f"{loc}: each step is one of rename, merge, delete, split", _HINT)
    kind, body = next(iter(item.items()))
    loc = where(source, item, kind)
    if kind == "delete":
        return Step("delete", _names(body, loc, "delete"))
    if kind not in ("rename", "merge", "split") or not isinstance(body, LineDict):
        raise ConfigError(f"{loc}: unknown step {kind!r}", "use rename, merge, delete or split")
    if kind == "split":
        return _split_step(body, loc)
    sources = _names(body.get("from"), loc, f"{kind}.from")
    target = _name(body.get("to"), loc, f"{kind}.to")
    if kind == "rename" and len(sources) != 1:
        raise ConfigError(f"{loc}: rename takes one `from` name", "use merge for several")
    return Step(kind, sources, target)


def _split_step(body: LineDict, loc: str) -> Step:
    into = body.get("into")
    if not isinstance(into, LineDict) or not into:
        raise ConfigError(f"{loc}: split needs `into: {{value: label, ...}}`", _HINT)
    default = body.get("default")
    return Step(
        "split",
        _names(body.get("from"), loc, "split.from"),
        by=_name(body.get("by"), loc, "split.by"),
        into=tuple((str(k), _name(v, loc, "split.into")) for k, v in into.items()),
        default=None if default is None else _name(default, loc, "split.default"),
    )


def _names(value: Any, loc: str, what: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values:
        raise ConfigError(f"{loc}: `{what}` must be a label name or a list of names", _HINT)
    return tuple(_name(v, loc, what) for v in values)


def _name(value: Any, loc: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{loc}: `{what}` must be a label name, not {value!r}", _HINT)
    return value
