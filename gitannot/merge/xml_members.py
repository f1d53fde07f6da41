"""Keys for one element's children, shared by its base, ours and theirs versions. Pure.

A child that occurs at most once in every version is a field, keyed by its tag (`pose`,
`bndbox`), or `tag[name]` when it has a name attribute (CVAT `<attribute name=..>`).
A key that repeats in any version, or a tag the format declares repeatable (VOC
`part`), names members of a set, not positions: they are matched by content, then label
and geometry, as objects are (geometry_match). So ours deleting one part and theirs
another deletes both, and both sides adding a part adds two, never a conflict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from xml.etree.ElementTree import Element

from gitannot.merge.geometry_match import Box, Shape, assign_keys, points_box
from gitannot.merge.xml_objects import Node, canon, child_keys, tag_key

_BNDBOX = ("xmin", "ymin", "xmax", "ymax")


def joint_keys(
    nodes: Sequence[Node | None], repeatable: frozenset[str], threshold: float
) -> list[list[str]]:
    """Child keys of each version (base, ours, theirs; an absent one gets none)."""
    plain = [child_keys(n.children) if n is not None else [] for n in nodes]
    names = [[tag_key(c.tag, c.attrs) for c in n.children] if n is not None else [] for n in nodes]
    counts = [Counter(version) for version in names]
    sets = {k for c in counts for k, n in c.items() if n > 1}
    sets |= {k for version in names for k in version if k in repeatable}
    if not sets:
        return plain
    out = [list(keys) for keys in plain]
    for name in sorted(sets):
        members = [
            [i for i, k in enumerate(version) if k == name] for version in names
        ]  # child positions holding this set's members, per version
        shapes = [
            [_shape(n.children[i].elem) for i in at] if n is not None else []
            for n, at in zip(nodes, members, strict=True)
        ]
        keys = assign_keys(shapes[0], shapes[1], shapes[2], threshold)
        for version, at, assigned in zip(
            out, members, (keys.base, keys.ours, keys.theirs), strict=True
        ):
            for i, key in zip(at, assigned, strict=True):
                version[i] = f"{name}({key})"  # no blank: `fields=` lists are blank-separated
    return out


def _shape(elem: Element | None) -> Shape:
    assert elem is not None
    label = (elem.findtext("name") or elem.get("label") or "").strip()
    box = _box(elem)
    return Shape(label, box or (0.0, 0.0, 0.0, 0.0), canon(elem), located=box is not None)


def _box(elem: Element) -> Box | None:
    """A VOC `<bndbox>` child, else a CVAT `points` attribute; None: no geometry."""
    try:
        found = elem.find("bndbox")
        if found is not None:
            x1, y1, x2, y2 = (float(found.findtext(n) or "") for n in _BNDBOX)
            return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        points = elem.get("points")
        if points:
            pairs = [p.split(",") for p in points.split(";")]
            return points_box([(float(x), float(y)) for x, y in pairs])
    except ValueError:  # unreadable coordinates: matched by content and label only
        return None
    return None
