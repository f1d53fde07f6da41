"""Annotation-aware three-way merge: a pure core plus per-format adapters."""
