"""The post-receive step: turn the push that just landed into events, written to the
outbox in one locked, fsynced append before anything is delivered.

Settings come from configs/automation.yaml on the trusted base: the default branch as it
was before this push (post-receive runs after the refs moved, so a push that edits the
file is governed by the version it replaces).
"""

from collections.abc import Callable
from typing import Any

import pygit2

from gitannot.audit.record import find_push_entry
from gitannot.constants import ZERO_OID
from gitannot.core.refupdate import RefUpdate
from gitannot.errors import ConfigError
from gitannot.events import autotag, outbox, retrain
from gitannot.events import types as T
from gitannot.events.annotations import TreeReader, diff_trees
from gitannot.events.config import AUTOMATION_PATH, Automation, load_automation
from gitannot.gitio import repo as gitrepo
from gitannot.project.config import DEFAULT_PROJECT_PATH
from gitannot.project.globs import match
from gitannot.push.context import PushContext

MAX_COMMITS = 100  # listed per push event; the total is always given
Item = tuple[str, str, dict[str, Any]]
# Events other layers make of the same push (task moves, review verdicts): given the push,
# the trusted base commit and the settings; appended after the push's own events.
MoreEvents = Callable[[PushContext, str | None, Automation], list[Item]]


def trusted_commit(ctx: PushContext) -> str | None:
    """The default branch before this push."""
    for update in ctx.updates:
        if update.ref == ctx.base.ref:
            return None if update.old == ZERO_OID else update.old
    return ctx.base.commit


def events_step(
    ctx: PushContext,
    more: MoreEvents | None = None,
    tag_guard: Callable[[str | None], autotag.Guard] | None = None,
) -> list[str]:
    """POST_RECEIVE_STEPS entry. Never raises for a bad config: the push has landed.
    `more` adds events of layers above this one; `tag_guard(base)` vetoes tag names."""
    lines: list[str] = []
    base = trusted_commit(ctx)
    try:
        settings = load_automation(gitrepo.read_blob(ctx.repo, base, AUTOMATION_PATH))
    except ConfigError as exc:
        settings = Automation()
        lines.append(f"events: {AUTOMATION_PATH} unreadable, defaults used ({exc.message})")
    warnings = _warnings_by_ref(ctx)
    items: list[Item] = []
    auto_tags: list[tuple[str, str]] = []
    accepted = 0
    for update in ctx.updates:
        try:
            made, brought, tag_for = _update_events(ctx, update, base, settings, warnings)
        except Exception as exc:  # noqa: BLE001 — one unreadable ref must not cost the others their events
            made, brought, tag_for = [_bare_event(ctx, update, exc)], 0, None
        items.extend(made)
        if tag_for is not None:
            auto_tags.append((update.ref.removeprefix("refs/heads/"), tag_for))
        accepted += brought
    if more is not None:
        try:
            items.extend(more(ctx, base, settings))
        except Exception as exc:  # noqa: BLE001 — the push's own events still go out
            lines.append(f"events: task and review events failed: {type(exc).__name__}: {exc}")
    guard = _guard(tag_guard, base) if tag_guard is not None and auto_tags else None
    with outbox.locked(ctx.git_dir) as folder:
        request = retrain.count_annotations(folder, settings.retrain, accepted)
        if request is not None:
            items.append((T.RETRAIN, ctx.base.ref, request))
        written = outbox.append_locked(ctx.git_dir, folder, items)
        # Tags after the push's events are on disk (a failing tag loses no event), and
        # under the lock, so concurrent pushes never pick the same tag name.
        for branch, commit in auto_tags:
            try:
                name = autotag.create(
                    ctx.git_dir, ctx.repo, settings.auto_tag.pattern, branch, commit, guard
                )
            except autotag.TagRefused as exc:
                lines.append(f"automatic tag of {branch} not written: {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 — the push landed; say why there is no tag
                lines.append(f"automatic tag of {branch} failed: {type(exc).__name__}: {exc}")
                continue
            data = {"tag": name, "branch": branch, "commit": commit, "by": autotag.TAGGER}
            tagged = outbox.append_locked(
                ctx.git_dir, folder, [(T.AUTO_TAG, f"refs/tags/{name}", data)]
            )[0]
            written.append(tagged)
            lines.append(f"tagged {name} (automatic, event #{tagged.seq})")
    if written:
        kinds = ", ".join(dict.fromkeys(T.short(e.type) for e in written))
        lines.insert(0, f"events #{written[0].seq}-#{written[-1].seq} queued ({kinds})")
    return lines


def _guard(make: Callable[[str | None], autotag.Guard], base: str | None) -> autotag.Guard:
    """The tag guard; one that cannot be built refuses every name (fail closed) rather
    than cost the push its events."""
    try:
        return make(base)
    except Exception as exc:  # noqa: BLE001 — reported on every refused tag
        reason = f"the release-tag check failed ({type(exc).__name__}: {exc})"
        return lambda _name: reason


def _update_events(
    ctx: PushContext,
    update: RefUpdate,
    base: str | None,
    settings: Automation,
    warnings: dict[str, list[dict[str, Any]]],
) -> tuple[list[Item], int, str | None]:
    """Events for one moved ref, the annotations it brought to a protected branch, and
    the commit to tag automatically (if any)."""
    pusher = ctx.identity.user if ctx.identity else None
    if update.ref.startswith("refs/tags/"):
        if update.is_delete:
            return [], 0, None
        tag = update.ref.removeprefix("refs/tags/")
        commit = gitrepo.peel_to_commit(ctx.repo, update.new)
        tagged: dict[str, Any] = {
            "tag": tag,
            "target": update.new,  # the tag object for an annotated tag
            "commit": str(commit.id) if commit is not None else None,
            "annotated": commit is not None and str(commit.id) != update.new,
            "pusher": pusher,
        }
        return [(T.TAG, update.ref, tagged)], 0, None
    if not update.ref.startswith("refs/heads/") or update.is_delete:
        return [], 0, None
    branch = update.ref.removeprefix("refs/heads/")
    new = gitrepo.peel_to_commit(ctx.repo, update.new)
    if new is None:
        return [], 0, None
    old = gitrepo.peel_to_commit(ctx.repo, update.old) if not update.is_create else None
    start = old or (gitrepo.peel_to_commit(ctx.repo, base) if base else None)
    exclude = [oid for oid in (update.old, base) if oid and oid != ZERO_OID]
    commits = list(gitrepo.new_commits(ctx.repo, update.new, exclude))
    changes = ctx.changes.between(start, new)
    paths = [c.path for c in changes]
    new_reader = TreeReader(ctx.repo, new.tree)
    diff = diff_trees(TreeReader(ctx.repo, start.tree if start else None), new_reader, paths)
    data: dict[str, Any] = {
        "ref": update.ref,
        "branch": branch,
        "before": update.old,
        "after": update.new,
        "pusher": pusher,
        "forced": not update.is_create
        and not gitrepo.is_fast_forward(ctx.repo, update.old, update.new),
        "commits": [_commit(c, settings.commit_url) for c in commits[:MAX_COMMITS]],
        "commits_total": len(commits),
        "files": sorted(paths),
        "annotations": diff.to_dict(),
    }
    items: list[Item] = [(T.PUSH, update.ref, data)]
    protected = settings.is_protected(branch, ctx.base.ref.removeprefix("refs/heads/"))
    merges = [str(c.id) for c in commits if len(c.parents) > 1]
    tag_for: str | None = None
    if protected and merges:
        summary = {k: data[k] for k in ("ref", "branch", "before", "after", "pusher")}
        items.append(
            (T.MERGE, update.ref, {**summary, "merges": merges, "annotations": diff.totals()})
        )
        if settings.auto_tag.enabled and _auto_branch(settings, branch, protected):
            tag_for = update.new
    schema_files = _schema_files(new_reader, paths)
    if schema_files:
        items.append(
            (
                T.SCHEMA_CHANGE,
                update.ref,
                {"ref": update.ref, "after": update.new, "pusher": pusher, "files": schema_files},
            )
        )
    found = warnings.get(update.ref, [])
    drift = [w for w in found if str(w.get("rule", "")).startswith("drift.")]
    if found:
        items.append(
            (
                T.VALIDATION_WARNINGS,
                update.ref,
                {"ref": update.ref, "after": update.new, "pusher": pusher, "warnings": found},
            )
        )
    if drift:
        items.append(
            (
                T.DRIFT,
                update.ref,
                {"ref": update.ref, "after": update.new, "pusher": pusher, "findings": drift},
            )
        )
    brought = sum(diff.brought().values()) if protected else 0
    return items, brought, tag_for


def _bare_event(ctx: PushContext, update: RefUpdate, exc: Exception) -> Item:
    """The push event without annotation detail, when reading the change failed."""
    data = {
        "ref": update.ref,
        "before": update.old,
        "after": update.new,
        "pusher": ctx.identity.user if ctx.identity else None,
        "error": f"{type(exc).__name__}: {exc}",
    }
    return (T.TAG if update.ref.startswith("refs/tags/") else T.PUSH, update.ref, data)


def _auto_branch(settings: Automation, branch: str, protected: bool) -> bool:
    if settings.auto_tag.branches:
        return any(match(g, branch) for g in settings.auto_tag.branches)
    return protected


def _commit(commit: pygit2.Commit, url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(commit.id),
        "message": commit.message.split("\n", 1)[0][:200],
        "author": commit.author.name,  # as written in the commit, not the pusher
        "parents": len(commit.parents),
    }
    if url:
        out["url"] = url.replace("{id}", str(commit.id))
    return out


def _schema_files(reader: TreeReader, paths: list[str]) -> list[str]:
    """Changed files that define the rules: the project config and the schema."""
    schema = reader.rules.project.schema_path if reader.rules is not None else "schema/"
    return sorted(
        p for p in paths if p in (DEFAULT_PROJECT_PATH, schema) or p.startswith("schema/")
    )


def _warnings_by_ref(ctx: PushContext) -> dict[str, list[dict[str, Any]]]:
    """Warnings the pre-receive check recorded for this push, from its audit entry."""
    entry = find_push_entry(ctx.repo, ctx)
    out: dict[str, list[dict[str, Any]]] = {}
    if entry is None:
        return out
    for update in entry.entry.get("updates", []):
        reasons = [r for r in update.get("reasons", []) if r.get("severity") == "warning"]
        if reasons:
            out[str(update["ref"])] = reasons
    return out
