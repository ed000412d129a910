"""Sphinx configuration of payback's reference site.

Two pages are generated from the code at every build, so that they cannot drift from
it: the configuration reference (``sim.inputs.reference.configuration_reference``,
from the schema's metadata) and the performance page (``benchmarks.page.performance_page``,
from the recorded output of ``python -m benchmarks.run``). Build with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# the project's own packages (sim, benchmarks), also when it is not installed
sys.path.insert(0, str(ROOT))

project = "payback"
author = "the payback developers"
copyright = "2026, the payback developers"
release = "0.1.0"

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_generated"]

# in-page links such as [Disk](#disk) resolve to the headings' slugs
myst_heading_anchors = 4
myst_enable_extensions = ["colon_fence"]

napoleon_google_docstring = False
napoleon_numpy_docstring = True
autodoc_member_order = "bysource"
autodoc_typehints = "description"
# signatures show a default as written (CONF_DIR), not its value on the building machine
autodoc_preserve_defaults = True

html_theme = "furo"
html_title = "payback"

GENERATED = {
    "configuration.md": ("sim.inputs.reference", "configuration_reference"),
    "performance.md": ("benchmarks.page", "performance_page"),
}


def write_if_changed(path, text):
    """Write ``text`` to ``path`` unless it already holds it.

    An unchanged file keeps its modification time, so that an incremental build does
    not read every page that includes it again.
    """
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def generate_pages(app):
    """Write ``_generated/*.md`` from the functions that own their content."""
    import importlib

    for name, (module, function) in GENERATED.items():
        text = getattr(importlib.import_module(module), function)()
        write_if_changed(DOCS / "_generated" / name, text)


def setup(app):
    app.connect("builder-inited", generate_pages)
    return {"parallel_read_safe": True}
