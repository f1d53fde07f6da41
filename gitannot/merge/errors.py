"""Errors of the merge adapters."""


class UnmergeableError(Exception):
    """An input cannot be parsed as the adapter's format.

    The driver catches it and falls back to `git merge-file`, so no data is lost.
    """
