"""One reconcile pass (`gitannot sync labelstudio`) and the watch loop around it."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pygit2

from gitannot.constants import EXIT_OK
from gitannot.errors import GitannotError
from gitannot.gitio.repo import open_repository
from gitannot.sync.annotators import LEDGER_PATH, changed, ledger
from gitannot.sync.config import SYNC_PATH, load_sync
from gitannot.sync.credentials import Credentials
from gitannot.sync.desired import desired_state
from gitannot.sync.lsclient import LabelStudioClient
from gitannot.sync.pull import message, pull, push_options
from gitannot.sync.reconcile import Outcome, reconcile
from gitannot.sync.render import output_format, render
from gitannot.sync.webhook import Listener
from gitannot.sync.workclone import Identity, WorkClone
from gitannot.validation.rules import load_rules
from gitannot.validation.sources import GitTreeSource

EXIT_SYNC_FAILED = 1
Report = Callable[[str], None]


@dataclass(frozen=True)
class SyncOptions:
    workdir: Path
    remote: str | None
    identity: Identity
    credentials: Credentials


def sync_once(opts: SyncOptions, say: Report, client: LabelStudioClient | None = None) -> int:
    return _sync(opts, say, client)[0]


def _sync(opts: SyncOptions, say: Report, client: LabelStudioClient | None) -> tuple[int, int]:
    """(exit code, the Label Studio project id)."""
    clone = WorkClone.open(opts.workdir, opts.remote)
    with clone.lock():
        return _locked(clone, say, client or LabelStudioClient(opts.credentials), opts.identity)


def _locked(
    clone: WorkClone, say: Report, client: LabelStudioClient, identity: Identity
) -> tuple[int, int]:
    default = clone.fetch()
    trusted = clone.tip(default)
    assert trusted is not None  # fetch() found the default branch
    repo = open_repository(clone.path)
    commit = repo.get(trusted)
    assert isinstance(commit, pygit2.Commit)
    source = GitTreeSource(repo, commit.tree)
    settings = load_sync(source.read(SYNC_PATH))
    rules = load_rules(source)
    want = desired_state(rules, source)
    formats = {path: output_format(rules.project, path) for path in settings.outputs}
    outcome = reconcile(client, settings, want, clone)
    _report_tool(outcome, say)
    assert rules.ontology is not None  # desired_state refused a tree without one
    rendered = {
        path: render(fmt, outcome.tasks, rules.ontology, want.width_height)
        for path, fmt in formats.items()
    }
    key = str(outcome.project.id)
    state = clone.state(key)
    if state is None and not any(t.annotations for t in outcome.tasks):
        say("annotations: none submitted in the tool yet")
        return EXIT_OK, outcome.project.id
    made = changed(outcome.tasks, clone.read(state, LEDGER_PATH) if state else None)
    title = outcome.project.title
    branch = settings.branch or default
    clone.attributes(list(rendered))
    result = pull(
        clone,
        state_key=key,
        branch=branch,
        start=trusted,
        rendered=rendered,
        who=identity,
        options=push_options(title, outcome.project.id, made),
        commit_message=message(title, list(rendered), made),
        ledger=ledger(outcome.tasks),
    )
    if result.conflict:
        say(f"CONFLICT: annotations changed both in Git ({branch}) and in Label Studio")
        for line in result.conflict.splitlines():
            say(f"  {line}")
        say("  nothing was pushed; make the annotation agree in Git and in the tool, sync again")
        return EXIT_SYNC_FAILED, outcome.project.id
    if result.rejected:
        say(
            f"REJECTED: the server refused the sync push to {branch}; "
            "Git and the tool's annotations are unchanged"
        )
        for line in result.rejected.splitlines():
            say(f"  {line}")
        return EXIT_SYNC_FAILED, outcome.project.id
    if result.pushed:
        who = ", ".join(f"{u} ({len(ids)})" for u, ids in made.items()) or "no tool user"
        say(f"pushed {result.pushed[:12]} to {branch}: annotations by {who}")
    else:
        say("annotations: Git is up to date with the tool")
    return EXIT_OK, outcome.project.id


def _report_tool(out: Outcome, say: Report) -> None:
    pid = out.project.id
    if out.created_project:
        say(f"created Label Studio project {out.project.title!r} (id {pid})")
    if out.config_updated:
        say(f"config: project {pid} follows the ontology changed in Git")
    if out.drift:
        action = (
            "reverted to the config generated from the ontology"
            if out.drift_reverted
            else ("left as is (drift: report in configs/sync.yaml)")
        )
        say(f"DRIFT: the labeling config of project {pid} was edited in the tool; {action}")
    if out.created:
        say(f"tasks: created {len(out.created)}")
    if out.updated:
        say(f"tasks: updated {len(out.updated)} ({', '.join(out.updated[:10])})")
    if out.removed:
        verb = "archived" if out.archived else "kept (no longer in data/; not deleted)"
        say(f"tasks: {len(out.removed)} {verb}: {', '.join(out.removed[:10])}")
    if not (out.created or out.updated or out.removed):
        say(f"tasks: the tool has the {len(out.tasks)} task(s) Git lists")


def watch(
    opts: SyncOptions,
    say: Report,
    *,
    listen: tuple[str, int],
    public_url: str | None,
    interval: float,
    stop: threading.Event,
) -> int:
    """Sync, then again whenever a webhook arrives (or `interval` seconds pass)."""
    listener = Listener(*listen)
    listener.start()
    url = public_url or listener.url()
    say(f"watch: listening on {listener.url()} (webhook URL {url})")
    client = LabelStudioClient(opts.credentials)
    registered: set[int] = set()
    try:
        while not stop.is_set():
            listener.wake.clear()
            try:
                code, project = _sync(opts, say, client)
                if project not in registered:
                    if client.ensure_webhook(project, url):
                        say(f"watch: registered webhook {url} for project {project}")
                    registered.add(project)
            except GitannotError as exc:  # the tool or the server is away: try again later
                code = exc.exit_code
                say(f"watch: sync failed: {exc.message}")
            say(f"watch: sync finished (exit {code}); waiting for a webhook")
            _wait(listener.wake, stop, interval)
    finally:
        listener.stop()
    return EXIT_OK


def _wait(wake: threading.Event, stop: threading.Event, interval: float) -> None:
    """Until a webhook, `stop`, or `interval` seconds; `stop` is looked at every second."""
    left = interval
    while left > 0 and not stop.is_set():
        if wake.wait(min(1.0, left)):
            return
        left -= 1.0
