"""What the validation service reads besides the label file (docs/validation.md,
"Context files"), and what it deliberately does not read."""

from gitannot.formats import FormatContext, parse_file


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
