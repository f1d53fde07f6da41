"""Gated, attested dataset releases: manifests, release gates, signed release records."""
