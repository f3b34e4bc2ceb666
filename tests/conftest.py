"""Scratch projects for tests: real files in tmp_path, built with the real pipeline."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import html

from statusgen.build import build

# Started in the background by a shell without job control, the tests would ignore Ctrl-C and
# so would every command they start; the tests that interrupt a command need it to stop.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

REPO = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=TZ)

COMPONENTS = """\
site:
  title: Example Status
  url: https://example.github.io/status/
  timezone: America/Sao_Paulo
groups:
  - name: Platform
    components:
      - id: api
        name: Public API
        tier: core
      - id: web
        name: Web app
  - name: Data
    components:
      - id: db
        name: Database
"""

MakeProject = Callable[..., Path]


def _checkout_state() -> set[str]:
    """What `git status` says of the checkout, ignored files included (a build cache is)."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = set(result.stdout.splitlines()) if result.returncode == 0 else set()
    # The virtual environment and the interpreter's and tools' own caches are not the tests'.
    skipped = (
        ".venv/",
        "__pycache__/",
        ".pytest_cache/",
        ".ruff_cache/",
        ".mypy_cache/",
        ".hypothesis/",
    )
    return {line for line in lines if not any(part in line for part in skipped)}


@pytest.fixture(autouse=True, scope="session")
def _checkout_untouched() -> Iterator[None]:
    """Tests never write into the checkout: each builds its own copy in a temporary folder."""
    before = _checkout_state()
    yield
    assert _checkout_state() == before, "the tests changed the checkout"


@pytest.fixture(autouse=True, scope="session")
def _user_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's cache folder (where compiled templates are kept): one of the tests' own."""
    folder = tmp_path_factory.mktemp("user-cache")
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if previous is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = previous


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")


@pytest.fixture
def make_project(tmp_path: Path) -> MakeProject:
    """make_project({"incidents/x.md": "..."}) writes a project with a default components.yaml."""

    def make(files: dict[str, str | bytes] | None = None, *, components: str = COMPONENTS) -> Path:
        project = tmp_path / "project"
        (project / "incidents").mkdir(parents=True, exist_ok=True)
        write_files(project, {"components.yaml": components, **(files or {})})
        return project

    return make


def copy_example(destination: Path) -> Path:
    """The example site of this repository copied to `destination`, so that building it writes
    nothing (not even a cache) into the checkout."""
    for folder in ("incidents", "templates"):
        shutil.copytree(REPO / folder, destination / folder)
    shutil.copy(REPO / "components.yaml", destination / "components.yaml")
    return destination


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return copy_example(tmp_path / "example")


class BuiltSite:
    """A built site with helpers to parse what it wrote."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def page(self, path: str) -> html.HtmlElement:
        return html.fromstring((self.out / path).read_bytes())

    def text(self, path: str, xpath: str = "//main") -> str:
        nodes = self.page(path).xpath(xpath)
        return " ".join(" ".join(n.text_content().split()) for n in nodes)


@pytest.fixture
def build_site(tmp_path: Path) -> Callable[..., BuiltSite]:
    def run(project: Path, now: datetime = NOW, out: Path | None = None) -> BuiltSite:
        out = out or tmp_path / "site"
        build(project, out, now=now)
        return BuiltSite(out)

    return run


def incident(front: str, body: str) -> str:
    """An incident file from its front matter and body (both dedented)."""
    return f"---\n{textwrap.dedent(front).strip()}\n---\n{textwrap.dedent(body).lstrip()}"


@pytest.fixture
def statusgen_on_path(tmp_path: Path) -> dict[str, str]:
    """An environment where `statusgen` is a command on the PATH (this statusgen), as on a
    machine where it is installed: for the shells and scripts that call it by name."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "statusgen"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m statusgen "$@"\n')
    launcher.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def require_programs(*programs: str, purpose: str) -> None:
    """Skip the test, saying why, when a program it needs is not installed; fail instead where
    STATUSGEN_REQUIRE_TOOLS is set (.ci/run sets it, after installing them), so that CI never
    passes by skipping."""
    missing = [program for program in programs if shutil.which(program) is None]
    if not missing:
        return
    reason = f"{purpose} needs {' and '.join(missing)}, which is not installed here"
    if os.environ.get("STATUSGEN_REQUIRE_TOOLS"):
        pytest.fail(f"{reason}; STATUSGEN_REQUIRE_TOOLS is set")
    pytest.skip(reason)
