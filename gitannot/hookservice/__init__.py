"""The resident hook service and the thin client the installed hook shims run."""
