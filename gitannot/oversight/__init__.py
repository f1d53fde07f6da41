"""Automation that reads the workflow and the release policy: task and review events, the
task part of `gitannot notify digest`, per-annotator drift, and the rule that automatic
tags never collide with release tags. Above workflow and release, below the hook."""
