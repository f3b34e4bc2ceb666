"""The command line as a user runs it: exit codes, messages, no tracebacks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from statusgen.cli import main
from tests.conftest import COMPONENTS, REPO, TZ, MakeProject, copy_example, incident, write_files
from tests.test_sla import SEED_003

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


def test_build_says_when_it_is_as_of_in_the_sites_zone_to_the_second(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # the clock, then
    project = make_project({"incidents/slow.md": GOOD})
    before = datetime.now(TZ).replace(microsecond=0)
    assert main(["-C", str(project), "build"]) == 0
    after = datetime.now(TZ)
    out = capsys.readouterr().out
    shown = out[out.index("(as of ") + len("(as of ") : out.rindex(")")]
    # No microseconds, no UTC: the time as the pages show it, with the zone's offset.
    assert len(shown) == len("2026-11-21T10:00:00-03:00") and shown.endswith("-03:00"), out
    assert before <= datetime.fromisoformat(shown) <= after


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
            str(copy_example(tmp_path / "example")),
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
    # SOURCE_DATE_EPOCH stands in for the clock, shown in the site's zone.
    assert "(as of 2026-11-18T08:06:40-03:00)" in result.stdout


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


def test_check_gives_no_sla_hint_where_the_site_publishes_no_service_levels(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    # Under `none` no deadline is worked out, so when a clock would start changes nothing.
    policies = "policies:\n  default:\n    P1: {first_response: 1h}\nsla:\n  public: "
    hint = "incidents/slow.md:2: hint: no 'started'"
    for level, hinted in (("summary", True), ("none", False)):
        project = make_project(
            {"incidents/slow.md": GOOD}, components=COMPONENTS + policies + level
        )
        assert main(["-C", str(project), "check"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(hint) is hinted, level
        assert out.endswith("ok: 1 incident, 3 components\n")


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


# --- what a user sees when a run is cut short, or statusgen itself fails ----------------------

COMMAND = [
    sys.executable,
    "-c",
    "from statusgen.__main__ import main; main()",
]  # the console script


def many_incidents(count: int) -> dict[str, str | bytes]:
    start = datetime(2024, 1, 1, 10, 0, tzinfo=TZ)
    files: dict[str, str | bytes] = {}
    for n in range(count):
        at = start + timedelta(hours=13 * n)
        files[f"incidents/i{n:04d}.md"] = incident(
            f"title: Incident {n}\nimpact: minor\ncomponents: [api]",
            f"## Resolved {at + timedelta(hours=1):%Y-%m-%d %H:%M}\nFixed **it** ({n}).\n\n"
            f"## Investigating {at:%Y-%m-%d %H:%M}\nLooking at [this](https://example.com/{n}).\n",
        )
    return files


def workers_of(pid: int) -> list[str]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return children.read_text().split() if children.exists() else []


@pytest.mark.parametrize(("stage", "count"), [("parse", 600), ("render", 300)])
def test_ctrl_c_mid_build_leaves_one_line_and_the_previous_site(
    make_project: MakeProject, tmp_path: Path, stage: str, count: int
) -> None:
    out = tmp_path / "public"
    previous = make_project({"incidents/slow.md": GOOD})
    assert main(["-C", str(previous), "build", "-q", "--no-cache", "--out", str(out)]) == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    project = tmp_path / "big"
    write_files(project, {"components.yaml": COMPONENTS, **many_incidents(count)})
    process = subprocess.Popen(
        [*COMMAND, "-C", str(project), "build", "--no-cache", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "STATUSGEN_WORKERS": "2", "NO_COLOR": "1"},
        process_group=0,  # Ctrl-C reaches a terminal's whole foreground group: the workers too
    )
    # The moment: while workers parse (600 files are parsed in parallel, 300 are not), or
    # while they render into the folder that would replace the site.
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        rendering = any(tmp_path.glob(".public-new-*"))
        if workers_of(process.pid) and (stage == "parse" or rendering):
            break
        time.sleep(0.005)
    assert process.poll() is None, "the build ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout, stderr) == (130, "", "statusgen: interrupted\n")
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big", "project", "public"]


def test_a_closed_pipe_ends_the_output_quietly(make_project: MakeProject) -> None:
    small = make_project({"incidents/slow.md": GOOD})
    # SLA policies and no `started`: a hint per incident, more than the output's buffer holds.
    large = small.parent / "large"
    write_files(large, {"components.yaml": COMPONENTS + SEED_003, **many_incidents(120)})
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    # The pipe is found closed on exit (a short output, buffered), or while printing.
    for project, env in (
        (small, buffered),
        (small, {**buffered, "PYTHONUNBUFFERED": "1"}),
        (large, buffered),
    ):
        process = subprocess.Popen(
            [*COMMAND, "-C", str(project), "check"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # `| head -0`: the reader is gone before anything is written
        stderr = process.stderr.read()
        assert (process.wait(timeout=60), stderr) == (141, ""), (
            project.name,
            env.get("PYTHONUNBUFFERED"),
        )


def test_a_bug_prints_its_traceback_and_asks_for_a_report(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import statusgen.build

    def broken(project: Path) -> None:
        raise ZeroDivisionError("a slip in statusgen")

    monkeypatch.setattr(statusgen.build, "check", broken)
    assert main(["-C", str(make_project({"incidents/slow.md": GOOD})), "check"]) == 70
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "Traceback (most recent call last):"
    assert "ZeroDivisionError: a slip in statusgen" in err
    assert err[-1].startswith("statusgen ") and "this is a bug in statusgen" in err[-1]
    assert "please report it with the traceback above" in err[-1]


class Unpicklable(Exception):
    def __init__(self, what: str, code: int) -> None:  # pickle calls it with the message alone
        super().__init__(f"{what} ({code})")


def test_a_bug_in_a_worker_shows_the_workers_traceback(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from statusgen.engine import loading

    parent = os.getpid()
    parse = loading._parse

    def breaks_in_a_worker(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            raise Unpicklable("a slip in a worker", 7)
        time.sleep(0.002)  # the worker surely gets some files
        return parse(*args, **kwargs)

    monkeypatch.setattr(loading, "_parse", breaks_in_a_worker)
    monkeypatch.setenv("STATUSGEN_WORKERS", "2")
    project = make_project(many_incidents(600))
    assert main(["-C", str(project), "check"]) == 70
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "Traceback (most recent call last):"
    assert any(line.endswith("Unpicklable: a slip in a worker (7)") for line in err)
    assert any("breaks_in_a_worker" in line for line in err)
    assert "this is a bug in statusgen" in err[-1]


@pytest.mark.parametrize("epoch", ["253402300000", "99999999999999", "yesterday"])
def test_a_source_date_epoch_out_of_range_is_a_clear_error(
    make_project: MakeProject,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    epoch: str,
) -> None:
    project = make_project({"incidents/slow.md": GOOD})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    assert main(["-C", str(project), "check"]) == 1
    assert capsys.readouterr().err == (
        f"statusgen: SOURCE_DATE_EPOCH '{epoch}' is not a build time (whole seconds since "
        "1970-01-01 UTC, before 2200)\n"
    )


@pytest.mark.parametrize("port", ["70000", "-5", "http"])
def test_serve_refuses_a_port_out_of_range(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], port: str
) -> None:
    project = make_project({"incidents/slow.md": GOOD})
    with pytest.raises(SystemExit) as exited:
        main(["-C", str(project), "serve", "--port", port])
    assert exited.value.code == 2
    assert f"argument --port: '{port}' is not a port (a number from 0 to 65535)" in (
        capsys.readouterr().err
    )


def test_serve_on_a_taken_port_says_so_and_leaves_no_folder(
    make_project: MakeProject,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = make_project({"incidents/slow.md": GOOD})
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        assert main(["-C", str(project), "serve", "--port", port]) == 1
    assert (
        f"statusgen: port {port} is in use on 127.0.0.1 (another preview?)"
        in capsys.readouterr().err
    )
    assert list((tmp_path / "tmp").iterdir()) == []


def test_ctrl_c_while_the_command_loads_is_one_line_too(tmp_path: Path) -> None:
    # A stand-in for a library the command line loads, slow enough to be interrupted in.
    shim = tmp_path / "shim"
    shim.mkdir()
    loading = tmp_path / "loading"
    (shim / "yaml.py").write_text(
        f"import pathlib, time\npathlib.Path({str(loading)!r}).touch()\ntime.sleep(60)\n"
    )
    process = subprocess.Popen(
        [*COMMAND, "--version"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": f"{shim}{os.pathsep}{REPO}"},
    )
    deadline = time.monotonic() + 30
    while not loading.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert (process.returncode, stdout, stderr) == (130, "", "statusgen: interrupted\n")


def test_the_command_line_starts_without_the_on_call_commands() -> None:
    # Every build starts by importing the command line: the on-call commands, init and the
    # schemas are imported when they run, not on every build's start.
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, statusgen.cli; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    assert "statusgen.cli" in loaded
    assert not [m for m in loaded if m.startswith(("statusgen.authoring", "statusgen.starter"))]
