"""COCO: instances (bbox / polygon / RLE / iscrowd), keypoints, results lists, panoptic
segment lists and bare category lists.

The annotation loop is the hot path (1M annotations): it assumes well-typed values and
lets a TypeError/ValueError fall through to a slow diagnostic that names the bad field.
"""

from operator import mul
from typing import Any

from gitannot.core.annotation import Annotation, GeometryKind, Item, ParsedFile
from gitannot.formats.geometry import decode_compressed_rle, polygon_area, rle_area_bbox
from gitannot.formats.options import FormatOptions
from gitannot.formats.report import Reporter

_BBOX = GeometryKind.BBOX
_POLYGON = GeometryKind.POLYGON
_MASK = GeometryKind.MASK
_KEYPOINTS = GeometryKind.KEYPOINTS
_NONE = GeometryKind.NONE
_ID_TYPES = (int, str)
_Bounds = tuple[float, float, float, float]  # x0, y0, x1, y1


def _is_id(value: Any) -> bool:
    return type(value) is int or type(value) is str


def _is_num(value: Any) -> bool:
    return type(value) is int or type(value) is float


def _list(doc: dict[str, Any], key: str, rep: Reporter, required: bool) -> list[Any]:
    value = doc.get(key)
    if value is None:
        if required:
            rep.add("coco.required-key", f"top-level `{key}` list is missing")
        return []
    if type(value) is not list:
        rep.add("coco.type", f"top-level `{key}` must be a list, not {type(value).__name__}")
        return []
    return value


def read_images(
    doc: dict[str, Any], rep: Reporter, pf: ParsedFile, required: bool = True
) -> dict[Any, tuple[float, float]]:
    sizes: dict[Any, tuple[float, float]] = {}
    names: set[str] = set()
    for index, img in enumerate(_list(doc, "images", rep, required)):
        if type(img) is not dict:
            rep.add("coco.type", f"images[{index}] is not an object")
            continue
        iid = img.get("id")
        if iid is None:
            rep.add("coco.required-key", f"images[{index}] has no `id`")
            continue
        if not _is_id(iid):
            rep.add("coco.type", f"images[{index}].id must be an integer or string")
            continue
        if iid in sizes:
            rep.add("coco.duplicate-id", f"image id {iid} appears twice", f"image:{iid}")
            continue
        w, h = img.get("width"), img.get("height")
        if w is None or h is None:
            rep.add("coco.required-key", f"image {iid} has no width/height", f"image:{iid}")
            w = h = 0
        elif not (_is_num(w) and _is_num(h)) or w <= 0 or h <= 0:
            rep.add("coco.image-size", f"image {iid} has size {w!r} x {h!r}", f"image:{iid}")
            w = h = 0
        sizes[iid] = (float(w), float(h))
        name = img.get("file_name")
        if type(name) is str:
            if name in names:
                rep.add(
                    "coco.duplicate-file-name", f"file_name {name!r} appears twice", f"image:{iid}"
                )
            names.add(name)
        pf.items[str(iid)] = Item(
            str(iid), name if type(name) is str else "", float(w) or None, float(h) or None
        )
    return sizes


def read_categories(items: list[Any], rep: Reporter, pf: ParsedFile) -> dict[Any, tuple[str, int]]:
    """id -> (name, number of keypoints declared)."""
    cats: dict[Any, tuple[str, int]] = {}
    names: set[str] = set()
    for index, cat in enumerate(items):
        if type(cat) is not dict:
            rep.add("coco.type", f"categories[{index}] is not an object")
            continue
        cid, name = cat.get("id"), cat.get("name")
        if cid is None or name is None:
            rep.add("coco.required-key", f"categories[{index}] needs `id` and `name`")
            continue
        if not _is_id(cid) or type(name) is not str:
            rep.add("coco.type", f"categories[{index}]: id must be an integer, name a string")
            continue
        if cid in cats:
            rep.add("coco.duplicate-id", f"category id {cid} appears twice", f"category:{cid}")
            continue
        if not name.strip():
            rep.add(
                "annotation.empty-label", f"category {cid} has an empty name", f"category:{cid}"
            )
        if name in names:
            rep.add(
                "coco.duplicate-category-name",
                f"category name {name!r} appears twice",
                f"category:{cid}",
            )
        names.add(name)
        kps = cat.get("keypoints")
        cats[cid] = (name, len(kps) if type(kps) is list else 0)
        pf.declared_labels.append(name)
        pf.label_ids[str(cid)] = name
    return cats


def parse_coco(pf: ParsedFile, doc: Any, rep: Reporter, opts: FormatOptions) -> None:
    if type(doc) is not dict:
        rep.add("json.root-type", "a COCO dataset is a JSON object")
        return
    images = read_images(doc, rep, pf)
    cats = read_categories(_list(doc, "categories", rep, False), rep, pf)
    anns = _list(doc, "annotations", rep, False)
    # References are only checked against lists that exist (a missing list is one finding).
    has_cats, has_images = type(doc.get("categories")) is list, type(doc.get("images")) is list
    _Checker(pf, rep, opts, images, cats, has_cats, has_images).run(anns)


def parse_coco_results(pf: ParsedFile, doc: Any, rep: Reporter, opts: FormatOptions) -> None:
    """A results file: a list of detections without ids, images or categories."""
    if type(doc) is not list:
        rep.add("json.root-type", "a COCO results file is a JSON list")
        return
    _Checker(pf, rep, opts, None, {}, False, False).run(doc)


def parse_coco_categories(pf: ParsedFile, doc: Any, rep: Reporter, opts: FormatOptions) -> None:  # noqa: ARG001 — one signature for every format handler
    if type(doc) is not list:
        rep.add("json.root-type", "a category list is a JSON list")
        return
    read_categories(doc, rep, pf)


class _Checker:
    def __init__(
        self,
        pf: ParsedFile,
        rep: Reporter,
        opts: FormatOptions,
        images: dict[Any, tuple[float, float]] | None,
        cats: dict[Any, tuple[str, int]],
        check_cats: bool,
        check_images: bool,
    ) -> None:
        self.pf, self.rep, self.opts = pf, rep, opts
        self.images, self.cats = images, cats
        self.check_cats, self.check_images = check_cats, check_images
        self.results = images is None  # results files have no ids and carry scores
        self.tol = opts.bbox_tolerance_px
        self.rel_tol = opts.area_rel_tolerance
        self.abs_tol = opts.area_abs_tolerance

    def run(self, anns: list[Any]) -> None:
        rep = self.rep
        seen: set[Any] = set()
        dupes: set[Any] = set()
        out = self.pf.annotations
        append = out.append
        check = self._check
        for index, ann in enumerate(anns):
            if type(ann) is not dict:
                rep.add("coco.type", f"annotations[{index}] is not an object", f"#{index}")
                continue
            try:
                made = check(ann, index, seen, dupes)
            except (TypeError, ValueError, IndexError, KeyError, AttributeError, ArithmeticError):
                self._diagnose(ann, index)
                continue
            if made is not None:
                append(made)

    def _check(
        self, ann: dict[str, Any], index: int, seen: set[Any], dupes: set[Any]
    ) -> Annotation | None:
        """One annotation, concern by concern: ids, references, box, segmentation,
        keypoints, box vs segmentation, crowd flag, stored area."""
        get = ann.get
        image_id = get("image_id")
        cat_id = get("category_id")
        aid = self._result_id(get, index) if self.results else self._id(get, index, seen)
        if aid is None:
            return None
        size, cat = self._references(image_id, cat_id, aid)
        bbox = get("bbox")
        box = None if bbox is None else self._bbox(bbox, size, aid)
        geometry = _NONE if box is None else _BBOX
        seg = get("segmentation")
        area: float | None = None
        bounds: _Bounds | None = None
        if seg:  # [] and None mean box-only (CVAT, Roboflow exports)
            geometry, area, bounds = self._segmentation(seg, size, aid)
        kps = get("keypoints")
        if kps is not None:
            self._keypoints(kps, get("num_keypoints"), cat, size, aid)
            if get("num_keypoints") or geometry is _NONE:
                geometry = _KEYPOINTS
        if box is not None:
            self._box_twins(bbox, box, bounds, (image_id, cat_id, box), dupes, aid)
        elif bounds is not None:
            box = (bounds[0], bounds[1], bounds[2] - bounds[0], bounds[3] - bounds[1])
        crowd = get("iscrowd")
        if crowd is not None and crowd != 0 and crowd != 1:
            self.rep.add("coco.type", f"iscrowd must be 0 or 1, not {crowd!r:.20}", aid)
        stored = get("area")
        if stored is not None and not self.results:
            self._area(stored, area, box, crowd, aid)
        attributes = get("attributes")
        return Annotation(
            str(aid),
            str(image_id),
            cat[0] if cat is not None else "",
            geometry,
            box,
            attributes if type(attributes) is dict else {},
        )

    def _result_id(self, get: Any, index: int) -> str | None:
        """A results row has no id: `#index`; image and category are still required."""
        aid = f"#{index}"
        if get("image_id") is None or get("category_id") is None:
            self.rep.add("coco.required-key", f"result {index} needs image_id and category_id", aid)
            return None
        score = get("score")
        if score is not None and not 0.0 <= score <= 1.0:
            self.rep.add("coco.score-range", f"score {score} outside 0..1", aid)
        return aid

    def _id(self, get: Any, index: int, seen: set[Any]) -> Any:
        aid = get("id")
        image_id, cat_id = get("image_id"), get("category_id")
        if aid is None or image_id is None or cat_id is None:
            missing = [k for k in ("id", "image_id", "category_id") if get(k) is None]
            self.rep.add(
                "coco.required-key",
                f"annotations[{index}] has no {', '.join(missing)}",
                aid if _is_id(aid) else f"#{index}",
            )
            return None
        if (
            type(aid) not in _ID_TYPES
            or type(image_id) not in _ID_TYPES
            or type(cat_id) not in _ID_TYPES
        ):
            raise TypeError("ids")
        if aid in seen:
            self.rep.add("coco.duplicate-id", f"annotation id {aid} appears twice", aid)
        else:
            seen.add(aid)
        return aid

    def _references(
        self, image_id: Any, cat_id: Any, aid: Any
    ) -> tuple[tuple[float, float] | None, tuple[str, int] | None]:
        """The image size (None: unknown, or a zero size already reported) and category."""
        size = None
        if self.images is not None:
            size = self.images.get(image_id)
            if size is None and self.check_images:
                self.rep.add(
                    "coco.dangling-image-ref", f"image_id {image_id} is not in images", aid
                )
        cat = self.cats.get(cat_id)
        if cat is None and self.check_cats:
            self.rep.add("coco.unknown-category", f"category_id {cat_id} is not in categories", aid)
        return (size if size is not None and size[0] else None), cat

    def _bbox(
        self, bbox: Any, size: tuple[float, float] | None, aid: Any
    ) -> tuple[float, float, float, float]:
        x, y, w, h = bbox
        box = (x + 0.0, y + 0.0, w + 0.0, h + 0.0)
        tol = self.tol
        if w <= 0 or h <= 0:
            self.rep.add("coco.bbox-non-positive", f"bbox {bbox} has w or h <= 0", aid)
        elif size is not None and (
            x < -tol or y < -tol or x + w > size[0] + tol or y + h > size[1] + tol
        ):
            self.rep.add(
                "coco.bbox-outside-image",
                f"bbox {bbox} outside the {size[0]:g}x{size[1]:g} image",
                aid,
            )
        return box

    def _segmentation(
        self, seg: Any, size: tuple[float, float] | None, aid: Any
    ) -> tuple[GeometryKind, float | None, _Bounds | None]:
        if type(seg) is dict:  # RLE: its own size is checked against the image
            return (_MASK, *self._rle(seg, size, aid))
        if type(seg) is not list:
            raise TypeError("segmentation")
        part = seg[0]
        n = len(part)
        if len(seg) == 1 and n >= 6 and not n & 1:
            # The common single-ring polygon, inlined: this is the hot path.
            # Shoelace on the flat list: x_i*y_(i+1) and x_(i+1)*y_i sums by
            # strided slices (C loops), plus the closing edge.
            xs = part[0::2]
            ys = part[1::2]
            twice = (
                sum(map(mul, xs, part[3::2]))
                - sum(map(mul, part[2::2], ys))
                + part[-2] * part[1]
                - part[0] * part[-1]
            )
            area: float | None = abs(twice) * 0.5
            bounds: _Bounds | None = (min(xs), min(ys), max(xs), max(ys))
        else:
            area, bounds = self._polygons(seg, aid)
        if bounds is not None and size is not None:
            self._inside("polygon", bounds, size, aid)
        return _POLYGON, area, bounds

    def _inside(self, what: str, bounds: _Bounds, size: tuple[float, float], aid: Any) -> None:
        """Polygons and keypoints against the image, with the bbox tolerance."""
        tol = self.tol
        if (
            bounds[0] < -tol
            or bounds[1] < -tol
            or bounds[2] > size[0] + tol
            or bounds[3] > size[1] + tol
        ):
            self.rep.add(
                "coco.outside-image",
                f"{what} spans x {bounds[0]:g}..{bounds[2]:g}, y {bounds[1]:g}..{bounds[3]:g},"
                f" outside the {size[0]:g}x{size[1]:g} image",
                aid,
            )

    def _box_twins(
        self,
        bbox: Any,
        box: tuple[float, float, float, float],
        bounds: _Bounds | None,
        key: tuple[Any, ...],
        dupes: set[Any],
        aid: Any,
    ) -> None:
        """The box against its own segmentation, and against the boxes before it."""
        if bounds is not None:
            self._encloses(bbox, box, bounds, aid)
        if key in dupes:
            self.rep.add("annotation.duplicate", f"same image, category and bbox {bbox}", aid)
        else:
            dupes.add(key)

    def _encloses(
        self, bbox: Any, box: tuple[float, float, float, float], bounds: _Bounds, aid: Any
    ) -> None:
        tol = self.tol
        if (
            bounds[0] < box[0] - tol
            or bounds[1] < box[1] - tol
            or bounds[2] > box[0] + box[2] + tol
            or bounds[3] > box[1] + box[3] + tol
        ):
            self.rep.add(
                "coco.bbox-not-enclosing-segmentation",
                f"bbox {bbox} does not enclose the segmentation "
                f"(x {bounds[0]:g}..{bounds[2]:g}, y {bounds[1]:g}..{bounds[3]:g})",
                aid,
            )

    def _area(
        self,
        stored: Any,
        area: float | None,
        box: tuple[float, float, float, float] | None,
        crowd: Any,
        aid: Any,
    ) -> None:
        if area is not None:
            diff = abs(stored - area)
            if diff > self.abs_tol and diff > self.rel_tol * max(area, stored):
                self._area_mismatch(stored, area, crowd, aid)
        elif box is not None:
            self._box_area(stored + 0.0, box, aid)

    def _polygons(
        self, parts: list[Any], aid: Any
    ) -> tuple[float | None, tuple[float, float, float, float] | None]:
        area = 0.0
        xmin = ymin = float("inf")
        xmax = ymax = float("-inf")
        for part in parts:
            n = len(part)
            if n & 1:
                rep_rule = "coco.polygon-odd-coordinates"
                self.rep.add(rep_rule, f"polygon part with {n} coordinates", aid)
                continue
            if n < 6:
                self.rep.add(
                    "coco.polygon-too-few-points", f"polygon part with {n // 2} points", aid
                )
                continue
            xs = part[0::2]
            ys = part[1::2]
            area += polygon_area(part)
            xmin = min(xmin, min(xs))
            xmax = max(xmax, max(xs))
            ymin = min(ymin, min(ys))
            ymax = max(ymax, max(ys))
        if xmax == float("-inf"):
            return None, None  # no valid part: nothing to compare area or bbox with
        return area, (xmin, ymin, xmax, ymax)

    def _rle(
        self, seg: dict[str, Any], size: tuple[float, float] | None, aid: Any
    ) -> tuple[float | None, tuple[float, float, float, float] | None]:
        rle_size = seg.get("size")
        counts = seg.get("counts")
        if type(rle_size) is not list or len(rle_size) != 2 or counts is None:
            self.rep.add("coco.type", "RLE segmentation needs size [h, w] and counts", aid)
            return None, None
        h, w = rle_size
        if size is not None and size[0] and (h != size[1] or w != size[0]):
            self.rep.add(
                "coco.rle-size-mismatch",
                f"RLE size {rle_size} but image is [{size[1]:g}, {size[0]:g}] (h, w)",
                aid,
            )
        runs = decode_compressed_rle(counts) if type(counts) is str else counts
        if runs is None or type(runs) is not list or sum(runs) != h * w or min(runs, default=0) < 0:
            self.rep.add("coco.rle-counts", f"RLE counts do not cover {h}x{w} pixels", aid)
            return None, None
        area, box = rle_area_bbox(runs, h)
        if box is None:
            return float(area), None
        return float(area), (box[0], box[1], box[0] + box[2], box[1] + box[3])

    def _keypoints(
        self,
        kps: list[Any],
        num: Any,
        cat: tuple[str, int] | None,
        size: tuple[float, float] | None,
        aid: Any,
    ) -> None:
        n = len(kps)
        expected = cat[1] * 3 if cat is not None and cat[1] else None
        if n % 3 or (expected is not None and n != expected):
            want = f"{expected}" if expected is not None else "a multiple of 3"
            self.rep.add("coco.keypoints-length", f"{n} keypoint values, expected {want}", aid)
            return
        flags = kps[2::3]
        if any(v not in (0, 1, 2) for v in flags):
            self.rep.add("coco.keypoints-visibility", f"visibility flags {flags}", aid)
            return
        labeled = sum(1 for v in flags if v)
        if num is not None and num != labeled:
            self.rep.add(
                "coco.num-keypoints-mismatch",
                f"num_keypoints {num} but {labeled} keypoints labeled",
                aid,
            )
        if size is not None and labeled:
            # v = 0 is "not labelled": its (x, y), usually (0, 0), is no position.
            xs = [kps[i] for i in range(0, n, 3) if kps[i + 2]]
            ys = [kps[i + 1] for i in range(0, n, 3) if kps[i + 2]]
            self._inside("keypoints", (min(xs), min(ys), max(xs), max(ys)), size, aid)

    def _box_area(self, stored: float, box: tuple[float, float, float, float], aid: Any) -> None:
        # Box only: the stored area may be an (unknown) mask area, never above w*h.
        limit = box[2] * box[3]
        if stored > limit * (1 + self.rel_tol) + self.abs_tol:
            self.rep.add("coco.area-mismatch", f"area {stored:g} exceeds bbox w*h {limit:g}", aid)

    def _area_mismatch(self, stored: Any, area: float, crowd: Any, aid: Any) -> None:
        rule = "coco.crowd-area-mismatch" if crowd == 1 else "coco.area-mismatch"
        self.rep.add(rule, f"area {stored:g} but segmentation area is {area:g}", aid)

    def _diagnose(self, ann: dict[str, Any], index: int) -> None:
        """Slow path: name the first mistyped field of an annotation."""
        aid = ann.get("id", f"#{index}")
        if not _is_id(aid):
            aid = f"#{index}"
        problem = "a value has an unexpected type"
        for key in ("id", "image_id", "category_id"):
            if key in ann and not _is_id(ann[key]):
                problem = f"`{key}` must be an integer or string, not {ann[key]!r:.40}"
                break
        else:
            bbox = ann.get("bbox")
            seg = ann.get("segmentation")
            if bbox is not None and not (
                type(bbox) is list and len(bbox) == 4 and all(_is_num(v) for v in bbox)
            ):
                problem = f"`bbox` must be 4 numbers [x, y, w, h], not {bbox!r:.60}"
            elif type(seg) is list and not all(
                type(p) is list and all(_is_num(v) for v in p) for p in seg
            ):
                problem = "`segmentation` polygons must be lists of numbers"
            elif seg and type(seg) not in (list, dict):
                problem = "`segmentation` must be a polygon list or an RLE object"
            elif type(seg) is dict:
                problem = "RLE `size` must be [h, w] integers and `counts` a list or string"
            elif "area" in ann and not _is_num(ann["area"]):
                problem = f"`area` must be a number, not {ann['area']!r:.40}"
            elif "keypoints" in ann:
                problem = "`keypoints` must be a list of numbers"
            elif "score" in ann and not _is_num(ann["score"]):
                problem = "`score` must be a number"
        self.rep.add("coco.type", f"annotation {aid}: {problem}", aid)


def parse_coco_panoptic(pf: ParsedFile, doc: Any, rep: Reporter, opts: FormatOptions) -> None:
    """COCO panoptic: segments_info per image; masks live in PNGs that we do not read."""
    if type(doc) is not dict:
        rep.add("json.root-type", "a COCO panoptic file is a JSON object")
        return
    images = read_images(doc, rep, pf)
    cats = read_categories(_list(doc, "categories", rep, False), rep, pf)
    tol = opts.bbox_tolerance_px
    for index, entry in enumerate(_list(doc, "annotations", rep, True)):
        segs = entry.get("segments_info") if type(entry) is dict else None
        image_id = entry.get("image_id") if type(entry) is dict else None
        if type(segs) is not list or image_id is None:
            rep.add("coco.required-key", f"annotations[{index}] needs image_id, segments_info")
            continue
        size = images.get(image_id) if _is_id(image_id) else None
        if size is None:
            rep.add("coco.dangling-image-ref", f"image_id {image_id} is not in images")
        seen: set[Any] = set()
        for seg in segs:
            if type(seg) is not dict or not _is_id(seg.get("id")):
                rep.add("coco.required-key", f"segment without id in image {image_id}")
                continue
            sid = seg["id"]
            aid = f"{image_id}/{sid}"
            if sid in seen:
                rep.add("coco.duplicate-id", f"segment id {sid} twice in image {image_id}", aid)
            seen.add(sid)
            cid = seg.get("category_id")
            cat = cats.get(cid) if _is_id(cid) else None
            if cat is None:
                rep.add("coco.unknown-category", f"category_id {cid!s:.40}", aid)
            box = None
            bbox = seg.get("bbox")
            if type(bbox) is list and len(bbox) == 4 and all(_is_num(v) for v in bbox):
                x, y, w, h = bbox
                box = (float(x), float(y), float(w), float(h))
                if (
                    size is not None
                    and size[0]
                    and (x < -tol or y < -tol or x + w > size[0] + tol or y + h > size[1] + tol)
                ):
                    rep.add("coco.bbox-outside-image", f"bbox {bbox} outside the image", aid)
            pf.annotations.append(
                Annotation(aid, str(image_id), cat[0] if cat else "", _MASK, box, {})
            )
