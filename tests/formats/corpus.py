"""A corpus of broken label files, one or more per check id (built in code so each case
shows the one thing that is wrong). Each case must yield exactly its check id."""

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from gitannot.constants import CONFLICT_KEY
from gitannot.formats import FormatContext, FormatOptions
from gitannot.formats.options import LabelStudioControl


@dataclass
class Case:
    rule: str
    name: str
    path: str
    data: bytes
    format: str | None = None
    options: FormatOptions | None = None
    context: FormatContext | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def coco_doc() -> dict[str, Any]:
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 100, "height": 100}],
        "categories": [
            {"id": 1, "name": "cat"},
            {"id": 2, "name": "person", "keypoints": ["nose", "eye"]},
        ],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "bbox": [10, 10, 20, 20],
                "area": 400,
                "segmentation": [[10, 10, 30, 10, 30, 30, 10, 30]],
                "iscrowd": 0,
            }
        ],
    }


def coco(mutate: Callable[[dict[str, Any]], Any]) -> bytes:
    doc = coco_doc()
    mutate(doc)
    return orjson.dumps(doc)


def ann(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    a: dict[str, Any] = doc["annotations"][0]
    for key, value in changes.items():
        if value is None:
            a.pop(key, None)
        else:
            a[key] = value
    return a


def extra_ann(doc: dict[str, Any], **changes: Any) -> None:
    a = copy.deepcopy(doc["annotations"][0])
    a.update(id=2, bbox=[50, 50, 10, 10], area=100, segmentation=[[50, 50, 60, 50, 60, 60, 50, 60]])
    a.update(changes)
    doc["annotations"].append(a)


NAMES = FormatContext(class_names=("cat", "dog"))
GOOD_ROW = "0 0.5 0.5 0.2 0.2\n"


def yolo(text: str, context: FormatContext | None = NAMES) -> dict[str, Any]:
    return {"path": "labels/img.txt", "data": text.encode(), "format": "yolo", "context": context}


def voc(
    objects: str,
    size: str = "<size><width>100</width><height>100</height></size>",
    filename: str = "img.jpg",
) -> bytes:
    return (f"<annotation><filename>{filename}</filename>{size}{objects}</annotation>").encode()


def voc_obj(name: str = "cat", box: tuple[Any, ...] = (10, 10, 30, 30)) -> str:
    x0, y0, x1, y1 = box
    return (
        f"<object><name>{name}</name><bndbox><xmin>{x0}</xmin><ymin>{y0}</ymin>"
        f"<xmax>{x1}</xmax><ymax>{y1}</ymax></bndbox></object>"
    )


CVAT_HEAD = (
    "<annotations><version>1.1</version><meta><task><labels>"
    "<label><name>cat</name></label><label><name>dog</name></label>"
    "</labels></task></meta>"
)


def cvat(shapes: str) -> bytes:
    return (
        f'{CVAT_HEAD}<image id="0" name="a.jpg" width="100" height="100">{shapes}</image>'
        "</annotations>"
    ).encode()


CVAT_SPECS = (
    "<attributes><attribute><name>mood</name><input_type>select</input_type>"
    "<values>happy\nsad</values></attribute>"
    "<attribute><name>flag</name><input_type>checkbox</input_type><values>false\ntrue</values>"
    "</attribute><attribute><name>count</name><input_type>number</input_type>"
    "<values>0\n10\n1</values></attribute></attributes>"
)


def cvat_attr(name: str, value: str) -> bytes:
    head = CVAT_HEAD.replace("<name>cat</name>", "<name>cat</name>" + CVAT_SPECS)
    good = {"mood": "sad", "flag": "true", "count": "3"}
    good[name] = value
    attrs = "".join(f'<attribute name="{k}">{v}</attribute>' for k, v in good.items())
    return (
        f'{head}<image id="0" name="a.jpg" width="100" height="100">'
        f"{BOX.replace('/>', '>' + attrs + '</box>')}</image></annotations>"
    ).encode()


BOX = '<box label="cat" xtl="10" ytl="10" xbr="30" ybr="30" occluded="0"/>'
CUBOID = (
    '<cuboid label="cat" occluded="0" xtl1="10" ytl1="10" xbl1="10" ybl1="50" xtr1="50"'
    ' ytr1="10" xbr1="50" ybr1="50" xtl2="20" ytl2="5" xbl2="20" ybl2="45" xtr2="60"'
    ' ytr2="5" xbr2="60" ybr2="45"/>'
)
SKELETON = (
    '<skeleton label="cat"><points label="nose" outside="0" occluded="0" points="{nose}"/>'
    '<points label="tail" outside="1" occluded="0" points="5000,5000"/></skeleton>'
)
LFS_POINTER = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    b"size 12345\n"
)


def cvat_track(*frames: str, step: int = 1) -> bytes:
    """A CVAT for video file of frames 0..3 (on `step`) with one track of boxes."""
    meta = (
        f"<meta><task><size>4</size><start_frame>0</start_frame><stop_frame>3</stop_frame>"
        f"<frame_filter>step={step}</frame_filter><labels><label><name>cat</name></label>"
        "</labels><original_size><width>100</width><height>100</height></original_size>"
        "</task></meta>"
    )
    boxes = "".join(
        f'<box {frame} outside="0" occluded="0" keyframe="1" xtl="1" ytl="1" xbr="9" ybr="9"/>'
        for frame in frames
    )
    return f'<annotations>{meta}<track id="0" label="cat">{boxes}</track></annotations>'.encode()


LS_CONTROLS = {"label": LabelStudioControl("label", "RectangleLabels", "image", ("Car", "Plane"))}
LS_CONTEXT = FormatContext(labelstudio_controls=LS_CONTROLS)


def ls_result(rid: str = "r1", **value: Any) -> dict[str, Any]:
    base = {"x": 10, "y": 10, "width": 20, "height": 20, "rotation": 0, "rectanglelabels": ["Car"]}
    base.update(value)
    return {
        "id": rid,
        "type": "rectanglelabels",
        "from_name": "label",
        "to_name": "image",
        "original_width": 200,
        "original_height": 100,
        "value": base,
    }


def ls(results: list[Any], **task: Any) -> bytes:
    doc = {"id": 1, "data": {"image": "a.jpg"}, "annotations": [{"id": 7, "result": results}]}
    doc.update(task)
    return orjson.dumps([doc])


def uid(n: int) -> str:
    return str(uuid.UUID(int=n))


def perimage(annotations: list[Any] | Any, **top: Any) -> bytes:
    doc: dict[str, Any] = {
        "version": 1,
        "item": {"id": "a", "file_name": "a.jpg", "width": 100, "height": 100},
        "annotations": annotations,
    }
    for key, value in top.items():
        if value is None:
            doc.pop(key)
        else:
            doc[key] = value
    return orjson.dumps(doc)


def pa(n: int = 1, **geometry: Any) -> dict[str, Any]:
    a = {"id": uid(n), "label": "cat", "attributes": {}}
    a.update(geometry or {"bbox": [10, 10, 20, 20]})
    return a


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<annotation><filename>&lol3;</filename></annotation>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><annotation>&xxe;</annotation>"""
CONFLICT = {
    CONFLICT_KEY: 1,
    "key": "5",
    "reason": "both modified",
    "base": None,
    "ours": None,
    "theirs": None,
}


def _cases() -> list[Case]:
    c: list[Case] = []

    def add(rule: str, name: str, path: str, data: bytes, **kw: Any) -> None:
        c.append(Case(rule, name, path, data, **kw))

    ok = coco(lambda _: None)
    # --- file level
    add("file.too-large", "limit", "a.json", ok, options=FormatOptions(max_file_bytes=100))
    add("file.encoding", "latin1-json", "a.json", b'{"images": [{"file_name": "\xe9"}]}')
    add("file.encoding", "utf16-bom", "a.json", "\ufeff{}".encode("utf-16"))
    add(
        "file.encoding",
        "latin1-xml",
        "a.xml",
        b"<annotation><filename>\xe9</filename></annotation>",
    )
    add(
        "file.encoding",
        "latin1-yolo",
        "labels/a.txt",
        b"0 0.5 0.5 0.1 0.1 \xe9\n",
        format="yolo",
        context=NAMES,
    )
    add("file.bom", "bom-coco", "a.json", b"\xef\xbb\xbf" + ok)
    add("file.empty", "empty-json", "a.json", b"")
    add("file.empty", "blank-xml", "a.xml", b"  \n", format="voc")
    add("format.unknown", "prose", "notes.txt", b"hello world\n")
    add("format.unknown", "json-layout", "a.json", b'{"hello": 1}')
    add(
        "format.unsupported",
        "labelme",
        "a.json",
        orjson.dumps({"version": "4", "shapes": [], "imagePath": "a.jpg"}),
    )
    add("format.unsupported", "unknown-name", "a.json", ok, format="made-up")
    # --- JSON
    add("json.parse", "truncated", "a.json", ok[:-5])
    add("json.parse", "trailing-comma", "a.json", b'{"images": [1,]}')
    add("json.nan", "nan", "a.json", ok.replace(b'"area":400', b'"area":NaN'))
    add("json.nan", "infinity", "a.json", ok.replace(b'"area":400', b'"area":-Infinity'))
    add("json.number-range", "1e400", "a.json", ok.replace(b'"area":400', b'"area":1e400'))
    add("json.too-deep", "deep", "a.json", b"[" * 5000 + b"]" * 5000)
    add("json.root-type", "coco-list", "a.json", b"[]", format="coco")
    add("json.root-type", "ls-object", "a.json", b"3", format="labelstudio")
    add("json.root-type", "results-object", "a.json", b"{}", format="coco-results")
    # --- XML
    add("xml.parse", "unclosed", "a.xml", b"<annotation><object></annotation>")
    add("xml.entities", "billion-laughs", "a.xml", BILLION_LAUGHS)
    add("xml.entities", "external-entity", "a.xml", EXTERNAL_ENTITY)
    add(
        "xml.too-deep",
        "deep",
        "a.xml",
        b"<annotation>" + b"<a>" * 200 + b"</a>" * 200 + b"</annotation>",
    )
    add("xml.root", "voc-root", "a.xml", b"<foo/>", format="voc")
    add("xml.root", "cvat-root", "a.xml", b"<foo/>", format="cvat")
    add("xml.root", "ls-config-root", "a.xml", b"<foo/>", format="labelstudio-config")
    # --- merge conflicts
    add(
        "merge.unresolved-conflict",
        "coco-record",
        "a.json",
        coco(lambda d: d["annotations"].append(CONFLICT)),
    )
    add(
        "merge.unresolved-conflict",
        "coco-field",
        "a.json",
        coco(lambda d: ann(d, bbox={**CONFLICT, "ours": [10, 10, 20, 20]})),
    )
    add("merge.unresolved-conflict", "perimage-record", "a.json", perimage([pa(), CONFLICT]))
    add(
        "merge.unresolved-conflict",
        "ls-record",
        "a.json",
        ls([ls_result(), CONFLICT]),
        context=LS_CONTEXT,
    )
    add(
        "merge.unresolved-conflict",
        "voc-element",
        "img.xml",
        voc(voc_obj() + '<gitannot_conflict key="1"><ours/><theirs/></gitannot_conflict>'),
    )
    add(
        "merge.unresolved-conflict",
        "cvat-element",
        "a.xml",
        cvat(BOX + "<gitannot_conflict><ours/></gitannot_conflict>"),
    )
    add(
        "merge.unresolved-conflict",
        "yolo-markers",
        **yolo(
            GOOD_ROW
            + "<<<<<<< ours\n1 0.1 0.1 0.1 0.1\n=======\n0 0.2 0.2 0.1 0.1\n>>>>>>> theirs\n"
        ),
    )
    add(
        "merge.unresolved-conflict",
        "names-markers",
        "classes.txt",
        b"cat\n<<<<<<< ours\ndog\n=======\nwolf\n>>>>>>> theirs\n",
    )
    add(
        "merge.unresolved-conflict",
        "data-yaml-markers",
        "data.yaml",
        b"names: [a]\n<<<<<<< ours\nnc: 1\n=======\nnc: 2\n>>>>>>> theirs\n",
    )
    # --- shared
    add("value.not-finite", "yolo-nan", **yolo("0 nan 0.5 0.1 0.1\n"))
    add("value.not-finite", "voc-inf", "img.xml", voc(voc_obj(box=(1, 1, "inf", 5))))
    add(
        "value.not-finite",
        "cvat-nan",
        "a.xml",
        cvat('<box label="cat" xtl="nan" ytl="1" xbr="3" ybr="4"/>'),
    )
    add(
        "value.not-finite",
        "cvat-points-inf",
        "a.xml",
        cvat('<polygon label="cat" points="1,2;3,inf;5,6"/>'),
    )
    add(
        "annotation.duplicate",
        "coco",
        "a.json",
        coco(lambda d: d["annotations"].append({**d["annotations"][0], "id": 2})),
    )
    add("annotation.duplicate", "yolo", **yolo(GOOD_ROW * 2))
    add("annotation.duplicate", "voc", "img.xml", voc(voc_obj() * 2))
    add("annotation.duplicate", "cvat", "a.xml", cvat(BOX * 2))
    add(
        "annotation.duplicate",
        "labelstudio",
        "a.json",
        ls([ls_result("r1"), ls_result("r2")]),
        context=LS_CONTEXT,
    )
    add("annotation.duplicate", "perimage", "a.json", perimage([pa(1), pa(2)]))
    # --- COCO
    add("coco.required-key", "no-category-id", "a.json", coco(lambda d: ann(d, category_id=None)))
    add("coco.required-key", "no-images", "a.json", coco(lambda d: d.pop("images")))
    add("coco.required-key", "image-no-size", "a.json", coco(lambda d: d["images"][0].pop("width")))
    add(
        "coco.required-key",
        "category-no-name",
        "a.json",
        coco(lambda d: d["categories"].append({"id": 9})),
    )
    add(
        "coco.required-key",
        "result-no-image",
        "r.json",
        orjson.dumps([{"category_id": 1, "bbox": [1, 1, 2, 2], "score": 0.5}]),
        format="coco-results",
    )
    add("coco.type", "bbox-string", "a.json", coco(lambda d: ann(d, bbox="10 10 20 20")))
    add("coco.type", "id-list", "a.json", coco(lambda d: ann(d, id=[1])))
    add("coco.type", "area-string", "a.json", coco(lambda d: ann(d, area="400")))
    add("coco.type", "annotation-not-object", "a.json", coco(lambda d: d["annotations"].append(5)))
    add("coco.type", "images-not-list", "a.json", coco(lambda d: d.update(images={})))
    add(
        "coco.type",
        "rle-no-counts",
        "a.json",
        coco(lambda d: ann(d, segmentation={"size": [100, 100]})),
    )
    add("coco.duplicate-id", "annotation", "a.json", coco(lambda d: extra_ann(d, id=1)))
    add(
        "coco.duplicate-id",
        "image",
        "a.json",
        coco(lambda d: d["images"].append(dict(d["images"][0]))),
    )
    add(
        "coco.duplicate-id",
        "category",
        "a.json",
        coco(lambda d: d["categories"].append({"id": 1, "name": "dog"})),
    )
    add(
        "coco.duplicate-category-name",
        "cat-twice",
        "a.json",
        coco(lambda d: d["categories"].append({"id": 3, "name": "cat"})),
    )
    add(
        "coco.duplicate-file-name",
        "a-jpg-twice",
        "a.json",
        coco(lambda d: d["images"].append({**d["images"][0], "id": 2})),
    )
    add("coco.type", "iscrowd-2", "a.json", coco(lambda d: ann(d, iscrowd=2)))
    add("coco.dangling-image-ref", "image-99", "a.json", coco(lambda d: ann(d, image_id=99)))
    add("coco.unknown-category", "category-99", "a.json", coco(lambda d: ann(d, category_id=99)))
    add("coco.image-size", "zero-width", "a.json", coco(lambda d: d["images"][0].update(width=0)))
    add(
        "coco.bbox-non-positive",
        "zero-width",
        "a.json",
        coco(lambda d: ann(d, bbox=[10, 10, 0, 20], segmentation=None, area=None)),
    )
    add(
        "coco.bbox-outside-image",
        "past-edge",
        "a.json",
        coco(lambda d: ann(d, bbox=[90, 90, 20, 20], segmentation=None)),
    )
    add(
        "coco.bbox-outside-image",
        "negative-x",
        "a.json",
        coco(lambda d: ann(d, bbox=[-10, 10, 20, 20], segmentation=None)),
    )
    add(
        "coco.polygon-too-few-points",
        "two-points",
        "a.json",
        coco(lambda d: ann(d, segmentation=[[10, 10, 30, 10]])),
    )
    add(
        "coco.polygon-too-few-points",
        "second-part",
        "a.json",
        coco(lambda d: ann(d, segmentation=[[10, 10, 30, 10, 30, 30, 10, 30], [1, 1]])),
    )
    add(
        "coco.polygon-odd-coordinates",
        "odd",
        "a.json",
        coco(lambda d: ann(d, segmentation=[[10, 10, 30, 10, 30]])),
    )
    rle = {"size": [50, 100], "counts": [1010, 10, 3980]}  # column 20, rows 10..19
    add(
        "coco.rle-size-mismatch",
        "half-height",
        "a.json",
        coco(lambda d: ann(d, segmentation=rle, bbox=[20, 10, 1, 10], area=10)),
    )
    add(
        "coco.rle-counts",
        "short",
        "a.json",
        coco(lambda d: ann(d, segmentation={"size": [100, 100], "counts": [10, 5]})),
    )
    add(
        "coco.rle-counts",
        "bad-string",
        "a.json",
        coco(lambda d: ann(d, segmentation={"size": [100, 100], "counts": "\x7f\x7f"})),
    )
    add(
        "coco.bbox-not-enclosing-segmentation",
        "small-box",
        "a.json",
        coco(lambda d: ann(d, bbox=[10, 10, 5, 5], area=400)),
    )
    add("coco.area-mismatch", "polygon", "a.json", coco(lambda d: ann(d, area=1000)))
    add(
        "coco.area-mismatch",
        "box-only",
        "a.json",
        coco(lambda d: ann(d, segmentation=[], area=10000)),
    )
    add("coco.crowd-area-mismatch", "crowd", "a.json", coco(lambda d: ann(d, area=1000, iscrowd=1)))
    kp = {"category_id": 2, "segmentation": None, "area": None}
    add(
        "coco.keypoints-length",
        "three-values",
        "a.json",
        coco(lambda d: ann(d, keypoints=[1, 2, 2], num_keypoints=1, **kp)),
    )
    add(
        "coco.keypoints-visibility",
        "flag-5",
        "a.json",
        coco(lambda d: ann(d, keypoints=[1, 2, 5, 3, 4, 2], num_keypoints=2, **kp)),
    )
    add(
        "coco.num-keypoints-mismatch",
        "count",
        "a.json",
        coco(lambda d: ann(d, keypoints=[1, 2, 2, 3, 4, 0], num_keypoints=2, **kp)),
    )
    add(
        "coco.score-range",
        "score-1.5",
        "r.json",
        orjson.dumps([{"image_id": 1, "category_id": 1, "bbox": [1, 1, 2, 2], "score": 1.5}]),
    )
    add(
        "coco.unknown-category",
        "panoptic",
        "p.json",
        orjson.dumps(
            {
                "images": [{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}],
                "categories": [{"id": 1, "name": "cat"}],
                "annotations": [
                    {
                        "image_id": 1,
                        "file_name": "a.png",
                        "segments_info": [{"id": 3, "category_id": 7, "bbox": [1, 1, 2, 2]}],
                    }
                ],
            }
        ),
    )
    # --- YOLO
    add("yolo.token-count", "four", **yolo("0 0.5 0.5 0.1\n"))
    add("yolo.token-count", "six", **yolo("0 0.5 0.5 0.1 0.1 0.9\n"))
    add("yolo.number", "word", **yolo("0 0.5 abc 0.1 0.1\n"))
    add("yolo.number", "float-class", **yolo("1.0 0.5 0.5 0.1 0.1\n"))
    add("yolo.class-out-of-range", "class-5", **yolo("5 0.5 0.5 0.1 0.1\n"))
    add("yolo.coordinate-range", "pixels", **yolo("0 320 240 50 50\n"))
    add("yolo.coordinate-range", "polygon", **yolo("1 0.1 0.1 1.5 0.1 0.5 0.5\n"))
    add("yolo.outside-image", "edge", **yolo("0 0.98 0.5 0.1 0.1\n"))
    add("yolo.bbox-non-positive", "zero-w", **yolo("0 0.5 0.5 0 0.1\n"))
    add("yolo.no-names", "no-context", **yolo(GOOD_ROW, context=None))
    pose = FormatContext(class_names=("person",), yolo_kpt_shape=(2, 3))
    add(
        "yolo.keypoint-visibility",
        "flag-7",
        **{**yolo("0 0.5 0.5 0.2 0.2 0.4 0.4 2 0.6 0.6 7\n"), "context": pose},
    )
    add(
        "yolo.token-count",
        "pose-short",
        **{**yolo("0 0.5 0.5 0.2 0.2 0.4 0.4 2\n"), "context": pose},
    )
    add(
        "yolo.coordinate-range",
        "pose-x",
        **{**yolo("0 0.5 0.5 0.2 0.2 1.4 0.4 2 0 0 0\n"), "context": pose},
    )
    add("yolo-data.kpt-shape", "shape-4", "data.yaml", b"names: [a]\nkpt_shape: [17, 4]\n")
    add("yolo-data.parse", "bad-yaml", "data.yaml", b"names: [a, b\n")
    add("yolo-data.parse", "list-root", "data.yaml", b"- a\n- b\n")
    add("yolo-data.names", "number", "data.yaml", b"names: 5\n")
    add("yolo-data.names", "gappy-dict", "data.yaml", b"names: {0: a, 2: b}\n")
    add("yolo-data.nc-mismatch", "nc-3", "data.yaml", b"nc: 3\nnames: [a, b]\n")
    add("yolo-data.duplicate-name", "yaml", "data.yaml", b"names: {0: a, 1: a}\n")
    add("yolo-data.duplicate-name", "classes-txt", "classes.txt", b"a\nb\na\n")
    add("yolo-data.empty-name", "blank-line", "obj.names", b"a\n\nb\n")
    # --- VOC
    add("voc.required-element", "no-bndbox", "img.xml", voc("<object><name>cat</name></object>"))
    add("voc.required-element", "no-ymax", "img.xml", voc(voc_obj().replace("<ymax>30</ymax>", "")))
    add("voc.number", "word", "img.xml", voc(voc_obj(box=(10, "ten", 30, 30))))
    add("voc.filename-mismatch", "other-jpg", "img.xml", voc(voc_obj(), filename="other.jpg"))
    add("voc.coordinates-zero-based", "xmin-0", "img.xml", voc(voc_obj(box=(0, 10, 30, 30))))
    add("voc.bbox-non-positive", "swapped", "img.xml", voc(voc_obj(box=(30, 10, 10, 30))))
    add("voc.bbox-outside-image", "xmax-200", "img.xml", voc(voc_obj(box=(10, 10, 200, 30))))
    add("voc.missing-size", "no-size", "img.xml", voc(voc_obj(), size=""))
    # --- Label Studio
    add(
        "labelstudio.structure",
        "annotations-dict",
        "a.json",
        ls([], annotations={"result": []}),
        context=LS_CONTEXT,
    )
    add(
        "labelstudio.structure",
        "result-no-value",
        "a.json",
        ls([{"id": "r", "type": "rectanglelabels"}]),
        context=LS_CONTEXT,
    )
    add(
        "labelstudio.structure",
        "task-not-object",
        "a.json",
        b'[{"data": {}, "annotations": []}, 3]',
    )
    add(
        "labelstudio.dangling-from-name",
        "from-nope",
        "a.json",
        ls([{**ls_result(), "from_name": "nope"}]),
        context=LS_CONTEXT,
    )
    add(
        "labelstudio.dangling-from-name",
        "config-to-nowhere",
        "c.xml",
        b'<View><Image name="img" value="$image"/>'
        b'<RectangleLabels name="label" toName="image"><Label value="a"/></RectangleLabels></View>',
    )
    add("labelstudio.value-range", "x-150", "a.json", ls([ls_result(x=150)]), context=LS_CONTEXT)
    add(
        "labelstudio.value-range",
        "polygon-pixels",
        "a.json",
        ls(
            [
                {
                    **ls_result(),
                    "type": "polygonlabels",
                    "value": {"points": [[10, 10], [300, 10], [10, 50]], "polygonlabels": ["Car"]},
                }
            ]
        ),
        context=LS_CONTEXT,
    )
    add(
        "labelstudio.bbox-non-positive",
        "width-0",
        "a.json",
        ls([ls_result(width=0)]),
        context=LS_CONTEXT,
    )
    add(
        "labelstudio.outside-image",
        "x-90-w-20",
        "a.json",
        ls([ls_result(x=90, width=20)]),
        context=LS_CONTEXT,
    )
    add(
        "labelstudio.outside-image",
        "rotated",
        "a.json",
        ls([ls_result(x=95, y=10, width=4, height=20, rotation=270)]),
        context=LS_CONTEXT,
    )
    add(
        "labelstudio.unknown-label",
        "zebra",
        "a.json",
        ls([ls_result(rectanglelabels=["Zebra"])]),
        context=LS_CONTEXT,
    )
    add(
        "labelstudio.duplicate-id",
        "same-id",
        "a.json",
        ls([ls_result("r1"), ls_result("r1", x=50)]),
        context=LS_CONTEXT,
    )
    add(
        "labelstudio.duplicate-id",
        "task-twice",
        "a.json",
        ls([ls_result()])[:-1] + b"," + ls([ls_result("r2", x=50)])[1:],
        context=LS_CONTEXT,
    )
    # --- CVAT
    add(
        "cvat.unknown-attribute",
        "undeclared",
        "a.xml",
        cvat(BOX.replace("/>", '><attribute name="color">red</attribute></box>')),
    )
    add("cvat.attribute-value", "select", "a.xml", cvat_attr("mood", "angry"))
    add("cvat.attribute-value", "checkbox", "a.xml", cvat_attr("flag", "yes"))
    add("cvat.attribute-value", "number", "a.xml", cvat_attr("count", "many"))
    add(
        "cvat.duplicate-id",
        "image-twice",
        "a.xml",
        cvat(BOX).replace(
            b"</annotations>", b'<image id="0" name="b.jpg" width="9" height="9"/></annotations>'
        ),
    )
    add("cvat.unknown-label", "zebra", "a.xml", cvat(BOX.replace('"cat"', '"zebra"')))
    add("annotation.empty-label", "cvat-empty", "a.xml", cvat(BOX.replace('"cat"', '""')))
    add("annotation.empty-label", "cvat-blank", "a.xml", cvat(BOX.replace('"cat"', '" "')))
    add(
        "cvat.outside-image",
        "cuboid-ybr2",
        "a.xml",
        cvat(CUBOID.replace('ybr2="45"', 'ybr2="450"')),
    )
    add(
        "cvat.outside-image",
        "skeleton-visible-point",
        "a.xml",
        cvat(SKELETON.format(nose="900,10")).replace(
            b"</labels>",
            b"<label><name>nose</name><parent>cat</parent></label>"
            b"<label><name>tail</name><parent>cat</parent></label></labels>",
        ),
    )
    add(
        "cvat.outside-image",
        "rotated-box",
        "a.xml",
        cvat('<box label="cat" xtl="1" ytl="1" xbr="99" ybr="99" rotation="45"/>'),
    )
    add(
        "cvat.track-duplicate-frame", "frame-1-twice", "a.xml", cvat_track('frame="1"', 'frame="1"')
    )
    add("cvat.frame-out-of-range", "frame-99999", "a.xml", cvat_track('frame="99999"'))
    add("cvat.frame-out-of-range", "frame-minus-5", "a.xml", cvat_track('frame="-5"'))
    add("cvat.frame-out-of-range", "off-step", "a.xml", cvat_track('frame="1"', step=2))
    add("cvat.number", "frame-word", "a.xml", cvat_track('frame="two"'))
    add("cvat.required-attribute", "no-frame", "a.xml", cvat_track(""))
    add("cvat.required-attribute", "no-xtl", "a.xml", cvat(BOX.replace('xtl="10" ', "")))
    add(
        "cvat.required-attribute",
        "image-no-size",
        "a.xml",
        cvat("").replace(b' width="100" height="100"', b""),
    )
    add("cvat.number", "word", "a.xml", cvat(BOX.replace('xtl="10"', 'xtl="ten"')))
    add("cvat.bbox-non-positive", "swapped", "a.xml", cvat(BOX.replace('xbr="30"', 'xbr="5"')))
    add("cvat.outside-image", "xbr-200", "a.xml", cvat(BOX.replace('xbr="30"', 'xbr="200"')))
    add(
        "cvat.too-few-points", "polygon-2", "a.xml", cvat('<polygon label="cat" points="1,2;3,4"/>')
    )
    # --- empty labels elsewhere (CVAT above)
    add(
        "annotation.empty-label",
        "coco-category",
        "a.json",
        coco(lambda d: d["categories"][0].update(name="")),
    )
    add("annotation.empty-label", "perimage", "a.json", perimage([{**pa(), "label": ""}]))
    add("annotation.empty-label", "voc-blank", "img.xml", voc(voc_obj(name=" ")))
    add("annotation.empty-label", "voc-empty", "img.xml", voc(voc_obj(name="")))
    add(
        "annotation.empty-label",
        "labelstudio-blank",
        "a.json",
        ls([ls_result(rectanglelabels=[""])]),
    )
    add(
        "annotation.empty-label",
        "labelstudio-none",
        "a.json",
        ls([ls_result(rectanglelabels=[])]),
    )
    # --- COCO geometry against the image
    add(
        "coco.outside-image",
        "polygon-x-5000",
        "a.json",
        coco(lambda d: ann(d, bbox=None, area=None, segmentation=[[5000, 1, 5010, 1, 5010, 9]])),
    )
    add(
        "coco.outside-image",
        "polygon-x-minus-900",
        "a.json",
        coco(lambda d: ann(d, bbox=None, area=None, segmentation=[[-900, 1, -890, 1, -890, 9]])),
    )
    add(
        "coco.outside-image",
        "keypoints-9000",
        "a.json",
        coco(
            lambda d: ann(d, keypoints=[9000, 9000, 2, 1, 1, 2], num_keypoints=2, **kp, bbox=None)
        ),
    )
    # --- Git LFS pointers, whatever the name or declared format
    for path, fmt in (("labels/a.txt", None), ("a.json", None), ("a.xml", "cvat")):
        add("format.lfs-pointer", f"{path}-{fmt}", path, LFS_POINTER, format=fmt)
    # --- gitannot per-image
    add("gitannot.required-key", "no-version", "a.json", perimage([pa()], version=None))
    add(
        "gitannot.required-key",
        "no-label",
        "a.json",
        perimage([{"id": uid(1), "bbox": [1, 1, 2, 2]}]),
    )
    add("gitannot.type", "annotations-object", "a.json", perimage({"a": 1}))
    add("gitannot.type", "label-number", "a.json", perimage([{**pa(), "label": 5}]))
    add("gitannot.invalid-id", "not-uuid", "a.json", perimage([{**pa(), "id": "ann-1"}]))
    add("gitannot.duplicate-id", "twice", "a.json", perimage([pa(1), pa(1, bbox=[50, 50, 5, 5])]))
    add(
        "gitannot.geometry",
        "two",
        "a.json",
        perimage([pa(1, bbox=[1, 1, 2, 2], polygon=[[1, 1, 5, 1, 5, 5]])]),
    )
    add("gitannot.geometry", "bbox-3", "a.json", perimage([pa(1, bbox=[1, 1, 2])]))
    add("gitannot.bbox-non-positive", "zero-h", "a.json", perimage([pa(1, bbox=[1, 1, 2, 0])]))
    add("gitannot.outside-image", "past-edge", "a.json", perimage([pa(1, bbox=[90, 90, 20, 20])]))
    add(
        "gitannot.polygon-too-few-points",
        "two-points",
        "a.json",
        perimage([pa(1, polygon=[[1, 1, 5, 1]])]),
    )
    add(
        "gitannot.rle-size-mismatch",
        "half",
        "a.json",
        perimage([pa(1, mask={"size": [50, 100], "counts": [1010, 10, 3980]})]),
    )
    add("gitannot.version", "v2", "a.json", perimage([pa()], version=2))
    return c


CASES = _cases()
