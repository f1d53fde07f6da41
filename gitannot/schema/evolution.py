"""Rules for changing the ontology: version bump, changelog, no silent loss of labels."""

from collections.abc import Callable
from dataclasses import dataclass

from gitannot.core.findings import Finding
from gitannot.schema.model import Ontology, version_key


@dataclass(frozen=True)
class LabelChange:
    """A name of the old ontology (a label's name or one of its aliases) that no longer
    names the same label: annotations using it would be relabelled or left unknown."""

    old_name: str
    new_name: str | None  # what `old_name`'s label is called now; None: removed
    old_label: str = ""  # the label `old_name` named (itself, or the label of the alias)
    moved_to: str | None = None  # `old_name` now names this other label
    ids: tuple[int, int] = (0, 0)  # (old id, new id) of a moved name

    @property
    def alias(self) -> bool:
        return self.old_name != self.old_label


def label_changes(old: Ontology, new: Ontology) -> list[LabelChange]:
    """Names of `old` (names and aliases: aliases are names too) that do not resolve to
    the same label in `new`.

    A label is the same label when its id is the same: a new name with the old id is a
    rename; an id that is gone is a removal. Keeping the old name as an alias is fine; a
    name that now resolves to another id is moved (every annotation using it changes
    meaning without a byte of it changing).
    """
    new_names = new.by_any_name()
    new_by_id = new.by_id()
    changes = []
    for name, label in old.by_any_name().items():
        now = new_names.get(name)
        if now is not None and now.id == label.id:
            continue
        successor = new_by_id.get(label.id)
        changes.append(
            LabelChange(
                old_name=name,
                new_name=successor.name if successor else None,
                old_label=label.name,
                moved_to=now.name if now is not None else None,
                ids=(label.id, now.id if now is not None else label.id),
            )
        )
    return changes


def check_evolution(
    old: Ontology, new: Ontology, labels_in_use: Callable[[], dict[str, str]]
) -> list[Finding]:
    """Findings for an ontology change. `labels_in_use` maps each label name used in the
    tip tree to one file using it; it is only computed when a label disappears."""
    if old.signature() == new.signature() and old.version == new.version:
        return []  # formatting, comments or changelog wording only
    findings = _version_findings(old, new)
    findings.extend(_id_findings(old, new))
    changes = label_changes(old, new)
    if changes:
        used = labels_in_use()
        for change in changes:
            if change.old_name in used:
                findings.append(_in_use(change, used[change.old_name], new.source))
    return findings


def _version_findings(old: Ontology, new: Ontology) -> list[Finding]:
    old_key, new_key = version_key(old.version), version_key(new.version)
    out = []
    if old_key is not None and new_key is not None and new_key <= old_key:
        out.append(
            Finding(
                rule="schema.version-not-bumped",
                path=new.source,
                message=f"the ontology changed but its version stayed at {new.version} "
                f"(was {old.version})",
                hint=f"raise `version` above {old.version} and add a changelog entry for it",
            )
        )
    if not any(entry.version == new.version for entry in new.changelog):
        out.append(
            Finding(
                rule="schema.changelog-missing",
                path=new.source,
                message=f"no changelog entry for version {new.version}",
                hint=f"add `- {{version: {new.version}, changes: [what changed and why]}}` "
                "under `changelog:`",
            )
        )
    return out


def _id_findings(old: Ontology, new: Ontology) -> list[Finding]:
    """A label id must keep meaning the same label: reusing a removed label's id for a
    different label would silently relabel data keyed by id."""
    old_by_id = old.by_id()
    new_names = new.by_any_name()  # "still exists" counts aliases: they are names too
    out = []
    for label in new.labels:
        before = old_by_id.get(label.id)
        if before is None or before.name == label.name:
            continue
        still = new_names.get(before.name)
        if still is not None and still.id != label.id:
            out.append(
                Finding(
                    rule="schema.label-id-reused",
                    path=new.source,
                    item=f"line {label.line}",
                    message=f"id {label.id} was {before.name!r} and now names {label.name!r} "
                    f"while {before.name!r} still exists",
                    hint="ids are stable: give the new label a new id",
                )
            )
    return out


def _in_use(change: LabelChange, example: str, source: str) -> Finding:
    if change.moved_to is not None:
        rule = "schema.label-renamed-in-use"
        old_id, new_id = change.ids
        what = (
            f"name {change.old_name!r} moves from {change.new_name or change.old_label!r} "
            f"(id {old_id}) to {change.moved_to!r} (id {new_id}), relabelling its annotations,"
        )
        hint = (
            f"rewrite {change.old_name!r} in the label files in the same push, or keep it "
            f"naming id {old_id}"
        )
    elif change.new_name is None:
        rule, what = "schema.label-removed-in-use", f"label {change.old_label!r} is removed"
        if change.alias:
            what = f"alias {change.old_name!r} of the removed label {change.old_label!r} goes"
        hint = "migrate or delete those annotations in the same push, or keep the label"
    elif change.alias:
        rule = "schema.label-removed-in-use"
        what = f"alias {change.old_name!r} of {change.new_name!r} is removed"
        hint = (
            f"rewrite {change.old_name!r} to {change.new_name!r} in the label files in the "
            f"same push, or keep {change.old_name!r} in `aliases`"
        )
    else:
        rule = "schema.label-renamed-in-use"
        what = f"label {change.old_name!r} is renamed to {change.new_name!r}"
        hint = (
            f"rewrite {change.old_name!r} to {change.new_name!r} in the label files in the "
            f"same push, or keep {change.old_name!r} as an alias"
        )
    return Finding(
        rule=rule,
        path=source,
        message=f"{what} but annotations still use it (e.g. {example})",
        hint=hint,
    )
