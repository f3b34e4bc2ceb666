"""Every command block of the README, run as a reader would run it, so that the guide cannot
drift from the program: in a copy of the project, in an empty folder, or in a status repository
with a remote to push to, with statusgen on the PATH.

Two things a test cannot do are stood in for, and said so: `pip install` of a release tag (the
tag's statusgen is this one: the version is checked) and `statusgen serve`, which runs until
Ctrl-C (here it is started on a free port, seen serving, and stopped as Ctrl-C stops it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from statusgen import __version__
from tests.conftest import REPO, copy_example
from tests.test_release import tracked_copy

README = REPO / "README.md"

PRELUDE = """\
set -euo pipefail
pip() {
  case "$*" in
    *"git+https://github.com/statusgen/statusgen@v$STATUSGEN_VERSION"*)
      echo "statusgen $STATUSGEN_VERSION: installed" ;;
    *) echo "the README installs something else: pip $*" >&2; return 1 ;;
  esac
}
statusgen() {
  if [[ " $* " == *" serve "* ]]; then
    command statusgen "$@" --port 0 > serve.log 2>&1 &
    local pid=$! tries=0
    until grep -q "^Serving http://127.0.0.1:" serve.log; do
      tries=$((tries + 1))
      if [ "$tries" -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then cat serve.log >&2; return 1; fi
      sleep 0.1
    done
    kill -TERM "$pid"  # as Ctrl-C (a background job ignores SIGINT itself)
    wait "$pid"
  else
    command statusgen "$@"
  fi
}
"""


@dataclass(frozen=True, slots=True)
class Block:
    line: int
    text: str

    def mentions(self, words: str) -> bool:
        return words in self.text


def command_blocks() -> list[Block]:
    """The README's ```sh blocks (indented ones too, as in a numbered list)."""
    blocks, lines, index = [], README.read_text(encoding="utf-8").splitlines(), 0
    while index < len(lines):
        fence = re.fullmatch(r"(\s*)```sh", lines[index])
        if fence:
            end = next(i for i in range(index + 1, len(lines)) if lines[i].strip() == "```")
            body = textwrap.dedent("\n".join(lines[index + 1 : end]))
            blocks.append(Block(index + 1, body + "\n"))
            index = end
        index += 1
    return blocks


def find(words: str) -> Block:
    (block,) = [block for block in command_blocks() if block.mentions(words)]
    return block


@pytest.fixture
def shell(tmp_path: Path) -> dict[str, str]:
    """A reader's shell: statusgen, python3 and pybabel as installed, git with a name."""
    bin_dir = tmp_path / "reader-bin"
    bin_dir.mkdir()
    launcher = bin_dir / "statusgen"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m statusgen "$@"\n')
    launcher.chmod(0o755)
    python = bin_dir / "python3"  # a script, not a link: a link would leave the venv behind
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    pybabel = Path(sys.executable).parent / "pybabel"
    if pybabel.exists():
        (bin_dir / "pybabel").symlink_to(pybabel)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "STATUSGEN_VERSION": __version__,
        "GIT_AUTHOR_NAME": "On Call",
        "GIT_AUTHOR_EMAIL": "oncall@example.com",
        "GIT_COMMITTER_NAME": "On Call",
        "GIT_COMMITTER_EMAIL": "oncall@example.com",
        "NO_COLOR": "1",
    }


def run(block: Block | str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    text = block.text if isinstance(block, Block) else block
    result = subprocess.run(
        ["bash", "-c", PRELUDE + text], cwd=cwd, env=env, capture_output=True, text=True,
        check=False, timeout=600,
    )  # fmt: skip
    where = f"README.md:{block.line}" if isinstance(block, Block) else "setup"
    assert result.returncode == 0, f"{where}\n{text}\n{result.stdout}\n{result.stderr}"
    return result


def test_every_command_block_is_run_below() -> None:
    # A new block must be given a test here: each one names the words that find it.
    covered = [
        "pip install . && .venv/bin/statusgen build",
        "pip install -q -e '.[test]' && .venv/bin/pytest",
        "statusgen init my-status",
        'statusgen new incident "Checkout errors"',
        "statusgen completion bash",
        "statusgen schema components >",
        "pybabel extract",
        "pybabel init",
        "pybabel update",
    ]
    assert sorted(block.line for block in command_blocks()) == sorted(
        find(words).line for words in covered
    )


def test_quick_start_builds_the_example(tmp_path: Path, shell: dict[str, str]) -> None:
    checkout = tracked_copy(tmp_path / "statusgen")
    run(find("pip install . && .venv/bin/statusgen build"), checkout, shell)
    assert (checkout / "site/index.html").is_file()
    assert (checkout / "site/incidents").is_dir()


def test_the_test_command_is_what_ci_runs() -> None:
    # Run by CI itself (a test cannot run the suite it belongs to): .ci/run holds it verbatim.
    command = find("pip install -q -e '.[test]' && .venv/bin/pytest").text.strip()
    assert command in (REPO / ".ci/run").read_text().splitlines()


def test_your_own_status_page(tmp_path: Path, shell: dict[str, str]) -> None:
    run(find("statusgen init my-status"), tmp_path, shell)
    made = tmp_path / "my-status"
    assert (made / "components.yaml").is_file()
    assert "Serving http://127.0.0.1:" in (made / "serve.log").read_text()


def test_on_call(tmp_path: Path, shell: dict[str, str]) -> None:
    remote, repository = tmp_path / "remote.git", copy_example(tmp_path / "status")
    run(
        f"git init -q --bare {remote}\ngit init -q -b main .\ngit add -A\n"
        f"git commit -q -m 'The status page'\ngit remote add origin {remote}\n"
        "git push -q -u origin main\n",
        repository,
        shell,
    )
    block = find('statusgen new incident "Checkout errors"')
    # The file is named after the day the incident began: the day this runs.
    zone = ZoneInfo("America/Sao_Paulo")
    today = f"{datetime.now(tz=zone):%Y-%m-%d}"
    run(Block(block.line, block.text.replace("2026-11-22", today)), repository, shell)
    text = (repository / f"incidents/{today[:4]}/{today}-checkout-errors.md").read_text()
    assert "## Resolved " in text and "## Identified " in text and "## Investigating " in text
    pushed = subprocess.run(
        ["git", "--git-dir", str(remote), "log", "--format=%s", "-1", "main"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert pushed.strip() == "Checkout errors: resolved"


def test_adding_a_language(tmp_path: Path, shell: dict[str, str]) -> None:
    if not (Path(sys.executable).parent / "pybabel").exists():
        pytest.fail("pybabel (from babel, a dependency) is missing beside this Python")
    site = copy_example(tmp_path / "site")
    shutil.copytree(REPO / "templates", site / "templates", dirs_exist_ok=True)
    run(find("pybabel extract"), site, shell)  # step 1
    assert "Need help?" in (site / "messages.pot").read_text()
    run(find("pybabel init"), site, shell)  # step 2
    catalog = site / "locale/de/LC_MESSAGES/statusgen.po"
    assert 'msgid "Need help?"' in catalog.read_text()
    # Steps 3 and 4: a translation, the language set, a build.
    catalog.write_text(
        catalog.read_text().replace(
            'msgid "Need help?"\nmsgstr ""', 'msgid "Need help?"\nmsgstr "Hilfe?"'
        )
    )
    config = site / "components.yaml"
    config.write_text(re.sub(r"language: \S+", "language: de", config.read_text()))
    run("statusgen build -q --now '2026-11-22 12:00'\n", site, shell)
    assert "Hilfe?" in (site / "site/index.html").read_text()
    run(find("pybabel update"), site, shell)  # step 5: the translation is kept
    assert 'msgstr "Hilfe?"' in catalog.read_text()


def test_completion(tmp_path: Path, shell: dict[str, str]) -> None:
    home = tmp_path / "home"
    (home / ".config/fish/completions").mkdir(parents=True)  # as fish makes it
    block = find("statusgen completion bash")
    result = run(
        Block(block.line, block.text + "complete -p statusgen\n"),
        tmp_path,
        {**shell, "HOME": str(home)},
    )
    assert "complete -F _statusgen statusgen" in result.stdout
    assert "__statusgen_ids" in (home / ".config/fish/completions/statusgen.fish").read_text()


def test_a_copy_of_the_schema(tmp_path: Path, shell: dict[str, str]) -> None:
    run(find("statusgen schema components >"), tmp_path, shell)
    copied = (tmp_path / "components.schema.json").read_bytes()
    assert copied == (REPO / "statusgen/schemas/components.schema.json").read_bytes()
