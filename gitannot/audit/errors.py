"""Audit errors. A write failure rejects the push; a verify failure exits 1."""

from gitannot.errors import GitannotError


class AuditWriteError(GitannotError):
    """The entry could not be appended (lock timeout, key missing, ref moved, ...)."""


class AuditReadError(GitannotError):
    """The log cannot be read as a gitannot log (not a verification verdict)."""
