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
    # ``reportkit.__all__`` lists names, not the layers: name every module explicitly.
    modules = ["reportkit"] + sorted(
        m.name for m in pkgutil.walk_packages(reportkit.__path__, "reportkit.")
        if not m.name.rsplit(".", 1)[-1].startswith("_"))
    for name in modules:  # packages that load their names lazily: resolve them for pdoc
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", ()):
            setattr(module, attr, getattr(module, attr))
    pdoc.pdoc(*modules, output_directory=Path(out))
    print(f"==> open {out}/reportkit.html")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
