"""Annotation-level history: what changed between two versions of a label file."""
