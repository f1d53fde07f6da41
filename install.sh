#!/usr/bin/env bash
# gitannot bootstrap. Creates ./.venv next to this script with gitannot installed
# (idempotent: re-running reinstalls only when pyproject.toml changed), then passes any
# arguments to `gitannot`:
#   ./install.sh                                   # set up, print next steps
#   ./install.sh demo                              # set up and run the demo
#   ./install.sh server install /srv/git/labels.git --init --admin alice
# Needs only python3 (3.11+) and git. All real logic lives in the tested Python package.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
python="${PYTHON:-python3}"
extras="${GITANNOT_EXTRAS:-}"

command -v git >/dev/null || { echo "install.sh: git is required" >&2; exit 2; }
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "install.sh: Python 3.11+ is required ($python is $("$python" -V 2>&1))" >&2
    exit 2
}

if [ ! -x "$venv/bin/python" ]; then
    echo "install.sh: creating $venv" >&2
    "$python" -m venv "$venv"
fi
stamp="$venv/.gitannot-installed${extras:+-$extras}"
if [ ! -f "$stamp" ] || [ "$here/pyproject.toml" -nt "$stamp" ]; then
    # Editable: the hooks a server runs always match this checkout's code.
    log="$venv/pip-install.log"
    echo "install.sh: installing gitannot and its dependencies (log: $log)" >&2
    "$venv/bin/python" -m pip install --disable-pip-version-check \
        -e "$here${extras:+[$extras]}" >"$log" 2>&1 &
    pip_pid=$!
    last=""
    # Progress: the newest package pip is working on, every 2 s (stderr keeps stdout clean).
    while kill -0 "$pip_pid" 2>/dev/null; do
        sleep 2
        step="$(grep -E '^(Collecting|Building|Installing|Successfully)' "$log" | tail -n 1 || true)"
        if [ -n "$step" ] && [ "$step" != "$last" ]; then
            echo "install.sh: ... ${step:0:90}" >&2
            last="$step"
        fi
    done
    if ! wait "$pip_pid"; then
        cat "$log" >&2
        echo "install.sh: pip install failed (log: $log)" >&2
        exit 1
    fi
    touch "$stamp"
fi

if [ "$#" -eq 0 ]; then
    cat <<NEXT
gitannot is installed in $venv
Next:
  $here/install.sh demo                      # run the demo on a local server
  $venv/bin/gitannot server install REPO.git --init --admin NAME
  $venv/bin/gitannot --help
NEXT
    exit 0
fi
exec "$venv/bin/gitannot" "$@"
