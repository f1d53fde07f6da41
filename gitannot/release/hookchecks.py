"""Pre-receive rows for releases (gitannot/hook/pipeline.py): tag rules and gates,
manifest checks and the split freeze on branch pushes, model-link requests; and the
recorder that writes release records once the push is accepted.
"""

import dataclasses

import pygit2

from gitannot.core.findings import Finding, Severity
from gitannot.core.manifest import Manifest, is_manifest_path
from gitannot.core.refupdate import RefKind, RefUpdate
from gitannot.errors import ConfigError
from gitannot.gitio import repo as gitrepo
from gitannot.push.context import HookResult, PushContext
from gitannot.release import links, store, writer
from gitannot.release.freeze import Frozen, freeze_findings
from gitannot.release.gates import FAIL, GateResult, dangling, run_gates
from gitannot.release.policy import RELEASE_POLICY_PATH, ReleasePolicy, parse_policy
from gitannot.release.tree import labeled_items, load_manifest
from gitannot.release.writer import PendingRelease
from gitannot.validation.rules import load_rules
from gitannot.validation.sources import EntryKind, GitTreeSource

SCRATCH_KEY = "release"
EXAMPLES = 3  # problems quoted per failed gate


def load_policy(ctx: PushContext) -> tuple[ReleasePolicy | None, Finding | None]:
    """The base's release policy; None (no finding) when the project has none."""
    data = ctx.base.read(RELEASE_POLICY_PATH)
    if data is None:
        return None, None
    try:
        policy = parse_policy(data, ctx.base.blob_id(RELEASE_POLICY_PATH) or "")
    except ConfigError as exc:
        return None, Finding(rule="release.policy-invalid", message=exc.message, hint=exc.hint)
    ctx.applied.setdefault("release-policy", policy.blob_id)
    return policy, None


def check_releases(ctx: PushContext) -> list[Finding]:
    policy, error = load_policy(ctx)
    findings: list[Finding] = []
    frozen: Frozen | None = None
    # What the release tags of this very push freeze binds the others and the branches
    # of the push too, whatever their order: each would else be judged only against
    # older records, and one push could release a split and move its items at once.
    pushed = _pushed_freezes(ctx, policy)
    for update in ctx.updates:
        if update.ref.startswith(store.RELEASE_REFS):
            findings.append(_server_only(update))
        elif update.ref.startswith(store.LINK_REFS):
            findings.extend(links.check_request(ctx, update))
        elif update.kind is RefKind.TAG:
            findings.extend(_tag(ctx, update, policy, error, pushed))
        elif update.kind is RefKind.BRANCH and not update.is_delete:
            findings.extend(_pushed_policy(ctx, update))
            if policy is not None:
                frozen = frozen or _with_pushed(store.frozen(ctx.repo), pushed, "")
                findings.extend(_manifests(ctx, update, policy, frozen))
    return findings


def _pushed_freezes(
    ctx: PushContext, policy: ReleasePolicy | None
) -> dict[str, list[dict[str, str]]]:
    """tag -> the frozen-split rows of each release tag this push creates."""
    out: dict[str, list[dict[str, str]]] = {}
    if policy is None:
        return out
    for update in ctx.updates:
        if update.kind is not RefKind.TAG or not update.is_create or update.is_delete:
            continue
        if not policy.is_release_tag(update.ref):
            continue
        commit = gitrepo.peel_to_commit(ctx.repo, update.new)
        if commit is None:
            continue
        manifest = load_manifest(GitTreeSource(ctx.repo, commit.tree), policy.splits)
        out[update.short_name] = [
            {"id": e.id, "sha256": e.sha256, "split": e.split}
            for e in manifest.entries
            if e.split in policy.frozen_splits
        ]
    return out


def _with_pushed(frozen: Frozen, pushed: dict[str, list[dict[str, str]]], skip: str) -> Frozen:
    for tag, rows in sorted(pushed.items()):
        if tag != skip:
            frozen.add(tag, rows)
    return frozen


def _pushed_policy(ctx: PushContext, update: RefUpdate) -> list[Finding]:
    """A release policy that would not load is refused before it can land."""
    touched = any(
        c.path == RELEASE_POLICY_PATH
        for commit in ctx.incoming_commits(update)
        for c in ctx.changes.changes(commit)
    )
    if not touched:
        return []
    data = gitrepo.read_blob(ctx.repo, update.new, RELEASE_POLICY_PATH)
    try:
        parse_policy(data)
    except ConfigError as exc:
        return [
            Finding(
                rule="release.policy-invalid",
                ref=update.ref,
                path=RELEASE_POLICY_PATH,
                message=exc.message,
                hint=exc.hint or "see docs/releases.md",
            )
        ]
    return []


def _server_only(update: RefUpdate) -> Finding:
    return Finding(
        rule="release.server-ref",
        ref=update.ref,
        message=f"{store.RELEASE_REFS}* hold release records the server writes; "
        "clients may never create, move or delete them",
        hint="push an annotated release tag; the server writes its record",
    )


def _tag(
    ctx: PushContext,
    update: RefUpdate,
    policy: ReleasePolicy | None,
    error: Finding | None,
    pushed: dict[str, list[dict[str, str]]],
) -> list[Finding]:
    name = update.short_name
    recorded = ctx.repo.references.get(store.record_ref(name)) is not None
    is_release = recorded or (policy is not None and policy.is_release_tag(update.ref))
    if not update.is_create:
        if not is_release:
            return []
        verb = "deleted" if update.is_delete else "moved"
        return [
            _at(
                update,
                "release.tag-immutable",
                f"release tag {name} may never be {verb}",
                "make a new release with a new tag name",
            )
        ]
    if recorded:  # only a retry of the very push that wrote the record may create it
        old = store.read(ctx.repo, name) or {}
        if links.recorded_tag_object(old) != update.new:
            return [
                _at(
                    update,
                    "release.record-exists",
                    f"a release record for {name} exists for another tag object",
                    "release tags are never re-made; use a new tag name",
                )
            ]
    if error is not None and policy is None:
        return [dataclasses.replace(error, ref=update.ref)]
    if not is_release or policy is None:
        return []
    target = ctx.repo.get(update.new)
    if not isinstance(target, pygit2.Tag):
        return [
            _at(
                update,
                "release.tag-not-annotated",
                f"release tag {name} is a lightweight tag",
                f"create it annotated: git tag -a {name} -m 'release {name}'",
            )
        ]
    commit = gitrepo.peel_to_commit(ctx.repo, update.new)
    if commit is None:
        return []  # refs.non-commit-target reports it
    rewrite = not recorded
    source = GitTreeSource(ctx.repo, commit.tree)
    # A retried release is not judged against its own freeze, only against earlier ones.
    frozen = _with_pushed(store.frozen(ctx.repo, exclude=name), pushed, name)
    run = run_gates(source, policy, frozen)
    failed = [g for g in run.gates if g.status == FAIL]
    if failed:
        return [_gate_finding(update, str(commit.id), g) for g in failed]
    pending = ctx.scratch.setdefault(SCRATCH_KEY, [])
    pending.append(PendingRelease(update, update.new, str(commit.id), run, policy, source, rewrite))
    ctx.notes.append(f"release {name}: every gate passed at {str(commit.id)[:12]}")
    return []


def _gate_finding(update: RefUpdate, commit: str, gate: GateResult) -> Finding:
    examples = "; ".join(
        f"{f.location() or f.path} [{f.rule}] {f.message}".strip() for f in gate.findings[:EXAMPLES]
    )
    more = len(gate.findings) - EXAMPLES
    tail = f" (+{more} more)" if more > 0 else ""
    return Finding(
        rule=f"release.gate.{gate.name}",
        ref=update.ref,
        commit=commit,
        message=f"release gate {gate.name} failed: {gate.detail}: {examples}{tail}",
        hint="run `gitannot release check REV` for the full list",
    )


def _manifests(
    ctx: PushContext, update: RefUpdate, policy: ReleasePolicy, frozen: Frozen
) -> list[Finding]:
    """Manifests a push changes are checked at the tip (rows, hashes, splits, the
    freeze); label files it changes must name items the manifests list (a warning)."""
    changed = {
        c.path for commit in ctx.incoming_commits(update) for c in ctx.changes.changes(commit)
    }
    tip = gitrepo.peel_to_commit(ctx.repo, update.new)
    if not changed or tip is None:
        return []
    source = GitTreeSource(ctx.repo, tip.tree)
    manifest = load_manifest(source, policy.splits)
    found: list[Finding] = []
    if any(is_manifest_path(p) for p in changed):
        found += manifest.findings + freeze_findings(manifest.entries, frozen, policy)
    if manifest.entries:
        found += _dangling(source, manifest, changed)
    return [dataclasses.replace(f, ref=update.ref, commit=str(tip.id)) for f in found]


def _dangling(source: GitTreeSource, manifest: Manifest, changed: set[str]) -> list[Finding]:
    try:
        rules = load_rules(source)
    except ConfigError:
        return []  # the content check reports unreadable rules
    labels = {p for p in changed if rules.project.format_for(p) is not None}
    present = {p for p in labels if source.entry(p).kind is EntryKind.FILE}
    if not present:
        return []
    return dangling(manifest, labeled_items(rules, source, present), Severity.WARNING)


def _at(update: RefUpdate, rule: str, message: str, hint: str) -> Finding:
    return Finding(rule=rule, ref=update.ref, message=message, hint=hint)


def record_releases(ctx: PushContext, result: HookResult) -> None:
    """PUSH_RECORDERS row: write each accepted release's record and its audit entry.
    Raising rejects the push (a release without its record is never accepted)."""
    if not result.accepted:
        return
    for pending in ctx.scratch.get(SCRATCH_KEY, []):
        writer.write_release(ctx, pending)
    for request in ctx.scratch.get(links.SCRATCH_KEY, []):
        links.record_link(ctx, request)
