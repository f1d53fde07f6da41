"""Benchmark: what a release costs the pre-receive hook, against validation alone.

One commit holds a COCO file with N images (2 boxes each) and a manifest of N rows.
Measured in-process on that tree, in the same run:
1. a full validation of every label file (what the `validation` gate does);
2. every release gate (`run_gates`: validation, item resolution, manifest checks);
3. building and signing the record (Croissant, items, sha256 sums, DSSE Statement).

Run: .venv/bin/python bench/bench_release.py [--items 20000] [--repeat 3]
Prints medians and ratios. Compare the total with the hook's time limit
(hook_timeout_seconds, 4 s by default).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pygit2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitannot.release.freeze import Frozen
from gitannot.release.gates import run_gates
from gitannot.release.policy import parse_policy
from gitannot.release.record import ReleaseInfo, build_record
from gitannot.validation.rules import load_rules
from gitannot.validation.service import Validator
from gitannot.validation.sources import GitTreeSource

SCHEMA = b"""version: 1
name: bench
labels:
  - {id: 1, name: person, geometry: [bbox]}
  - {id: 2, name: car, geometry: [bbox]}
changelog:
  - {version: 1, changes: [first]}
"""
PROJECT = b'dataset: {name: bench}\nformats:\n  - {glob: "labels/**/*.json", format: coco}\n'
POLICY = b"tag_pattern: 'v*'\nsplits: [train, val, test]\n"


def build_tree(repo: pygit2.Repository, items: int) -> pygit2.Tree:
    names = [f"img{i:07d}" for i in range(items)]
    splits = ("train", "val", "test")
    manifest = "".join(
        json.dumps(
            {"id": n, "uri": f"s3://b/{n}.jpg", "sha256": hashlib.sha256(n.encode()).hexdigest(),
             "size": 1000, "width": 640, "height": 480, "split": splits[i % 3]}
        ) + "\n"
        for i, n in enumerate(names)
    )  # fmt: skip
    coco = {
        "images": [
            {"id": i + 1, "file_name": f"{n}.jpg", "width": 640, "height": 480}
            for i, n in enumerate(names)
        ],
        "annotations": [
            {
                "id": 2 * i + k + 1,
                "image_id": i + 1,
                "category_id": k + 1,
                "bbox": [10, 10, 50, 50],
                "area": 2500,
                "iscrowd": 0,
            }
            for i in range(items)
            for k in range(2)
        ],
        "categories": [{"id": 1, "name": "person"}, {"id": 2, "name": "car"}],
    }
    files = {
        "schema/labels.yaml": SCHEMA,
        "configs/project.yaml": PROJECT,
        "configs/release.yaml": POLICY,
        "data/items.jsonl": manifest.encode(),
        "labels/coco/all.json": json.dumps(coco).encode(),
    }
    index = pygit2.Index()
    for path, data in files.items():
        index.add(pygit2.IndexEntry(path, repo.create_blob(data), pygit2.enums.FileMode.BLOB))
    tree = repo.get(index.write_tree(repo))
    assert isinstance(tree, pygit2.Tree)
    return tree


def median(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = pygit2.init_repository(str(Path(tmp) / "bench.git"), bare=True)
        source = GitTreeSource(repo, build_tree(repo, args.items))
        rules = load_rules(source)
        policy = parse_policy(POLICY)
        key = Ed25519PrivateKey.generate()
        validator = Validator(rules, source)
        paths = [e.path for e in source.walk() if validator.is_annotation_path(e.path)]
        validate = median(args.repeat, lambda: Validator(rules, source).validate(paths))
        gates = median(args.repeat, lambda: run_gates(source, policy, Frozen()))
        run = run_gates(source, policy, Frozen())
        assert run.passed, [g.to_dict() for g in run.gates if g.status == "fail"]
        info = ReleaseInfo("v1", "0" * 40, "0" * 40, "bench", "2026-01-01T00:00:00Z", "bench")
        record = median(args.repeat, lambda: build_record(info, run, source, policy, key, {}))
    print(f"items {args.items}, annotations {2 * args.items}, median of {args.repeat}")
    print(f"full validation     {validate * 1000:9.1f} ms")
    ratio = gates / validate
    print(f"every release gate  {gates * 1000:9.1f} ms  (ratio gates / validation {ratio:.2f})")
    print(f"record + signature  {record * 1000:9.1f} ms")
    print(f"release total       {(gates + record) * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
