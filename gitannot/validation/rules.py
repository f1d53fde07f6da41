"""The rules that apply to a tree: project config + compiled ontology, with their ids."""

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gitannot import __version__
from gitannot.errors import ConfigError
from gitannot.formats.options import FormatOptions
from gitannot.project.config import DEFAULT_PROJECT_PATH, ProjectConfig, load_project
from gitannot.schema.compiled import CompiledOntology
from gitannot.schema.loader import load_ontology
from gitannot.schema.model import Ontology
from gitannot.validation.cache import cache_key
from gitannot.validation.sources import Entry, EntryKind, Source


@dataclass
class Rules:
    project: ProjectConfig
    ontology: Ontology | None
    compiled: CompiledOntology | None
    options: FormatOptions
    # Blob ids of the config files the rules came from ("" when absent), by name.
    applied: dict[str, str] = field(default_factory=dict)

    @cached_property
    def rules_id(self) -> str:
        """Changes whenever anything that can change a verdict changes."""
        return cache_key(
            __version__, self.applied.get("project", ""), self.applied.get("schema", "")
        )


class RulesError(ConfigError):
    """The project config or the ontology cannot be read; `rule` says which."""

    def __init__(self, rule: str, error: ConfigError) -> None:
        super().__init__(error.message, error.hint)
        self.rule = rule


# Rules are a pure function of the two config blobs, so they are kept by blob id: a push
# of 5,000 refs to one commit read and parsed the same two files 10,000 times (the drift
# check and the push events take a rules set per tree). Only loaded rules are kept.
_MEMO_SIZE = 32
_projects: dict[tuple[str, str], tuple[ProjectConfig, FormatOptions]] = {}
_rules: dict[tuple[str, ...], Rules] = {}


def load_rules(source: Source) -> Rules:
    """Read configs/project.yaml and the schema it names. Absent files mean defaults
    (no ontology checks); unreadable ones raise RulesError naming `file:line`."""
    project_entry = source.entry(DEFAULT_PROJECT_PATH)
    project, options = _project(source, project_entry)
    schema_entry = source.entry(project.schema_path)
    key = (
        project_entry.kind.value,
        project_entry.blob_id,
        project.schema_path,
        schema_entry.kind.value,
        schema_entry.blob_id,
    )
    known = _rules.get(key)
    if known is not None:
        return known
    applied: dict[str, str] = {}
    if project_entry.kind is not EntryKind.MISSING:
        applied["project"] = project_entry.blob_id
    ontology = None
    if schema_entry.kind is not EntryKind.MISSING:
        try:
            data = _read(source, project.schema_path, schema_entry.kind)
            ontology = load_ontology(data, project.schema_path)
        except ConfigError as exc:
            raise RulesError("schema.invalid", exc) from exc
        applied["schema"] = schema_entry.blob_id
    rules = Rules(
        project=project,
        ontology=ontology,
        compiled=CompiledOntology(ontology) if ontology else None,
        options=options,
        applied=applied,
    )
    _remember(_rules, key, rules)
    return rules


def _project(source: Source, entry: Entry) -> tuple[ProjectConfig, FormatOptions]:
    key = (entry.kind.value, entry.blob_id)
    known = _projects.get(key)
    if known is not None:
        return known
    project = ProjectConfig()
    try:
        if entry.kind is not EntryKind.MISSING:
            data = _read(source, DEFAULT_PROJECT_PATH, entry.kind)
            project = load_project(data, DEFAULT_PROJECT_PATH)
        loaded = (project, format_options(project))
    except ConfigError as exc:
        raise RulesError("project.invalid", exc) from exc
    _remember(_projects, key, loaded)
    return loaded


def _remember(memo: dict[Any, Any], key: object, value: object) -> None:
    if len(memo) >= _MEMO_SIZE:
        memo.clear()
    memo[key] = value


def _read(source: Source, path: str, kind: EntryKind) -> bytes:
    data = source.read(path) if kind is EntryKind.FILE else None
    if data is None:
        raise ConfigError(
            f"{path}: is a {kind.value}, not a regular file", "rules must be plain files"
        )
    return data


def format_options(project: ProjectConfig) -> FormatOptions:
    """FormatOptions from the project's tolerances; an unknown name is a config error."""
    defaults = FormatOptions()
    changes: dict[str, object] = {"max_file_bytes": project.max_file_bytes}
    for name, value in project.tolerances.items():
        current = getattr(defaults, name, None)
        if name.startswith("_") or not isinstance(current, int | float) or name == "max_file_bytes":
            known = [
                f.name
                for f in dataclasses.fields(FormatOptions)
                if isinstance(getattr(defaults, f.name), int | float) and f.name != "max_file_bytes"
            ]
            raise ConfigError(
                f"{project.source}: unknown tolerance {name!r}",
                f"known tolerances: {', '.join(known)}",
            )
        changes[name] = type(current)(value)
    return dataclasses.replace(defaults, **changes)  # type: ignore[arg-type]
