"""Build hook: the loops every entry of a diagnosed log runs through are compiled with mypyc.

Reading a text log, deriving an entry's facts, predicting and counting take several
interpreter steps an entry; compiled to C from the same typed source they take about a fifth
less CPU. Editable installs stay pure Python (an edit to these modules takes effect at once),
and so does any build with ``WHYNOLOG_PURE_PYTHON=1`` (a machine without a C compiler):
both give the same results.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from setuptools import setup
from setuptools.command.build_py import build_py

COMPILED = (
    "engine/read/adminlog.py",
    "engine/read/addresses.py",
    "engine/facts/derive.py",
    "engine/facts/directory.py",
    "engine/facts/filters.py",
    "engine/audit/prediction.py",
    "engine/audit/diagnosis.py",
    "engine/audit/rows.py",
)
"""The modules compiled: each runs for every entry of a diagnosed log."""


BUILDS = {"build", "build_ext", "bdist_wheel", "bdist_egg", "install"}
"""The commands that build the package; metadata, sdists and editable installs do not compile."""


def compiled_modules() -> list[Any]:
    """The extension modules mypyc makes of :data:`COMPILED`, or none."""
    if os.environ.get("WHYNOLOG_PURE_PYTHON") or not BUILDS.intersection(sys.argv[1:]):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:  # a build without isolation, where mypy is not installed
        print("whynolog: mypyc not found, building pure Python (same results)", file=sys.stderr)
        return []

    # The repository's top folder is the package (package-dir): mypyc, like mypy, sees it
    # as `whynolog` through a link. Third-party types are not needed to compile.
    root = Path(__file__).resolve().parent
    link = root / "build" / "mypyc-src" / "whynolog"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(root, target_is_directory=True)
    options = ["--config-file=", "--ignore-missing-imports", "--follow-imports=silent"]
    modules = mypycify(
        [*options, *(str(link / path) for path in COMPILED)],
        group_name="whynolog.native",  # its runtime library inside the package
    )
    # The README's CPPFLAGS define is durable_rules's: Python 3.10-3.12 headers define the
    # same name, and mypyc's -Werror would turn that warning (or any a newer compiler adds)
    # into a failed install.
    flags = os.environ.get("CPPFLAGS", "").split()
    os.environ["CPPFLAGS"] = " ".join(f for f in flags if not f.startswith("-DPyEval_CallObject="))
    for module in modules:
        module.extra_compile_args = [a for a in module.extra_compile_args if a != "-Werror"]
    return modules


class BuildPy(build_py):
    """The package is the repository's top folder: this file is not part of it."""

    def find_package_modules(self, package: str, package_dir: str) -> list[tuple[str, str, str]]:
        modules = super().find_package_modules(package, package_dir)
        return [m for m in modules if m[:2] != ("whynolog", "setup")]


setup(ext_modules=compiled_modules(), cmdclass={"build_py": BuildPy})
