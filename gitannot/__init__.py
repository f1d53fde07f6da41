"""gitannot: a Git server as the system of record for ML labeling projects."""

__version__ = "0.1.0"
