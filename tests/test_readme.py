"""The README is a front door: short, its Quick start two commands, every link alive."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def test_the_readme_reads_in_ten_minutes():
    # issue #30's limits: at most 300 lines and 3,000 words (about ten minutes of reading)
    assert len(README.splitlines()) <= 300
    assert len(README.split()) <= 3000


def test_the_quick_start_is_two_commands_that_install_then_run_the_job_and_the_tests():
    # .ci/run reads the same two lines out of this section and runs them
    section = README.split("\n## Quick start\n")[1].split("\n## ")[0]
    commands = [line for line in section.splitlines() if line.startswith("python3 -m venv")]
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/python -m sim",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ]
    assert README.index("## Quick start") == README.index("\n## ") + 1  # the first section


def test_every_link_of_the_readme_leads_to_a_file_of_the_repository():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    assert links
    for link in links:
        if not link.startswith(("http://", "https://")):
            assert (ROOT / link).exists(), link


def test_the_readme_links_to_every_page_of_the_docs():
    pages = {f"docs/{path.name}" for path in (ROOT / "docs").glob("*.md")}
    assert pages - set(re.findall(r"\]\((docs/[^)#]+\.md)", README)) == set()
