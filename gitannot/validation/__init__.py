"""Validation service: rules from a tree, per-file checks with a blob-id cache, push check."""
