"""What every tool export shares: the labels annotators can use, their effective
geometry and attributes, and deterministic colours and hotkeys."""

from dataclasses import dataclass

from gitannot.core.annotation import GeometryKind
from gitannot.schema.compiled import CompiledOntology
from gitannot.schema.model import AttributeSpec, LabelSpec, Ontology

# Colours for labels without `color`, by position among the exported labels: a fixed
# list (Kelly's / Sasha Trubetskoy's distinct colours) so the export never depends on
# hashing or randomness.
PALETTE = (
    "#e6194b", "#3cb44b", "#ffe119", "#4363d8", "#f58231", "#911eb4", "#46f0f0",
    "#f032e6", "#bcf60c", "#fabebe", "#008080", "#e6beff", "#9a6324", "#fffac8",
    "#800000", "#aaffc3", "#808000", "#ffd8b1", "#000075", "#808080",
)  # fmt: skip
# Hotkeys in label order; labels past the last one get none.
HOTKEYS = tuple("1234567890") + tuple("qwertyuiop")


@dataclass(frozen=True)
class ToolLabel:
    """One label as a tool sees it: a concrete (non-abstract) label with everything it
    inherits resolved."""

    spec: LabelSpec
    geometry: frozenset[GeometryKind] | None  # None: any kind
    attributes: tuple[AttributeSpec, ...]  # the label's own and its ancestors' (not global)
    color: str
    hotkey: str | None

    @property
    def name(self) -> str:
        return self.spec.name


def tool_labels(onto: Ontology) -> list[ToolLabel]:
    """Concrete labels in id order (the order every export uses)."""
    compiled = CompiledOntology(onto)
    global_names = {a.name for a in onto.attributes}
    out = []
    concrete = sorted((lab for lab in onto.labels if not lab.abstract), key=lambda lab: lab.id)
    for index, spec in enumerate(concrete):
        label = compiled.labels[spec.name]
        own = tuple(a for name, a in label.attributes.items() if name not in global_names)
        # A label's own attribute of a global name overrides it: keep the label's.
        own += tuple(
            a
            for name, a in label.attributes.items()
            if name in global_names and a is not _global(onto, name)
        )
        out.append(
            ToolLabel(
                spec=spec,
                geometry=label.geometry,
                attributes=own,
                color=spec.color or PALETTE[index % len(PALETTE)],
                hotkey=HOTKEYS[index] if index < len(HOTKEYS) else None,
            )
        )
    return out


def _global(onto: Ontology, name: str) -> AttributeSpec | None:
    return next((a for a in onto.attributes if a.name == name), None)


def fmt_number(value: float) -> str:
    """3.0 -> "3", 0.5 -> "0.5": numbers as a person writes them."""
    return f"{value:g}"
