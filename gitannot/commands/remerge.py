"""`gitannot remerge FILE...`: redo a conflicted merge of label files with the driver.

During a conflicted merge git keeps the three versions in the index (stage 1 base, 2 ours,
3 theirs). A clone without the driver registered got git's line merge; this runs the
same annotation-aware merge git would have run through `merge=gitannot`, from those
stages, writes the result to the work tree and stages it when it is clean.
"""

import argparse
import os
import tempfile
from pathlib import Path

from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.errors import UsageError
from gitannot.gitio.run import git_output, run_git
from gitannot.merge.driver import DEFAULT_MARKER_SIZE, report, run_driver

NAME = "remerge"
HELP = "redo the annotation-aware merge of conflicted files from the versions git kept"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", type=Path, metavar="FILE")


def run(args: argparse.Namespace) -> int:
    top = Path(git_output(["rev-parse", "--show-toplevel"]))
    rels = [_relative(top, path) for path in args.paths]
    left = 0
    cwd = Path.cwd()
    os.chdir(top)  # git runs drivers at the top of the work tree, attributes included
    try:
        for rel in rels:
            left += _remerge(rel)
    finally:
        os.chdir(cwd)
    return EXIT_DENIED if left else EXIT_OK


def _relative(top: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError as exc:
        raise UsageError(f"{path} is outside the work tree {top}") from exc


def _stages(rel: str) -> dict[int, str]:
    out = run_git(["ls-files", "-u", "-z", "--", rel]).stdout.decode("utf-8", "replace")
    stages: dict[int, str] = {}
    for entry in filter(None, out.split("\0")):
        info, _, name = entry.partition("\t")
        if name == rel:
            _mode, oid, stage = info.split()
            stages[int(stage)] = oid
    return stages


def _remerge(rel: str) -> int:
    stages = _stages(rel)
    if not stages:
        raise UsageError(
            f"{rel}: git has no conflicted versions of it (not in a conflicted merge)",
            "remerge works between a conflicted `git merge`/`rebase`/`cherry-pick` and "
            "`git add`; after `git add` use `git checkout --merge FILE` first",
        )
    if 2 not in stages or 3 not in stages:
        side = "ours" if 2 not in stages else "theirs"
        raise UsageError(
            f"{rel}: deleted on one side ({side}): there is nothing to merge record by record",
            f"keep one version (`git checkout --ours|--theirs {rel}` and `git add`) or `git rm`",
        )
    with tempfile.TemporaryDirectory(prefix="gitannot-remerge-") as tmp:
        files = {}
        for stage, name in ((1, "base"), (2, "ours"), (3, "theirs")):
            data = run_git(["cat-file", "blob", stages[stage]]).stdout if stage in stages else b""
            files[name] = Path(tmp) / name
            files[name].write_bytes(data)
        result = run_driver(files["base"], files["ours"], files["theirs"], rel, _marker_size(rel))
        report(result, rel)
        Path(rel).write_bytes(files["ours"].read_bytes())
    if result.exit_code == 0:
        run_git(["add", "--", rel])
        print(f"{rel}: merged ({result.format}), no conflicts; staged")
        return 0
    print(
        f"{rel}: merged ({result.format}) with {result.conflicts} conflict(s) left; "
        f"see `gitannot conflicts {rel}`"
    )
    return 1


def _marker_size(rel: str) -> int:
    out = git_output(["check-attr", "conflict-marker-size", "--", rel])
    value = out.rsplit(": ", 1)[-1]
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MARKER_SIZE
