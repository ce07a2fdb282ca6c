"""Build the API reference (``make docs``) from the docstrings with pdoc.

``reportkit`` (and ``reportkit.batch``) load their public names lazily, so that ``import
reportkit`` stays cheap; pdoc does not see such names, so this resolves them first, then renders
the package and every module of its layers into ``docs/api/``.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

import pdoc
import pdoc.render

import reportkit


def main(out: str = "docs/api") -> int:
    pdoc.render.configure(docformat="google", search=False,
                          footer_text=f"reportkit {reportkit.__version__}")
    # pdoc documents a package's modules itself, except where the package has ``__all__``
    # (``reportkit`` and ``reportkit.batch`` list names, not modules): name those explicitly.
    found = [m.name for m in pkgutil.walk_packages(reportkit.__path__, "reportkit.")
             if not m.name.rsplit(".", 1)[-1].startswith("_")]
    modules = ["reportkit"] + sorted(
        name for name in found
        if hasattr(importlib.import_module(name.rsplit(".", 1)[0]), "__all__"))
    for name in modules:  # packages that load their names lazily: resolve them for pdoc
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            setattr(module, attr, getattr(module, attr))
    pdoc.pdoc(*modules, output_directory=Path(out))
    print(f"==> open {out}/reportkit.html")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
