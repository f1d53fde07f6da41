"""Tool configs kept under configs/tools/ (what `schema export --write` writes) must stay
what the ontology exports to: a Label Studio config or CVAT labels file that drifted
from the ontology lets annotators create labels the push then refuses, or hides new
ones from them."""

import difflib

from gitannot.core.findings import Finding
from gitannot.schema.export import TARGET_BY_PATH, Target
from gitannot.schema.model import Ontology
from gitannot.validation.rules import RulesError, load_rules
from gitannot.validation.sources import EntryKind, Source

MAX_DIFF_LINES = 8


def tool_config_findings(base: Source | None, tip: Source) -> list[Finding]:
    """Checked when the push changes a tool config or the ontology (an unrelated push
    is not blocked by drift it did not cause)."""
    try:
        rules = load_rules(tip)
    except RulesError:
        return []  # the content check reports unreadable rules
    onto = rules.ontology
    if onto is None:
        return []
    schema_changed = _changed(base, tip, rules.project.schema_path)
    findings = []
    for path, target in sorted(TARGET_BY_PATH.items()):
        entry = tip.entry(path)
        if entry.kind is not EntryKind.FILE:
            continue
        if not schema_changed and not _changed(base, tip, path):
            continue
        finding = _drift(target, tip.read(path) or b"", onto)
        if finding is not None:
            findings.append(finding)
    return findings


def _changed(base: Source | None, tip: Source, path: str) -> bool:
    if base is None:
        return True
    return base.entry(path).blob_id != tip.entry(path).blob_id


def _drift(target: Target, data: bytes, onto: Ontology) -> Finding | None:
    expected = target.write(onto)
    actual = data.decode("utf-8", "replace")
    if actual == expected:
        return None
    diff = [
        line.rstrip("\n")
        for line in difflib.unified_diff(
            actual.splitlines(keepends=True),
            expected.splitlines(keepends=True),
            "in the file",
            "from the ontology",
            n=0,
        )
        if not line.startswith(("---", "+++"))
    ]
    shown = diff[:MAX_DIFF_LINES]
    more = f" (+{len(diff) - len(shown)} more diff lines)" if len(diff) > len(shown) else ""
    return Finding(
        rule="schema.tool-config-drift",
        path=target.path,
        message=f"differs from `gitannot schema export --to {target.name}` of "
        f"{onto.source} (version {onto.version}): " + " | ".join(shown) + more,
        hint=f"run `gitannot schema export --to {target.name} --write` and commit the file",
    )
