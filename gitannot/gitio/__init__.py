"""Adapters that talk to git: pygit2 for reads, the git CLI where it is the reference."""
