"""Registry of every format check: stable id, default severity, description, hint.

Ids are part of the interface: project configs override severities by id and reports
print them. Defaults accept real exports: real-world defects are warnings, not errors.
"""

from dataclasses import dataclass

from gitannot.core.findings import Severity

E, W, N = Severity.ERROR, Severity.WARNING, Severity.INFO  # N: info (notice)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    description: str
    hint: str


_RULES = [
    # --- the file as a whole
    Rule(
        "file.too-large",
        E,
        "file exceeds the size limit; refused before parsing",
        "split the file, or raise max_file_bytes in the project config",
    ),
    Rule(
        "file.encoding",
        E,
        "file is not valid UTF-8",
        "re-save the file as UTF-8 (XML may declare another encoding in its <?xml ?> line)",
    ),
    Rule(
        "file.bom",
        N,
        "file starts with a UTF-8 byte order mark (ignored)",
        "save without BOM; some tools reject it",
    ),
    Rule("file.empty", W, "file is empty", "delete it or add content"),
    Rule(
        "format.unknown",
        N,
        "format not recognised; no format checks ran",
        "declare the format for this path in the project config",
    ),
    Rule(
        "format.unsupported",
        N,
        "recognised format that gitannot does not validate",
        "see docs/formats.md for supported formats",
    ),
    Rule(
        "format.lfs-pointer",
        E,
        "a Git LFS pointer where a label file belongs: the labels themselves are in LFS "
        "storage, which the server does not read, so they cannot be validated",
        "commit label files to Git itself (`git lfs untrack` the pattern, `git add --renormalize`);"
        " a project that accepts unchecked LFS labels sets `format.lfs-pointer: warning` (or off)"
        " under checks.severity in configs/project.yaml",
    ),
    Rule(
        "format.internal-error",
        E,
        "the validator failed on this file (fail closed)",
        "report this as a gitannot bug with the file attached",
    ),
    Rule("json.parse", E, "malformed JSON", "fix the syntax at the reported position"),
    Rule(
        "json.nan",
        E,
        "NaN or Infinity in JSON (not valid JSON)",
        "write finite numbers; NaN usually means a failed computation upstream",
    ),
    Rule(
        "json.number-range",
        E,
        "number too large to represent",
        "a coordinate of this size is a bug upstream",
    ),
    Rule(
        "json.too-deep",
        E,
        "JSON nesting deeper than 1024 levels",
        "annotation files are shallow; this looks like a crafted or broken file",
    ),
    Rule(
        "json.root-type",
        E,
        "the JSON root has the wrong type for the format",
        "COCO and per-image JSON are objects; Label Studio exports and results are lists",
    ),
    Rule("xml.parse", E, "malformed XML", "fix the syntax at the reported line"),
    Rule(
        "xml.entities",
        E,
        "XML declares entities or a DTD (refused: entity expansion)",
        "remove the <!DOCTYPE>/<!ENTITY> declarations; exports never need them",
    ),
    Rule(
        "xml.too-deep",
        E,
        "XML nesting deeper than the limit",
        "annotation XML is shallow; raise max_xml_depth if this is legitimate",
    ),
    Rule("xml.root", E, "unexpected XML root element", "VOC uses <annotation>, CVAT <annotations>"),
    Rule(
        "merge.unresolved-conflict",
        E,
        "file holds an unresolved merge conflict",
        "run `gitannot conflicts` and `gitannot resolve`, then commit",
    ),
    Rule("value.not-finite", E, "NaN or infinite number", "write finite numbers"),
    Rule(
        "annotation.duplicate",
        W,
        "two identical annotations (same item, label, geometry)",
        "delete one; duplicates inflate counts and skew training",
    ),
    Rule(
        "annotation.empty-label",
        E,
        "an annotation's label (or a declared category name) is empty or only whitespace",
        "give the annotation a label from the ontology, or delete it",
    ),
    # --- COCO
    Rule(
        "coco.required-key",
        E,
        "a required COCO key is missing",
        "images need id/width/height, annotations id/image_id/category_id, categories id/name",
    ),
    Rule(
        "coco.type",
        E,
        "a COCO value has the wrong type",
        "ids are integers, bbox is [x, y, w, h], segmentation a polygon list or an RLE",
    ),
    Rule(
        "coco.duplicate-id",
        E,
        "two images, annotations or categories share an id",
        "ids must be unique per list; re-number one of them",
    ),
    Rule(
        "coco.duplicate-category-name",
        W,
        "two categories share a name",
        "merge them or rename one; name -> id lookups become ambiguous",
    ),
    Rule(
        "coco.duplicate-file-name",
        W,
        "two images share a file_name",
        "usually two datasets merged without de-duplicating images",
    ),
    Rule(
        "coco.dangling-image-ref",
        E,
        "annotation refers to an image id not in `images`",
        "add the image or fix image_id",
    ),
    Rule(
        "coco.unknown-category",
        E,
        "annotation refers to a category id not in `categories`",
        "add the category or fix category_id",
    ),
    Rule(
        "coco.image-size",
        E,
        "image width/height missing or not positive",
        "write the real pixel size of the image",
    ),
    Rule(
        "coco.bbox-non-positive",
        E,
        "bbox width or height is not positive",
        "a box needs w > 0 and h > 0",
    ),
    Rule(
        "coco.bbox-outside-image",
        E,
        "bbox extends outside the image beyond the tolerance",
        "clip the box to the image, or fix the image size",
    ),
    Rule(
        "coco.outside-image",
        E,
        "polygon or labelled keypoints outside the image beyond the tolerance",
        "clip the polygon to the image, fix the keypoints (v = 0 for unlabelled), or fix the"
        " image size",
    ),
    Rule(
        "coco.polygon-too-few-points",
        E,
        "polygon part with fewer than 3 points",
        "a polygon needs at least 3 (x, y) points; drop degenerate parts",
    ),
    Rule(
        "coco.polygon-odd-coordinates",
        E,
        "polygon with an odd number of coordinates",
        "polygons are flat [x1, y1, x2, y2, ...] lists",
    ),
    Rule(
        "coco.rle-size-mismatch",
        E,
        "RLE `size` differs from the image [height, width]",
        "re-encode the mask at the image resolution",
    ),
    Rule(
        "coco.rle-counts",
        E,
        "RLE counts do not sum to height x width or do not decode",
        "re-encode the mask with pycocotools",
    ),
    Rule(
        "coco.bbox-not-enclosing-segmentation",
        W,
        "bbox does not enclose the segmentation",
        "recompute the bbox from the segmentation",
    ),
    Rule(
        "coco.area-mismatch",
        W,
        "stored area differs from the recomputed area",
        "recompute area from the segmentation (or w*h for boxes)",
    ),
    Rule(
        "coco.crowd-area-mismatch",
        N,
        "crowd (iscrowd=1) area differs from the mask area",
        "common in the official COCO annotations; harmless for evaluation",
    ),
    Rule(
        "coco.keypoints-length",
        E,
        "keypoints length is not 3 x the category's keypoints",
        "keypoints are [x, y, v] triples, one per category keypoint",
    ),
    Rule(
        "coco.keypoints-visibility",
        E,
        "keypoint visibility flag not 0, 1 or 2",
        "v = 0 not labeled, 1 labeled not visible, 2 visible",
    ),
    Rule(
        "coco.num-keypoints-mismatch",
        W,
        "num_keypoints differs from the labeled keypoints",
        "num_keypoints counts triples with v > 0",
    ),
    Rule("coco.score-range", W, "detection score outside 0..1", "scores are probabilities"),
    # --- YOLO
    Rule(
        "yolo.token-count",
        E,
        "row has the wrong number of values",
        "detection rows: class cx cy w h; segmentation rows: class x1 y1 x2 y2 x3 y3 ...",
    ),
    Rule(
        "yolo.number",
        E,
        "value is not a number (or class not an integer)",
        "rows hold an integer class index then decimal coordinates",
    ),
    Rule(
        "yolo.class-out-of-range",
        E,
        "class index not below the number of names",
        "add the class to data.yaml/classes.txt or fix the index",
    ),
    Rule(
        "yolo.coordinate-range",
        E,
        "normalised coordinate outside 0..1",
        "YOLO coordinates are fractions of the image size, not pixels",
    ),
    Rule(
        "yolo.outside-image",
        W,
        "box extends past the image edge (cx +- w/2 outside 0..1)",
        "clip the box; trainers clip it silently",
    ),
    Rule(
        "yolo.bbox-non-positive",
        E,
        "box width or height is not positive",
        "a box needs w > 0 and h > 0",
    ),
    Rule(
        "yolo.keypoint-visibility",
        E,
        "pose keypoint visibility not 0, 1 or 2",
        "v = 0 not labeled, 1 labeled not visible, 2 visible",
    ),
    Rule(
        "yolo.no-names",
        N,
        "no class names known; labels not resolved",
        "keep a data.yaml or classes.txt next to the labels",
    ),
    Rule(
        "yolo-data.parse",
        E,
        "data.yaml is not valid YAML or not a mapping",
        "see the Ultralytics data.yaml layout: names, nc, train, val",
    ),
    Rule(
        "yolo-data.names",
        E,
        "names missing or not a list / index mapping of strings",
        "names: [cat, dog] or names: {0: cat, 1: dog}",
    ),
    Rule(
        "yolo-data.nc-mismatch",
        E,
        "nc differs from the number of names",
        "set nc to len(names) or drop nc",
    ),
    Rule(
        "yolo-data.kpt-shape",
        E,
        "kpt_shape is not [number of keypoints, 2 or 3]",
        "pose datasets: kpt_shape: [17, 3]",
    ),
    Rule(
        "yolo-data.duplicate-name",
        E,
        "the same class name appears twice",
        "names must be unique; merge the classes or rename one",
    ),
    Rule("yolo-data.empty-name", E, "an empty class name", "remove blank lines or name the class"),
    # --- Pascal VOC
    Rule(
        "voc.required-element",
        E,
        "a required VOC element is missing",
        "each <object> needs <name> and <bndbox> with xmin/ymin/xmax/ymax",
    ),
    Rule("voc.number", E, "a VOC coordinate or size is not a number", "write decimal numbers"),
    Rule(
        "voc.filename-mismatch",
        W,
        "<filename> does not match the XML file's name",
        "VOC pairs Annotations/X.xml with JPEGImages/X.jpg; fix <filename> or rename",
    ),
    Rule(
        "voc.coordinates-zero-based",
        N,
        "0-based coordinates (VOC is 1-based)",
        "some exporters write 0-based VOC; set voc_accept_zero_based to false to forbid",
    ),
    Rule("voc.bbox-non-positive", E, "xmax <= xmin or ymax <= ymin", "swap or fix the corners"),
    Rule(
        "voc.bbox-outside-image",
        E,
        "box outside <size> beyond the tolerance",
        "clip the box to the image",
    ),
    Rule(
        "voc.missing-size",
        N,
        "no <size>; the box cannot be checked against the image",
        "write <size><width/><height/> so boxes can be checked",
    ),
    # --- Label Studio
    Rule(
        "labelstudio.structure",
        E,
        "export is not a list of tasks with annotations/results",
        "export as 'JSON' from Label Studio (not JSON-MIN or CSV)",
    ),
    Rule(
        "labelstudio.dangling-from-name",
        E,
        "result refers to a control (from_name/to_name) not in the labeling config",
        "use the names of the labeling config, or update the config",
    ),
    Rule(
        "labelstudio.value-range",
        E,
        "region value outside 0..100 percent",
        "Label Studio stores coordinates as percentages of the image size",
    ),
    Rule(
        "labelstudio.bbox-non-positive",
        E,
        "rectangle or ellipse with zero or negative size",
        "draw the region again (a click without a drag leaves an empty box)",
    ),
    Rule(
        "labelstudio.outside-image",
        W,
        "region extends past the image edge (values themselves are within 0..100)",
        "drag the region inside the image; exporters clip it anyway",
    ),
    Rule(
        "labelstudio.unknown-label",
        W,
        "label not declared by the control in the config",
        "add the label to the labeling config",
    ),
    Rule(
        "labelstudio.duplicate-id",
        W,
        "two tasks share an id, or two results of one annotation share id and control",
        "result ids identify regions; give each region its own id",
    ),
    # --- CVAT
    Rule(
        "cvat.unknown-label",
        E,
        "shape uses a label not declared in <meta> labels",
        "add the label to the task/project or fix the shape",
    ),
    Rule(
        "cvat.unknown-attribute",
        W,
        "shape attribute not declared for its label in <meta>",
        "declare the attribute on the label in CVAT, or drop it",
    ),
    Rule(
        "cvat.attribute-value",
        W,
        "attribute value not allowed by its declaration (select/radio values, checkbox, number)",
        "pick one of the declared values",
    ),
    Rule(
        "cvat.duplicate-id",
        E,
        "two <image> elements share an id (within a subset)",
        "image ids must be unique; re-export from CVAT",
    ),
    Rule(
        "cvat.required-attribute",
        E,
        "a required CVAT attribute is missing",
        "<image> needs id/name/width/height; shapes need label and coordinates, track shapes"
        " a frame",
    ),
    Rule(
        "cvat.number",
        E,
        "a CVAT coordinate, size or frame is not a number",
        "write decimal numbers; frames are integers",
    ),
    Rule(
        "cvat.frame-out-of-range",
        E,
        "a track shape's frame is not a frame of the task (<meta>: size frames from"
        " start_frame on the frame_filter step, up to stop_frame)",
        "fix the frame number, or export the whole task from CVAT again",
    ),
    Rule(
        "cvat.track-duplicate-frame",
        E,
        "one track has two shapes on the same frame",
        "a track has one shape per frame; delete one of them",
    ),
    Rule("cvat.bbox-non-positive", E, "xbr <= xtl or ybr <= ytl", "swap or fix the corners"),
    Rule(
        "cvat.outside-image",
        E,
        "shape outside the image beyond the tolerance",
        "clip the shape to the image",
    ),
    Rule(
        "cvat.too-few-points",
        E,
        "polygon with fewer than 3 points (polyline 2)",
        "draw the shape again",
    ),
    # --- gitannot per-image JSON
    Rule(
        "gitannot.required-key",
        E,
        "a required key is missing",
        "see docs/formats.md: version, item {id, file_name, width, height}, annotations",
    ),
    Rule("gitannot.type", E, "a value has the wrong type", "see docs/formats.md"),
    Rule(
        "gitannot.invalid-id",
        E,
        "annotation id is not a UUID",
        "ids are UUIDs so merges never collide; generate one with uuid4",
    ),
    Rule("gitannot.duplicate-id", E, "two annotations share an id", "give each a new UUID"),
    Rule(
        "gitannot.geometry",
        E,
        "annotation has no or several geometries, or a malformed one",
        "exactly one of bbox [x,y,w,h], polygon [[x,y,...]] or mask {size, counts}",
    ),
    Rule(
        "gitannot.bbox-non-positive",
        E,
        "bbox width or height is not positive",
        "a box needs w > 0 and h > 0",
    ),
    Rule(
        "gitannot.outside-image",
        E,
        "geometry outside the image beyond the tolerance",
        "clip it to the image",
    ),
    Rule(
        "gitannot.polygon-too-few-points",
        E,
        "polygon part with fewer than 3 points",
        "a polygon needs at least 3 (x, y) points",
    ),
    Rule(
        "gitannot.rle-size-mismatch",
        E,
        "mask size differs from the item [height, width]",
        "re-encode the mask at the image resolution",
    ),
    Rule("gitannot.version", W, "unknown format version", "this gitannot reads version 1"),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
