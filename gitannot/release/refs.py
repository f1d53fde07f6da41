"""Ref names of the release layer (kept apart so post-receive imports nothing heavy)."""

RELEASE_REFS = "refs/releases/"  # server-written records, one ref per release tag
LINK_REFS = "refs/release-links/"  # model-link requests clients push


def record_ref(tag: str) -> str:
    return RELEASE_REFS + tag
