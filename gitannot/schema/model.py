"""The ontology as values: labels, attributes, exclusive groups, version, changelog."""

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from gitannot.core.annotation import GeometryKind

DEFAULT_SCHEMA_PATH = "schema/labels.yaml"


class AttrType(Enum):
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    STR = "str"
    ENUM = "enum"


@dataclass(frozen=True)
class AttributeSpec:
    name: str
    type: AttrType
    values: tuple[str, ...] = ()  # allowed values (enum; optional for str)
    min: float | None = None
    max: float | None = None
    required: bool = False
    line: int = 0

    def signature(self) -> tuple[Any, ...]:
        """Everything that matters for validation (not the source line)."""
        return (self.name, self.type, self.values, self.min, self.max, self.required)


@dataclass(frozen=True)
class LabelSpec:
    id: int  # stable: a rename keeps the id, a new label gets a new one
    name: str
    parent: str | None = None
    abstract: bool = False  # a grouping node; annotations must use a child
    geometry: frozenset[GeometryKind] | None = None  # None: any kind (or the parent's)
    attributes: tuple[AttributeSpec, ...] = ()
    aliases: tuple[str, ...] = ()
    description: str = ""
    line: int = 0
    color: str = ""  # "#rrggbb" for annotation tools (schema export); not a validation rule

    def signature(self) -> tuple[Any, ...]:
        geometry = tuple(sorted(g.value for g in self.geometry)) if self.geometry else None
        return (
            self.id,
            self.name,
            self.parent,
            self.abstract,
            geometry,
            tuple(a.signature() for a in self.attributes),
            self.aliases,
        )


@dataclass(frozen=True)
class ExclusiveGroup:
    """At most one annotation per item may carry a label of this group."""

    name: str
    labels: tuple[str, ...]
    line: int = 0


@dataclass(frozen=True)
class ChangelogEntry:
    version: str
    changes: tuple[str, ...]
    date: str = ""
    line: int = 0


@dataclass
class Ontology:
    version: str
    labels: list[LabelSpec]
    source: str = DEFAULT_SCHEMA_PATH
    name: str = ""
    attributes: tuple[AttributeSpec, ...] = ()  # apply to every label
    exclusive_groups: list[ExclusiveGroup] = field(default_factory=list)
    changelog: list[ChangelogEntry] = field(default_factory=list)

    def by_name(self) -> dict[str, LabelSpec]:
        return {label.name: label for label in self.labels}

    def by_any_name(self) -> dict[str, LabelSpec]:
        """Every name a label answers to: its name and its aliases."""
        return {n: label for label in self.labels for n in (label.name, *label.aliases)}

    def by_id(self) -> dict[int, LabelSpec]:
        return {label.id: label for label in self.labels}

    def signature(self) -> tuple[Any, ...]:
        """The rules part: two ontologies with equal signatures validate identically."""
        return (
            tuple(sorted(label.signature() for label in self.labels)),
            tuple(a.signature() for a in self.attributes),
            tuple(sorted((g.name, g.labels) for g in self.exclusive_groups)),
        )


def version_key(version: str) -> tuple[int, ...] | None:
    """ "3" -> (3,), "1.2.0" -> (1, 2, 0); None when not dotted integers."""
    parts = version.strip().lstrip("v").split(".")
    if not parts or not all(p.isdigit() for p in parts):
        return None
    key = [int(p) for p in parts]
    while len(key) > 1 and key[-1] == 0:  # 1.2 == 1.2.0
        key.pop()
    return tuple(key)
