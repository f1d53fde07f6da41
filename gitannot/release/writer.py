"""Server side of an accepted release: build the record, store it, log it."""

from dataclasses import dataclass

from gitannot.audit import record as audit_record
from gitannot.audit import writer as audit_writer
from gitannot.core.refupdate import RefUpdate
from gitannot.push.context import PushContext
from gitannot.release import store
from gitannot.release.gates import GateRun
from gitannot.release.policy import ReleasePolicy
from gitannot.release.record import (
    ATTESTATION,
    RELEASE_ENTRY,
    ReleaseInfo,
    build_record,
    sha256,
)
from gitannot.settings.keys import load_private_key
from gitannot.settings.server import audit_key_path
from gitannot.validation.sources import GitTreeSource


@dataclass
class PendingRelease:
    update: RefUpdate
    tag_object: str
    commit: str
    run: GateRun
    policy: ReleasePolicy
    source: GitTreeSource
    rewrite: bool  # False: a record for this very tag object exists already


def write_release(ctx: PushContext, pending: PendingRelease) -> None:
    tag = pending.update.short_name
    if not pending.rewrite:  # a retried push of the same tag object: the record stands
        ctx.notes.append(f"release {tag}: record {store.record_ref(tag)} already written")
        return
    key = load_private_key(audit_key_path(ctx.git_dir))
    project = pending.run.rules.project if pending.run.rules else None
    info = ReleaseInfo(
        tag=tag,
        tag_object=pending.tag_object,
        commit=pending.commit,
        pusher=ctx.identity.user if ctx.identity else "",
        time=audit_writer.utc_now(),
        dataset_name=(project.dataset_name if project else "") or ctx.git_dir.name,
    )
    counts = {
        folder: sum(1 for e in pending.source.walk() if e.path.startswith(f"{folder}/"))
        for folder in ("tasks", "reviews")
    }
    files = build_record(info, pending.run, pending.source, pending.policy, key, counts)
    record = store.write(ctx.git_dir, tag, files, f"release {tag} at {pending.commit}")
    attestation = "sha256:" + sha256(files[ATTESTATION])
    audit_writer.append(
        ctx.git_dir,
        {
            "type": RELEASE_ENTRY,
            "actor": {"user": info.pusher} if info.pusher else None,
            "tag": tag,
            "tag_object": pending.tag_object,
            "commit": pending.commit,
            "record": record,
            "attestation": attestation,
            "gates": [g.to_dict() for g in pending.run.gates],
        },
        lock_timeout=audit_record.lock_timeout(ctx),
        key=key,
    )
    ctx.notes.append(f"release {tag}: record {store.record_ref(tag)} ({attestation[:19]}...)")
