#!/usr/bin/env bash
# Stand-in for Gitaly's hook binary (core.hooksPath points here on a GitLab server): after
# GitLab's own access check it runs the repository's custom_hooks/<hook>.d/* in name
# order, each with the same stdin, and stops at the first one that fails.
set -u
data=$(cat)
hookname=$(basename "$0")
repo="${GIT_DIR:-.}"
for hook in "$repo"/custom_hooks/"$hookname".d/*; do
  [ -f "$hook" ] && [ -x "$hook" ] || continue
  printf '%s\n' "$data" | "$hook" || exit $?
done
exit 0
