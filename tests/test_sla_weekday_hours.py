"""Calendars with hours per weekday and overnight periods: read from components.yaml, described to
customers, and counted exactly (holidays, company days and both DST changes), by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from statusgen.cli import main
from statusgen.load import load_site
from statusgen.model.calendars import Calendar, parse_duration
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident
from tests.test_schemas import schema_problems, yaml_value

Build = Callable[..., BuiltSite]
R = "\N{EN DASH}"
SP = TZ
NEW_YORK = ZoneInfo("America/New_York")

SUPPORT = """
calendars:
  support:
    label: support hours
    timezone: America/Sao_Paulo
    hours:
      mon-fri: ["09:00-18:00"]
      sat: ["09:00-13:00"]
    holidays: {country: BR, subdivision: SP}
    extra_dates:
      2026-12-24: "09:00-13:00"
priorities:
  default: {critical: P2, major: P2, minor: P2, none: P2}
policies:
  default:
    P2: {first_response: 2h, resolution: 1bd, calendar: support}
"""


def at(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz).astimezone(UTC)


def calendar_of(project: Path, name: str) -> Calendar:
    return load_site(project).sla.calendars[name]


def errors_of(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], components: str
) -> str:
    project = make_project({}, components=COMPONENTS + components)
    assert main(["-C", str(project), "check", "-q"]) == 1
    return capsys.readouterr().err


def test_hours_per_weekday_make_the_week_and_the_old_form_still_reads_the_same(
    make_project: MakeProject,
) -> None:
    support = calendar_of(make_project({}, components=COMPONENTS + SUPPORT), "support")
    nine_to_six, nine_to_one = ((540, 1080),), ((540, 780),)
    assert support.week == (nine_to_six,) * 5 + (nine_to_one, ())
    # One business day is the longest regular day, Monday's nine hours, not Saturday's four.
    assert support.business_day == timedelta(hours=9)
    assert support.year_of_work == timedelta(minutes=(5 * 540 + 240) * 366 // 7)
    old = SUPPORT.replace(
        '    hours:\n      mon-fri: ["09:00-18:00"]\n      sat: ["09:00-13:00"]\n',
        '    days: [mon, tue, wed, thu, fri]\n    hours: ["09:00-18:00"]\n',
    )
    weekdays = calendar_of(make_project({}, components=COMPONENTS + old), "support")
    assert weekdays.week == (nine_to_six,) * 5 + ((), ())
    assert weekdays.special_days == support.special_days == {date(2026, 12, 24): nine_to_one}


@pytest.mark.parametrize(
    ("key", "days"),
    [("sat", {5}), ("mon-wed", {0, 1, 2}), ("mon,wed", {0, 2}), ("Fri-Mon", {4, 5, 6, 0})],
)
def test_a_key_is_a_day_a_range_or_a_list(
    make_project: MakeProject, key: str, days: set[int]
) -> None:
    components = COMPONENTS + f'calendars:\n  c:\n    hours:\n      "{key}": ["10:00-11:00"]\n'
    week = calendar_of(make_project({}, components=components), "c").week
    assert {day for day, hours in enumerate(week) if hours} == days


def test_saturday_counts_its_own_hours_and_a_business_day_is_the_longest_day() -> None:
    week = (((540, 1080),),) * 5 + (((540, 780),), ())
    support = Calendar("support", SP, week=week)
    two_hours, one_day = parse_duration("2h"), parse_duration("1bd")
    assert two_hours is not None and one_day is not None
    # Saturday 12:00 + 2 working hours: 1 h on Saturday (to 13:00), 1 h on Monday (to 10:00).
    assert two_hours.due(support, at(SP, 2026, 11, 14, 12, 0)) == at(SP, 2026, 11, 16, 10, 0)
    # Saturday 09:00 + 1bd (9 h): Saturday's 4 h, then 5 h on Monday, to 14:00.
    assert one_day.due(support, at(SP, 2026, 11, 14, 9, 0)) == at(SP, 2026, 11, 16, 14, 0)
    # Friday 17:00 + 1bd: 1 h on Friday, 4 on Saturday, 4 on Monday: Monday 13:00.
    assert one_day.due(support, at(SP, 2026, 11, 13, 17, 0)) == at(SP, 2026, 11, 16, 13, 0)
    assert support.between(at(SP, 2026, 11, 13, 17, 0), at(SP, 2026, 11, 16, 13, 0)) == (
        timedelta(hours=9)
    )


NIGHTS = ((((22 * 60, 30 * 60),),) * 5) + ((), ())  # Monday to Friday nights, 22:00-06:00


def test_an_overnight_shift_belongs_to_the_day_it_starts() -> None:
    nights = Calendar("nights", SP, week=NIGHTS)
    assert nights.business_day == timedelta(hours=8)
    assert nights.year_of_work == timedelta(minutes=40 * 60 * 366 // 7)
    # Saturday 03:00 is inside Friday night's shift; Sunday 03:00 waits for Monday 22:00.
    assert nights.clock_start(at(SP, 2026, 11, 14, 3, 0)) == at(SP, 2026, 11, 14, 3, 0)
    assert nights.clock_start(at(SP, 2026, 11, 15, 3, 0)) == at(SP, 2026, 11, 16, 22, 0)
    assert nights.clock_start(at(SP, 2026, 11, 14, 6, 0)) == at(SP, 2026, 11, 16, 22, 0)
    # Friday 23:00 + 8 h: 7 h to Saturday 06:00, then 1 h from Monday 22:00.
    assert nights.add(at(SP, 2026, 11, 13, 23, 0), timedelta(hours=8)) == at(
        SP, 2026, 11, 16, 23, 0
    )
    assert nights.between(at(SP, 2026, 11, 13, 20, 0), at(SP, 2026, 11, 16, 23, 0)) == (
        timedelta(hours=9)
    )
    # A holiday on Friday 20 November removes Friday night whole, Saturday morning included;
    # one on Tuesday 17 leaves Monday night's shift to run to Tuesday 06:00.
    holidays = Calendar(
        "nights",
        SP,
        week=NIGHTS,
        public_holidays={date(2026, 11, 20): "x", date(2026, 11, 17): "y"},
    )
    assert holidays.clock_start(at(SP, 2026, 11, 21, 3, 0)) == at(SP, 2026, 11, 23, 22, 0)
    assert holidays.between(at(SP, 2026, 11, 16, 0, 0), at(SP, 2026, 11, 19, 0, 0)) == (
        timedelta(hours=8 + 0 + 2)  # Monday night; no Tuesday night; Wednesday to midnight
    )
    # A company day with other hours replaces that night's shift whole.
    short = Calendar("nights", SP, week=NIGHTS, special_days={date(2026, 11, 18): ((1320, 1560),)})
    assert short.between(at(SP, 2026, 11, 18, 12, 0), at(SP, 2026, 11, 19, 12, 0)) == (
        timedelta(hours=4)
    )


@pytest.mark.parametrize(
    ("saturday", "hours"),
    [
        # New York springs forward at 02:00 on Sunday 8 March: Saturday night is 7 hours.
        ((2026, 3, 7), 7),
        # and falls back at 02:00 on Sunday 1 November: Saturday night is 9 hours.
        ((2026, 10, 31), 9),
    ],
)
def test_an_overnight_shift_across_a_dst_change_keeps_its_local_hours(
    saturday: tuple[int, int, int], hours: int
) -> None:
    every_night = Calendar("nights", NEW_YORK, week=(((22 * 60, 30 * 60),),) * 7)
    begins = at(NEW_YORK, *saturday, 22, 0)
    sunday = date(*saturday) + timedelta(days=1)
    ends = at(NEW_YORK, sunday.year, sunday.month, sunday.day, 6, 0)
    assert ends - begins == timedelta(hours=hours)
    assert every_night.between(begins - timedelta(hours=1), ends + timedelta(hours=1)) == (
        timedelta(hours=hours)
    )
    # Half an hour past the night's hours is half an hour into the next night, at 22:30.
    after = every_night.add(begins, timedelta(hours=hours, minutes=30))
    assert after == at(NEW_YORK, sunday.year, sunday.month, sunday.day, 22, 30)
    assert every_night.business_day == timedelta(hours=8)


def test_the_hand_computed_instants_of_those_nights() -> None:
    every_night = Calendar("nights", NEW_YORK, week=(((22 * 60, 30 * 60),),) * 7)
    # From Saturday noon: Friday night's shift, then Saturday night's.
    spring = list(islice(every_night.periods(at(NEW_YORK, 2026, 3, 7, 12, 0)), 2))[1]
    autumn = list(islice(every_night.periods(at(NEW_YORK, 2026, 10, 31, 12, 0)), 2))[1]
    # 22:00 EST is 03:00 UTC, 06:00 EDT 10:00 UTC; 22:00 EDT is 02:00 UTC, 06:00 EST 11:00 UTC.
    assert spring == (
        datetime(2026, 3, 8, 3, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 10, 0, tzinfo=UTC),
    )
    assert autumn == (
        datetime(2026, 11, 1, 2, 0, tzinfo=UTC),
        datetime(2026, 11, 1, 11, 0, tzinfo=UTC),
    )


def test_sao_paulo_nights_across_its_old_dst_changes() -> None:
    # São Paulo sprang forward at midnight on Sunday 4 November 2018 (-03 to -02) and fell back
    # at midnight on Sunday 17 February 2019 (-02 to -03); it has kept -03 since.
    every_night = Calendar("nights", SP, week=(((22 * 60, 30 * 60),),) * 7)
    saturday_night = datetime(2018, 11, 3, 22, 0, tzinfo=SP)
    assert every_night.clock_start(saturday_night) == datetime(2018, 11, 4, 1, 0, tzinfo=UTC)
    # 22:00 -03 (01:00 UTC) to 06:00 -02 (08:00 UTC): seven hours.
    assert every_night.add(saturday_night, timedelta(hours=7)) == datetime(
        2018, 11, 4, 8, 0, tzinfo=UTC
    )
    assert every_night.add(saturday_night, timedelta(hours=7, minutes=1)) == datetime(
        2018,
        11,
        5,
        0,
        1,
        tzinfo=UTC,  # Sunday 22:01 -02
    )
    # 22:00 -02 (00:00 UTC) to 06:00 -03 (09:00 UTC): nine hours.
    february = datetime(2019, 2, 16, 22, 0, tzinfo=SP)
    assert february.astimezone(UTC) == datetime(2019, 2, 17, 0, 0, tzinfo=UTC)
    assert every_night.between(february, datetime(2019, 2, 17, 12, 0, tzinfo=UTC)) == (
        timedelta(hours=9)
    )


def test_hours_the_clock_skips_end_when_it_skips() -> None:
    # 02:30 does not exist on Sunday 8 March 2026 in New York (02:00 EST is 03:00 EDT): a period
    # ending then ends at the jump, 07:00 UTC, where the next one begins; none is counted twice.
    split = Calendar("split", NEW_YORK, week=(((0, 150), (180, 540)),) * 7)
    day = datetime(2026, 3, 8, 0, 0, tzinfo=NEW_YORK)
    periods = list(islice(split.periods(day), 2, 4))
    assert periods == [
        (datetime(2026, 3, 8, 5, 0, tzinfo=UTC), datetime(2026, 3, 8, 7, 0, tzinfo=UTC)),
        (datetime(2026, 3, 8, 7, 0, tzinfo=UTC), datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
    ]
    assert split.between(day, datetime(2026, 3, 8, 12, 0, tzinfo=NEW_YORK)) == timedelta(hours=8)


# -- the panel describes the calendar -------------------------------------------------------------

FILES = {
    "incidents/saturday.md": incident(
        "title: Saturday\nimpact: major\ncomponents: [web]\nstarted: 2026-11-14 12:00",
        "## Investigating 2026-11-14 12:10\nLooking.\n",
    ),
}


@pytest.mark.parametrize(
    ("language", "hours", "due"),
    [
        ("en", f"Mon{R}Fri 09:00{R}18:00, Sat 09:00{R}13:00", "by Mon 16 Nov, 17:00"),
        ("pt-BR", f"seg.{R}sex. 09:00{R}18:00, sáb. 09:00{R}13:00", "até seg. 16 nov., 17:00"),
        ("es", f"lun{R}vie 09:00{R}18:00, sáb 09:00{R}13:00", "hasta el lun 16 nov, 17:00"),
    ],
)
def test_the_panel_says_the_hours_of_each_weekday(
    make_project: MakeProject, build_site: Build, language: str, hours: str, due: str
) -> None:
    components = COMPONENTS.replace(
        "  timezone: America/Sao_Paulo\n",
        f"  timezone: America/Sao_Paulo\n  language: {language}\n",
    )
    site = build_site(
        make_project(FILES, components=components + SUPPORT),
        now=datetime(2026, 11, 14, 12, 30, tzinfo=TZ),
    )
    text = site.text("incidents/saturday.html", "//section[@class='sla']")
    assert f"({hours}," in text
    # Saturday 12:00 + 1bd (9 h): 1 h on Saturday, then Monday 09:00-17:00.
    assert due in text


def test_a_night_shift_is_described_by_its_local_hours(
    make_project: MakeProject, build_site: Build
) -> None:
    nights = SUPPORT.replace(
        '      mon-fri: ["09:00-18:00"]\n      sat: ["09:00-13:00"]\n',
        '      mon-fri: ["22:00-06:00"]\n',
    )
    site = build_site(make_project(FILES, components=COMPONENTS + nights))
    text = site.text("incidents/saturday.html", "//section[@class='sla']")
    assert f"(Mon{R}Fri 22:00{R}06:00," in text


# -- mistakes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("calendar", "expected"),
    [
        (
            '    hours:\n      mon-fri: ["09:00-18:00"]\n      sat: ["09:00-13:00"]\n'
            '      fri: ["10:00-11:00"]\n',
            "components.yaml:22: calendar 'c': fri is given hours twice, at lines 20 and 22 "
            "(name each day once)",
        ),
        (
            '    days: [mon, tue]\n    hours:\n      mon-fri: ["09:00-18:00"]\n',
            "components.yaml:19: calendar 'c': 'days' goes with one 'hours' list for all of "
            "them; with hours per weekday, name the days in 'hours' alone and remove 'days'",
        ),
        (
            '    hours:\n      weekdays: ["09:00-18:00"]\n',
            "components.yaml:20: calendar 'c': 'weekdays' is not a day, a range or a list of days",
        ),
        (
            '    hours:\n      mon-fri: ["22:00-06:00", "05:00-09:00"]\n',
            "components.yaml:20: calendar 'c': the mon hours '22:00-06:00' run into the tue "
            "hours '05:00-09:00' (an overnight period must end by the time the next day's work "
            "begins)",
        ),
        (
            '    hours:\n      fri: ["20:00-08:00"]\n      sat: ["07:00-12:00"]\n',
            "components.yaml:20: calendar 'c': the fri hours '20:00-08:00' run into the sat "
            "hours '07:00-12:00'",
        ),
        (
            '    hours:\n      mon: ["00:00-00:00"]\n',
            "components.yaml:20: working hours '00:00-00:00' must end after they start "
            "('00:00-24:00' is the whole day, '22:00-06:00' a night)",
        ),
        (
            '    hours:\n      mon: ["09:00-12:00", "11:00-14:00"]\n',
            "components.yaml:20: working hours '09:00-12:00' and '11:00-14:00' overlap",
        ),
        (
            "    hours:\n      mon: []\n",
            "components.yaml:20: calendar 'c': the hours of 'mon' must list at least one working "
            "period",
        ),
        (
            '    hours:\n      mon-fri: ["22:00-06:00"]\n    extra_dates:\n'
            '      2026-11-17: "05:00-12:00"\n',
            "components.yaml:22: extra date 2026-11-17: the hours '22:00-06:00' of 2026-11-16 "
            "run into the hours '05:00-12:00' of 2026-11-17",
        ),
        (
            '    hours:\n      mon-fri: ["09:00-18:00"]\n    extra_dates:\n'
            '      2026-11-17: "20:00-10:00"\n',
            "components.yaml:22: extra date 2026-11-17: the hours '20:00-10:00' of 2026-11-17 "
            "run into the hours '09:00-18:00' of 2026-11-18",
        ),
    ],
)
def test_mistakes_in_hours_per_weekday_name_their_line(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], calendar: str, expected: str
) -> None:
    assert expected in errors_of(make_project, capsys, "calendars:\n  c:\n" + calendar)


def test_hours_24_and_a_night_before_a_free_day_are_fine(make_project: MakeProject) -> None:
    components = (
        COMPONENTS + 'calendars:\n  c:\n    hours:\n      mon-fri: ["09:00-24:00"]\n'
        '      sat: ["22:00-06:00"]\n      sun: ["06:00-10:00"]\n'
    )
    week = calendar_of(make_project({}, components=components), "c").week
    assert week == (((540, 1440),),) * 5 + (((1320, 1800),), ((360, 600),))


@pytest.mark.parametrize(
    ("calendar", "accepted"),
    [
        ({"hours": {"mon-fri": ["09:00-18:00"], "sat": "09:00-13:00"}}, True),
        ({"hours": {"Mon,Wed": ["22:00-06:00"]}}, True),
        ({"days": ["mon"], "hours": ["09:00-18:00"]}, True),
        ({"hours": ["09:00-18:00"]}, False),  # a list needs its days
        ({"days": ["mon"], "hours": {"mon": ["09:00-18:00"]}}, False),
        ({"hours": {"weekdays": ["09:00-18:00"]}}, False),
        ({"hours": {"mon": ["9am-6pm"]}}, False),
        ({"hours": {}}, False),
    ],
)
def test_the_schema_reads_hours_per_weekday_as_the_loader_does(
    make_project: MakeProject,
    capsys: pytest.CaptureFixture[str],
    calendar: dict[str, object],
    accepted: bool,
) -> None:
    document = yaml_value(COMPONENTS)
    document["calendars"] = {"c": calendar}
    assert (schema_problems("components", document) == []) is accepted
    components = COMPONENTS + "calendars:\n  c: " + json.dumps(calendar) + "\n"
    project = make_project({}, components=components)
    assert (main(["-C", str(project), "check", "-q"]) == 0) is accepted, capsys.readouterr().err
