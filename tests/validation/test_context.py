"""What the validation service reads besides the label file (docs/validation.md,
"Context files"), and what it deliberately does not read."""

from pathlib import Path

from gitannot.formats import FormatContext, FormatOptions, parse_file
from gitannot.project.config import ProjectConfig
from gitannot.validation.context import ContextReader
from gitannot.validation.sources import WorkTreeSource
from tests.validation.helpers import LS_CONFIG


def test_yolo_verdict_does_not_depend_on_image_size() -> None:
    """Why the service reads no image sizes from data/*.jsonl for YOLO: every YOLO check
    works on normalised coordinates, so a size changes the pixel boxes but no finding.
    If a pixel-based YOLO check is ever added, this fails: then sizes must be passed
    (and join the cache key)."""
    rows = (
        b"0 0.5 0.5 0.2 0.2\n"  # fine
        b"0 0.99 0.5 0.2 0.2\n"  # sticks out of the image
        b"0 0.5 0.5 0.0005 0.0005\n"  # sub-pixel on a small image
        b"0 1.2 0.5 0.2 0.2\n"  # outside 0..1
    )
    names = FormatContext(class_names=("person",))
    without = parse_file("labels/img.txt", rows, format="yolo", context=names)
    for size in ((640.0, 480.0), (1.0, 1.0), (100000.0, 3.0)):
        sized = FormatContext(class_names=("person",), image_sizes={"img": size})
        with_size = parse_file("labels/img.txt", rows, format="yolo", context=sized)
        assert with_size.findings == without.findings
        assert [a.bbox for a in with_size.annotations] != [a.bbox for a in without.annotations]
    assert {f.rule for f in without.findings} == {"yolo.outside-image", "yolo.coordinate-range"}


def test_context_files_over_the_size_limit_are_not_read(tmp_path: Path) -> None:
    """A names file or labeling config over limits.max_file_bytes is never loaded (bounded
    memory); it reads as empty, so the checks that depend on it fail closed."""
    (tmp_path / "labels").mkdir()
    (tmp_path / "configs").mkdir()
    (tmp_path / "labels/classes.txt").write_text("person\n" * 100)
    (tmp_path / "configs/labelstudio.xml").write_text(LS_CONFIG + " " * 1000)
    source = WorkTreeSource(tmp_path)
    read: list[str] = []
    real_read = source.read

    def counting_read(path: str) -> bytes | None:
        read.append(path)
        return real_read(path)

    source.read = counting_read  # type: ignore[method-assign]
    reader = ContextReader(ProjectConfig(max_file_bytes=500), FormatOptions(), source)
    names, names_id = reader.for_file("labels/a.txt", "yolo")
    controls, controls_id = reader.for_file("labels/a.json", "labelstudio")
    assert read == []
    assert names.class_names == () and controls.labelstudio_controls == {}
    assert names_id == source.entry("labels/classes.txt").blob_id
    assert controls_id == source.entry("configs/labelstudio.xml").blob_id
