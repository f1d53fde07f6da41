"""The merge driver service behind `gitannot merge-driver %O %A %B %P [%L]`.

Git's contract: the result goes to %A; exit 0 when clean, non-zero when conflicted.
The format is chosen by path and content; anything unknown, unparseable or failing
falls back to `git merge-file` (git's own line merge, with its exit code), so the
driver never loses data and never crashes. The YOLO / VOC / CVAT adapters also get
git's marker size and the repository's IoU threshold (settings.py, git config).

Criss-cross history: with several merge bases git first merges the bases with this
same driver, command line included, and uses the result (conflicts and all) as the
base of the final merge. git 2.39 tells a driver so only through `%L`: the
`conflict-marker-size` attribute (default 7) plus 2 per level of such inner merges.
The adapters need no signal (a conflict in a base stays a conflict: virtualbase.py,
xml_merge.py); the driver uses it only to word its stderr line, since the conflicts
of an inner merge never reach the work tree.
"""

import gc
import importlib
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gitannot.constants import EXIT_DENIED, EXIT_OK
from gitannot.gitio.run import run_git
from gitannot.merge import coco, labelstudio, perimage, records, settings
from gitannot.merge.outcome import MergeOutcome

Merger = Callable[..., MergeOutcome]
# id-less formats, matched by IoU: each module's merge_text takes the IoU and marker size
GEOMETRY = frozenset({"yolo", "voc", "cvat"})


@dataclass
class DriverResult:
    exit_code: int
    format: str  # the adapter that merged, or "merge-file" / "trivial"
    conflicts: int
    note: str = ""
    inner: bool = False  # git's merge of the merge bases (criss-cross), not the real one


def detect(data: bytes, path: str) -> str | None:
    """The adapter for a file's content (one side) and path; None when unknown."""
    head = data[:256].lstrip()[:1]
    lower = path.lower()
    if head == b"{":
        names = set(records.members(data))
        if perimage.looks_like(names):
            return "perimage"
        if coco.looks_like(names):
            return "coco"
        return None
    if head == b"[":
        return "labelstudio" if labelstudio.looks_like(data) else None
    if lower.endswith(".txt"):
        return "yolo"
    if head == b"<" or lower.endswith(".xml"):
        text = data[:4096]
        if b"<annotations" in text:
            return "cvat"
        if b"<annotation" in text:
            return "voc"
    return None


def adapter(fmt: str) -> Merger:
    if fmt in GEOMETRY:  # imported on demand: JSON merges never load the XML stack
        merge_text: Merger = importlib.import_module(f"gitannot.merge.{fmt}").merge_text
        return merge_text
    json_adapters: dict[str, Merger] = {
        "coco": coco.merge_stream,
        "perimage": perimage.merge_stream,
        "labelstudio": labelstudio.merge_text,
    }
    return json_adapters[fmt]


def merge_bytes(
    base: bytes,
    ours: bytes,
    theirs: bytes,
    path: str,
    *,
    marker_size: int = 7,
    iou_threshold: Callable[[], float] = lambda: settings.DEFAULT_IOU,
) -> MergeOutcome | None:
    """The merged file, or None when no adapter applies (caller falls back).

    `iou_threshold` is called only for the id-less formats, so JSON merges never pay
    for reading git config."""
    if ours == theirs or base == theirs:  # a side left the file as it was, or both alike
        return MergeOutcome(ours, [], "trivial")
    if base == ours:
        return MergeOutcome(theirs, [], "trivial")
    sample = theirs if records.blank(ours) else ours
    fmt = detect(sample, path)
    other = theirs if sample is ours else ours
    if fmt is None or (not records.blank(other) and detect(other, path) != fmt):
        return None
    if fmt in GEOMETRY:
        return adapter(fmt)(
            base, ours, theirs, path=path, iou_threshold=iou_threshold(), marker_size=marker_size
        )
    return adapter(fmt)(base, ours, theirs, path=path)


def run_driver(
    base_path: Path, ours_path: Path, theirs_path: Path, path: str, marker_size: int = 7
) -> DriverResult:
    base, ours, theirs = (p.read_bytes() for p in (base_path, ours_path, theirs_path))
    gc.disable()  # millions of short-lived records, no cycles: collection is pure cost
    try:
        outcome = merge_bytes(
            base, ours, theirs, path, marker_size=marker_size, iou_threshold=settings.iou_threshold
        )
        note = "" if outcome else "format not recognised"
    except Exception as exc:  # noqa: BLE001 — any failure: git's line merge keeps every byte
        outcome, note = None, f"{type(exc).__name__}: {exc}"
    finally:
        gc.enable()
    if outcome is None:
        code = merge_file(base_path, ours_path, theirs_path, path, marker_size)
        inner = code != 0 and inner_merge(marker_size, path)
        return DriverResult(code, "merge-file", int(code != 0), note, inner)
    _write(ours_path, outcome)
    code = EXIT_OK if outcome.clean else EXIT_DENIED
    inner = code != 0 and inner_merge(marker_size, path)
    return DriverResult(code, outcome.format, len(outcome.conflicts), inner=inner)


def inner_merge(marker_size: int, path: str) -> bool:
    """Whether git runs the driver to merge merge bases: `%L` exceeds the path's
    `conflict-marker-size` (git adds 2 per inner level). Asked only when there are
    conflicts to report; an unreadable attribute counts as the default 7."""
    try:
        proc = run_git(["check-attr", "conflict-marker-size", "--", path], check=False)
        value = proc.stdout.decode("utf-8", "replace").rstrip("\n").rsplit(": ", 1)[-1]
    except OSError:
        value = ""
    configured = int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MARKER_SIZE
    return marker_size > configured


DEFAULT_MARKER_SIZE = 7


def merge_file(base: Path, ours: Path, theirs: Path, path: str, marker_size: int) -> int:
    """git's own three-way line merge into `ours`; its exit code (conflict count)."""
    args = ["merge-file", f"--marker-size={marker_size}"]
    args += ["-L", f"{path} (ours)", "-L", f"{path} (base)", "-L", f"{path} (theirs)"]
    proc = run_git([*args, str(ours), str(base), str(theirs)], check=False)
    return proc.returncode if proc.returncode >= 0 else 128


def _write(target: Path, outcome: MergeOutcome) -> None:
    tmp = target.with_name(target.name + ".gitannot-tmp")
    with tmp.open("wb") as out:
        out.writelines(outcome.chunks if outcome.chunks is not None else [outcome.data])
    os.replace(tmp, target)  # %A is replaced whole or not at all


def report(result: DriverResult, path: str) -> None:
    """One stderr line per merged file, like git's own "Auto-merging" lines."""
    if result.inner:
        sys.stderr.write(
            f"gitannot: {path}: merging the merge bases (criss-cross history) left "
            f"{result.conflicts} conflict(s) ({result.format}) in the base of the final "
            "merge, which reports each one again unless both sides resolved it alike\n"
        )
    elif result.format == "merge-file":
        why = f" ({result.note})" if result.note else ""
        sys.stderr.write(f"gitannot: {path}: line merge (git merge-file){why}\n")
    elif result.conflicts:
        sys.stderr.write(
            f"gitannot: {path}: {result.conflicts} conflict record(s) ({result.format}); "
            f"see `gitannot conflicts {path}`\n"
        )
