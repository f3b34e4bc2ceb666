"""The on-call workflow driven as a user drives it: new → update → resolve → check → build,
and `statusgen serve` running for real."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import COMPONENTS, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]
GOOD = incident(
    "title: Slow\nimpact: minor\ncomponents: [db]", "## Investigating 2026-11-20 14:10\nHm.\n"
)


def statusgen(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "statusgen", "-C", str(project), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=project,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_new_update_resolve_then_check_and_build(
    make_project: MakeProject, build_site: Build
) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    opened = statusgen(
        project,
        "new",
        "incident",
        "Checkout: errors on the pay button",
        "--impact",
        "major",
        "--component",
        "api=partial_outage",
        "-c",
        "web",
        "--eta",
        "2026-11-22 12:00",
        "--at",
        "2026-11-22 10:00",
    )
    assert opened.returncode == 0, opened.stderr
    path = opened.stdout.strip()
    assert path == "incidents/2026/2026-11-22-checkout-errors-on-the-pay-button.md"
    incident_id = Path(path).stem
    assert (project / path).read_text() == (
        "---\n"
        'title: "Checkout: errors on the pay button"\n'
        "impact: major\n"
        "components:\n"
        "  api: partial_outage\n"
        "  web:\n"
        "started: 2026-11-22 10:00\n"
        "eta: 2026-11-22 12:00\n"
        "---\n"
        "## Investigating 2026-11-22 10:00\n"
        "We are investigating this issue.\n"
    )
    updated = statusgen(
        project, "update", incident_id, "identified", "A bad deploy.", "--at", "2026-11-22 10:20",
        "--eta", "2026-11-22 11:30",
    )  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    resolved = statusgen(
        project, "resolve", incident_id, "Rolled back.", "--at", "2026-11-22 10:50"
    )
    assert resolved.returncode == 0, resolved.stderr
    assert statusgen(project, "check").returncode == 0
    from datetime import datetime

    from tests.conftest import TZ

    during = build_site(project, now=datetime(2026, 11, 22, 10, 30, tzinfo=TZ))
    text = during.text(f"incidents/{incident_id}.html")
    assert "Identified" in text and "A bad deploy." in text and "Rolled back." not in text
    assert "22 Nov 2026, 11:30" in text  # the new estimate
    after = build_site(project, now=datetime(2026, 11, 22, 11, 0, tzinfo=TZ))
    text = after.text(f"incidents/{incident_id}.html")
    assert "Rolled back." in text and "Resolved" in text
    headings = after.page(f"incidents/{incident_id}.html").xpath(
        "//ol[@class='timeline']/li/h3/text()"
    )
    assert [h.strip() for h in headings] == ["Resolved", "Identified", "Investigating"]


def test_update_keeps_every_other_byte(make_project: MakeProject) -> None:
    original = (
        "---\n"
        "# the on-call wrote this comment\n"
        "impact:   major        # aligned on purpose\n"
        "title: 'Odd  formatting'\n"
        "components: {db: major_outage}\n"
        "---\n"
        "Summary with *emphasis*.\n"
        "\n"
        "## Identified 2026-11-20 14:30\n"
        "Found   it.\n"
        "\n"
        "## Investigating 2026-11-20 14:10\n"
        "```\n"
        "## Not a heading inside code\n"
        "```\n"
    )
    project = make_project({"incidents/odd.md": original})
    result = statusgen(
        project, "update", "odd", "monitoring", "Watching.", "--at", "2026-11-20 15:00"
    )
    assert result.returncode == 0, result.stderr
    text = (project / "incidents/odd.md").read_text()
    block = "## Monitoring 2026-11-20 15:00\nWatching.\n\n"
    assert block in text
    assert text.replace(block, "", 1) == original
    assert text.index(block) == original.index("## Identified")  # newest first, on top
    # A file written oldest first gets the update at its end.
    ascending = incident(
        "title: A\nimpact: minor\ncomponents: [db]",
        "## Investigating 2026-11-20 14:10\nHm.\n\n## Identified 2026-11-20 14:30\nAh.",
    )
    (project / "incidents/asc.md").write_text(ascending)
    assert statusgen(project, "resolve", "asc", "Done.", "--at", "2026-11-20 16:00").returncode == 0
    assert (project / "incidents/asc.md").read_text() == (
        ascending + "\n\n## Resolved 2026-11-20 16:00\nDone.\n"
    )


def test_crlf_files_keep_their_line_endings(make_project: MakeProject) -> None:
    project = make_project()
    original = GOOD.replace("\n", "\r\n").encode()
    (project / "incidents").mkdir(exist_ok=True)
    (project / "incidents/win.md").write_bytes(original)
    assert statusgen(project, "resolve", "win", "Ok.", "--at", "2026-11-20 15:00").returncode == 0
    data = (project / "incidents/win.md").read_bytes()
    assert data.replace(b"## Resolved 2026-11-20 15:00\r\nOk.\r\n\r\n", b"", 1) == original


def test_new_maintenance_and_resolve_completes_it(make_project: MakeProject) -> None:
    project = make_project()
    result = statusgen(
        project, "new", "maintenance", "Database upgrade", "--start", "2026-11-28 01:00",
        "--end", "2026-11-28 03:00", "-c", "db", "-c", "api", "--at", "2026-11-20 10:00",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    path = project / result.stdout.strip()
    assert path.name == "2026-11-28-database-upgrade.md"  # named after its window
    assert path.read_text() == (
        "---\ntype: maintenance\ntitle: Database upgrade\ncomponents: [db, api]\n"
        "scheduled_start: 2026-11-28 01:00\nscheduled_end: 2026-11-28 03:00\n---\n"
        "## Scheduled 2026-11-20 10:00\nMaintenance is scheduled for this window.\n"
    )
    done = statusgen(project, "resolve", path.stem, "All done.", "--at", "2026-11-28 02:40")
    assert done.returncode == 0
    assert "## Completed 2026-11-28 02:40\nAll done.\n" in path.read_text()
    again = statusgen(
        project, "new", "maintenance", "Database upgrade", "--start", "2026-11-28 05:00",
        "--end", "2026-11-28 06:00", "--at", "2026-11-20 10:00",
    )  # fmt: skip
    assert Path(again.stdout.strip()).name == "2026-11-28-database-upgrade-2.md"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["update", "nope", "resolved", "x"],
            "statusgen: no incident or maintenance 'nope' (recent: slow; 'statusgen list' shows the open ones)",
        ),
        (
            ["update", "slow", "fixed", "x"],
            "statusgen: unknown incident status 'fixed' (allowed: investigating, identified, monitoring, resolved, postmortem)",
        ),
        (
            ["new", "incident", "T", "--impact", "huge"],
            "statusgen: unknown impact 'huge' (allowed: none, minor, major, critical)",
        ),
        (
            ["new", "incident", "T", "--impact", "minor", "-c", "dbb"],
            "statusgen: unknown component 'dbb' (components: api, web, db)",
        ),
        (
            ["new", "incident", "T", "--impact", "minor", "-c", "db=broken"],
            "incidents/2026/2026-11-22-t.md:5: unknown status 'broken' for component 'db'",
        ),
        (
            ["new", "maintenance", "M", "--start", "2026-11-28 03:00", "--end", "2026-11-28 01:00"],
            "statusgen: the maintenance must end after it starts",
        ),
        (
            ["update", "slow", "identified", "x", "--at", "yesterday"],
            "argument --at: 'yesterday' is not a time (expected YYYY-MM-DD HH:MM",
        ),
    ],
)
def test_authoring_errors_are_clear_and_write_nothing(
    make_project: MakeProject, args: list[str], message: str
) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    before = sorted(p.relative_to(project) for p in project.rglob("*"))
    result = statusgen(project, *args, *([] if "--at" in args else ["--at", "2026-11-22 10:00"]))
    assert result.returncode in (1, 2)
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.relative_to(project) for p in project.rglob("*")) == before
    assert (project / "incidents/2026/slow.md").read_text() == GOOD


def test_every_command_has_help(make_project: MakeProject) -> None:
    project = make_project()
    for command in (
        [], ["build"], ["check"], ["new"], ["new", "incident"], ["new", "maintenance"],
        ["update"], ["resolve"], ["serve"],
    ):  # fmt: skip
        result = statusgen(project, *command, "--help")
        assert result.returncode == 0 and "usage: statusgen" in result.stdout, command


def test_check_can_speak_github_annotations(make_project: MakeProject) -> None:
    project = make_project({"incidents/bad.md": incident("title: X\nimpact: huge", "")})
    result = subprocess.run(
        [sys.executable, "-m", "statusgen", "-C", "project", "check", "--format", "github"],
        capture_output=True,
        text=True,
        check=False,
        cwd=project.parent,
    )
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "::error file=project/incidents/bad.md,line=3::unknown impact 'huge' (allowed: none, minor, major, critical)"
    ]
    assert result.stderr == "statusgen: 1 error found\n"


def test_pre_commit_hook_definition(tmp_path: Path) -> None:
    import yaml

    from tests.conftest import REPO

    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "statusgen-check"
    assert hook["entry"] == "statusgen check" and hook["language"] == "python"
    assert hook["pass_filenames"] is False
    pattern = re.compile(hook["files"])
    for path in ("incidents/2026/x.md", "components.yaml", "templates/base.html"):
        assert pattern.search(path), path
    assert not pattern.search("README.md")


# --- statusgen serve, for real --------------------------------------------------------------


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_for(predicate: Callable[[], bool], seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_serve_rebuilds_reloads_and_survives_bad_content(make_project: MakeProject) -> None:
    project = make_project({"incidents/slow.md": GOOD})
    process = subprocess.Popen(
        [sys.executable, "-m", "statusgen", "-C", str(project), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert process.stdout is not None
        line = ""
        while "Serving" not in line:
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else ""
        base = re.search(r"http://127\.0\.0\.1:\d+/", line).group(0)  # type: ignore[union-attr]
        status, page = fetch(base)
        assert status == 200 and "Example Status" in page
        assert "/__statusgen/state" in page  # the reload script, only in the preview
        build = json.loads(fetch(base + "__statusgen/state")[1])["build"]

        (project / "incidents/slow.md").write_text(GOOD.replace("title: Slow", "title: Sluggish"))
        wait_for(lambda: json.loads(fetch(base + "__statusgen/state")[1])["build"] > build)
        assert "Sluggish" in fetch(base + "incidents/slow.html")[1]

        (project / "incidents/slow.md").write_text(GOOD.replace("impact: minor", "impact: huge"))
        wait_for(lambda: json.loads(fetch(base + "__statusgen/state")[1])["errors"] != [])
        state = json.loads(fetch(base + "__statusgen/state")[1])
        assert state["errors"] == [
            "incidents/slow.md:3: unknown impact 'huge' (allowed: none, minor, major, critical)"
        ]
        status, page = fetch(base + "incidents/slow.html")
        assert status == 200 and "Sluggish" in page  # the last good site
        assert "unknown impact &#x27;huge&#x27;" in page and 'id="statusgen-errors"' in page

        (project / "components.yaml").write_text(COMPONENTS.replace("Example Status", "Fixed"))
        (project / "incidents/slow.md").write_text(GOOD)
        wait_for(lambda: json.loads(fetch(base + "__statusgen/state")[1])["errors"] == [])
        assert "Fixed" in fetch(base)[1]
        assert fetch(base + "static/style.css")[0] == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "unknown impact 'huge'" in err and "still serving the last good site" in err
    assert "Traceback" not in err
