#!/usr/bin/env bash
# Install kvs from this checkout and run it: a C toolchain and Python's venv/headers from Debian when missing
# (as root, or through sudo), a virtualenv in .venv with kvs built from source, then kvs-server with the given
# arguments (none: port 6379 and Redis's defaults).
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
need_apt=()
command -v cc >/dev/null 2>&1 || need_apt+=(gcc libc6-dev)
"$PY" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    || need_apt+=(python3-dev)
"$PY" -c 'import ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
if [ ${#need_apt[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q .
exec .venv/bin/kvs-server "$@"
