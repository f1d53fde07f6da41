"""The outside facts a label file is checked with (FormatContext), read from the tree
being validated, and the blob ids they came from (they join the result cache key).

- YOLO rows: class names and pose `kpt_shape` from the nearest data.yaml / classes.txt /
  obj.names (one lookup; kpt_shape only from a data.yaml), memoised per folder.
- Label Studio exports: controls from the project's `labelstudio_config`, or from
  DEFAULT_LABELSTUDIO_CONFIG when none is declared.
- No image sizes: every YOLO check works on normalised coordinates, so a size from
  data/*.jsonl would change no verdict (tests/validation/test_context.py).
"""

from collections.abc import Mapping
from dataclasses import dataclass

from gitannot.formats.labelstudio import labelstudio_controls
from gitannot.formats.options import FormatContext, FormatOptions, LabelStudioControl
from gitannot.formats.yolo import KptShape
from gitannot.project.config import DEFAULT_LABELSTUDIO_CONFIG, DETECT, ProjectConfig
from gitannot.validation.names import Names, find_names_file, parse_names_file
from gitannot.validation.sources import EntryKind, Source, size_of

Controls = Mapping[str, LabelStudioControl]


@dataclass(frozen=True)
class _Yolo:
    path: str | None  # the names file found, None when there is none
    names: Names | None = None
    kpt_shape: KptShape | None = None
    blob: str = ""


def uses_yolo_names(path: str, fmt: str) -> bool:
    """A declared format always gets its context; detection reads .txt as YOLO rows."""
    return fmt == "yolo" or (fmt == DETECT and path.endswith(".txt"))


def uses_labelstudio_config(path: str, fmt: str) -> bool:
    """Declared Label Studio exports, and .json files detection may find to be one."""
    return fmt == "labelstudio" or (fmt == DETECT and path.endswith(".json"))


class ContextReader:
    def __init__(self, project: ProjectConfig, options: FormatOptions, source: Source) -> None:
        self.project = project
        self.options = options
        self.source = source
        self._yolo_by_folder: dict[str, _Yolo] = {}
        self._ls: tuple[Controls | None, str] | None = None

    def for_file(self, path: str, fmt: str) -> tuple[FormatContext, str]:
        """The context for `path` read as `fmt`, and an id of everything in it."""
        if uses_yolo_names(path, fmt):
            yolo = self._yolo(path)
            if yolo.path is None or yolo.path == path:  # no names file, or it is this file
                return FormatContext(), ""
            # names and kpt_shape come from one blob, so its id covers both
            return FormatContext(class_names=yolo.names, yolo_kpt_shape=yolo.kpt_shape), yolo.blob
        if uses_labelstudio_config(path, fmt):
            controls, blob = self._labelstudio()
            return FormatContext(labelstudio_controls=controls), blob
        return FormatContext(), ""

    def yolo_names(self, path: str) -> tuple[str | None, Names | None]:
        """The names file a YOLO row at `path` takes its class names from, and those."""
        yolo = self._yolo(path)
        return yolo.path, yolo.names

    def _labelstudio(self) -> tuple[Controls | None, str]:
        if self._ls is None:
            path = self.project.labelstudio_config or DEFAULT_LABELSTUDIO_CONFIG
            found = self._read(path)
            if found is None:  # absent (declared or not): the controls are simply unknown
                self._ls = (None, "")
            else:
                data, blob = found
                self._ls = (labelstudio_controls(data, self.options), blob)
        return self._ls

    def _yolo(self, path: str) -> _Yolo:
        """Memoised per folder: thousands of row files share one names file."""
        folder = path.rsplit("/", 1)[0] if "/" in path else ""
        if folder not in self._yolo_by_folder:
            self._yolo_by_folder[folder] = self._load_yolo(path)
        return self._yolo_by_folder[folder]

    def _load_yolo(self, path: str) -> _Yolo:
        names_path = find_names_file(self.source, path)
        found = self._read(names_path) if names_path is not None else None
        if names_path is None or found is None:
            return _Yolo(None)
        data, blob = found
        names, kpt_shape = parse_names_file(names_path, data)
        return _Yolo(names_path, names, kpt_shape, blob)

    def _read(self, path: str) -> tuple[bytes, str] | None:
        """A context file's bytes and blob id; None when it is not a regular file. One
        over limits.max_file_bytes is not loaded (bounded memory) and reads as empty: a
        names list or labeling config with nothing in it, so class indexes and from_names
        are all reported (an empty data.yaml gives no names, as any broken one does)."""
        entry = self.source.entry(path)
        if entry.kind is not EntryKind.FILE:
            return None
        if size_of(self.source, entry) > self.project.max_file_bytes:
            return b"", entry.blob_id
        data = self.source.read(path)
        return (data, entry.blob_id) if data is not None else None
