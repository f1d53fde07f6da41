"""parse_file: bytes in, ParsedFile out; never raises (a failure is a finding)."""

import gc
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from gitannot.core.annotation import ParsedFile
from gitannot.formats import coco, cvat, labelstudio, perimage, voc, yolo
from gitannot.formats.conflicts import (
    CONFLICT_KEY_BYTES,
    XML_CONFLICT_TAG,
    resolve_json_conflicts,
    strip_xml_conflicts,
)
from gitannot.formats.detect import detect_format, detect_json_doc, detect_xml
from gitannot.formats.lfs import is_lfs_pointer, report_lfs_pointer
from gitannot.formats.loaders import load_json, load_text, load_xml
from gitannot.formats.options import FormatContext, FormatOptions
from gitannot.formats.report import Reporter

JsonHandler = Callable[[ParsedFile, Any, Reporter, FormatOptions, FormatContext], None]
XmlHandler = Callable[[ParsedFile, ET.Element, Reporter, FormatOptions, FormatContext], None]
TextHandler = Callable[[ParsedFile, str, Reporter, FormatOptions, FormatContext], None]


def _no_context(handler: Callable[[ParsedFile, Any, Reporter, FormatOptions], None]) -> Any:
    def wrapped(
        pf: ParsedFile,
        doc: Any,
        rep: Reporter,
        opts: FormatOptions,
        ctx: FormatContext,  # noqa: ARG001 — one signature for every format handler
    ) -> None:
        handler(pf, doc, rep, opts)

    return wrapped


JSON_FORMATS: dict[str, JsonHandler] = {
    "coco": _no_context(coco.parse_coco),
    "coco-results": _no_context(coco.parse_coco_results),
    "coco-panoptic": _no_context(coco.parse_coco_panoptic),
    "coco-categories": _no_context(coco.parse_coco_categories),
    "labelstudio": labelstudio.parse_labelstudio,
    "gitannot": perimage.parse_perimage,
}
# Handlers see only documents with the right root element (checked here, once).
XML_FORMATS: dict[str, tuple[str, str, XmlHandler]] = {
    "voc": ("annotation", "VOC", voc.parse_voc),
    "cvat": ("annotations", "CVAT", cvat.parse_cvat),
    "labelstudio-config": ("View", "a labeling config", labelstudio.parse_labelstudio_config),
}
TEXT_FORMATS: dict[str, TextHandler] = {
    "yolo": yolo.parse_yolo,
    "yolo-names": yolo.parse_yolo_names,
    "yolo-data": yolo.parse_yolo_data,
}
# Recognised but not validated (reported as info so the caller knows nothing ran).
UNSUPPORTED = {"labelme": "LabelMe JSON"}


def supported_formats() -> list[str]:
    return sorted({*JSON_FORMATS, *XML_FORMATS, *TEXT_FORMATS})


def parse_file(
    path: str,
    data: bytes,
    *,
    format: str | None = None,
    options: FormatOptions | None = None,
    context: FormatContext | None = None,
) -> ParsedFile:
    """Parse and check one label file. `format=None` detects it (content sniffing costs
    nothing extra: JSON is parsed once). Undetectable files get a `format.unknown` info."""
    opts = options or FormatOptions()
    ctx = context or FormatContext()
    rep = Reporter(path, opts)
    pf = ParsedFile(path=path, format=format or "unknown")
    # The cyclic GC would repeatedly traverse the millions of containers a big parsed
    # file holds (it triples the cost of a 1M-annotation COCO file); nothing here makes
    # reference cycles, so pause it and restore the caller's setting.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        _parse(pf, data, format, rep, opts, ctx)
    except Exception as exc:  # noqa: BLE001 — fail closed: a validator bug must not let a file through
        rep.add("format.internal-error", f"{type(exc).__name__}: {exc}")
    finally:
        if gc_was_enabled:
            gc.enable()
    pf.findings = rep.finish()
    return pf


def _parse(  # noqa: C901 — one dispatch ladder, each branch an early return
    pf: ParsedFile,
    data: bytes,
    fmt: str | None,
    rep: Reporter,
    opts: FormatOptions,
    ctx: FormatContext,
) -> None:
    if len(data) > opts.max_file_bytes:
        rep.add(
            "file.too-large",
            f"{len(data)} bytes exceeds the {opts.max_file_bytes} byte limit (not parsed)",
        )
        return
    if is_lfs_pointer(data):  # before detection: a pointer is no format's content
        pf.format = fmt or "lfs-pointer"
        report_lfs_pointer(data, rep)
        return
    if fmt is None:
        fmt = _detect_cheaply(pf.path, data)
    if fmt is not None and fmt not in TEXT_FORMATS and not data[:4096].strip() and not data.strip():
        pf.format = "json" if fmt == "json?" else fmt
        rep.add("file.empty", "the file is empty")
        return
    if fmt == "json?":  # JSON whose format depends on its parsed content
        doc = load_json(data, rep)
        if doc is None:
            pf.format = "json"
            return
        fmt = detect_json_doc(doc)
        if fmt is None:
            rep.add("format.unknown", "JSON file of an unknown layout")
            return
        pf.format = fmt
        _run_json(pf, fmt, doc, data, rep, opts, ctx)
        return
    if fmt is None:
        rep.add("format.unknown", "not a label file format gitannot knows")
        return
    pf.format = fmt
    if fmt in UNSUPPORTED:
        rep.add("format.unsupported", f"{UNSUPPORTED[fmt]} is recognised but not validated")
        return
    if fmt in JSON_FORMATS:
        doc = load_json(data, rep)
        if doc is not None:
            _run_json(pf, fmt, doc, data, rep, opts, ctx)
    elif fmt in XML_FORMATS:
        root = load_xml(data, rep, opts.max_xml_depth)
        if root is not None:
            if XML_CONFLICT_TAG.encode() in data:
                strip_xml_conflicts(root, rep)
            tag, what, handler = XML_FORMATS[fmt]
            if root.tag != tag:
                rep.add("xml.root", f"root is <{root.tag}>, {what} uses <{tag}>")
            else:
                handler(pf, root, rep, opts, ctx)
    elif fmt in TEXT_FORMATS:
        text = load_text(data, rep)
        if text is not None:
            TEXT_FORMATS[fmt](pf, text, rep, opts, ctx)
    else:
        rep.add("format.unsupported", f"no validator for format {fmt!r}")


def _detect_cheaply(path: str, data: bytes) -> str | None:
    lower = path.lower()
    stripped = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if lower.endswith(".json") or (not lower.endswith(".xml") and stripped[:1] in (b"{", b"[")):
        return "json?"
    if lower.endswith(".xml"):
        return detect_xml(stripped) or ("voc" if b"<annotation" in data[:4096] else None)
    return detect_format(path, data)


def _run_json(
    pf: ParsedFile,
    fmt: str,
    doc: Any,
    data: bytes,
    rep: Reporter,
    opts: FormatOptions,
    ctx: FormatContext,
) -> None:
    if fmt in UNSUPPORTED:
        rep.add("format.unsupported", f"{UNSUPPORTED[fmt]} is recognised but not validated")
        return
    if CONFLICT_KEY_BYTES in data:  # a substring test is cheap; the walk only runs then
        doc = resolve_json_conflicts(doc, rep)
        if doc is None:
            return
    handler = JSON_FORMATS.get(fmt)
    if handler is None:
        rep.add("format.unsupported", f"no validator for format {fmt!r}")
        return
    handler(pf, doc, rep, opts, ctx)
