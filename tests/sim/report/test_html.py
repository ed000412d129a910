"""report.html in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright.

Playwright drives the system's ``/usr/bin/chromium`` (``executable_path``; no browser
download) and reports every request the page makes and every console message. The
test skips without that browser unless ``PAYBACK_REQUIRE_BROWSER=1`` (set by
``.ci/run``), where it fails instead.
"""

import base64
import os
import re
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from PIL import Image

from sim.cli.payback import CONFIG_DIR
from sim.report.html import render_html
from sim.pipeline import run

CHROMIUM = Path("/usr/bin/chromium")
# ECOSYSTEM.md's flags; --headless and a fresh --user-data-dir come from Playwright's launch
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
HOSTILE = "<script>alert(1)</script> & <b>co</b>"

REQUIRED = os.environ.get("PAYBACK_REQUIRE_BROWSER") == "1"

if not CHROMIUM.exists():
    if REQUIRED:
        raise RuntimeError(f"PAYBACK_REQUIRE_BROWSER=1 but {CHROMIUM} is missing: apt-get install -y chromium")
    pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium; PAYBACK_REQUIRE_BROWSER=1 makes this an error)",
                allow_module_level=True)
if REQUIRED:
    from playwright import sync_api
else:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    # a price sheet's source and the label's override as a user might type them, with < and &
    directory = tmp_path_factory.mktemp("run")
    overrides = ["scenarios=3000", "saved_scenarios=1000", f"pricing.source='{HOSTILE}'"]
    with initialize_config_dir(version_base="1.3", config_dir=CONFIG_DIR):
        cfg = compose(config_name="config", overrides=overrides)
    run_info = {"presets": {"pricing": "dedicated-lora-8b", "workload": "support-bot", "stress": "none"},
                "overrides": overrides, "command": "payback " + " ".join(overrides),
                "start_time": "2026-11-29T15:00:00+00:00"}
    run(cfg, directory, progress=False, run_info=run_info)
    return directory


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            tmp_path_factory.mktemp("profile"), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1100, "height": 900})
        yield context
        context.close()


def visit(context, path):
    """Open ``path`` in a new tab; return what it requested, printed and how its images loaded.

    A request to anything but ``path`` itself is recorded and refused, never sent.
    """
    page = context.new_page()
    requests, console = [], []
    own = path.resolve().as_uri()
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))

    def refuse_others(route):
        route.continue_() if route.request.url == own else route.abort()

    page.route("**/*", refuse_others)
    page.goto(own, wait_until="load")
    images = page.evaluate(
        "[...document.images].map(i => ({complete: i.complete, width: i.naturalWidth, src: i.src.slice(0, 30)}))")
    return page, [url for url in requests if url != own], console, images


def test_report_html_in_chromium_loads_every_picture_and_fetches_nothing(run_dir, browser):
    page, elsewhere, console, images = visit(browser, run_dir / "report.html")
    markdown = (run_dir / "report.md").read_text()
    assert len(images) == markdown.count("](plots/") == 9  # every picture: convergence, fixed inputs and EVPPI included
    assert all(i["complete"] and i["width"] > 0 and i["src"].startswith("data:image/png;base64,") for i in images)
    assert elsewhere == [] and console == []  # a blocked load would show as a CSP error here
    assert page.evaluate("document.scripts.length") == 0
    # reads top to bottom as report.md: the memo (the action, its odds, the stakes), the headline,
    # why, then the run
    text = page.inner_text("body")
    order = [text.index(s) for s in ("Keep prompting", "Stakes.", "P(prompting stays the cheapest", "Why:", "Run:",
                                     "Routes", "Against prompting", "Pictures", "Drivers", "Assumptions",
                                     "Price sheets")]
    assert order == sorted(order)
    # the first screen (1100 x 900) is the memo: the action as the first heading, its odds and stakes
    assert page.locator("h2").first.inner_text() == "Keep prompting"
    stakes = page.get_by_text("Stakes.", exact=True).bounding_box()
    assert stakes is not None and stakes["y"] + stakes["height"] < 900
    assert f"source: {HOSTILE}." in text and f"pricing.source='{HOSTILE}'" in text  # as typed
    screenshot = run_dir / "report_screenshot.png"
    page.screenshot(path=screenshot, full_page=True)
    with Image.open(screenshot) as image:
        assert image.format == "PNG" and image.width == 1100 and image.height > 5 * 900  # the whole page
        top = image.convert("RGB").crop((0, 0, image.width, 600))
    colours = top.getcolors(maxcolors=2**16)
    assert colours is None or len(colours) > 50  # the top is not blank: text, the headline's box
    page.close()
    print(f"screenshot of report.html: {screenshot}")


def test_the_browser_check_catches_a_broken_picture_and_an_outside_request(browser, tmp_path):
    # the same checks on a page that has both faults: they fail where they should
    page_path = tmp_path / "bad.html"
    page_path.write_text('<p>x</p><img src="missing.png"><img src="https://example.invalid/a.png">')
    page, elsewhere, _, images = visit(browser, page_path)
    assert [i["width"] for i in images] == [0, 0]
    assert "https://example.invalid/a.png" in elsewhere and (tmp_path / "missing.png").as_uri() in elsewhere
    page.close()


def test_report_html_escapes_what_a_user_typed(run_dir):
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<b>co</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in page
    # nothing outside the page: every src and href a data URI or an anchor in it
    assert all(link.startswith(("data:image/png;base64,", "#")) for link in re.findall(r'(?:src|href)="([^"]*)"', page))
    for anchor in re.findall(r'href="#([^"]*)"', page):
        assert f'id="{anchor}"' in page


def test_render_html_inlines_the_pictures_it_is_given():
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    page = render_html("# t\n\n![A picture](plots/a.png)\n\n| a | b |\n| --- | --- |\n| 1 & 2 | <i> |\n",
                       {"plots/a.png": png}, "t <&>")
    assert f'src="data:image/png;base64,{base64.b64encode(png).decode()}"' in page
    assert "<title>t &lt;&amp;&gt;</title>" in page and "<td>1 &amp; 2</td>" in page and "<td>&lt;i&gt;</td>" in page
    with pytest.raises(KeyError):
        render_html("![A picture](plots/b.png)", {"plots/a.png": png}, "t")



@pytest.mark.parametrize("text", [
    "pricing.source='<script>alert(1)</script> a|b *bold* `tick` _x_ [link](http://e.com) <http://e.com> AT&amp;T ~~s~~ \\n'",
    "`starts and ends with a backtick`", "x" * 5000 + " **" + "y" * 5000,
    "line one\n# a heading of its own\r\n| a | table |\n- a list",
    "an older run's \x1b[31mred\x07 and \u202ereversed",
])
def test_a_users_text_renders_as_typed_in_prose_and_in_a_code_span(text):
    # labels, commands and sheet sources went into report.md and compare.md as Markdown:
    # *bold* turned to emphasis, a backtick ended the command's code span, [a](b) was a link
    from html import escape

    from sim.report.html import code, literal

    page = render_html(f"Run: {literal(text)}\n\nCommand: {code(text)}\n", {}, "t")
    body = page.split("<body>\n", 1)[1]
    # on one line: no heading, table or list; no control or bidirectional character (U+FFFD instead)
    shown = escape(re.sub("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", "\ufffd",
                          text.replace("\r\n", " ").replace("\n", " ")), quote=False)
    assert body == f"<p>Run: {shown}</p>\n<p>Command: <code>{shown}</code></p>\n</body>\n</html>\n"
