"""Every shell example in README.md and docs/ runs, and ends as the page says.

The convention (docs/ and README.md alike):

- a fenced block whose info string is ``console`` holds shell examples; any other
  block (``bash``, ``text``, ``yaml``, ...) is not run;
- in it, a line starting with ``$ `` is a command; a command line ending with ``\\``
  continues on the next line; every other line is shown output, not run;
- a shown-output line ``[exit N]`` after a command (before the next ``$ ``) says the
  command exits with N (a refused input: 2); without one it must exit 0;
- the commands of one file run in order, each ``bash -o pipefail -c COMMAND`` (a failure inside a pipe fails it), in one fresh
  temporary directory (a later command may read what an earlier one wrote: give
  such runs ``hydra.run.dir=runs/NAME``), with the running interpreter's bin
  directory first on PATH (``payback``, ``python``: this environment's).

One test per documented file, marked ``docs`` and deselected by default (pyproject's
addopts): ``pytest -m docs`` runs them. The parser's own tests run by default.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = {"_build", "_generated"}  # Sphinx's output and the pages docs/conf.py writes
TIMEOUT = 600  # seconds a command may take before the test fails; examples are meant to take seconds

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*?)\s*$")
_EXIT = re.compile(r"^\[exit (\d+)\]$")


@dataclass(frozen=True)
class Command:
    """One documented command: its 1-based line in the file, its text (continuations
    joined with their backslash-newline, as bash reads them) and the exit code expected."""

    line: int
    text: str
    exit: int = 0


def console_commands(text):
    """The commands of ``text``'s ``console`` blocks, in order (see the module's docstring).

    Raises ValueError, naming the line, on an ``[exit N]`` with no command before it in
    its block, on two for one command, on a malformed ``[exit ...]``, on a continuation
    past the block's end and on a block left open.
    """
    lines = text.splitlines()
    commands, fence, console, pending = [], None, False, None
    number = 0
    while number < len(lines):
        line, number = lines[number], number + 1
        if fence is None:
            opened = _FENCE.match(line)
            if opened:
                fence, indent = opened["fence"], len(opened["indent"])
                console = opened["info"].split()[:1] == ["console"]
                pending = None
            continue
        closing = _FENCE.match(line)
        if closing and closing["fence"][0] == fence[0] and len(closing["fence"]) >= len(fence) and not closing["info"]:
            fence = None
            continue
        if not console:
            continue
        body = line[min(indent, len(line) - len(line.lstrip(" "))):]  # the block's own indentation off
        if body.startswith("$ "):
            start, parts = number, [body[2:]]
            while parts[-1].endswith("\\"):
                if number >= len(lines) or _FENCE.match(lines[number]):
                    raise ValueError(f"line {start}: the command's continuation runs past its block")
                parts.append(lines[number])
                number += 1
            pending = Command(start, "\n".join(parts))
            commands.append(pending)
        elif body.strip().startswith("[exit"):
            found = _EXIT.match(body.strip())
            if found is None:
                raise ValueError(f"line {number}: {body.strip()!r} is not '[exit N]'")
            if pending is None:
                raise ValueError(f"line {number}: [exit N] with no command before it in its block")
            if int(found[1]) == 0:  # so that an exit code other than 0 always means an [exit N] was read
                raise ValueError(f"line {number}: [exit 0] is the default: leave it out")
            if pending.exit != 0:
                raise ValueError(f"line {number}: a second [exit N] for the command of line {pending.line}")
            commands[-1] = pending = Command(pending.line, pending.text, int(found[1]))
    if fence is not None:
        raise ValueError("a fenced block is never closed")
    return commands


def documented_files(root=ROOT):
    """README.md and every docs/**/*.md outside Sphinx's output and the generated pages."""
    files = [root / "README.md"] if (root / "README.md").exists() else []
    docs = root / "docs"
    if docs.is_dir():
        files += sorted(path for path in docs.rglob("*.md") if not SKIPPED & set(path.relative_to(docs).parts))
    return files


def _with_commands(root=ROOT):
    return [path for path in documented_files(root) if console_commands(path.read_text(encoding="utf-8"))]


def _tail(text, lines=20):
    return "\n".join(text.rstrip().splitlines()[-lines:]) or "(empty)"


def run_documented(path, directory):
    """Run ``path``'s commands in order in ``directory``; the first that ends otherwise than
    documented fails the test, naming the file, the line, the command, its exit code and the
    tail of its stderr (of its stdout when stderr is empty)."""
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    for command in console_commands(path.read_text(encoding="utf-8")):
        where = f"{name}:{command.line}: $ {command.text}"
        try:
            done = subprocess.run(["bash", "-o", "pipefail", "-c", command.text], cwd=directory, env=env, capture_output=True,
                                  text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{where}\ndid not end within {TIMEOUT} s", pytrace=False)
        if done.returncode != command.exit:
            stream = "stderr" if done.stderr.strip() else "stdout"
            pytest.fail(f"{where}\nexited {done.returncode}, the page says {command.exit}\n"
                        f"--- {stream} (last lines) ---\n{_tail(getattr(done, stream))}", pytrace=False)


@pytest.mark.docs
@pytest.mark.parametrize("path", _with_commands(), ids=lambda path: str(path.relative_to(ROOT)))
def test_the_documented_commands_run_as_documented(path, tmp_path):
    run_documented(path, tmp_path)


# The parser on a made-up page (these run by default).

PAGE = """# A page

```console
$ payback scenarios=2000 hydra.run.dir=runs/a
[2026-12-06 10:00:00,000][sim][INFO] - wrote runs/a
$ python -m sim.report \\
    runs/a
```

Some text, then a block that is not run:

```bash
$ rm -rf /
```

````markdown
```console
$ echo quoted inside another block: not run
```
````

  ```console
  $ payback scenarios=oops
  error: scenarios: 'oops' is not a whole number
  [exit 2]
  ```
"""


def test_console_blocks_give_their_commands_with_lines_continuations_and_exit_codes():
    assert console_commands(PAGE) == [
        Command(4, "payback scenarios=2000 hydra.run.dir=runs/a"),
        Command(6, "python -m sim.report \\\n    runs/a"),
        Command(23, "payback scenarios=oops", 2),
    ]


@pytest.mark.parametrize("block, message", [
    ("```console\n[exit 2]\n```\n", "line 2: [exit N] with no command"),
    ("```console\n$ false\n[exit 2]\n[exit 3]\n```\n", "line 4: a second [exit N] for the command of line 2"),
    ("```console\n$ false\n[exit two]\n```\n", "line 3: '[exit two]' is not '[exit N]'"),
    ("```console\n$ true\n[exit 0]\n```\n", "line 3: [exit 0] is the default"),
    ("```console\n$ echo \\\n```\n", "line 2: the command's continuation runs past its block"),
    ("```console\n$ true\n", "never closed"),
])
def test_a_malformed_block_is_refused_with_its_line(block, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        console_commands(block)


def test_the_documented_files_are_the_readme_and_the_docs_pages_but_not_the_built_or_generated(tmp_path):
    for name in ("README.md", "docs/index.md", "docs/deep/page.md", "docs/_build/html/x.md",
                 "docs/_generated/configuration.md", "docs/conf.py", "other/notes.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    assert [path.relative_to(tmp_path).as_posix() for path in documented_files(tmp_path)] == [
        "README.md", "docs/deep/page.md", "docs/index.md"]


def test_a_command_that_ends_otherwise_than_documented_fails_naming_file_line_command_and_stderr(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("```console\n$ echo one > a.txt\n$ cat a.txt >&2; exit 3\n[exit 3]\n"
                    "$ test -f a.txt && echo 'the reason' >&2 && exit 1\n```\n")
    with pytest.raises(pytest.fail.Exception) as failed:
        run_documented(page, tmp_path)
    message = str(failed.value)
    assert message.startswith(f"{page}:5: $ test -f a.txt")  # lines 2 and 3 ran as documented, in one directory
    assert "exited 1, the page says 0" in message and message.endswith("the reason")


def test_the_commands_find_this_environments_python_first(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"```console\n$ test \"$(command -v python)\" = {Path(sys.executable).parent / 'python'}\n```\n")
    run_documented(page, tmp_path)
