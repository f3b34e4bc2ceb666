"""`7d` is seven local calendar days: the same wall-clock time seven days later in the target
calendar's time zone, across both DST changes, computed by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from statusgen.model.calendars import Calendar, Duration, parse_duration
from tests.conftest import COMPONENTS, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]
NEW_YORK = ZoneInfo("America/New_York")
LISBON = ZoneInfo("Europe/Lisbon")
SP = ZoneInfo("America/Sao_Paulo")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def days(text: str) -> Duration:
    duration = parse_duration(text)
    assert duration is not None and duration.calendar_days
    return duration


@pytest.mark.parametrize(
    ("tz", "start", "due", "hours"),
    [
        # New York springs forward on Sunday 8 March 2026: Friday 10:00 EST (15:00 UTC) to
        # Friday 10:00 EDT (14:00 UTC), 167 hours.
        (NEW_YORK, utc(2026, 3, 6, 15, 0), utc(2026, 3, 13, 14, 0), 167),
        # and falls back on Sunday 1 November: 10:00 EDT (14:00 UTC) to 10:00 EST (15:00 UTC).
        (NEW_YORK, utc(2026, 10, 30, 14, 0), utc(2026, 11, 6, 15, 0), 169),
        # Lisbon: 29 March (WET to WEST) and 25 October (WEST to WET).
        (LISBON, utc(2026, 3, 27, 10, 0), utc(2026, 4, 3, 9, 0), 167),
        (LISBON, utc(2026, 10, 23, 9, 0), utc(2026, 10, 30, 10, 0), 169),
        # São Paulo has kept -03 since 2019: seven days are 168 hours.
        (SP, utc(2026, 11, 13, 13, 0), utc(2026, 11, 20, 13, 0), 168),
        # and sprang forward at midnight on 4 November 2018: 10:00 -03 to 10:00 -02.
        (SP, utc(2018, 11, 2, 13, 0), utc(2018, 11, 9, 12, 0), 167),
    ],
)
def test_seven_days_end_at_the_same_local_time(
    tz: ZoneInfo, start: datetime, due: datetime, hours: int
) -> None:
    seven = days("7d")
    for calendar in (
        Calendar("24x7", tz, always=True),
        Calendar("business", tz, week=(((540, 1080),),) * 5 + ((), ())),
    ):
        assert seven.due(calendar, start) == due
        assert due.astimezone(tz).time() == start.astimezone(tz).time()
        # What it counts stays real elapsed time.
        assert seven.spent(calendar, start, due) == timedelta(hours=hours)


def test_a_time_the_clock_skips_is_the_moment_it_skips() -> None:
    # Sunday 1 March 02:30 EST + 7d: 02:30 does not exist on Sunday 8 March (02:00 EST becomes
    # 03:00 EDT), so the deadline is the jump itself, 07:00 UTC: 167 h 30 min later.
    always = Calendar("24x7", NEW_YORK, always=True)
    start = utc(2026, 3, 1, 7, 30)
    assert days("7d").due(always, start) == utc(2026, 3, 8, 7, 0)


def test_a_time_the_clock_reads_twice_is_the_first_of_them() -> None:
    # Sunday 25 October 01:30 EDT + 7d: Sunday 1 November reads 01:30 at 05:30 UTC (EDT) and
    # again at 06:30 UTC (EST); the deadline is the first.
    always = Calendar("24x7", NEW_YORK, always=True)
    assert days("7d").due(always, utc(2026, 10, 25, 5, 30)) == utc(2026, 11, 1, 5, 30)
    # Started at the second 01:30 of 1 November, a day later is 01:30 EST on Monday, 25 h on.
    assert days("1d").due(always, utc(2026, 11, 1, 6, 30)) == utc(2026, 11, 2, 6, 30)


def test_a_fraction_of_a_day_is_that_part_of_24_hours_after_the_whole_days() -> None:
    always = Calendar("24x7", NEW_YORK, always=True)
    # Saturday 7 March 10:00 EST + 1.5d: Sunday 10:00 EDT (14:00 UTC), then 12 hours.
    assert days("1.5d").due(always, utc(2026, 3, 7, 15, 0)) == utc(2026, 3, 9, 2, 0)
    assert days("0.5d").due(always, utc(2026, 3, 7, 15, 0)) == utc(2026, 3, 8, 3, 0)


SITE_IN_NEW_YORK = COMPONENTS.replace("timezone: America/Sao_Paulo", "timezone: America/New_York")
POLICY = """
priorities:
  default: {critical: P1, major: P1, minor: P1, none: P1}
policies:
  default:
    P1: {first_response: 7d, resolution: 14d}
    maintenance: {notice: 7d}
"""

FILES = {
    # Friday 6 March 2026, 10:00 EST: the first response is due Friday 13 March, 10:00 EDT.
    "incidents/friday.md": incident(
        "title: Friday\nimpact: major\ncomponents: [web]\nstarted: 2026-03-06 10:00",
        "## Investigating 2026-03-13 09:59\nLooking.\n",
    ),
    # Announced Friday 6 March 10:00 EST for Friday 13 March 10:00 EDT: seven local days ahead,
    # 167 real hours.
    "incidents/upgrade.md": incident(
        "type: maintenance\ntitle: Upgrade\ncomponents: [web]\n"
        "scheduled_start: 2026-03-13 10:00\nscheduled_end: 2026-03-13 11:00",
        "## Scheduled 2026-03-06 10:00\nPlanned.\n",
    ),
}


def sla_objects(out: Path) -> dict[str, dict[str, object]]:
    month = json.loads((out / "api/sla/2026-03.json").read_text(encoding="utf-8"))
    return {**month["incidents"], **month["maintenance"]}


def test_a_24x7_target_counts_days_in_the_sites_zone_and_so_does_a_notice(
    make_project: MakeProject, build_site: Build
) -> None:
    project = make_project(FILES, components=SITE_IN_NEW_YORK + POLICY)
    site = build_site(project, now=datetime(2026, 3, 20, 12, 0, tzinfo=NEW_YORK))
    objects = sla_objects(site.out)
    first = objects["friday"]["first_response"]
    assert isinstance(first, dict)
    assert (first["due_at"], first["state"]) == ("2026-03-13T14:00:00Z", "met")
    assert first["elapsed"] == (167 * 60 - 1) * 60  # real time: 166 h 59 min
    resolution = objects["friday"]["resolution"]
    assert isinstance(resolution, dict)
    assert resolution["due_at"] == "2026-03-20T14:00:00Z"  # 10:00 EDT, 14 local days on
    panel = site.text("incidents/friday.html", "//section[@class='sla']")
    assert "by Fri 20 Mar, 10:00" in panel
    notice = objects["upgrade"]["notice"]
    assert notice == {"target": "7d", "calendar": "24x7", "given": 167 * 3600, "met": True}
