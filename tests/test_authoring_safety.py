"""`new`, `update` and `resolve` under pressure: run at once, killed while writing, fed messages
that look like structure, and files with mixed line endings. Nothing is lost or half-written, and
a message is only ever text."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from statusgen.authoring import new_incident
from statusgen.cli import main
from statusgen.load import load_site
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident
from tests.test_authoring import GOOD

Build = Callable[..., BuiltSite]


def run_cli(project: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "statusgen", "-C", str(project), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=project,
        env={**os.environ, "NO_COLOR": "1"},
    )


def cli(project: Path, *args: str) -> tuple[int, str]:
    """The command line, run in this process: its exit code and what it printed on stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["-C", str(project), *args])
    return code, err.getvalue()


def snapshot(project: Path) -> dict[str, bytes | None]:
    """Every file and folder under the project, with the bytes of each file."""
    return {
        p.relative_to(project).as_posix(): p.read_bytes() if p.is_file() else None
        for p in project.rglob("*")
    }


def hidden_files(project: Path) -> list[str]:
    return [p.name for p in (project / "incidents").rglob(".*")]


def test_concurrent_updates_all_land(make_project: MakeProject) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    messages = []
    for round_ in range(2):
        running = []
        for worker in range(8):
            message = f"Update {worker} of round {round_}."
            at = f"2026-11-20 15:{round_ * 8 + worker:02d}"
            running.append(run_cli(project, "update", "slow", "identified", message, "--at", at))
            messages.append(message)
        for process in running:
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, err
    text = (project / "incidents/2026/slow.md").read_text()
    for message in messages:
        assert text.count(message) == 1, message
    (slow,) = load_site(project).incidents
    assert sorted(u.body for u in slow.updates) == sorted([*messages, "Hm."])
    assert cli(project, "check")[0] == 0
    assert hidden_files(project) == []


def test_concurrent_new_with_one_title_makes_one_file_each(make_project: MakeProject) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    running = [
        run_cli(project, "new", "incident", "Checkout errors", "--impact", "minor",
                "-m", f"Opened by engineer {n}.", "--at", "2026-11-22 10:00")
        for n in range(3)
    ]  # fmt: skip
    paths = []
    for process in running:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        paths.append(out.strip())
    base = "incidents/2026/2026-11-22-checkout-errors"
    assert sorted(paths) == [f"{base}-2.md", f"{base}-3.md", f"{base}.md"]
    texts = [(project / p).read_text() for p in paths]
    for n in range(3):
        assert sum(t.count(f"Opened by engineer {n}.") for t in texts) == 1
    assert cli(project, "check")[0] == 0


def _kill_when_writing_starts(process: subprocess.Popen[str], path: Path) -> bool:
    """SIGKILL `process` the moment it starts writing near `path`; False if it ended first."""
    before = path.stat()
    signature = (before.st_ino, before.st_size, before.st_mtime_ns)
    while process.poll() is None:
        now = path.stat()
        if (now.st_ino, now.st_size, now.st_mtime_ns) != signature or any(
            name.startswith(".") for name in os.listdir(path.parent)
        ):
            process.kill()
            return True
    return False


def test_an_update_killed_while_writing_leaves_the_old_file_or_the_new(
    make_project: MakeProject,
) -> None:
    # Nearly 1 MB, the most a content file may hold, in a front-matter comment (cheap to
    # parse), so that writing takes a while.
    log = "".join(
        f"# {n:06d}: the on-call kept a long log here, line after line\n" for n in range(16_000)
    )
    project = make_project(
        {"incidents/big.md": f"---\ntitle: Big\nimpact: minor\ncomponents: [db]\n{log}---\n"
         "## Investigating 2026-11-20 14:10\nLooking.\n"}
    )  # fmt: skip
    path = project / "incidents/big.md"
    old = path.read_bytes()
    new = old.replace(
        b"## Investigating", b"## Identified 2026-11-20 14:20\nFound.\n\n## Investigating"
    )
    args = ("update", "big", "identified", "Found.", "--at", "2026-11-20 14:20")
    rng = random.Random(7)
    caught_writing = 0
    for attempt in range(4):
        process = run_cli(project, *args)
        if attempt < 2:
            caught_writing += _kill_when_writing_starts(process, path)
        else:
            time.sleep(rng.uniform(0.3, 1.5))
            process.kill()
        process.communicate(timeout=60)
        data = path.read_bytes()
        assert data in (old, new), f"attempt {attempt}: {len(data)} bytes, neither old nor new"
        if data == new:
            path.write_bytes(old)
    assert caught_writing >= 1
    # Left to finish, with a reader watching: every text it reads is a whole one.
    finished = run_cli(project, *args)
    signature = None
    while finished.poll() is None:
        now = path.stat()
        if (now.st_ino, now.st_size, now.st_mtime_ns) != signature:
            signature = (now.st_ino, now.st_size, now.st_mtime_ns)
            assert path.read_bytes() in (old, new)
    _, err = finished.communicate(timeout=60)
    assert finished.returncode == 0, err
    assert path.read_bytes() == new
    assert hidden_files(project) == []  # what a killed writer left behind is cleared


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["update", "slow", "monitoring", "Done.\n## Resolved 2026-11-22 09:00"],
            "statusgen: line 2 of the message, '## Resolved 2026-11-22 09:00', would start an update of its own: use '###'",
        ),
        (
            ["update", "slow", "monitoring", "##Resolved 2026-11-22 09:00"],
            "line 1 of the message, '##Resolved 2026-11-22 09:00', would start an update",
        ),
        (["update", "slow", "monitoring", "## Notes ##"], "line 1 of the message, '## Notes ##'"),
        (
            ["update", "slow", "monitoring", "Done.\r\n## Resolved 2026-11-22 09:00"],
            "line 2 of the message, '## Resolved 2026-11-22 09:00'",
        ),
        (
            ["update", "slow", "monitoring", "Done.\r## Resolved 2026-11-22 09:00"],
            "line 2 of the message, '## Resolved 2026-11-22 09:00'",
        ),
        (
            ["update", "slow", "monitoring", "\n\nRolling back:\n```\nkubectl rollout undo"],
            "statusgen: line 4 of the message opens a code block ('```') that is never closed, "
            "so it would swallow the updates below it: end the block with a '```' line",
        ),
        (
            ["update", "slow", "monitoring", "~~~~\n~~~\nok\n``` sh\nls"],
            "line 4 of the message opens a code block ('```')",
        ),
        (
            ["update", "slow", "monitoring", "ETA: 2026-11-22 09:00\nSoon."],
            "statusgen: line 1 of the message, 'ETA: 2026-11-22 09:00', would be read as a new "
            "estimated resolution: give an estimate with --eta",
        ),
        (["update", "slow", "monitoring", "\n  eta: tomorrow"], "line 2 of the message, 'eta: tomorrow'"),
        (
            ["update", "slow", "monitoring", "All good.\n---"],
            "statusgen: line 2 of the message is '---', which reads as a front-matter fence",
        ),
        (["update", "slow", "monitoring", " \n\t\n"], "statusgen: the message is empty"),
        (["resolve", "slow", "   "], "statusgen: the message is empty"),
        (["update", "slow", "monitoring", "a\x00b"], "line 1 of the message holds the control character U+0000"),
        (["update", "slow", "monitoring", "ok\n\x1b[31mred"], "line 2 of the message holds the control character U+001B"),
        (
            ["update", "slow", "monitoring", "Done.\u2028## Resolved 2026-11-22 09:00"],
            "line 1 of the message holds the control character U+2028",
        ),
        (
            ["new", "incident", "Slow", "--impact", "minor", "-m", "Hm.\n## Resolved 2026-11-22 09:00"],
            "line 2 of the message, '## Resolved 2026-11-22 09:00', would start an update",
        ),
        (
            ["new", "maintenance", "Upgrade", "--start", "2026-11-28 01:00", "--end", "2026-11-28 03:00",
             "-m", "Plan:\n~~~\nstep 1"],
            "line 2 of the message opens a code block ('~~~') that is never closed",
        ),
        (
            ["new", "incident", "Slow", "--impact", "minor", "-m", "ETA: 2026-11-22 13:00"],
            "line 1 of the message, 'ETA: 2026-11-22 13:00', would be read as a new estimated",
        ),
        (
            ["new", "incident", "Checkout\n## Resolved 2026-11-22 09:00", "--impact", "minor"],
            "statusgen: the title holds the control character U+000A (a title is one line of text)",
        ),
        (["new", "incident", "Bell\x07", "--impact", "minor"], "title holds the control character U+0007"),
        (["new", "maintenance", " ", "--start", "2026-11-28 01:00", "--end", "2026-11-28 03:00"], "statusgen: the title is empty"),
        (
            ["new", "incident", "Slow", "--impact", "minor", "-c", "db=partial_outage\ntitle: Injected"],
            "incidents/2026/2026-11-22-slow.md:5: unknown status 'partial_outage\ntitle: Injected' for component 'db'",
        ),
    ],
)  # fmt: skip
def test_a_message_that_would_be_structure_is_refused(
    make_project: MakeProject, args: list[str], message: str
) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    before = snapshot(project)
    code, err = cli(project, *args, "--at", "2026-11-22 10:00")
    assert code == 1
    assert message in err
    assert snapshot(project) == before


def test_structure_inside_a_message_stays_text_on_the_page(
    make_project: MakeProject, build_site: Build
) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    message = (
        "### What we changed\n"
        "We reverted:\n\n"
        "```\n## Resolved 2026-11-22 09:00\n---\n```\n\n"
        "  ## not a heading either"
    )
    assert cli(project, "update", "slow", "identified", message,
               "--at", "2026-11-20 15:00", "--eta", "2026-11-20 18:00")[0] == 0  # fmt: skip
    # With --eta, the update's own ETA line comes first: a message's "ETA:" is then text.
    assert cli(project, "update", "slow", "monitoring", "ETA: depends on the vendor.",
               "--at", "2026-11-20 16:00", "--eta", "2026-11-20 19:00")[0] == 0  # fmt: skip
    (slow,) = load_site(project).incidents
    assert [(u.status.value, u.body) for u in slow.updates] == [
        ("monitoring", "ETA: depends on the vendor."),
        ("identified", message),
        ("investigating", "Hm."),
    ]
    site = build_site(project, now=datetime(2026, 11, 20, 17, 0, tzinfo=TZ))
    page = site.page("incidents/slow.html")
    updates = page.xpath("//ol[@class='timeline']/li[contains(@class, 'update')]")
    assert len(updates) == 3
    assert updates[1].xpath(".//pre/code/text()") == ["## Resolved 2026-11-22 09:00\n---\n"]
    assert [h.text_content() for h in updates[1].xpath(".//h3")][1:] == ["What we changed"]
    assert "## not a heading either" in updates[1].text_content()
    assert "ETA: depends on the vendor." in updates[0].text_content()


def test_mixed_line_endings_the_update_lands_between_two_updates(make_project: MakeProject) -> None:
    head = b"---\ntitle: Mixed\nimpact: minor\ncomponents: [db]\n---\n"
    newer = (
        "## Identified 2026-11-20 14:30\r\nFound it.\r\nA line\u2028separator stays text.\r\n\r\n"
    ).encode()
    older = b"## Investigating 2026-11-20 14:10\nLooking.\nStill looking.\n"
    project = make_project({"incidents/mixed.md": head + newer + older})
    path = project / "incidents/mixed.md"
    assert cli(project, "update", "mixed", "monitoring", "Watching.\nClosely.",
               "--at", "2026-11-20 15:00")[0] == 0  # fmt: skip
    block = b"## Monitoring 2026-11-20 15:00\r\nWatching.\r\nClosely.\r\n\r\n"
    assert path.read_bytes() == head + block + newer + older
    # Written oldest first, ending in CRLF after LF lines, without a final line break.
    oldest_first = head + older + b"\n## Identified 2026-11-20 14:30\r\nFound it."
    path.write_bytes(oldest_first)
    assert cli(project, "resolve", "mixed", "Fixed.", "--at", "2026-11-20 16:00")[0] == 0
    assert path.read_bytes() == oldest_first + b"\r\n\r\n## Resolved 2026-11-20 16:00\r\nFixed.\r\n"
    (mixed,) = load_site(project).incidents
    assert [u.body for u in mixed.updates] == ["Looking.\nStill looking.", "Found it.", "Fixed."]
    assert cli(project, "check")[0] == 0


def test_an_update_after_an_unclosed_code_block_is_refused(make_project: MakeProject) -> None:
    text = incident(
        "title: A\nimpact: minor\ncomponents: [db]",
        "## Investigating 2026-11-20 14:10\nHm.\n\n## Identified 2026-11-20 14:30\n```\nlog\n",
    )
    project = make_project({"incidents/open.md": text})
    assert cli(project, "resolve", "open", "Done.", "--at", "2026-11-20 16:00") == (
        1,
        "statusgen: incidents/open.md:10: this code block is never closed, so an update added "
        "at the end would be read as code: end the block with a '```' line, then post again\n",
    )
    assert (project / "incidents/open.md").read_text() == text


def test_an_update_keeps_the_permissions_and_swaps_the_file_whole(
    make_project: MakeProject,
) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    path = project / "incidents/2026/slow.md"
    path.chmod(0o640)
    inode = path.stat().st_ino
    assert cli(project, "resolve", "slow", "Fine.", "--at", "2026-11-20 15:00")[0] == 0
    assert path.stat().st_mode & 0o777 == 0o640
    assert path.stat().st_ino != inode  # a new file put in its place, not the old one rewritten


def test_a_failed_write_leaves_the_file_and_no_temporary_behind(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    before = snapshot(project)

    def disk_full(source: str | Path, target: str | Path) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(os, "replace", disk_full)
    code, err = cli(project, "resolve", "slow", "--at", "2026-11-20 15:00")
    assert code == 1 and err.startswith("statusgen: No space left on device")
    assert snapshot(project) == before

    def broken(source: str | Path, target: str | Path) -> None:
        raise RuntimeError("unexpected")

    monkeypatch.setattr(os, "replace", broken)
    # A bug is not hidden (its traceback, exit code 70), yet nothing is left behind.
    code, err = cli(project, "resolve", "slow", "--at", "2026-11-20 15:00")
    assert code == 70 and "RuntimeError: unexpected" in err
    assert snapshot(project) == before
    monkeypatch.setattr(os, "link", broken)
    code, err = cli(
        project, "new", "incident", "New", "--impact", "minor", "--at", "2019-01-01 10:00"
    )
    assert code == 70 and "RuntimeError: unexpected" in err
    assert snapshot(project) == before  # incidents/2019/, made for it, is gone too


def test_a_time_out_of_range_leaves_nothing_and_no_traceback(make_project: MakeProject) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    before = snapshot(project)
    process = run_cli(project, "new", "maintenance", "Far future", "--start", "9999-12-31 20:00",
                      "--end", "9999-12-31 22:00")  # fmt: skip
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2 and out == ""  # a time no content can hold: a usage error
    assert "argument --start: timestamp '9999-12-31 20:00' is out of range" in err
    assert "Traceback" not in err
    assert snapshot(project) == before
    assert cli(project, "check")[0] == 0


def test_the_first_incident_of_a_project_makes_its_folder(make_project: MakeProject) -> None:
    project = make_project()
    (project / "incidents").rmdir()
    written = new_incident(
        project, "First one", "minor", ["db"], "Looking.", datetime(2026, 11, 20, 14, 0, tzinfo=TZ)
    )
    assert (project / written.path).is_file()


LISBON = COMPONENTS.replace("timezone: America/Sao_Paulo", "timezone: Europe/Lisbon")


def test_a_time_the_clocks_show_twice_is_written_with_its_offset(
    make_project: MakeProject, build_site: Callable[..., BuiltSite]
) -> None:
    # Lisbon's clocks go back at 02:00 on 25 October 2026: 01:00-02:00 happens twice.
    project = make_project(components=LISBON)
    utc = ZoneInfo("UTC")
    written = new_incident(
        project, "Fold", "major", ["api"], "Looking.", datetime(2026, 10, 25, 0, 50, tzinfo=utc)
    )
    path = project / written.path
    assert "started: 2026-10-25 01:50+01:00" in path.read_text()
    assert cli(project, "resolve", written.incident_id, "Fixed.", "--at", "2026-10-25T01:30Z") == (
        0,
        f"updated {written.incident_id}; preview with 'statusgen serve'\n",
    )
    assert "## Resolved 2026-10-25 01:30+00:00\n" in path.read_text()
    (loaded,) = load_site(project).incidents
    assert [u.at for u in loaded.updates] == [
        datetime(2026, 10, 25, 1, 30, tzinfo=utc),
        datetime(2026, 10, 25, 0, 50, tzinfo=utc),
    ]
    # Outside the fold, times are written as before, without an offset.
    assert "## Investigating 2026-10-25 01:50+01:00\n" in path.read_text()
    code, _ = cli(
        project, "update", written.incident_id, "monitoring", "Ok.", "--at", "2026-10-25T09:00Z"
    )
    assert code == 0 and "## Monitoring 2026-10-25 09:00\n" in path.read_text()


def test_a_reopening_in_the_minute_of_the_resolution_stays_open(
    make_project: MakeProject, build_site: Callable[..., BuiltSite]
) -> None:
    project = make_project()
    at = "2026-12-01T10:00:{}Z".format
    assert cli(project, "new", "incident", "Same minute", "--impact", "major", "-c", "api",
               "--at", at("05"))[0] == 0  # fmt: skip
    assert cli(project, "resolve", "2026-12-01-same-minute", "Fixed.", "--at", at("20"))[0] == 0
    assert cli(project, "update", "2026-12-01-same-minute", "investigating", "It is back.",
               "--at", at("50"))[0] == 0  # fmt: skip
    text = (project / "incidents/2026/2026-12-01-same-minute.md").read_text()
    assert "## Investigating 2026-12-01 07:00:50\n" in text
    assert "## Resolved 2026-12-01 07:00:20\n" in text
    site = build_site(project, now=datetime(2026, 12, 1, 10, 5, tzinfo=ZoneInfo("UTC")))
    assert "It is back." in site.text("index.html")  # open, on the home page


def test_bytes_that_are_not_utf_8_are_refused(make_project: MakeProject) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    before = snapshot(project)
    bad = os.fsdecode(b"Bad \xff title")
    code, err = cli(project, "new", "incident", bad, "--impact", "minor")
    assert code == 1 and "control character U+DCFF" in err
    code, err = cli(project, "update", "slow", "monitoring", os.fsdecode(b"msg \xfe here"))
    assert code == 1 and "control character U+DCFE" in err
    assert snapshot(project) == before


def test_a_message_too_long_gets_the_loader_s_reason(make_project: MakeProject) -> None:
    project = make_project({"incidents/2026/slow.md": GOOD})
    code, err = cli(project, "update", "slow", "monitoring", "Words. " * 10_000)
    assert code == 1
    assert "the update's text is too long (69,999 characters; at most 65,536)" in err
