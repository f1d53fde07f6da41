"""The scaffold templates `gitannot init` copies must load and mean what they say."""

from pathlib import Path

from gitannot.core.annotation import Annotation, GeometryKind, ParsedFile
from gitannot.project.config import load_project
from gitannot.schema.compiled import CompiledOntology
from gitannot.schema.loader import load_ontology

TEMPLATES = Path(__file__).resolve().parents[2] / "gitannot" / "scaffold" / "templates"


def test_template_ontology_loads_and_checks() -> None:
    onto = load_ontology((TEMPLATES / "schema/labels.yaml").read_bytes())
    assert {"person", "car", "bicycle", "dog"} <= set(onto.by_name())
    compiled = CompiledOntology(onto)
    parsed = ParsedFile(path="p.json", format="gitannot")
    parsed.annotations = [
        Annotation("1", "i", "bike", GeometryKind.BBOX, attributes={"occluded": True}),
        Annotation("2", "i", "car", GeometryKind.BBOX, attributes={"truncated": False}),
        Annotation("3", "i", "vehicle", GeometryKind.BBOX),
        Annotation("4", "i", "dog", GeometryKind.MASK),
        Annotation("5", "i", "day", GeometryKind.NONE),
        Annotation("6", "i", "night", GeometryKind.NONE),
    ]
    rules = [f.rule for f in compiled.check(parsed)]
    assert sorted(rules) == [
        "schema.abstract-label",
        "schema.exclusive-group",
        "schema.geometry-not-allowed",
    ]


def test_template_project_config_loads() -> None:
    project = load_project((TEMPLATES / "configs/project.yaml").read_bytes())
    assert project.format_for("labels/README.md") is None
    assert project.format_for("labels/coco/train.json") == "coco"
    assert project.format_for("labels/new/dropped.json") == "detect"
    assert project.format_for("labels/other.bin") == "detect"
