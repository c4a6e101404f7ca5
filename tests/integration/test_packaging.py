"""The Docker image's build, without a Docker engine: build the wheel with the Dockerfile's own command, install
it into a fresh virtualenv, and start kvs-server from there, through the image's entrypoint script."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.procs import ServerProcess, free_port

ROOT = Path(__file__).resolve().parents[2]


def dockerfile_wheel_command():
    text = (ROOT / "Dockerfile").read_text()
    m = re.search(r"^RUN (pip wheel [^\n]+)$", text, re.M)
    assert m, "the Dockerfile builds the wheel with `pip wheel`"
    return m.group(1).split()


def test_dockerfile_shape():
    text = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) == 2, "multi-stage"
    for needle in ("VOLUME /data", "WORKDIR /data", "EXPOSE 6379", "HEALTHCHECK", "USER kvs",
                   'ENTRYPOINT ["docker-entrypoint.sh"]', 'CMD ["kvs-server"]'):
        assert needle in text


@pytest.mark.slow
def test_wheel_installs_and_runs(tmp_path):
    src = tmp_path / "src"
    # The Dockerfile copies exactly these into the build stage.
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "kvs", src / "kvs",
                    ignore=shutil.ignore_patterns("*.so", "*.c", "__pycache__"))
    wheels = tmp_path / "wheels"
    argv = dockerfile_wheel_command()
    argv[argv.index("/wheels")] = str(wheels)
    subprocess.run([sys.executable, "-m", *argv], cwd=src, check=True, capture_output=True, timeout=900)
    built = list(wheels.glob("kvs-*.whl"))
    assert len(built) == 1
    # The wheel holds compiled extensions, not only sources.
    import zipfile
    names = zipfile.ZipFile(built[0]).namelist()
    assert any(n.startswith("kvs/_core/resp.") and n.endswith(".so") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([venv / "bin" / "pip", "install", "-q", *map(str, wheels.glob("*.whl"))], check=True,
                   capture_output=True, timeout=900)
    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    env_path = f"{venv / 'bin'}:{os.environ.get('PATH', '')}"
    argv = ["env", f"PATH={env_path}", "sh", str(ROOT / "docker-entrypoint.sh"), "--port", str(port),
            "--bind", "127.0.0.1", "--save", ""]
    srv = ServerProcess(argv, port, str(data), str(tmp_path / "server.log")).start()
    try:
        r = redis.Redis(port=port, socket_timeout=5)
        assert r.ping()
        assert r.set("k", "v") and r.get("k") == b"v"
        # The entrypoint turns protected mode off, as the official image does.
        assert r.config_get("protected-mode") == {"protected-mode": "no"}
        r.close()
    finally:
        assert srv.stop() == 0
    assert "Ready to accept connections" in srv.output()
