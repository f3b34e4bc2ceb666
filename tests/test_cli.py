"""The command line as a user runs it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from statusgen.cli import main
from tests.conftest import COMPONENTS, REPO, MakeProject, incident

GOOD = incident(
    "title: Slow\nimpact: minor\ncomponents: [db]", "## Investigating 2026-11-20 14:10\nHm.\n"
)


def test_build_writes_the_site_and_says_so(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project({"incidents/slow.md": GOOD})
    assert main(["-C", str(project), "build", "--now", "2026-11-21 10:00"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("built ") and "(as of 2026-11-21T10:00:00-03:00)" in out
    assert (project / "site/incidents/slow.html").is_file()


def test_build_to_another_folder_quietly(
    make_project: MakeProject, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project({"incidents/slow.md": GOOD})
    assert main(["-C", str(project), "build", "-q", "--out", str(tmp_path / "public")]) == 0
    assert capsys.readouterr().out == ""
    assert (tmp_path / "public/index.html").is_file()


def test_content_errors_are_listed_with_exit_code_1(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(
        {
            "incidents/a.md": incident(
                "title: A\nimpact: huge", "## Investigating 2026-11-20 14:10\n"
            ),
            "incidents/b.md": incident("title: B\nimpact: minor\ncompnents: [db]", "## Oops\n"),
        }
    )
    assert main(["-C", str(project), "build"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "incidents/a.md:3: unknown impact 'huge' (allowed: none, minor, major, critical)",
        "incidents/b.md:4: unknown front-matter key 'compnents' (did you mean 'components'?)",
        "incidents/b.md:6: update heading '## Oops' does not parse (expected '## <Status> "
        "YYYY-MM-DD HH:MM'; statuses: investigating, identified, monitoring, resolved, postmortem)",
        "statusgen: 3 errors found; the previous site was left as it was",
    ]
    assert not (project / "site").exists()


def test_check_validates_without_writing(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project({"incidents/slow.md": GOOD})
    assert main(["-C", str(project), "check"]) == 0
    assert capsys.readouterr().out == "ok: 1 incident, 3 components\n"
    (project / "incidents/bad.md").write_text("no front matter\n")
    assert main(["-C", str(project), "check"]) == 1
    assert (
        capsys.readouterr()
        .err.splitlines()[0]
        .startswith("incidents/bad.md:1: missing front matter")
    )
    assert sorted(p.name for p in project.iterdir()) == ["components.yaml", "incidents"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["build", "--now", "tomorrow"], "argument --now: malformed timestamp 'tomorrow'"),
        (["publish"], "invalid choice: 'publish'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert message in capsys.readouterr().err


def test_unwritable_output_is_an_error_not_a_traceback(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project({"incidents/slow.md": GOOD})
    (project / "blocker").write_text("a file, not a folder")
    assert main(["-C", str(project), "build", "--out", str(project / "blocker/site")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("statusgen: ") and "Traceback" not in err


def test_console_script_runs_the_example_site(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1795000000"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "statusgen",
            "-C",
            str(REPO),
            "build",
            "--out",
            str(tmp_path / "site"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "(as of 2026-11-18T" in result.stdout  # SOURCE_DATE_EPOCH stands in for the clock


def test_check_hints_at_incidents_without_started_when_sla_applies(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    policies = "policies:\n  default:\n    P1: {first_response: 1h}\n"
    with_started = incident(
        "title: B\nimpact: minor\nstarted: 2026-11-20 14:00",
        "## Investigating 2026-11-20 14:10\nHm.\n",
    )
    project = make_project(
        {"incidents/slow.md": GOOD, "incidents/b.md": with_started},
        components=COMPONENTS + policies,
    )
    assert main(["-C", str(project), "check"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "incidents/slow.md:2: hint: no 'started'; the SLA clock starts at the first update, "
        "so the first response counts as met at once",
        "ok: 2 incidents, 3 components",
    ]


def test_a_broken_template_is_a_clear_error_not_a_traceback(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project(
        {
            "incidents/slow.md": GOOD,
            "templates/base.html": "{% block title %}\n<p>{{ nope( }}</p>\n",
        }
    )
    assert main(["-C", str(project), "build", "--out", str(project / "site")]) == 1
    err = capsys.readouterr().err
    assert "templates/base.html:2: " in err and "Traceback" not in err
    assert not (project / "site").exists()
