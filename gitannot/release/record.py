"""The release record: Croissant description, items, sha256 manifest, frozen split and a
signed in-toto Statement binding them to the commit. Built by the server only.

Record files (a flat tree on refs/releases/<tag>):
  croissant.json, items.csv, sha256sums.txt, frozen.json: the described content;
  attestation.dsse.json: DSSE envelope of an in-toto Statement v1 whose subjects are the
  commit and the sha256 of each file above, and whose predicate lists every gate.
"""

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.core.manifest import Manifest
from gitannot.release import croissant, dsse
from gitannot.release.gates import GateRun
from gitannot.release.policy import ReleasePolicy
from gitannot.validation.sources import EntryKind, Source

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "urn:gitannot:release-gates:v1"
ATTESTATION = "attestation.dsse.json"
SUMS = "sha256sums.txt"
FROZEN = "frozen.json"
CROISSANT = "croissant.json"
SUBJECT_FILES = (CROISSANT, croissant.ITEMS_FILE, SUMS, FROZEN)
RELEASE_ENTRY = "release"  # the audit entry type of an accepted release
DESCRIBED_PREFIXES = ("data/", "labels/", "schema/", "configs/")


@dataclass(frozen=True)
class ReleaseInfo:
    tag: str  # short name, e.g. v1.0-validated
    tag_object: str
    commit: str
    pusher: str
    time: str
    dataset_name: str


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree_sums(source: Source) -> dict[str, str]:
    """sha256 of every regular file of the tree, by path."""
    return {
        e.path: sha256(source.read(e.path) or b"")
        for e in source.walk()
        if e.kind is EntryKind.FILE
    }


def sums_text(sums: dict[str, str]) -> bytes:
    """`sha256sum` format, so `sha256sum -c` checks a checkout of the commit."""
    return "".join(f"{sha}  {path}\n" for path, sha in sorted(sums.items())).encode()


def items_csv(manifest: Manifest) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(croissant.ITEM_COLUMNS)
    for e in sorted(manifest.entries, key=lambda e: e.id):
        writer.writerow(
            [e.id, e.uri, e.sha256, e.size or "", _num(e.width), _num(e.height), e.split]
        )
    return out.getvalue().encode()


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else str(value)


def frozen_json(manifest: Manifest, policy: ReleasePolicy) -> bytes:
    rows = [
        {"id": e.id, "sha256": e.sha256, "split": e.split}
        for e in sorted(manifest.entries, key=lambda e: e.id)
        if e.split in policy.frozen_splits
    ]
    return _json({"frozen_splits": list(policy.frozen_splits), "items": rows})


def _json(value: Any) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def build_record(
    info: ReleaseInfo,
    run: GateRun,
    source: Source,
    policy: ReleasePolicy,
    key: Ed25519PrivateKey,
    counts: dict[str, int],
) -> dict[str, bytes]:
    sums = tree_sums(source)
    items = items_csv(run.manifest)
    described = {p: s for p, s in sums.items() if p.startswith(DESCRIBED_PREFIXES)}
    annotations = sum(run.items.labels.values())
    labeled = max(len(run.items.items), 1)
    rai = {
        "dataCollection": "source items are listed in data/ manifests (URI, sha256, size, "
        "split); raw data is never stored in the repository",
        "dataAnnotationPlatform": "gitannot: label files in Git, validated on every push",
        "dataAnnotationProtocol": f"labels checked against {_schema(run)}; every push is "
        "access-controlled and recorded in a signed audit log",
        "annotationsPerItem": f"{annotations / labeled:.2f}",
        "dataAnnotationAnalysis": "; ".join(f"{g.name}: {g.status}" for g in run.gates),
        "annotatorDemographics": f"{counts.get('tasks', 0)} task file(s), "
        f"{counts.get('reviews', 0)} review file(s) at this commit",
        "dataReleaseMaintenancePlan": "releases are annotated tags that never move; "
        "later releases are new tags; the test split of a release stays frozen",
    }
    description = croissant.build(
        name=info.dataset_name,
        version=info.tag,
        published=info.time,
        commit=info.commit,
        files=described,
        items_sha256=sha256(items),
        manifest=run.manifest,
        labels=run.items.labels,
        rai=rai,
    )
    files = {
        CROISSANT: _json(description),
        croissant.ITEMS_FILE: items,
        SUMS: sums_text(sums),
        FROZEN: frozen_json(run.manifest, policy),
    }
    statement = build_statement(info, run, files, policy)
    files[ATTESTATION] = dsse.sign(key, dsse.IN_TOTO, _json(statement))
    return files


def _schema(run: GateRun) -> str:
    if run.rules is None or run.rules.ontology is None:
        return "the format rules (no ontology)"
    return f"the ontology {run.rules.project.schema_path}"


def build_statement(
    info: ReleaseInfo, run: GateRun, files: dict[str, bytes], policy: ReleasePolicy
) -> dict[str, Any]:
    subjects: list[dict[str, Any]] = [{"name": "git-commit", "digest": {"gitCommit": info.commit}}]
    subjects += [{"name": n, "digest": {"sha256": sha256(files[n])}} for n in SUBJECT_FILES]
    return {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "tag": info.tag,
            "tagObject": info.tag_object,
            "commit": info.commit,
            "pusher": info.pusher,
            "time": info.time,
            "releasePolicy": policy.blob_id,
            "gates": [g.to_dict() for g in run.gates],
            "passed": run.passed,
        },
    }
