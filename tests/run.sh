#!/usr/bin/env bash
# The full check: system packages the tests need, the test extras, ruff, mypy, pytest.
# Usage: tests/run.sh [pytest args...]   (CI runs it with none: every test, slow ones too)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

# sshd (ssh transport tests) and gitolite3 (second host) come from Debian packages.
need=()
command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v ssh >/dev/null 2>&1 || need+=(openssh-client)
command -v gitolite >/dev/null 2>&1 || need+=(gitolite3)
# prometheus scrapes `gitannot server metrics` in tests/deploy.
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "tests/run.sh: installing ${need[*]}" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
        sudo apt-get update -qq >/dev/null
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "tests/run.sh: missing ${need[*]}; ssh/gitolite tests will be skipped" >&2
    fi
fi

# The real exports the tests read live in tests/data (see tests/data/SOURCES.md). A
# missing or altered file fails the run here rather than silently shrinking the suite.
if ! (cd tests/data && sha256sum --check --quiet --strict SHA256SUMS); then
    echo "tests/run.sh: test data under tests/data is missing or changed; restore it with" >&2
    echo "  git checkout -- tests/data" >&2
    exit 1
fi

GITANNOT_EXTRAS=test ./install.sh >/dev/null

# A real Label Studio for tests/sync (marker `labelstudio`), in a venv of its own: it pins
# many packages that must not meet the project's. The tests find it there.
ls_venv="$here/.venv-labelstudio"
if [ ! -x "$ls_venv/bin/label-studio" ]; then
    echo "tests/run.sh: installing Label Studio into $ls_venv (a few minutes, once)" >&2
    python3 -m venv "$ls_venv"
    if ! "$ls_venv/bin/python" -m pip install --disable-pip-version-check -q \
        'label-studio==1.23.*' >"$ls_venv.log" 2>&1; then
        tail -n 20 "$ls_venv.log" >&2
        echo "tests/run.sh: installing Label Studio failed (log: $ls_venv.log)" >&2
        exit 1
    fi
fi
py="$here/.venv/bin/python"
"$py" -m ruff check gitannot tests bench
"$py" -m ruff format --check gitannot tests bench
"$py" -m mypy
"$py" -m pytest -n 2 --dist loadgroup -p no:cacheprovider "$@"
