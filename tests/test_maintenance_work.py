"""A maintenance's work as its updates tell it, checked against the allowed and the announced
windows, and the notice counted from the announcement of the window in force. Every time is
worked out by hand in the comments (São Paulo; Saturday 28 November 2026 is the usual window)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from icalendar import Calendar

from statusgen.errors import BuildFailed
from statusgen.load import load_site
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident
from tests.test_sla import MAINTENANCE_POLICY, maintenance_of, project_with

Build = Callable[..., BuiltSite]
R = "\N{EN DASH}"


def utc(local: str) -> str:
    moment = datetime.fromisoformat(local).replace(tzinfo=TZ)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def maintenance(
    updates: str, components: str = "[api]", window: str = "00:00", end: str = "06:00"
) -> str:
    """Saturday 28 November from `window` to `end`, announced Monday 16 November 10:00 (nine
    business days ahead), then `updates`."""
    return incident(
        f"type: maintenance\ntitle: M\ncomponents: {components}\n"
        f"scheduled_start: 2026-11-28 {window}\nscheduled_end: 2026-11-28 {end}",
        f"{updates}## Scheduled 2026-11-16 10:00\nPlanned.\n",
    )


def built(make_project: MakeProject, build_site: Build, text: str, now: str) -> BuiltSite:
    project = project_with(make_project, MAINTENANCE_POLICY, {"incidents/m.md": text})
    return build_site(project, now=datetime.fromisoformat(now).replace(tzinfo=TZ))


def panel(site: BuiltSite) -> str:
    return site.text("incidents/m.html", "//section[@class='sla']")


# Work begun Friday 27 November 20:00 and completed Saturday 08:00.
FRIDAY_NIGHT_TO_SATURDAY_MORNING = (
    "## Completed 2026-11-28 08:00\nDone.\n\n## In progress 2026-11-27 20:00\nStarted.\n\n"
)


def test_work_outside_the_window_is_not_honoured_although_the_schedule_was(
    make_project: MakeProject, build_site: Build
) -> None:
    # Core allows Saturday 00:00-06:00. Scheduled inside it; the work began Friday 20:00 and
    # ended Saturday 08:00: outside the allowed hours, and 2 h past the scheduled end.
    updates = FRIDAY_NIGHT_TO_SATURDAY_MORNING
    site = built(make_project, build_site, maintenance(updates), "2026-11-29 12:00")
    check = maintenance_of(site, "m")
    assert check["window"]["met"] is True
    assert check["work"] == {
        "started_at": utc("2026-11-27 20:00"),
        "ended_at": utc("2026-11-28 08:00"),
        "overrun": 2 * 3600,
        "window_met": False,
        "finished_met": False,
    }
    assert (check["honoured"], check["window_moved"]) == (False, False)
    text = panel(site)
    assert "This maintenance's hours: kept" in text
    assert "The work itself, Fri 27 Nov, 20:00 to Sat 28 Nov, 08:00: not kept" in text
    assert (
        "We finish maintenance by the end of its announced window. It ended Sat 28 Nov, 08:00: "
        "it overran its window by 2 h: not kept"
    ) in text


def test_work_overrunning_the_schedule_inside_the_allowed_hours(
    make_project: MakeProject, build_site: Build
) -> None:
    # The default tier allows Friday 22:00 to Saturday 06:00. Scheduled Saturday 00:00-02:00,
    # worked 00:10-04:00: within the allowed hours, but 2 h past the announced end.
    updates = "## Completed 2026-11-28 04:00\nDone.\n\n## In progress 2026-11-28 00:10\nGo.\n\n"
    text = maintenance(updates, components="[db]", end="02:00")
    site = built(make_project, build_site, text, "2026-11-29 12:00")
    check = maintenance_of(site, "m")
    assert (check["work"]["window_met"], check["work"]["overrun"]) == (True, 2 * 3600)
    assert check["honoured"] is False
    assert "The work itself, Sat 28 Nov, 00:10 to Sat 28 Nov, 04:00: kept" in panel(site)
    assert "it overran its window by 2 h: not kept" in panel(site)


def test_work_as_scheduled_is_told_once(make_project: MakeProject, build_site: Build) -> None:
    site = built(make_project, build_site, maintenance(""), "2026-11-29 12:00")
    check = maintenance_of(site, "m")
    assert check["work"] == {
        "started_at": utc("2026-11-28 00:00"),
        "ended_at": utc("2026-11-28 06:00"),
        "overrun": None,
        "window_met": True,
        "finished_met": True,
    }
    assert check["honoured"] is True
    text = panel(site)
    assert "The work itself" not in text  # as scheduled: the window's line says it all
    assert "It ended Sat 28 Nov, 06:00, within its window: kept" in text


@pytest.mark.parametrize(
    ("updates", "now", "work", "shown"),
    [
        # Begun Friday 20:00, before the Saturday window: outside it already, for good.
        (
            "## In progress 2026-11-27 20:00\nStarted.\n\n",
            "2026-11-27 21:00",
            {"window_met": False, "finished_met": None, "ended_at": None, "overrun": None},
            "The work itself, under way since Fri 27 Nov, 20:00: not kept",
        ),
        # Begun 00:30 inside the window, under way at 01:00: nothing decided yet.
        (
            "## In progress 2026-11-28 00:30\nStarted.\n\n",
            "2026-11-28 01:00",
            {"window_met": None, "finished_met": None, "ended_at": None, "overrun": None},
            None,
        ),
        # Still working at 07:00, an hour past the 06:00 end: overrun so far, outside the hours.
        (
            "## In progress 2026-11-28 06:30\nStill at it.\n\n"
            "## In progress 2026-11-28 00:00\nStarted.\n\n",
            "2026-11-28 07:00",
            {"window_met": False, "finished_met": False, "ended_at": None, "overrun": 3600},
            "Still under way: it has overrun its window by 1 h: not kept",
        ),
    ],
)
def test_work_not_completed_at_build_time(
    make_project: MakeProject,
    build_site: Build,
    updates: str,
    now: str,
    work: dict[str, Any],
    shown: str | None,
) -> None:
    site = built(make_project, build_site, maintenance(updates), now)
    check = maintenance_of(site, "m")
    assert {key: check["work"][key] for key in work} == work
    assert check["honoured"] is (
        work["window_met"] is not False and work["finished_met"] is not False
    )
    if shown is None:
        assert "The work itself" not in panel(site) and "overrun" not in panel(site)
    else:
        assert shown in panel(site)


MOVED = "## Scheduled {at}\nWindow: 2026-12-05 00:00 - 2026-12-05 04:00\nMoved a week later.\n\n"


@pytest.mark.parametrize(
    ("moved_at", "given", "met"),
    [
        # Thursday 26 November 15:00 to Saturday 5 December: 3 h, then Friday 27 and Monday
        # 30 to Friday 4 at 9 h each: 57 h of business time, at least 2bd (18 h).
        ("2026-11-26 15:00", 57 * 3600, True),
        # Thursday 3 December 15:00: 3 h + 9 h = 12 h < 18 h, although the first announcement
        # (16 November) was weeks ahead.
        ("2026-12-03 15:00", 12 * 3600, False),
    ],
)
def test_notice_counts_from_the_announcement_of_the_window_in_force(
    make_project: MakeProject, build_site: Build, moved_at: str, given: int, met: bool
) -> None:
    text = maintenance(MOVED.format(at=moved_at))
    site = built(make_project, build_site, text, "2026-12-06 12:00")
    check = maintenance_of(site, "m")
    assert (check["announced_at"], check["window_moved"]) == (utc(moved_at), True)
    assert check["notice"] == {"target": "2bd", "calendar": "business", "given": given, "met": met}
    assert check["window"]["met"] is True  # Saturday 00:00-04:00
    # The window in force is the moved one, everywhere.
    api = json.loads((site.out / "api/v2/scheduled-maintenances.json").read_text())
    (entry,) = api["scheduled_maintenances"]
    assert (entry["scheduled_for"], entry["scheduled_until"]) == (
        "2026-12-05T00:00:00.000-03:00",
        "2026-12-05T04:00:00.000-03:00",
    )
    assert check["work"]["started_at"] == utc("2026-12-05 00:00")
    (event,) = Calendar.from_ical((site.out / "maintenance.ics").read_bytes()).walk("VEVENT")
    assert event.decoded("dtstart") == datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    page = site.text("incidents/m.html")
    assert f"Scheduled window 5 Dec 2026, 00:00 {R} 5 Dec 2026, 04:00" in page
    assert f"New window: 5 Dec 2026, 00:00 {R} 5 Dec 2026, 04:00" in page
    assert "Its window was moved by that announcement: the notice counts from it" in panel(site)


def test_a_cancelled_maintenance_is_not_checked(
    make_project: MakeProject, build_site: Build
) -> None:
    updates = "## Cancelled 2026-11-27 12:00\nCalled off.\n\n"
    site = built(make_project, build_site, maintenance(updates), "2026-11-29 12:00")
    index = json.loads((site.out / "api/sla.json").read_text())
    assert index["maintenance"] == {} and index["periods"] == []
    api = json.loads((site.out / "api/v2/scheduled-maintenances.json").read_text())
    assert [entry["maintenance_policy"] for entry in api["scheduled_maintenances"]] == [None]
    assert site.page("incidents/m.html").xpath("//section[@class='sla']") == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "Window: next Saturday",
            "Window line: expected 'Window: <start> - <end>' "
            "(e.g. 'Window: 2026-11-29 00:00 - 2026-11-29 04:00')",
        ),
        (
            "Window: 2026-12-05 04:00 - 2026-12-05 00:00",
            "Window line: the window must end after it starts",
        ),
    ],
)
def test_a_window_line_that_does_not_read_is_an_error(
    make_project: MakeProject, line: str, message: str
) -> None:
    text = maintenance(f"## Scheduled 2026-11-20 10:00\n{line}\nMoved.\n\n")
    project = make_project({"incidents/m.md": text}, components=COMPONENTS)
    with pytest.raises(BuildFailed) as failed:
        load_site(project)
    # The front matter takes 7 lines; the update's heading is line 8, its Window line 9.
    assert [str(e) for e in failed.value.errors] == [f"incidents/m.md:9: {message}"]


def test_where_only_outcomes_are_published_the_work_s_outcomes_are_told(
    make_project: MakeProject, build_site: Build
) -> None:
    updates = FRIDAY_NIGHT_TO_SATURDAY_MORNING
    project = project_with(
        make_project,
        MAINTENANCE_POLICY + "sla:\n  public: summary\n",
        {"incidents/m.md": maintenance(updates)},
    )
    site = build_site(project, now=datetime(2026, 11, 29, 12, tzinfo=TZ))
    assert maintenance_of(site, "m") == {
        "notice": {"met": True},
        "window": {"met": True},
        "work": {"window_met": False, "finished_met": False},
        "honoured": False,
    }
    text = panel(site)
    assert "Maintenance hours: kept" in text
    assert "The work itself, within maintenance hours: not kept" in text
    assert "Finished within its announced window: not kept" in text
    assert "08:00" not in text  # no times where only outcomes are published


@pytest.mark.parametrize(
    ("language", "work", "overran"),
    [
        ("pt-BR", "O trabalho em si, de", "ultrapassou a janela em 2 h: descumprido"),
        ("es", "El trabajo en sí, de", "excedió su ventana en 2 h: incumplido"),
    ],
)
def test_the_work_s_checks_read_in_the_site_s_language(
    make_project: MakeProject, build_site: Build, language: str, work: str, overran: str
) -> None:
    updates = FRIDAY_NIGHT_TO_SATURDAY_MORNING
    components = COMPONENTS.replace(
        "  timezone: America/Sao_Paulo\n",
        f"  timezone: America/Sao_Paulo\n  language: {language}\n",
    )
    project = make_project(
        {"incidents/m.md": maintenance(updates)}, components=components + MAINTENANCE_POLICY
    )
    text = panel(build_site(project, now=datetime(2026, 11, 29, 12, tzinfo=TZ)))
    assert work in text and overran in text
