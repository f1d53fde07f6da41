"""Git-style path globs for the project config (syntax: gitannot.core.globs)."""

import re
from functools import lru_cache

from gitannot.core.globs import translate


@lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    return re.compile(translate(pattern) + r"\Z")


def match(pattern: str, path: str) -> bool:
    return compile_glob(pattern).match(path) is not None
