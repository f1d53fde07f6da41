"""The ontology compiled once into per-label lookup tables, then checked per annotation."""

import math
from dataclasses import dataclass
from typing import Any

from gitannot.core.annotation import Annotation, GeometryKind, ParsedFile
from gitannot.core.findings import Finding, Severity
from gitannot.formats.report import CappedFindings
from gitannot.schema.model import AttributeSpec, AttrType, LabelSpec, Ontology

_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


@dataclass(frozen=True)
class CompiledLabel:
    spec: LabelSpec
    abstract: bool
    geometry: frozenset[GeometryKind] | None  # own or inherited; None: any
    attributes: dict[str, AttributeSpec]  # global + inherited + own
    required: tuple[str, ...]
    groups: tuple[str, ...]


class CompiledOntology:
    def __init__(self, ontology: Ontology) -> None:
        self.ontology = ontology
        names = ontology.by_name()
        self.labels: dict[str, CompiledLabel] = {}
        for label in ontology.labels:
            compiled = _compile_label(label, names, ontology)
            self.labels[label.name] = compiled
            for alias in label.aliases:
                self.labels[alias] = compiled

    def check(self, parsed: ParsedFile, max_per_rule: int = 50) -> list[Finding]:
        """Findings for every annotation; past `max_per_rule` of one rule only a count is
        kept (a file of a million bad rows must not become a million findings)."""
        findings = CappedFindings(parsed.path, max_per_rule)
        # (group, item, scope) -> the annotations and the canonical label of each; the
        # scope is one annotation set (one Label Studio annotator): others may disagree.
        group_hits: dict[tuple[str, str, str], list[tuple[Annotation, str]]] = {}
        unresolved = 0
        for ann in parsed.annotations:
            label = self.labels.get(ann.label)
            if label is None:
                if not ann.label:  # the format could not name it (reported there)
                    unresolved += 1
                    continue
                findings.append(_unknown_label(parsed.path, ann, self.ontology.source))
                continue
            if label.abstract:
                findings.append(
                    _finding(
                        parsed.path,
                        ann,
                        "schema.abstract-label",
                        f"label {ann.label!r} is a grouping node, not a label to annotate with",
                        "use one of its child labels",
                    )
                )
            if label.geometry is not None and ann.geometry not in label.geometry:
                allowed = ", ".join(sorted(g.value for g in label.geometry))
                findings.append(
                    _finding(
                        parsed.path,
                        ann,
                        "schema.geometry-not-allowed",
                        f"label {ann.label!r} does not allow {ann.geometry.value}"
                        f" (allowed: {allowed})",
                        f"annotate {ann.label!r} as {allowed}",
                    )
                )
            if ann.attributes or label.required:
                findings.extend(_check_attributes(parsed.path, ann, label))
            for group in label.groups:
                group_hits.setdefault((group, ann.item, ann.scope), []).append(
                    (ann, label.spec.name)
                )
        findings.extend(_group_findings(parsed.path, group_hits))
        if unresolved:
            findings.append(_unresolved(parsed, unresolved))
        findings.extend(self._declared(parsed))
        return findings.finish()

    def _declared(self, parsed: ParsedFile) -> list[Finding]:
        """Labels a file declares (COCO categories, YOLO names) that the ontology lacks and
        no annotation uses (a used one is already an unknown-label error)."""
        used = {a.label for a in parsed.annotations}
        return [
            Finding(
                rule="schema.undeclared-label",
                severity=Severity.INFO,
                path=parsed.path,
                message=f"the file declares label {name!r}, which the ontology does not have",
                hint="unused here, so harmless; `gitannot schema import` can add it",
            )
            for name in dict.fromkeys(parsed.declared_labels)
            if name not in self.labels and name not in used
        ]


def _compile_label(label: LabelSpec, names: dict[str, LabelSpec], onto: Ontology) -> CompiledLabel:
    chain = [label]
    while chain[-1].parent is not None:
        chain.append(names[chain[-1].parent])
    attributes = {a.name: a for a in onto.attributes}
    geometry = None
    for node in reversed(chain):  # root first, so children override
        attributes.update({a.name: a for a in node.attributes})
        if node.geometry is not None:
            geometry = node.geometry
    ancestry = {node.name for node in chain}
    groups = tuple(g.name for g in onto.exclusive_groups if ancestry & set(g.labels))
    return CompiledLabel(
        spec=label,
        abstract=label.abstract,
        geometry=geometry,
        attributes=attributes,
        required=tuple(a.name for a in attributes.values() if a.required),
        groups=groups,
    )


def _check_attributes(path: str, ann: Annotation, label: CompiledLabel) -> list[Finding]:
    out = []
    for name in label.required:
        if ann.attributes.get(name) is None:
            out.append(
                _finding(
                    path,
                    ann,
                    "schema.missing-attribute",
                    f"required attribute {name!r} of label {ann.label!r} is missing",
                    f"set {name!r} on every {ann.label!r} annotation",
                )
            )
    for name, value in ann.attributes.items():
        spec = label.attributes.get(name)
        if spec is None:
            out.append(
                _finding(
                    path,
                    ann,
                    "schema.unknown-attribute",
                    f"attribute {name!r} is not defined for label {ann.label!r}",
                    "define it in the ontology or drop it",
                    Severity.WARNING,
                )
            )
            continue
        if value is None:
            continue
        problem = attribute_problem(spec, value)
        if problem is not None:
            rule, message = problem
            out.append(
                _finding(path, ann, rule, f"attribute {name!r}: {message}", _attr_hint(spec))
            )
    return out


def attribute_problem(spec: AttributeSpec, value: Any) -> tuple[str, str] | None:
    """(rule, message) when `value` breaks `spec`. String forms ("true", "3") are accepted
    because XML formats (CVAT, VOC) carry every attribute as text."""
    if spec.type is AttrType.BOOL:
        if isinstance(value, bool) or value in (0, 1):
            return None
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return None
        return "schema.attribute-type", f"{value!r} is not a boolean"
    if spec.type in (AttrType.INT, AttrType.FLOAT):
        number = _as_number(value, integer=spec.type is AttrType.INT)
        if number is None:
            return (
                "schema.attribute-type",
                f"{value!r} is not {'an integer' if spec.type is AttrType.INT else 'a number'}",
            )
        if (spec.min is not None and number < spec.min) or (
            spec.max is not None and number > spec.max
        ):
            return (
                "schema.attribute-range",
                f"{value!r} is outside [{_fmt(spec.min)}, {_fmt(spec.max)}]",
            )
        return None
    if spec.type is AttrType.STR and not isinstance(value, str):
        return "schema.attribute-type", f"{value!r} is not text"
    if spec.values and str(value) not in spec.values:
        return "schema.attribute-value", f"{value!r} is not one of {', '.join(spec.values)}"
    return None


def _as_number(value: Any, *, integer: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip()) if not integer else int(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    if integer and isinstance(value, float) and not value.is_integer():
        return None
    return float(value)


def _fmt(value: float | None) -> str:
    if value is None:
        return "…"
    return str(int(value)) if value.is_integer() else str(value)


def _attr_hint(spec: AttributeSpec) -> str:
    if spec.values:
        return f"allowed values: {', '.join(spec.values)}"
    if spec.min is not None or spec.max is not None:
        return f"{spec.type.value} in [{_fmt(spec.min)}, {_fmt(spec.max)}]"
    return f"expected type: {spec.type.value}"


def _unresolved(parsed: ParsedFile, count: int) -> Finding:
    return Finding(
        rule="schema.labels-unresolved",
        severity=Severity.WARNING,
        path=parsed.path,
        message=f"{count} annotation(s) have no label name (e.g. a results file without "
        "categories, YOLO rows without a names file, an empty CVAT label); the ontology "
        "could not be checked for them",
        hint="keep class names next to the labels (data.yaml / categories) so every "
        "annotation can be checked",
    )


def _unknown_label(path: str, ann: Annotation, source: str) -> Finding:
    return _finding(
        path,
        ann,
        "schema.unknown-label",
        f"label {ann.label!r} is not in the ontology ({source})",
        f"use a label from {source}, or add it there (with a version bump and changelog entry)",
    )


def _group_findings(
    path: str, hits: dict[tuple[str, str, str], list[tuple[Annotation, str]]]
) -> list[Finding]:
    """Two different labels (by canonical name: an alias is the same label) of one group
    on one item, within one annotation set. The message shows the names as the file
    writes them."""
    out = []
    for (group, item, _scope), hit in hits.items():
        anns = [ann for ann, _ in hit]
        labels = sorted({ann.label for ann in anns})
        if len({canonical for _, canonical in hit}) > 1:
            out.append(
                Finding(
                    rule="schema.exclusive-group",
                    path=path,
                    item=anns[1].id,
                    message=f"item {item!r} carries {', '.join(labels)} from exclusive group "
                    f"{group!r}; at most one is allowed",
                    hint="keep only one label of the group on this item",
                )
            )
    return out


def _finding(
    path: str,
    ann: Annotation,
    rule: str,
    message: str,
    hint: str,
    severity: Severity = Severity.ERROR,
) -> Finding:
    where = ann.id + (f" (line {ann.line})" if ann.line else "")
    return Finding(rule=rule, path=path, item=where, message=message, hint=hint, severity=severity)
