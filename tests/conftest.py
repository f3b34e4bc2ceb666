"""Scratch projects for tests: real files in tmp_path, built with the real pipeline."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import html

from statusgen.build import build

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
