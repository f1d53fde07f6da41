"""Model links: "this checkpoint was trained on release TAG", appended to its record.

A client cannot write refs/releases/*. It pushes a request: a parentless commit whose
tree holds one `link.json` ({"uri", "run_id", "metrics"}) to
refs/release-links/<tag>/<any name>. Pre-receive checks it; once the push is accepted
the server appends models/NNNN.dsse.json (signed, with the pusher from the transport) to
the record and logs it; post-receive deletes the request ref (cleanup.py).
"""

import base64
import json
import math
from dataclasses import dataclass
from typing import Any

import pygit2

from gitannot.audit import record as audit_record
from gitannot.audit import writer as audit_writer
from gitannot.core.findings import Finding
from gitannot.core.refupdate import RefUpdate
from gitannot.push.context import PushContext
from gitannot.release import dsse, store
from gitannot.release.record import ATTESTATION, sha256
from gitannot.settings.keys import load_private_key
from gitannot.settings.server import audit_key_path

SCRATCH_KEY = "release-links"
LINK_FILE = "link.json"
LINK_TYPE = "application/vnd.gitannot.model-link+json"
MODELS_DIR = "models/"
LINK_ENTRY = "model-link"


@dataclass
class LinkRequest:
    update: RefUpdate
    tag: str
    uri: str
    run_id: str
    metrics: dict[str, float]


def request_tag(ref: str) -> str:
    """refs/release-links/<tag>/<name> -> <tag> (tags may hold slashes: the last part is
    the request name)."""
    rest = ref.removeprefix(store.LINK_REFS)
    return rest.rpartition("/")[0]


def recorded_tag_object(files: dict[str, bytes]) -> str | None:
    """The tag object a record was made for (server-written, read without verifying)."""
    try:
        envelope = json.loads(files[ATTESTATION])
        statement = json.loads(base64.b64decode(envelope["payload"]))
        return str(statement["predicate"]["tagObject"])
    except (KeyError, ValueError, TypeError):
        return None


def check_request(ctx: PushContext, update: RefUpdate) -> list[Finding]:
    def bad(message: str) -> list[Finding]:
        return [
            Finding(
                rule="release.link-invalid",
                ref=update.ref,
                message=message,
                hint="use `gitannot release link-model TAG --uri URI`",
            )
        ]

    tag = request_tag(update.ref)
    if not update.is_create:
        return bad("a model-link request is pushed once, never moved or deleted by a client")
    if not tag or ctx.repo.references.get(store.record_ref(tag)) is None:
        return bad(f"no release record for {tag or '(no tag)'}: models link to releases only")
    commit = ctx.repo.get(update.new)
    if not isinstance(commit, pygit2.Commit) or commit.parents:
        return bad("the request must be one commit without parents")
    names = [e.name for e in commit.tree]
    if names != [LINK_FILE]:
        return bad(f"the request's tree must hold exactly {LINK_FILE}, found {names}")
    blob = ctx.repo.get(commit.tree[LINK_FILE].id)
    try:
        doc = json.loads(bytes(blob.data)) if isinstance(blob, pygit2.Blob) else None
        request = _parse(update, tag, doc)
    except ValueError as exc:
        return bad(f"{LINK_FILE}: {exc}")
    ctx.scratch.setdefault(SCRATCH_KEY, []).append(request)
    return []


def _parse(update: RefUpdate, tag: str, doc: Any) -> LinkRequest:
    if not isinstance(doc, dict):
        raise ValueError("must be a JSON object")
    uri, run_id, metrics = doc.get("uri"), doc.get("run_id", ""), doc.get("metrics", {})
    if not isinstance(uri, str) or not uri.strip():
        raise ValueError("`uri` (where the checkpoint is) is required")
    if not isinstance(run_id, str):
        raise ValueError("`run_id` must be text")
    if not isinstance(metrics, dict) or not all(
        isinstance(k, str)
        and isinstance(v, int | float)
        and not isinstance(v, bool)
        and math.isfinite(v)
        for k, v in metrics.items()
    ):
        raise ValueError("`metrics` must map names to finite numbers")
    unknown = set(doc) - {"uri", "run_id", "metrics"}
    if unknown:
        raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))}")
    return LinkRequest(update, tag, uri.strip(), run_id, {k: float(v) for k, v in metrics.items()})


def record_link(ctx: PushContext, request: LinkRequest) -> None:
    key = load_private_key(audit_key_path(ctx.git_dir))
    files = store.read(ctx.repo, request.tag) or {}
    number = 1 + sum(1 for path in files if path.startswith(MODELS_DIR))
    payload = {
        "tag": request.tag,
        "attestation": "sha256:" + sha256(files.get(ATTESTATION, b"")),
        "uri": request.uri,
        "run_id": request.run_id,
        "metrics": request.metrics,
        "linked_by": ctx.identity.user if ctx.identity else "",
        "time": audit_writer.utc_now(),
    }
    body = (json.dumps(payload, sort_keys=True, indent=2) + "\n").encode()
    path = f"{MODELS_DIR}{number:04d}.dsse.json"
    envelope = dsse.sign(key, LINK_TYPE, body)
    store.write(
        ctx.git_dir, request.tag, {path: envelope}, f"model link {number} for {request.tag}"
    )
    audit_writer.append(
        ctx.git_dir,
        {
            "type": LINK_ENTRY,
            "actor": {"user": payload["linked_by"]},
            "tag": request.tag,
            "link": path,
            "link_sha256": "sha256:" + sha256(envelope),
            "uri": request.uri,
            "run_id": request.run_id,
        },
        lock_timeout=audit_record.lock_timeout(ctx),
        key=key,
    )
    ctx.notes.append(f"model {request.uri} linked to release {request.tag} ({path})")


def models(files: dict[str, bytes]) -> list[tuple[str, bytes]]:
    return sorted((p, d) for p, d in files.items() if p.startswith(MODELS_DIR))
