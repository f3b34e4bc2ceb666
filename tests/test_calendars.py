"""Working-time arithmetic, computed by hand, across weekends, holidays, lunch breaks and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from statusgen.model.calendars import END_OF_TIME, Calendar, parse_duration

SP = ZoneInfo("America/Sao_Paulo")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NINE_TO_SIX = ((9 * 60, 18 * 60),)
WEEKDAYS = (NINE_TO_SIX,) * 5 + ((), ())


def business(
    tz: ZoneInfo = SP, week: tuple = WEEKDAYS, country: str | None = "BR", **kw
) -> Calendar:
    public = (
        holidays.country_holidays(country, subdiv="SP" if country == "BR" else None)
        if country
        else {}
    )
    return Calendar("business", tz, week=week, public_holidays=public, **kw)


def at(tz: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    ("start", "target", "due"),
    [
        # Friday 17:30 + 2 business hours: 30 min on Friday, 1 h 30 on Monday.
        (at(SP, 2026, 11, 13, 17, 30), "2h", at(SP, 2026, 11, 16, 10, 30)),
        # Thursday 17:00 before the 20 November holiday (a Friday): Monday 10:00.
        (at(SP, 2026, 11, 19, 17, 0), "2h", at(SP, 2026, 11, 23, 10, 0)),
        # Opened on the holiday itself: the clock starts on Monday at 09:00.
        (at(SP, 2026, 11, 20, 11, 0), "30m", at(SP, 2026, 11, 23, 9, 30)),
        # Opened at 03:00 on a Tuesday: the clock starts at 09:00.
        (at(SP, 2026, 11, 10, 3, 0), "2h", at(SP, 2026, 11, 10, 11, 0)),
        # 2 business days = 18 working hours from Thursday 14:00, across the weekend.
        (at(SP, 2026, 11, 12, 14, 0), "2bd", at(SP, 2026, 11, 16, 14, 0)),
        # 8 working hours from 10:00 fill the rest of the day exactly.
        (at(SP, 2026, 11, 10, 10, 0), "8h", at(SP, 2026, 11, 10, 18, 0)),
        # Calendar days ignore working hours.
        (at(SP, 2026, 11, 13, 17, 30), "7d", at(SP, 2026, 11, 20, 17, 30)),
    ],
)
def test_deadlines_on_business_hours(start: datetime, target: str, due: datetime) -> None:
    duration = parse_duration(target)
    assert duration is not None
    calendar = business()
    assert duration.due(calendar, start) == due
    if not duration.calendar_days:
        assert (
            calendar.between(start, due)
            == duration.working + duration.business_days * calendar.business_day
        )


def test_lunch_breaks_and_half_days() -> None:
    week = (((9 * 60, 12 * 60), (13 * 60, 18 * 60)),) * 5 + ((), ())
    calendar = business(week=week, special_days={date(2026, 12, 24): ((9 * 60, 13 * 60),)})
    assert calendar.business_day == timedelta(hours=8)
    # 30 min before lunch, 1 h 30 after it.
    assert calendar.add(at(SP, 2026, 11, 10, 11, 30), timedelta(hours=2)) == at(
        SP, 2026, 11, 10, 14, 30
    )
    # Opened during lunch: the clock starts at 13:00.
    assert calendar.clock_start(at(SP, 2026, 11, 10, 12, 20)) == at(
        SP, 2026, 11, 10, 13, 0
    ).astimezone(UTC)
    # Christmas Eve is a half day, Christmas a holiday, then the weekend.
    assert calendar.add(at(SP, 2026, 12, 24, 10, 0), timedelta(hours=6)) == at(
        SP, 2026, 12, 28, 12, 0
    )
    assert calendar.between(at(SP, 2026, 12, 24, 0, 0), at(SP, 2026, 12, 29, 0, 0)) == timedelta(
        hours=12
    )


def test_extra_closed_days_and_calendars_without_holidays() -> None:
    closed = business(country=None, special_days={date(2026, 11, 16): ()})
    assert closed.add(at(SP, 2026, 11, 13, 17, 30), timedelta(hours=2)) == at(
        SP, 2026, 11, 17, 10, 30
    )
    no_holidays = business(country=None)
    assert no_holidays.add(at(SP, 2026, 11, 19, 17, 0), timedelta(hours=2)) == at(
        SP, 2026, 11, 20, 10, 0
    )


@pytest.mark.parametrize(
    ("tz", "spring_saturday", "autumn_saturday"),
    [
        (BERLIN, (2026, 3, 28), (2026, 10, 24)),
        (NEW_YORK, (2026, 3, 7), (2026, 10, 31)),
    ],
)
def test_dst_changes(
    tz: ZoneInfo, spring_saturday: tuple[int, int, int], autumn_saturday: tuple[int, int, int]
) -> None:
    always = Calendar("24x7", tz, always=True)
    round_clock = Calendar("every-day", tz, week=(((0, 24 * 60),),) * 7)
    spring = at(tz, *spring_saturday, 12, 0)
    autumn = at(tz, *autumn_saturday, 12, 0)
    # 24 real hours after Saturday noon is Sunday 13:00 in spring (a 23-hour day) and 11:00 in autumn.
    for calendar in (always, round_clock):
        assert calendar.add(spring, timedelta(hours=24)).astimezone(tz) == spring + timedelta(
            days=1, hours=1
        )
        assert calendar.add(autumn, timedelta(hours=24)).astimezone(tz) == autumn + timedelta(
            days=1, hours=-1
        )
        # From Saturday midnight to Monday midnight: 47 hours in spring, 49 in autumn.
        midnight = spring.replace(hour=0)
        assert calendar.between(midnight, midnight + timedelta(days=2)) == timedelta(hours=47)
        midnight = autumn.replace(hour=0)
        assert calendar.between(midnight, midnight + timedelta(days=2)) == timedelta(hours=49)
    # Business hours keep their local times on both sides of the change.
    weekdays = business(tz=tz, country=None)
    friday = spring - timedelta(days=1) + timedelta(hours=5)  # Friday 17:00
    due = weekdays.add(friday, timedelta(hours=2))
    assert due.astimezone(tz).replace(tzinfo=None) == (
        friday + timedelta(days=3, hours=-7)
    ).replace(tzinfo=None)
    assert due.utcoffset() == timedelta(0)
    assert due - friday.astimezone(UTC) == timedelta(days=2, hours=17 - 1)  # an hour shorter


@pytest.mark.parametrize(
    ("text", "minutes", "business_days", "calendar_days"),
    [
        ("30m", 30, 0, 0),
        ("2h", 120, 0, 0),
        ("1h30m", 90, 0, 0),
        ("8H", 480, 0, 0),
        ("2bd", 0, 2, 0),
        ("7d", 0, 0, 7),
    ],
)
def test_durations(text: str, minutes: int, business_days: float, calendar_days: float) -> None:
    duration = parse_duration(text)
    assert duration is not None
    assert duration.working == timedelta(minutes=minutes)
    assert (duration.business_days, duration.calendar_days) == (business_days, calendar_days)


@pytest.mark.parametrize("text", ["", "2", "h", "2 hours", "2h2h", "1d2h", "0h", "-1h", "2w"])
def test_malformed_durations(text: str) -> None:
    assert parse_duration(text) is None


LUNCH = (((9 * 60, 12 * 60), (13 * 60, 18 * 60)),) * 5 + ((), ())
CALENDAR = business(week=LUNCH, special_days={date(2026, 12, 24): ((9 * 60, 13 * 60),)})
# hypothesis takes naive bounds and attaches the zone itself.
instants = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(SP),
)


@settings(max_examples=300, deadline=None)
@given(start=instants, minutes=st.integers(min_value=0, max_value=60 * 24 * 20))
def test_adding_then_measuring_gives_the_same_amount(start: datetime, minutes: int) -> None:
    amount = timedelta(minutes=minutes)
    due = CALENDAR.add(start, amount)
    assert CALENDAR.between(start, due) == amount
    assert due >= start


@settings(max_examples=300, deadline=None)
@given(start=instants, minutes=st.integers(min_value=1, max_value=60 * 24 * 20))
def test_deadlines_never_fall_outside_working_time(start: datetime, minutes: int) -> None:
    due = CALENDAR.add(start, timedelta(minutes=minutes))
    local = due.astimezone(SP)
    hours = CALENDAR.hours_on(local.date())
    minute = local.hour * 60 + local.minute + local.second / 60
    assert any(begin < minute <= end for begin, end in hours) or (
        minute == 0 and CALENDAR.hours_on(local.date() - timedelta(days=1))[-1][1] == 24 * 60
    )


KIRITIMATI = ZoneInfo("Pacific/Kiritimati")  # UTC+14, the earliest local clock
WEST = ZoneInfo("Etc/GMT+12")  # UTC-12, the latest
FIRST = datetime(1970, 1, 1, tzinfo=UTC)
LAST = datetime(2199, 12, 31, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize("start", [FIRST, LAST])
@pytest.mark.parametrize("tz", [KIRITIMATI, WEST])
@pytest.mark.parametrize("target", ["30m", "8784h", "366bd", "366d", "2352h", "261bd"])
def test_the_longest_targets_at_the_first_and_last_instants_content_may_have(
    start: datetime, tz: ZoneInfo, target: str
) -> None:
    duration = parse_duration(target)
    assert duration is not None
    for calendar in (Calendar("24x7", tz, always=True), business(tz, country=None)):
        if not duration.within_a_year(calendar):
            continue
        due = duration.due(calendar, start)
        assert start < due < start + timedelta(days=2 * 366)
        work = duration.working or duration.business_days * calendar.business_day
        assert duration.spent(calendar, start, due) == (
            due - start if duration.calendar_days else work
        )


def test_a_deadline_past_the_year_9999_is_capped_at_the_end_of_time() -> None:
    start = datetime(9999, 6, 1, tzinfo=UTC)
    for calendar in (Calendar("24x7", UTC, always=True), business(UTC, country=None)):
        for target in ("8784h", "261bd", "366d"):
            duration = parse_duration(target)
            assert duration is not None
            assert duration.due(calendar, start) == END_OF_TIME
        assert calendar.between(start, END_OF_TIME) < timedelta(days=366)
        # Still shown in any zone: the cap leaves a day before the largest datetime.
        assert END_OF_TIME.astimezone(KIRITIMATI).year == 9999


def test_years_of_closed_days_delay_a_deadline_without_failing() -> None:
    closed = {date(2027, 1, 1) + timedelta(days=n): () for n in range(4 * 366)}
    calendar = business(country=None, special_days=closed)
    due = calendar.add(at(SP, 2026, 12, 31, 17, 0), timedelta(hours=2))
    assert due == at(SP, 2031, 1, 6, 10, 0)  # the first working day after them, a Monday
