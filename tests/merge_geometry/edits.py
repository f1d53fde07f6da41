"""Text-level edits of real label files, written independently of the adapters.

Each format offers the same edits on its k-th object (YOLO row, VOC <object>, CVAT
<box> of one image), so every scenario runs on every format. Edits touch only the
bytes of that object, so applying ours' and theirs' edits one after the other to base
gives the exact file a correct merge must produce.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Edit = Callable[[str], str]
_SPOT = {"dog": 5.0, "cat": 25.0}  # where an added object goes (x, far apart per label)


@dataclass
class Format:
    name: str
    rel: str  # path inside the test repo
    source: Path
    move: Callable[[int, float], Edit]  # shift object k right by a fraction of its width
    delete: Callable[[int], Edit]
    add: Callable[[str], Edit]  # append a new small object with that label
    flag: Callable[[int], Edit]  # change a non-geometry field of object k
    count: Callable[[str], int]  # objects in a file (conflicts excluded)

    def base(self) -> str:
        return self.source.read_bytes().decode("utf-8")


# YOLO ------------------------------------------------------------------------------


def _yolo_lines(text: str) -> tuple[list[str], str]:
    eol = "\r\n" if "\r\n" in text else "\n"
    return text.split(eol), eol


def _yolo_row_edit(k: int, fn: Callable[[list[str]], list[str]]) -> Edit:
    def edit(text: str) -> str:
        lines, eol = _yolo_lines(text)
        lines[k] = " ".join(fn(lines[k].split()))
        return eol.join(lines)

    return edit


def _yolo_move(k: int, frac: float) -> Edit:
    def fn(tok: list[str]) -> list[str]:
        return [tok[0], f"{float(tok[1]) + frac * float(tok[3]):.6f}", *tok[2:]]

    return _yolo_row_edit(k, fn)


def _yolo_flag(k: int) -> Edit:
    return _yolo_row_edit(k, lambda tok: [str(int(tok[0]) + 1), *tok[1:]])


def _yolo_delete(k: int) -> Edit:
    def edit(text: str) -> str:
        lines, eol = _yolo_lines(text)
        del lines[k]
        return eol.join(lines)

    return edit


def _yolo_add(label: str) -> Edit:
    cls = {"dog": 11, "cat": 1}.get(label, 7)

    def edit(text: str) -> str:
        lines, eol = _yolo_lines(text)
        row = f"{cls} {_SPOT[label] / 100:.6f} 0.050000 0.040000 0.040000"
        at = len(lines) - 1 if lines[-1] == "" else len(lines)
        lines.insert(at, row)
        return eol.join(lines)

    return edit


def _yolo_count(text: str) -> int:
    """Rows outside conflict marker blocks."""
    outside = re.sub(r"^<<<<<<<.*?^>>>>>>>[^\n]*\n?", "", text, flags=re.S | re.M)
    return sum(1 for line in outside.splitlines() if line.strip())


def yolo(source: Path, rel: str = "labels/img.txt") -> Format:
    return Format("yolo", rel, source, _yolo_move, _yolo_delete, _yolo_add, _yolo_flag, _yolo_count)


# XML (VOC objects, CVAT boxes) -------------------------------------------------------


_FLAG = r"(difficult>|occluded>|occluded=\")0"  # VOC difficult, VOC-1.1 / CVAT occluded


def _blocks(text: str, pattern: str) -> list[re.Match[str]]:
    return list(re.finditer(pattern, text, re.S))


def _xml_format(  # noqa: C901 — counts its small nested edit closures
    name: str, source: Path, rel: str, block: str, coords: tuple[str, str], add_at: str
) -> Format:
    def on_block(k: int, fn: Callable[[str], str]) -> Edit:
        def edit(text: str) -> str:
            m = _blocks(text, block)[k]
            return text[: m.start()] + fn(m.group(0)) + text[m.end() :]

        return edit

    def move(k: int, frac: float) -> Edit:
        def fn(obj: str) -> str:
            lo, hi = (float(_coord(obj, c)) for c in coords)
            shift = frac * (hi - lo)
            for c in coords:
                obj = _set_coord(obj, c, float(_coord(obj, c)) + shift)
            return obj

        return on_block(k, fn)

    def flag(k: int) -> Edit:
        return on_block(
            k, lambda obj: re.sub(r"(difficult>|occluded>|occluded=\")0", r"\g<1>1", obj, count=1)
        )

    def delete(k: int) -> Edit:
        def edit(text: str) -> str:
            m = _blocks(text, r"\n[ \t]*" + block)[k]
            return text[: m.start()] + text[m.end() :]

        return edit

    def add(label: str) -> Edit:
        def edit(text: str) -> str:
            last = _blocks(text, r"\n[ \t]*" + block)[-1]
            obj = re.sub(r"(<name>|label=\")[^<\"]*", r"\g<1>" + label, last.group(0), count=1)
            for c, v in zip(coords, (_SPOT[label] - 2, _SPOT[label] + 2), strict=True):
                obj = _set_coord(obj, c, v)
            at = text.index(add_at, last.end())
            return text[:at] + obj + text[at:]

        return edit

    def count(text: str) -> int:
        outside = re.sub(r"<gitannot_conflict.*?</gitannot_conflict>", "", text, flags=re.S)
        return len(_blocks(outside, block))

    return Format(name, rel, source, move, delete, add, flag, count)


def _coord(obj: str, name: str) -> str:
    m = re.search(rf"<{name}>([^<]*)<|{name}=\"([^\"]*)\"", obj)
    assert m, (name, obj)
    return m.group(1) if m.group(1) is not None else m.group(2)


def _set_coord(obj: str, name: str, value: float) -> str:
    old = _coord(obj, name)
    text = f"{value:.2f}" if "." in old else str(round(value))
    obj = re.sub(rf"<{name}>[^<]*<", f"<{name}>{text}<", obj, count=1)
    return re.sub(rf"{name}=\"[^\"]*\"", f'{name}="{text}"', obj, count=1)


def voc(source: Path, rel: str = "labels/img.xml") -> Format:
    return _xml_format(
        "voc", source, rel, r"<object>.*?</object>", ("xmin", "xmax"), "\n</annotation>"
    )


def cvat(source: Path, image: str, rel: str = "labels/annotations.xml") -> Format:
    """Edits on the boxes of the image with that id only."""
    fmt = _xml_format("cvat", source, rel, r"<box .*?</box>", ("xtl", "xbr"), "\n  </image>")
    scope = re.compile(rf'<image id="{image}".*?</image>', re.S)

    def scoped(edit: Edit) -> Edit:
        def inner(text: str) -> str:
            m = scope.search(text)
            assert m
            return text[: m.start()] + edit(m.group(0)) + text[m.end() :]

        return inner

    def count(text: str) -> int:
        m = scope.search(text)
        return fmt.count(m.group(0)) if m else 0

    return Format(
        "cvat",
        rel,
        source,
        lambda k, f: scoped(fmt.move(k, f)),
        lambda k: scoped(fmt.delete(k)),
        lambda label: scoped(fmt.add(label)),
        lambda k: scoped(fmt.flag(k)),
        count,
    )
