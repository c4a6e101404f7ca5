#!/usr/bin/env bash
# Install everything the test suite needs and run it: Debian's redis-server/redis-tools (the compatibility
# oracle) and a C toolchain when missing and running as root, a virtualenv in .venv with kvs built from source
# (compiling the Cython core) plus the test extras, then the whole pytest suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v redis-benchmark >/dev/null 2>&1 || need_apt+=(redis-tools)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
"$PY" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || need_apt+=(python3-dev)
"$PY" -m venv --help >/dev/null 2>&1 && "$PY" -c 'import ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian packages: ${need_apt[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    else
        echo "warning: missing ${need_apt[*]} (run as root to install them); interop tests need redis-server" >&2
    fi
fi

if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# Editable: the Cython modules are compiled into the source tree, so tests and spawned servers run this tree.
.venv/bin/python -m pip install -q -e ".[test]"

set +e
.venv/bin/python -m pytest -p no:cacheprovider "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
    echo "pytest collected no tests"
    exit 0
fi
exit "$status"
