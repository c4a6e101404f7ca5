"""Every kvs/_core/*.pyx must be importable as a compiled extension, never as a pure-Python fallback."""
import importlib
import importlib.machinery
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "kvs" / "_core"
MODULES = sorted(p.stem for p in CORE.glob("*.pyx"))


def test_core_has_modules():
    assert MODULES, f"no .pyx found in {CORE}"


@pytest.mark.parametrize("name", MODULES)
def test_module_is_compiled(name):
    mod = importlib.import_module(f"kvs._core.{name}")
    assert mod.__file__.endswith(".so"), f"kvs._core.{name} imported from {mod.__file__}, not a compiled extension"
    assert isinstance(mod.__loader__, importlib.machinery.ExtensionFileLoader)


def test_startup_check_lists_every_module():
    from kvs._core import MODULES as declared

    assert sorted(declared) == MODULES
