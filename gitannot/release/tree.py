"""What a release describes, read from one tree: its manifests and its labeled items."""

from collections import Counter
from dataclasses import dataclass, field

from gitannot.core.manifest import Manifest, parse_manifests
from gitannot.formats import parse_file
from gitannot.project.config import DETECT
from gitannot.validation.context import ContextReader
from gitannot.validation.image_sizes import manifest_files
from gitannot.validation.rules import Rules
from gitannot.validation.sources import EntryKind, Source, size_of


def load_manifest(source: Source, splits: tuple[str, ...]) -> Manifest:
    return parse_manifests(manifest_files(source), splits)


@dataclass
class LabeledItems:
    # item name as the label file writes it -> label files naming it
    items: dict[str, set[str]] = field(default_factory=dict)
    labels: Counter[str] = field(default_factory=Counter)  # annotations per label


def labeled_items(rules: Rules, source: Source, paths: set[str] | None = None) -> LabeledItems:
    """Every item a label file names (by file name when it has one, else by id); only
    the files in `paths` when given."""
    out = LabeledItems()
    context = ContextReader(rules.project, rules.options, source)
    entries = source.walk() if paths is None else (source.entry(p) for p in sorted(paths))
    for entry in entries:
        fmt = rules.project.format_for(entry.path)
        if fmt is None or entry.kind is not EntryKind.FILE:
            continue
        if size_of(source, entry) > rules.project.max_file_bytes:
            continue  # the validation gate reports it
        ctx, _ = context.for_file(entry.path, fmt)
        parsed = parse_file(
            entry.path,
            source.read(entry.path) or b"",
            format=None if fmt == DETECT else fmt,
            options=rules.options,
            context=ctx,
        )
        names = {}
        for item in parsed.items.values():
            names[item.id] = item.file_name.rsplit("/", 1)[-1] or item.id
        for ann in parsed.annotations:
            names.setdefault(ann.item, ann.item)
            out.labels[ann.label] += 1
        for name in names.values():
            out.items.setdefault(name, set()).add(entry.path)
    return out
