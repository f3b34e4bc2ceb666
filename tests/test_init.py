"""`statusgen init` as a new user runs it in an empty folder: a repository that checks, builds
and publishes at once, files already there left alone, answers asked for on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from lxml import html

from statusgen import __version__
from statusgen.cli import main
from tests.test_workflows import run_actionlint

FLAGS = [
    "--title", "Acme: Status", "--url", "https://status.acme.example/",
    "--timezone", "America/Sao_Paulo", "--language", "pt-BR",
]  # fmt: skip
WRITTEN = {
    ".gitignore",
    "components.yaml",
    ".pre-commit-config.yaml",
    ".github/workflows/publish.yml",
    ".github/workflows/check.yml",
    "README.md",
}


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_init_then_check_then_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "status"
    assert main(["init", str(folder), *FLAGS]) == 0
    written = files_under(folder)
    (example,) = [name for name in written if name.startswith("incidents/")]
    assert set(written) == WRITTEN | {example}
    assert "wrote" in capsys.readouterr().out
    assert main(["-C", str(folder), "check"]) == 0
    assert "ok: 1 incident, 3 components" in capsys.readouterr().out
    assert main(["-C", str(folder), "build", "-q"]) == 0
    index = html.fromstring((folder / "site/index.html").read_bytes())
    assert index.xpath("string(//title)").startswith("Acme: Status")
    assert index.get("lang") == "pt-BR"
    assert "Todos os sistemas operacionais" in index.text_content()
    # The example is a resolved incident, with its page and in the history.
    incident = example.rsplit("/", 1)[1].removesuffix(".md")
    page = html.fromstring((folder / f"site/incidents/{incident}.html").read_bytes())
    assert "Exemplo: páginas lentas" in page.text_content()
    # The build's own folders are ignored by git.
    ignored = (folder / ".gitignore").read_text().split()
    assert {"site/", ".statusgen-cache/", "_site/"} <= set(ignored)


def test_the_workflows_use_the_action_at_this_version_and_pass_actionlint(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), *FLAGS]) == 0
    workflows = sorted((tmp_path / ".github/workflows").glob("*.yml"))
    assert run_actionlint(workflows) == []
    for workflow in workflows:
        data = yaml.safe_load(workflow.read_text())
        uses = [
            step["uses"] for job in data["jobs"].values() for step in job["steps"] if "uses" in step
        ]
        assert f"statusgen/statusgen@v{__version__}" in uses or (
            workflow.name == "publish.yml"
            and any(u.startswith("actions/deploy-pages@") for u in uses)
        )
        text = workflow.read_text()
        assert "pip install" not in text and ".ci/" not in text  # no statusgen internals
    publish = yaml.safe_load((tmp_path / ".github/workflows/publish.yml").read_text())
    assert publish["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert publish[True]["schedule"] and "workflow_dispatch" in publish[True]
    check = yaml.safe_load((tmp_path / ".github/workflows/check.yml").read_text())
    assert list(check[True]) == ["pull_request"]
    hooks = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text())
    assert hooks["repos"][0]["rev"] == f"v{__version__}"
    assert hooks["repos"][0]["hooks"] == [{"id": "statusgen-check"}]


@pytest.mark.parametrize(
    ("language", "word"), [("en", "All Systems Operational"), ("es", "Todos los sistemas")]
)
def test_each_language_gets_its_own_words(tmp_path: Path, language: str, word: str) -> None:
    flags = [*FLAGS[:-1], language]
    assert main(["init", str(tmp_path), *flags]) == 0
    assert main(["-C", str(tmp_path), "build", "-q"]) == 0
    index = (tmp_path / "site/index.html").read_text()
    assert word in index


def test_a_zone_without_a_holiday_country_leaves_holidays_to_the_user(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), "--timezone", "UTC"]) == 0
    config = (tmp_path / "components.yaml").read_text()
    assert "# holidays: {country: XX}" in config
    assert main(["-C", str(tmp_path), "check", "-q"]) == 0


def test_nothing_there_is_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "README.md").write_text("# Ours\n")
    (tmp_path / ".gitignore").write_text("node_modules\nsite/")  # no final line break
    assert main(["init", str(tmp_path), *FLAGS]) == 0
    assert (tmp_path / "README.md").read_text() == "# Ours\n"
    assert (tmp_path / ".gitignore").read_text() == (
        "node_modules\nsite/\n# Built by statusgen: made again on every build.\n"
        "_site/\n.statusgen-cache/\n.statusgen-notify/\n"
    )
    said = capsys.readouterr()
    assert (
        f"kept {tmp_path.relative_to(Path.cwd()) if tmp_path.is_relative_to(Path.cwd()) else os.path.relpath(tmp_path)}/README.md (already there)"
        in said.err
    )
    before = files_under(tmp_path)
    assert main(["init", str(tmp_path), *FLAGS]) == 0  # again: everything is there
    assert files_under(tmp_path) == before
    assert "wrote" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--timezone", "Mars/Base"], "--timezone: unknown time zone 'Mars/Base'"),
        (["--url", "status.example.com"], "--url: 'status.example.com' is not the address"),
        (["--url", "https://status.example.com"], "ending with /"),
        (
            ["--language", "xx"],
            "--language: 'xx' has no catalog shipped with statusgen (allowed: en, pt-BR, es",
        ),
        (["--title", " "], "--title: a title is one line of text"),
        (["--title", "A\x7fB"], "--title: a title is one line of text"),
        (["--url", "https://a.example/?q=1/"], "no query or fragment"),
        (["--timezone", "localtime"], "--timezone: unknown time zone 'localtime'"),
        (["--timezone", "posix/America/Sao_Paulo"], "unknown time zone"),
    ],
)
def test_answers_that_cannot_make_a_site_are_refused_and_nothing_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    assert main(["init", str(tmp_path / "status"), *flags]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "status").exists()


def on_a_terminal(
    args: list[str], typed: bytes, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    """`statusgen ARGS` with a terminal for its input, where `typed` is typed."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "statusgen", *args],
            stdin=terminal, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        os.write(controller, typed)
        out, err = process.communicate(timeout=60)
    finally:
        os.close(controller)
        os.close(terminal)
    return process.returncode, out, err


def test_on_a_terminal_it_asks(tmp_path: Path) -> None:
    # Enter keeps the default offered.
    code, out, err = on_a_terminal(
        ["init", str(tmp_path)], b"Estado de Acme\n\n\nes\n", {"TZ": "Europe/Lisbon"}
    )
    assert code == 0, err
    assert "Title of the status page [Example Status]:" in out
    assert "Time zone [Europe/Lisbon]:" in out  # the machine's zone, offered
    site = yaml.safe_load((tmp_path / "components.yaml").read_text())["site"]
    assert site["title"] == "Estado de Acme"
    assert site["url"] == "https://example.github.io/status/"
    assert site["timezone"] == "Europe/Lisbon"
    assert site["language"] == "es"


def test_beside_an_existing_site_it_adds_no_example(tmp_path: Path) -> None:
    # The example names the starter's components; a site's own components.yaml has others.
    (tmp_path / "components.yaml").write_text(
        "site:\n  title: Ours\n  url: https://s.example/\n  timezone: UTC\n"
        "groups:\n  - name: G\n    components:\n      - id: db\n        name: Database\n"
    )
    assert main(["init", str(tmp_path), *FLAGS]) == 0
    assert not (tmp_path / "incidents").exists() or not list((tmp_path / "incidents").rglob("*.md"))
    (tmp_path / "incidents").mkdir(exist_ok=True)
    assert main(["-C", str(tmp_path), "check", "-q"]) == 0


@pytest.mark.parametrize("in_the_way", [".github", ".gitignore/", "components.yaml/"])
def test_something_in_the_way_stops_it_before_it_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], in_the_way: str
) -> None:
    folder = tmp_path / "status"
    folder.mkdir()
    if in_the_way.endswith("/"):
        (folder / in_the_way).mkdir()
    else:
        (folder / in_the_way).write_text("a file where a folder goes")
    before = files_under(folder)
    assert main(["init", str(folder), *FLAGS]) == 1
    assert "nothing was written" in capsys.readouterr().err
    assert files_under(folder) == before


def test_a_gitignore_that_is_not_text_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_bytes(b"\xff\xfe site/\n")
    assert main(["init", str(tmp_path), *FLAGS]) == 0
    assert (tmp_path / ".gitignore").read_bytes() == b"\xff\xfe site/\n"


def test_a_language_as_typed_in_another_case(tmp_path: Path) -> None:
    assert main(["init", str(tmp_path), "--language", "pt_br"]) == 0
    assert "language: pt-BR\n" in (tmp_path / "components.yaml").read_text()


@pytest.mark.parametrize(
    ("typed", "written", "word"),
    [("es_mx", "es-MX", "Todos los sistemas"), ("en-GB", "en-GB", "All Systems Operational")],
)
def test_a_regional_form_of_a_shipped_language_is_accepted_as_check_accepts_it(
    tmp_path: Path, typed: str, written: str, word: str
) -> None:
    assert main(["init", str(tmp_path), *FLAGS[:-2], "--language", typed]) == 0
    assert f"language: {written}\n" in (tmp_path / "components.yaml").read_text()
    assert main(["-C", str(tmp_path), "build", "-q"]) == 0
    assert word in (tmp_path / "site/index.html").read_text()


@pytest.mark.parametrize("typed", ["pt-PT", "de", "zz-ZZ"])
def test_a_language_without_a_shipped_catalog_is_refused(
    tmp_path: Path, typed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path), "--language", typed]) == 2
    assert f"--language: '{typed}' has no catalog shipped" in capsys.readouterr().err
    assert not (tmp_path / "components.yaml").exists()


def test_end_of_input_at_a_question_writes_nothing(tmp_path: Path) -> None:
    code, _, err = on_a_terminal(["init", str(tmp_path / "status")], b"\x04")  # Ctrl-D
    assert code == 2
    assert "no answer given" in err and "Traceback" not in err
    assert not (tmp_path / "status").exists()


def test_a_file_where_the_folder_goes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "status").write_text("notes\n")
    assert main(["init", str(tmp_path / "status"), *FLAGS]) == 1
    assert "is a file, not a folder; nothing was written" in capsys.readouterr().err
    assert (tmp_path / "status").read_text() == "notes\n"


@pytest.mark.parametrize(("zone", "country"), [("US/Eastern", "US"), ("Brazil/East", "BR")])
def test_a_zone_known_by_an_older_name_gets_its_countrys_holidays(
    tmp_path: Path, zone: str, country: str
) -> None:
    assert main(["init", str(tmp_path), "--timezone", zone]) == 0
    config = yaml.safe_load((tmp_path / "components.yaml").read_text())
    calendar = next(iter(config["calendars"].values()))
    assert calendar["holidays"]["country"] == country
    assert main(["-C", str(tmp_path), "build", "-q"]) == 0
