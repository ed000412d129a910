"""``report.html`` of a run: report.md as one self-contained page to forward or print.

The page is report.md rendered by markdown-it-py (CommonMark with tables), so the
two never say different things. Raw HTML in the Markdown is not passed through: a
``<`` or ``&`` in an override, a label or a price sheet's ``source`` is shown as typed.
Each picture report.md links (``plots/NAME.png``) is inlined as a base64 PNG data URI,
the style sheet is inline, there is no script, and a Content-Security-Policy allows
nothing but those: opening the file fetches nothing. Nothing varies between two
renderings of the same report.md and pictures, so ``python -m sim.report`` rewrites
it byte for byte.
"""

import base64
import html
import re
from pathlib import Path

from sim.io.files import atomic_path, readable
from sim.io.text import shown

# Pictures, inline styles and nothing else: a forwarded copy cannot call out.
POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
:root { color-scheme: light; }
body { font: 15px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
       color: #1a1a1a; max-width: 60rem; margin: 1.5rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.6rem; margin: 0 0 0.8rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 0.5rem; }
/* the headline, the first paragraph under the title */
h1 + p { font-size: 1.2rem; background: #eef4fb; border-left: 5px solid #1f77b4;
         padding: 0.6rem 0.9rem; margin: 0 0 1rem; }
blockquote { margin: 0.8rem 0; padding: 0.4rem 0.9rem; background: #fff6d6; border-left: 5px solid #e0b000; }
blockquote p { margin: 0.2rem 0; }
code { font: 0.88em/1.3 "DejaVu Sans Mono", Menlo, Consolas, monospace; background: #f3f3f3;
       padding: 0 0.2em; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 0.6rem 0 1rem; font-size: 0.86rem; }
/* a cell breaks inside a word only when the word cannot fit its column at all */
th, td { border: 1px solid #d0d0d0; padding: 0.25rem 0.45rem; text-align: left; vertical-align: top;
         overflow-wrap: break-word; }
th { background: #f1f1f1; }
tr:nth-child(even) td { background: #fafafa; }
img { display: block; max-width: 100%; height: auto; margin: 0.6rem 0 1.2rem; }
ul { padding-left: 1.4rem; }
li { margin: 0.2rem 0; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { font-size: 10pt; max-width: none; margin: 0; padding: 0; }
  h1 + p { font-size: 12pt; }
  h1 + p, blockquote, th, tr:nth-child(even) td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  img, blockquote, tr, li { break-inside: avoid; page-break-inside: avoid; }
  /* full width (the tallest picture, drivers.png, is then 171 mm on A4), never taller than a page */
  img { max-height: 250mm; margin: 0.3rem auto 0.8rem; }
  table { font-size: 8.5pt; }
  th, td { padding: 0.12rem 0.3rem; }
  thead { display: table-header-group; }
}
"""


# What would turn a user's text (a label, an override, a sheet's source) into markup:
# emphasis, code, links and autolinks, entities, escapes. An underscore only at a word's
# edge: inside a word (calls_per_month) it is text already.
_MARKUP = re.compile(r"[\\`*\[\]<&~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def _one_line(text):
    # a line break would end the paragraph (or the table row) and start whatever the
    # next line reads as: "# heading", "| table |", a list; any other control or
    # bidirectional character is refused where it is given, and replaced in what
    # arrives from elsewhere (a results.nc written by an older payback, a run's path)
    return shown(re.sub(r"\r\n|\r|\n", " ", str(text)))


def literal(text):
    """``text`` for report.md and compare.md, backslash-escaped so that it renders as
    typed, on one line (a line break becomes a space)."""
    return _MARKUP.sub(lambda match: "\\" + match.group(), _one_line(text))


def code(text):
    """``text`` as a Markdown code span that a backtick inside it does not end, on one line."""
    text = _one_line(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def render_html(markdown, pictures, title):
    """A report's Markdown as one self-contained HTML page.

    Parameters
    ----------
    markdown : str
        The report as written to report.md.
    pictures : mapping of str to bytes
        PNG bytes of each picture the Markdown links, keyed by the link as written
        (``plots/NAME.png``).
    title : str
        The page's title (the browser's tab, a printout's header); escaped here.

    Returns
    -------
    str
        The page: UTF-8 text, no script, no reference to anything outside itself.

    Raises
    ------
    KeyError
        When the Markdown links a picture that ``pictures`` does not hold.
    """
    parser = _parser()
    tokens = parser.parse(markdown)
    for index, token in enumerate(tokens):
        if token.type == "heading_open":  # ids for report.md's own links (#provider-calendar)
            token.attrSet("id", _slug(tokens[index + 1].content))
        for child in token.children or ():
            if child.type == "image":
                source = child.attrGet("src")
                child.attrSet("src", "data:image/png;base64," + base64.b64encode(pictures[source]).decode("ascii"))
    body = parser.renderer.render(tokens, parser.options, {})
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(_one_line(title))}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{body}</body>\n</html>\n"
    )


def linked_pictures(markdown):
    """The picture links of a report's Markdown (``plots/NAME.png``), in order."""
    tokens = _parser().parse(markdown)
    return [child.attrGet("src") for token in tokens for child in token.children or () if child.type == "image"]


def write_html(markdown, run_dir, title):
    """Write ``run_dir/report.html`` from report.md's text and the pictures in ``run_dir``.

    Raises
    ------
    sim.io.files.WriteError
        When the file cannot be written (see ``sim.io.files.atomic_path``).
    """
    run_dir = Path(run_dir)
    # the pictures as just drawn: still under their temporary names inside a set
    # being published (sim.io.files.publishing), which this page joins
    pictures = {link: readable(run_dir / link).read_bytes() for link in linked_pictures(markdown)}
    page = render_html(markdown, pictures, title)
    with atomic_path(run_dir / "report.html") as temporary:
        temporary.write_text(page, encoding="utf-8")


def _parser():
    # imported here: only a run that writes its report needs it
    from markdown_it import MarkdownIt

    # CommonMark with GitHub's tables; raw HTML in the text is escaped, not passed through
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def _slug(text):
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


__all__ = ["POLICY", "STYLE", "code", "linked_pictures", "literal", "render_html", "write_html"]
