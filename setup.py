"""Build script: compiles every kvs/_core/*.pyx into an extension module."""
from pathlib import Path

from Cython.Build import cythonize
from setuptools import Extension, setup

CORE = Path("kvs") / "_core"

extensions = [
    Extension(
        f"kvs._core.{pyx.stem}",
        [str(pyx)],
        extra_compile_args=["-O3"],
    )
    for pyx in sorted(CORE.glob("*.pyx"))
]

setup(
    ext_modules=cythonize(
        extensions,
        compiler_directives={
            "language_level": "3",
            "embedsignature": True,
        },
    ),
)
