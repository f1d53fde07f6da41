"""Demo steps: a gated release v1.0-validated, its signed record, and its verification."""

import hashlib
import json
import subprocess
import sys

from gitannot.demo.scenario import Demo, DemoClient, Outcome
from gitannot.demo.steps_50_workflow import _review

ORDER = 80
TAG = "v1.0-validated"
RELEASE_POLICY = """\
# Release policy (docs/releases.md): read from main before each push, like the access
# policy. Tags matching tag_pattern are releases: annotated, gated, never moved.
tag_pattern: "v*"
splits: [train, val, test]
frozen_splits: [test]
"""
LINK_RULE = """\
  # Anyone on the team may record that a model was trained on a release.
  - allow: [create]
    who: "*"
    refs: refs/release-links/**
"""


def _row(name: str, split: str) -> str:
    digest = hashlib.sha256(f"pixels of {name}".encode()).hexdigest()
    row = {"id": name, "uri": f"s3://street-scenes/images/{name}.jpg", "sha256": digest,
           "size": 183422, "width": 640, "height": 480, "split": split}  # fmt: skip
    return json.dumps(row) + "\n"


def _cli(client: DemoClient, *args: str) -> Outcome:
    """gitannot run in the clone with the user's transport identity (it pushes)."""
    proc = subprocess.run(
        [sys.executable, "-m", "gitannot", *args],
        cwd=client.path,
        env=client.env(),
        capture_output=True,
        text=True,
    )
    outcome = Outcome(proc.returncode, proc.stdout + proc.stderr)
    client.demo.print_outcome("gitannot " + " ".join(args), outcome, "")
    return outcome


def run(demo: Demo) -> None:
    alice = demo.client("alice")
    alice.git("fetch", "-q", "origin")
    alice.git("checkout", "-q", "-B", "main", "origin/main")
    manifest = _row("street-0001", "train") + _row("street-0002", "test")
    manifest += _row("w1-0001", "train")  # the image task w1 labelled in the workflow steps

    demo.step("alice turns on releases: a release policy and a manifest with sha256 and splits")
    policy = (alice.path / "configs" / "access.yaml").read_text(encoding="utf-8")
    alice.commit(
        {
            "configs/release.yaml": RELEASE_POLICY,
            "data/manifest.jsonl": manifest,
            "configs/access.yaml": policy.replace("\nrules:\n", "\nrules:\n" + LINK_RULE, 1),
        },
        "Release policy, manifest of the labeled images",
    )
    # main is protected by the workflow: even an admin's change needs a reviewer's approval.
    alice.push("HEAD:refs/heads/release-setup", expect="accepted")
    erin = demo.client("erin")
    erin.git("fetch", "-q", "origin")
    _review(demo, erin, "approve", "release-setup", "-m", "policy and manifest", expect="accepted")
    alice.push("HEAD:refs/heads/main", expect="accepted")
    alice.gitannot("release", "check")

    demo.step("a lightweight tag is not a release: rejected")
    alice.git("tag", TAG)
    alice.push(f"refs/tags/{TAG}", expect="rejected")
    alice.git("tag", "-d", TAG)

    demo.step(f"alice tags {TAG} (annotated): the server runs every gate, then signs a record")
    alice.git("tag", "-a", TAG, "-m", "First validated release")
    alice.push(f"refs/tags/{TAG}", expect="accepted")

    demo.step("leakage after the release: moving a test image into train is rejected")
    moved = manifest.replace('"split": "test"', '"split": "train"')
    alice.commit({"data/manifest.jsonl": moved}, "Use street-0002 for training")
    alice.push("HEAD:refs/heads/main", expect="rejected")
    alice.git("reset", "-q", "--hard", "origin/main")

    demo.step("a model trained on the release is linked to it (the server records who)")
    _cli(alice, "release", "link-model", TAG, "--uri", "s3://models/street-detector-v1.pt",
         "--run-id", "run-42", "--metrics", "mAP=0.61")  # fmt: skip

    bob = demo.client("bob")
    demo.step(f"bob, in his own clone, fetches the record and verifies {TAG} byte for byte")
    bob.git("fetch", "-q", "origin", "--tags", "+refs/releases/*:refs/releases/*")
    bob.git("fetch", "-q", "origin", "+refs/notes/audit:refs/notes/audit")
    bob.gitannot("release", "show", TAG)
    outcome = bob.gitannot("release", "verify", TAG)
    if not outcome.ok:
        demo.mismatches.append(f"step {demo.step_number}: release verify failed")
