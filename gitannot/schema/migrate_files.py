"""Apply a migration to one label file: bytes in, bytes out (None: unchanged).

Every format names labels its own way: COCO by category id (categories re-pointed),
VOC/CVAT XML and Label Studio / per-image JSON by name, YOLO rows by class index into a
names file (the names file is migrated once per folder, then each row file's indexes
are rewritten with the resulting index map). Files keep their layout where the format
allows: JSON is written back with the indent it had, XML with its declaration.
"""

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from gitannot.schema.migration import Migration, SplitUndecided

# Annotations in a CVAT export name their label in a `label` attribute on these.
_CVAT_SHAPES = {"box", "polygon", "polyline", "points", "mask", "tag", "ellipse", "cuboid"}
_CVAT_SHAPES |= {"skeleton", "track"}


class MigrationError(ValueError):
    """A file cannot be migrated (unreadable, or a split with no decision): names it."""


@dataclass
class YoloMap:
    """One YOLO names list before and after a migration: old index -> new index (None:
    rows of that class are removed)."""

    old: list[str]
    new: list[str]
    index: dict[int, int | None] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.old != self.new


def yolo_map(names: list[str], migration: Migration) -> YoloMap:
    """Renamed classes keep their place; merged ones take the first place any of them
    had; deleted ones go and every later index moves down."""
    new: list[str] = []
    index: dict[int, int | None] = {}
    for i, name in enumerate(names):
        if migration.needs_attributes(name):
            raise MigrationError(
                f"class {name!r} is split by an attribute, and YOLO rows carry none",
                "give the split a `default` label, or split these rows by hand",
            )
        target = migration.relabel(name)
        if target is None:
            index[i] = None
            continue
        if target not in new:
            new.append(target)
        index[i] = new.index(target)
    return YoloMap(list(names), new, index)


def migrate_yolo_rows(data: bytes, mapping: YoloMap) -> bytes | None:
    out = []
    changed = False
    for line in data.decode("utf-8-sig").splitlines(keepends=True):
        head, sep, rest = line.lstrip().partition(" ")
        if not head.isdigit():
            out.append(line)  # blank or not a row: the validator judges it
            continue
        target = mapping.index.get(int(head), int(head))
        if target is None:
            changed = True
            continue
        if target != int(head):
            changed = True
        out.append(f"{target}{sep}{rest}")
    return "".join(out).encode() if changed else None


def migrate_names_text(_data: bytes, mapping: YoloMap) -> bytes | None:
    """classes.txt / obj.names: one name per line (written anew: nothing else is in it)."""
    if not mapping.changed:
        return None
    return "".join(f"{name}\n" for name in mapping.new).encode()


def migrate_data_yaml(data: bytes, mapping: YoloMap) -> bytes | None:
    """data.yaml: only the `names` (and `nc`) entries are rewritten; other keys, comments
    and order stay as they were (ruamel.yaml round trip)."""
    if not mapping.changed:
        return None
    from gitannot.schema.yaml_roundtrip import dump_roundtrip, load_roundtrip

    doc = load_roundtrip(data)
    if not isinstance(doc, dict) or "names" not in doc:
        raise MigrationError("no `names` in the YOLO data file", "add the class list")
    if isinstance(doc["names"], dict):
        doc["names"] = dict(enumerate(mapping.new))
    else:
        doc["names"] = _flow_list(mapping.new, doc["names"])
    if "nc" in doc:
        doc["nc"] = len(mapping.new)
    return dump_roundtrip(doc)


def _flow_list(names: list[str], old: Any) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(names)
    if getattr(getattr(old, "fa", None), "flow_style", lambda: False)():
        seq.fa.set_flow_style()
    return seq


def _relabel(migration: Migration, name: str, attrs: dict[str, Any] | None, where: str) -> Any:
    try:
        return migration.relabel(name, attrs)
    except SplitUndecided as exc:
        raise MigrationError(
            f"{where}: {exc}", "add the value to `into`, or give the split a `default`"
        ) from exc


# --- JSON formats ---------------------------------------------------------------------


def _load_json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MigrationError(f"not readable JSON ({exc})", "fix the file first") from exc


def dump_json_like(doc: Any, original: bytes) -> bytes:
    """JSON with the original's indent (or its compact separators)."""
    head = original[:4096].decode("utf-8", "replace")
    match = re.search(r"\n([ \t]+)\S", head)
    if match:
        indent: str | int | None = match.group(1)
        text = json.dumps(doc, indent=indent, ensure_ascii=False)
    else:
        compact = ": " not in head and ", " not in head
        separators = (",", ":") if compact else (", ", ": ")
        text = json.dumps(doc, separators=separators, ensure_ascii=False)
    if original.rstrip(b" \t").endswith(b"\n"):
        text += "\n"
    return text.encode()


def migrate_coco(data: bytes, migration: Migration) -> bytes | None:
    raw = _load_json(data)
    doc = {"categories": raw} if isinstance(raw, list) else raw  # a bare category list
    if not isinstance(doc, dict) or not isinstance(doc.get("categories"), list):
        return None
    cats = [c for c in doc["categories"] if isinstance(c, dict)]
    if not any(c.get("name") in migration.sources() for c in cats):
        return None
    table = _CocoTable(cats, migration)
    if isinstance(doc.get("annotations"), list):
        doc["annotations"] = [
            out for ann in doc["annotations"] if (out := table.annotation(ann)) is not None
        ]
    doc["categories"] = table.categories()
    return dump_json_like(doc["categories"] if isinstance(raw, list) else doc, data)


class _CocoTable:
    """Categories before and after: a renamed category keeps its id (and entry); one
    merged into an existing name re-points its annotations to that category's id; a
    deleted one goes with its annotations; a split one is decided per annotation."""

    def __init__(self, cats: list[dict[str, Any]], migration: Migration) -> None:
        self.migration = migration
        self.cats = cats
        self.by_name: dict[Any, dict[str, Any]] = {c.get("name"): c for c in cats}
        self.remap: dict[Any, int | None] = {}  # old category id -> new id (None: deleted)
        self.split: dict[Any, dict[str, Any]] = {}  # split category ids
        self.next_id = max((c["id"] for c in cats if type(c.get("id")) is int), default=0) + 1
        for cat in cats:
            name = cat.get("name")
            if name not in migration.sources():
                continue
            if migration.needs_attributes(str(name)):
                self.split[cat.get("id")] = cat
                continue
            target = migration.relabel(str(name))
            if target is None:
                self.remap[cat.get("id")] = None
            elif target in self.by_name and self.by_name[target] is not cat:
                self.remap[cat.get("id")] = self.by_name[target].get("id")
            else:
                del self.by_name[name]
                cat["name"] = target
                self.by_name[target] = cat

    def annotation(self, ann: Any) -> Any:
        if not isinstance(ann, dict):
            return ann
        cid = ann.get("category_id")
        if cid in self.remap:
            target = self.remap[cid]
            return None if target is None else dict(ann, category_id=target)
        if cid not in self.split:
            return ann
        cat = self.split[cid]
        attrs = ann.get("attributes") if isinstance(ann.get("attributes"), dict) else {}
        name = _relabel(self.migration, str(cat.get("name")), attrs, f"annotation {ann.get('id')}")
        return None if name is None else dict(ann, category_id=self._category(name, cat))

    def _category(self, name: str, like: dict[str, Any]) -> int:
        if name not in self.by_name:
            self.by_name[name] = dict(like, id=self.next_id, name=name)
            self.next_id += 1
        return int(self.by_name[name]["id"])

    def categories(self) -> list[dict[str, Any]]:
        gone = set(self.remap) | set(self.split)
        kept = [c for c in self.cats if c.get("id") not in gone]
        old = {id(c) for c in self.cats}
        kept.extend(c for c in self.by_name.values() if id(c) not in old)  # made by a split
        return kept


def migrate_labelstudio(data: bytes, migration: Migration) -> bytes | None:
    doc = _load_json(data)
    if not isinstance(doc, list):
        return None
    changed = False
    for task in doc:
        for key in ("annotations", "completions", "predictions"):
            for annotation in (task.get(key) or []) if isinstance(task, dict) else []:
                if not isinstance(annotation, dict) or not isinstance(
                    annotation.get("result"), list
                ):
                    continue
                kept, touched = _ls_results(annotation["result"], migration)
                if touched:
                    annotation["result"] = kept
                    changed = True
    return dump_json_like(doc, data) if changed else None


def _ls_results(results: list[Any], migration: Migration) -> tuple[list[Any], bool]:
    kept = []
    touched = False
    for result in results:
        value = result.get("value") if isinstance(result, dict) else None
        rtype = str(result.get("type", "")).lower() if isinstance(result, dict) else ""
        names = value.get(rtype) if isinstance(value, dict) else None
        if (
            not isinstance(value, dict)
            or not isinstance(names, list)
            or not set(names) & migration.sources()
        ):
            kept.append(result)
            continue
        touched = True
        new = []
        for name in names:
            target = _relabel(migration, name, None, f"region {result.get('id')}")
            if target is not None and target not in new:
                new.append(target)
        if new:
            value[rtype] = new
            kept.append(result)
    return kept, touched


def migrate_perimage(data: bytes, migration: Migration) -> bytes | None:
    doc = _load_json(data)
    anns = doc.get("annotations") if isinstance(doc, dict) else None
    if not isinstance(anns, list):
        return None
    out = []
    changed = False
    for ann in anns:
        name = ann.get("label") if isinstance(ann, dict) else None
        if name not in migration.sources():
            out.append(ann)
            continue
        changed = True
        attrs = ann.get("attributes") if isinstance(ann.get("attributes"), dict) else {}
        target = _relabel(migration, str(name), attrs, f"annotation {ann.get('id')}")
        if target is not None:
            out.append(dict(ann, label=target))
    if not changed:
        return None
    doc["annotations"] = out
    return dump_json_like(doc, data)


# --- XML formats ----------------------------------------------------------------------


def _load_xml(data: bytes) -> ET.Element:
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise MigrationError("XML with a DTD or entities", "the validator refuses these too")
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        raise MigrationError(f"not readable XML ({exc})", "fix the file first") from exc


def _dump_xml(root: ET.Element, original: bytes) -> bytes:
    body = ET.tostring(root, encoding="unicode")
    head = original.lstrip()[:200]
    decl = ""
    if head.startswith(b"<?xml"):
        decl = head[: head.index(b"?>") + 2].decode("ascii", "replace") + "\n"
    tail = "\n" if original.rstrip(b" \t").endswith(b"\n") else ""
    return (decl + body + tail).encode()


def migrate_voc(data: bytes, migration: Migration) -> bytes | None:
    root = _load_xml(data)
    changed = False
    for parent in [root, *root.iter("object")]:
        for obj in list(parent.findall("object" if parent is root else "part")):
            name_el = obj.find("name")
            name = (name_el.text or "").strip() if name_el is not None else ""
            if name_el is None or name not in migration.sources():
                continue
            changed = True
            attrs = {a.findtext("name") or "": a.findtext("value") for a in obj.iter("attribute")}
            target = _relabel(migration, name, attrs, f"object {name!r}")
            if target is None:
                parent.remove(obj)
            else:
                name_el.text = target
    return _dump_xml(root, data) if changed else None


def migrate_cvat(data: bytes, migration: Migration) -> bytes | None:
    root = _load_xml(data)
    changed = _cvat_meta(root, migration)
    for parent in [root, *root.iter("image"), *root.iter("track"), *root.iter("skeleton")]:
        for shape in list(parent):
            name = shape.get("label")
            if shape.tag not in _CVAT_SHAPES or name is None or name not in migration.sources():
                continue
            changed = True
            attrs = {a.get("name") or "": a.text for a in shape.findall("attribute")}
            target = _relabel(migration, name, attrs, f"<{shape.tag} label={name!r}>")
            if target is None:
                parent.remove(shape)
            else:
                shape.set("label", target)
    return _dump_xml(root, data) if changed else None


def _cvat_meta(root: ET.Element, migration: Migration) -> bool:
    changed = False
    for labels in root.iter("labels"):
        present = {(lab.findtext("name") or "").strip() for lab in labels.findall("label")}
        for label in list(labels.findall("label")):
            name_el = label.find("name")
            name = (name_el.text or "").strip() if name_el is not None else ""
            if name_el is None or name not in migration.sources():
                continue
            changed = True
            if migration.needs_attributes(name):
                targets = [t for s in migration.steps if name in s.sources for t in s.targets()]
                labels.remove(label)
                for split_into in targets:
                    if split_into not in present:
                        copy = ET.fromstring(ET.tostring(label))
                        copy.find("name").text = split_into  # type: ignore[union-attr]
                        labels.append(copy)
                        present.add(split_into)
                continue
            target = migration.relabel(name)
            if target is None or target in present:
                labels.remove(label)
            else:
                name_el.text = target
                present.add(target)
    return changed


# Format name (as configs/project.yaml and detect_format give it) -> migrator.
MIGRATORS: dict[str, Callable[[bytes, Migration], bytes | None]] = {
    "coco": migrate_coco,
    "coco-categories": migrate_coco,
    "labelstudio": migrate_labelstudio,
    "gitannot": migrate_perimage,
    "voc": migrate_voc,
    "cvat": migrate_cvat,
}
