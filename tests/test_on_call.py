"""The on-call commands as an engineer types them at night: short and relative times, the path
`new` printed wherever an id is asked, `list`, and completion in bash, zsh and fish."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from statusgen.authoring.when import read_when
from tests.conftest import TZ, MakeProject, incident, require_programs
from tests.test_authoring import statusgen

OPEN = incident(
    "title: Checkout errors\nimpact: major\ncomponents: {api: partial_outage}\n"
    "eta: 2026-11-22 16:00",
    "## Identified 2026-11-22 10:30\nA bad deploy.\n\n## Investigating 2026-11-22 10:00\nHm.\n",
)
RESOLVED = incident(
    "title: Slow search\nimpact: minor\ncomponents: [db]",
    "## Resolved 2026-11-20 15:00\nFixed.\n\n## Investigating 2026-11-20 14:10\nHm.\n",
)
UPCOMING = incident(
    "type: maintenance\ntitle: Database upgrade\ncomponents: [db]\n"
    "scheduled_start: 2026-11-28 02:00\nscheduled_end: 2026-11-28 04:00",
    "## Scheduled 2026-11-20 10:00\nPlanned.\n",
)
CONTENT = {
    "incidents/2026/2026-11-22-checkout-errors.md": OPEN,
    "incidents/2026/2026-11-20-slow-search.md": RESOLVED,
    "incidents/2026/2026-11-28-database-upgrade.md": UPCOMING,
}


def front(path: Path, key: str) -> str:
    return next(line for line in path.read_text().splitlines() if line.startswith(f"{key}: "))[
        len(key) + 2 :
    ]


def minutes_between(before: datetime, after: datetime, shift: timedelta) -> set[str]:
    """Every minute, as a file writes it in the site's zone, from `before` to `after` moved by
    `shift`: where a command reading the clock may have placed a relative time."""
    moment = (before + shift).astimezone(TZ).replace(second=0, microsecond=0)
    found = set()
    while moment <= after + shift:
        found.add(f"{moment:%Y-%m-%d %H:%M}")
        moment += timedelta(minutes=1)
    return found


def test_relative_and_clock_times(make_project: MakeProject) -> None:
    project = make_project()
    before = datetime.now(tz=UTC)
    opened = statusgen(
        project, "new", "incident", "Login fails", "--impact", "major", "--at", "-10m",
        "--eta", "+2h",
    )  # fmt: skip
    after = datetime.now(tz=UTC)
    assert opened.returncode == 0, opened.stderr
    path = project / opened.stdout.strip()
    assert front(path, "started") in minutes_between(before, after, timedelta(minutes=-10))
    assert front(path, "eta") in minutes_between(before, after, timedelta(hours=2))

    # A clock time is today in the site's zone, whatever the machine's zone says.
    updated = subprocess.run(
        [sys.executable, "-m", "statusgen", "-C", str(project), "update", opened.stdout.strip(),
         "identified", "-m", "Found it.", "--eta", "23:30", "--at", "-5m"],
        capture_output=True, text=True, check=False, cwd=project,
        env={**os.environ, "TZ": "Asia/Tokyo"},
    )  # fmt: skip
    done = datetime.now(tz=UTC)
    assert updated.returncode == 0, updated.stderr
    text = path.read_text()
    today = {f"{(moment).astimezone(TZ):%Y-%m-%d} 23:30" for moment in (after, done)}
    assert any(f"ETA: {day}\nFound it." in text for day in today), text
    heading = next(line for line in text.splitlines() if line.startswith("## Identified "))
    assert heading.removeprefix("## Identified ") in minutes_between(
        after, done, timedelta(minutes=-5)
    )


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("+2h", datetime(2026, 11, 22, 14, 0, tzinfo=TZ)),
        ("-10m", datetime(2026, 11, 22, 11, 50, tzinfo=TZ)),
        ("+1d2h30m", datetime(2026, 11, 23, 14, 30, tzinfo=TZ)),
        ("14:00", datetime(2026, 11, 22, 14, 0, tzinfo=TZ)),
        ("7:05", datetime(2026, 11, 22, 7, 5, tzinfo=TZ)),
        ("2026-11-25 09:00", datetime(2026, 11, 25, 9, 0, tzinfo=TZ)),
        ("2026-11-25T09:00:00Z", datetime(2026, 11, 25, 9, 0, tzinfo=UTC)),
    ],
)
def test_a_typed_time_is_placed_in_the_sites_zone(typed: str, meant: datetime) -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=TZ).astimezone(UTC)
    assert read_when(typed).at(now, TZ) == meant


def test_today_is_the_sites_day_not_the_machines() -> None:
    # 01:30 UTC on the 23rd is still the 22nd in São Paulo.
    now = datetime(2026, 11, 23, 1, 30, tzinfo=UTC)
    assert read_when("22:00").at(now, TZ) == datetime(2026, 11, 22, 22, 0, tzinfo=TZ)
    assert read_when("22:00").clock == time(22, 0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--eta", "25:00"], "argument --eta: '25:00' is not a time (expected YYYY-MM-DD HH:MM"),
        (["--eta", "+2x"], "argument --eta: '+2x' is not a time"),
        (["--at", "tomorrow"], "argument --at: 'tomorrow' is not a time"),
        (["--eta", "+99999999d"], "argument --eta: '+99999999d' is too far from now"),
    ],
)
def test_a_time_that_is_not_one_is_a_usage_error(
    make_project: MakeProject, args: list[str], message: str
) -> None:
    project = make_project()
    result = statusgen(project, "new", "incident", "T", "--impact", "minor", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "not a time" not in message or "+2h" in result.stderr  # the forms are named
    assert not (project / "incidents").exists() or not list((project / "incidents").rglob("*.md"))


def test_the_path_new_printed_is_an_id(make_project: MakeProject) -> None:
    project = make_project(CONTENT)
    rel = "incidents/2026/2026-11-22-checkout-errors.md"
    for reference in (rel, f"./{rel}", "2026-11-22-checkout-errors.md", str(project / rel)):
        result = statusgen(project, "update", reference, "monitoring", f"Watching {reference}.")
        assert result.returncode == 0, result.stderr
        assert f"Watching {reference}." in (project / rel).read_text()
    # From another folder, the path is read from there, as the shell completed it.
    elsewhere = subprocess.run(
        [sys.executable, "-m", "statusgen", "-C", "project", "resolve", f"project/{rel}"],
        capture_output=True, text=True, check=False, cwd=project.parent,
    )  # fmt: skip
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert "## Resolved " in (project / rel).read_text()


def test_a_path_to_another_file_of_the_same_name_is_refused(make_project: MakeProject) -> None:
    project = make_project(CONTENT)
    result = statusgen(
        project, "update", "elsewhere/2026-11-22-checkout-errors.md", "monitoring", "x"
    )
    assert result.returncode == 1
    assert "no incident or maintenance 'elsewhere/2026-11-22-checkout-errors.md'" in result.stderr
    assert "2026-11-22-checkout-errors" in result.stderr  # the recent ones are named
    assert (
        "Monitoring" not in (project / "incidents/2026/2026-11-22-checkout-errors.md").read_text()
    )


def test_the_message_with_m_as_new_takes_it(make_project: MakeProject) -> None:
    project = make_project(CONTENT)
    rel = "incidents/2026/2026-11-22-checkout-errors.md"
    assert statusgen(project, "update", rel, "monitoring", "-m", "Watching.").returncode == 0
    assert statusgen(project, "resolve", rel, "-m", "All good.").returncode == 0
    text = (project / rel).read_text()
    assert "Watching." in text and "All good." in text
    both = statusgen(project, "update", rel, "identified", "One.", "-m", "Two.")
    assert both.returncode == 2
    assert "give the message once" in both.stderr
    assert "One." not in (project / rel).read_text()
    none = statusgen(project, "update", rel, "identified")
    assert none.returncode == 1
    assert "an update 'identified' needs a message" in none.stderr


def test_list_shows_what_is_open_with_its_ids(make_project: MakeProject) -> None:
    project = make_project(CONTENT)
    listed = statusgen(project, "list", "--now", "2026-11-22 12:00")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split() for line in listed.stdout.splitlines()]
    assert rows[0] == ["ID", "STATUS", "SINCE", "DUE", "TITLE"]
    assert rows[1][:6] == [
        "2026-11-22-checkout-errors", "identified", "2h", "00m", "2026-11-22", "16:00",
    ]  # fmt: skip
    assert " ".join(rows[1][6:]) == "Checkout errors"
    assert rows[2][:6] == [
        "2026-11-28-database-upgrade", "scheduled", "in", "5d", "14h", "2026-11-28",
    ]  # fmt: skip
    assert " ".join(rows[2][6:]) == "04:00 Database upgrade (maintenance)"
    assert len(rows) == 3  # the resolved one is not open

    ids = statusgen(project, "list", "-q", "--now", "2026-11-22 12:00")
    assert ids.stdout.split() == ["2026-11-22-checkout-errors", "2026-11-28-database-upgrade"]
    everything = statusgen(project, "list", "--all", "-q", "--now", "2026-11-22 12:00")
    assert everything.stdout.split() == [
        "2026-11-28-database-upgrade", "2026-11-22-checkout-errors", "2026-11-20-slow-search",
    ]  # fmt: skip


def test_list_as_json(make_project: MakeProject) -> None:
    project = make_project(CONTENT)
    listed = statusgen(project, "list", "--json", "--all", "--now", "2026-11-22T15:00:00Z")
    items = {item["id"]: item for item in json.loads(listed.stdout)}
    assert items["2026-11-22-checkout-errors"] == {
        "id": "2026-11-22-checkout-errors",
        "path": "incidents/2026/2026-11-22-checkout-errors.md",
        "kind": "incident",
        "title": "Checkout errors",
        "status": "identified",
        "phase": "open",
        "impact": "major",
        "components": ["api"],
        "started_at": "2026-11-22T13:00:00Z",
        "due_at": "2026-11-22T19:00:00Z",
        "ended_at": None,
        "updates": 2,
    }
    assert items["2026-11-20-slow-search"]["phase"] == "resolved"
    assert items["2026-11-20-slow-search"]["ended_at"] == "2026-11-20T18:00:00Z"
    assert items["2026-11-28-database-upgrade"]["due_at"] == "2026-11-28T07:00:00Z"


def test_list_says_when_nothing_is_open(make_project: MakeProject) -> None:
    project = make_project({"incidents/2026/2026-11-20-slow-search.md": RESOLVED})
    listed = statusgen(project, "list", "--now", "2026-11-22 12:00")
    assert listed.returncode == 0
    assert listed.stdout == ""
    assert "nothing open (as of 2026-11-22 12:00 America/Sao_Paulo)" in listed.stderr
    assert json.loads(statusgen(project, "list", "--json").stdout) == []


def test_list_reports_content_errors_as_check_does(make_project: MakeProject) -> None:
    project = make_project({"incidents/2026/bad.md": "---\ntitle: x\n---\n"})
    listed = statusgen(project, "list")
    assert listed.returncode == 1
    assert "incidents/2026/bad.md:" in listed.stderr


# Completion: the scripts are run by the shells themselves, with `statusgen` on the PATH.


def completion_script(shell: str, tmp_path: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "statusgen", "completion", shell],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    script = tmp_path / f"statusgen.{shell}"
    script.write_text(result.stdout)
    return script


# Completion lists what is open by the clock: an open incident is open whenever the test runs.
OPEN_BY_ANY_CLOCK = {
    "incidents/2026/2026-11-22-checkout-errors.md": OPEN,
    "incidents/2026/2026-11-20-slow-search.md": RESOLVED,
}
BASH_CASES = [
    (
        "statusgen ''",
        {
            "build",
            "check",
            "new",
            "update",
            "resolve",
            "list",
            "serve",
            "completion",
            "init",
            "schema",
            "notify",
        },
    ),
    ("statusgen up", {"update"}),
    ("statusgen new ''", {"incident", "maintenance"}),
    ("statusgen new incident --i", {"--impact"}),
    ("statusgen check --format ''", {"text", "github"}),
    ("statusgen new incident T --impact ''", {"none", "minor", "major", "critical"}),
    ("statusgen completion ''", {"bash", "zsh", "fish"}),
    ("statusgen schema ''", {"components", "incident"}),
    ("statusgen -C PROJECT update ''", {"2026-11-22-checkout-errors"}),
    ("statusgen -C PROJECT update 2026-11-22-checkout-errors mon", {"monitoring"}),
    ("statusgen -C PROJECT resolve --at 14:00 ''", {"2026-11-22-checkout-errors"}),
    ("statusgen update x y --eta ''", set()),
]


@pytest.mark.parametrize(("line", "expected"), BASH_CASES)
def test_bash_completion(
    make_project: MakeProject,
    statusgen_on_path: dict[str, str],
    tmp_path: Path,
    line: str,
    expected: set[str],
) -> None:
    require_programs("bash", purpose="completion in bash")
    project = make_project(OPEN_BY_ANY_CLOCK)
    script = completion_script("bash", tmp_path)
    words = line.replace("PROJECT", str(project))
    result = subprocess.run(
        ["bash", "-c", f'source "{script}"; COMP_WORDS=({words}); '
         'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _statusgen; printf "%s\\n" "${COMPREPLY[@]}"'],
        capture_output=True, text=True, check=True, env=statusgen_on_path,
    )  # fmt: skip
    assert set(result.stdout.split()) == expected, result.stderr


def bash_completes(script: Path, words: str, env: dict[str, str]) -> list[str]:
    """What bash offers for `words` (the last one being completed), one per line."""
    result = subprocess.run(
        ["bash", "-c", f'source "{script}"; COMP_WORDS=({words}); '
         'COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _statusgen; printf "%s\\n" "${COMPREPLY[@]}"'],
        capture_output=True, text=True, check=True, env=env,
    )  # fmt: skip
    return [line for line in result.stdout.splitlines() if line]


def test_bash_completion_reads_a_project_as_the_shell_passes_it(
    make_project: MakeProject, statusgen_on_path: dict[str, str], tmp_path: Path
) -> None:
    # Quoted, with backslashes, after ~, or as --project=: the ids of that project, and folder
    # names with spaces offered whole.
    require_programs("bash", purpose="completion in bash")
    home = tmp_path / "home"
    project = home / "status pages" / "acme"
    shutil.copytree(make_project(OPEN_BY_ANY_CLOCK), project)
    script = completion_script("bash", tmp_path)
    env = {**statusgen_on_path, "HOME": str(home)}
    escaped = str(project).replace(" ", "\\ ")  # as typed: status\ pages
    for given in (
        f"'\"{project}\"'",
        f"'{escaped}'",
        "'~/status\\ pages/acme'",
        f"'--project={escaped}'",
    ):
        words = (
            f"statusgen -C {given} update ''"
            if "--project" not in given
            else f"statusgen {given} update ''"
        )
        assert bash_completes(script, words, env) == ["2026-11-22-checkout-errors"], given
    assert bash_completes(script, f"statusgen -C '{home}/sta'", env) == [f"{home}/status pages"]


def test_fish_completion(
    make_project: MakeProject, statusgen_on_path: dict[str, str], tmp_path: Path
) -> None:
    require_programs("fish", purpose="completion in fish")
    project = make_project(OPEN_BY_ANY_CLOCK)
    script = completion_script("fish", tmp_path)

    def complete(line: str) -> set[str]:
        result = subprocess.run(
            ["fish", "--no-config", "-c", f'source "{script}"; complete -C "{line}"'],
            capture_output=True, text=True, check=True, env=statusgen_on_path,
        )  # fmt: skip
        return {entry.split("\t")[0] for entry in result.stdout.splitlines()}

    assert {"build", "check", "list", "update", "completion"} <= complete("statusgen ")
    assert complete("statusgen new ") == {"incident", "maintenance"}
    assert complete("statusgen check --format ") == {"text", "github"}
    assert "2026-11-22-checkout-errors" in complete(f"statusgen -C {project} update ")
    assert complete(f"statusgen -C {project} update 2026-11-22-checkout-errors mon") == {
        "monitoring"
    }
    assert "--impact" in complete("statusgen new incident --")


def test_zsh_loads_the_completion(statusgen_on_path: dict[str, str], tmp_path: Path) -> None:
    require_programs("zsh", purpose="completion in zsh")
    # zsh completes through its emulation of bash completion (run above in bash itself): here,
    # that the script loads in zsh and registers its function for statusgen.
    script = completion_script("zsh", tmp_path)
    result = subprocess.run(
        ["zsh", "-f", "-c", f'source "{script}" && print -r -- "$_comps[statusgen]"'],
        capture_output=True, text=True, check=False, env={**statusgen_on_path, "HOME": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "_statusgen" in result.stdout


def test_what_has_not_happened_is_not_posted(make_project: MakeProject) -> None:
    project = make_project(CONTENT)
    ahead = statusgen(project, "new", "incident", "Later", "--impact", "minor", "--at", "+1h")
    assert ahead.returncode == 1
    assert "is in the future" in ahead.stderr
    assert not list((project / "incidents").rglob("*later*"))
    rel = "incidents/2026/2026-11-22-checkout-errors.md"
    before = (project / rel).read_bytes()
    assert statusgen(project, "resolve", rel, "--at", "+2h").returncode == 1
    assert (project / rel).read_bytes() == before


def test_an_update_older_than_the_newest_says_what_the_incident_still_reads(
    make_project: MakeProject,
) -> None:
    project = make_project(CONTENT)
    rel = "incidents/2026/2026-11-22-checkout-errors.md"
    late = statusgen(project, "resolve", rel, "--at", "2026-11-22 10:15")
    assert late.returncode == 0
    assert "## Resolved 2026-11-22 10:15" in (project / rel).read_text()
    assert (
        "statusgen: warning: the update at 2026-11-22 10:15 is older than the newest one "
        "(identified at 2026-11-22 10:30): the incident still reads as 'identified'"
    ) in late.stderr


def test_an_estimate_already_past_is_written_and_said(make_project: MakeProject) -> None:
    project = make_project(CONTENT)
    opened = statusgen(
        project, "new", "incident", "Slow", "--impact", "minor", "--at", "2026-11-22 10:00",
        "--eta", "2026-11-22 09:00",
    )  # fmt: skip
    assert opened.returncode == 0
    assert "eta: 2026-11-22 09:00" in (project / opened.stdout.strip()).read_text()
    assert (
        "statusgen: warning: the estimated resolution 2026-11-22 09:00 is before the update it "
        "comes with (2026-11-22 10:00): pages show it as overdue"
    ) in opened.stderr
    again = statusgen(
        project, "update", opened.stdout.strip(), "identified", "Found.",
        "--at", "2026-11-22 10:30", "--eta", "2026-11-22 10:20",
    )  # fmt: skip
    assert again.returncode == 0 and "is before the update it comes with" in again.stderr
