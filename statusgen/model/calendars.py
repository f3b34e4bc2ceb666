"""Working-time arithmetic on SLA calendars: 24x7, or business hours with holidays. Pure, no I/O.

All arithmetic happens in UTC: two aware datetimes that share a tzinfo subtract by wall clock in
Python, which is wrong across a DST change. A local time becomes an instant by one rule (see
`wall_instant`): the first moment the clock reads that time or later.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
YEAR_DAYS = 366  # the longest an SLA target or notice may be: a year
# Amounts past this are cut to it when read, to stay representable; any of them is far more
# than a year, which policy.py then refuses with the allowed range.
_LARGEST_AMOUNT = 10_000_000
# The latest instant a deadline can be: a day short of the largest datetime, so that it can be
# shown in any time zone. A deadline that would fall later (past the year 9999) is capped there.
END_OF_TIME = datetime(9999, 12, 30, tzinfo=UTC)
_LAST_DAY = END_OF_TIME.date() - timedelta(days=2)  # its hours end before END_OF_TIME anywhere

# (start, end) minutes after local midnight, in order. A period starts within its day and may end
# after the next midnight (an overnight shift, "22:00-06:00", is (1320, 1800)): it belongs to the
# day it starts, so a holiday on that day removes all of it.
Hours = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class HolidaysOf:
    """Whose public holidays a calendar excludes."""

    country: str  # an ISO code: "BR"
    subdivision: str | None = None  # the code of a part of it: "SP"
    subdivision_name: str | None = None  # its name where one is known: "São Paulo"


@dataclass(frozen=True, slots=True)
class Calendar:
    """When an SLA clock runs: always, or during working hours on working days."""

    name: str
    timezone: ZoneInfo
    always: bool = False
    label: str = ""  # what customers read it as ("business hours"); empty: not given
    week: tuple[Hours, ...] = ((),) * 7  # Monday first
    special_days: Mapping[date, Hours] = field(default_factory=dict)  # closed () or other hours
    public_holidays: Mapping[date, str] = field(default_factory=dict, compare=False)
    holidays_of: HolidaysOf | None = None  # whose public holidays those are
    line: int = field(default=0, compare=False)  # where components.yaml defines it
    # Each day's working periods in UTC, worked out once: thousands of deadlines cross the same
    # days, and turning local hours into UTC instants is most of the arithmetic.
    _days: dict[date, tuple[tuple[datetime, datetime], ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def business_day(self) -> timedelta:
        """One business day: the working time of the calendar's longest regular day."""
        if self.always:
            return timedelta(days=1)
        return timedelta(minutes=max(sum(e - s for s, e in day) for day in self.week))

    @property
    def year_of_work(self) -> timedelta:
        """The working time of a year of regular weeks (366 days'): the longest a target may be."""
        if self.always:
            return timedelta(days=YEAR_DAYS)
        weekly = sum(e - s for day in self.week for s, e in day)
        return timedelta(minutes=weekly * YEAR_DAYS // 7)

    def hours_on(self, day: date) -> Hours:
        if day in self.special_days:
            return self.special_days[day]
        if day in self.public_holidays:
            return ()
        return self.week[day.weekday()]

    def periods(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working periods in UTC, in order, from the one containing `start` onwards, until
        END_OF_TIME."""
        if self.always:
            yield start.astimezone(UTC), END_OF_TIME
            return
        day = start.astimezone(self.timezone).date() - timedelta(days=1)
        # Without a working week, only the special days can have working time.
        last = _LAST_DAY if any(self.week) else min(max(self.special_days, default=day), _LAST_DAY)
        while day <= last:
            spans = self._days.get(day)
            if spans is None:
                spans = self._days[day] = tuple(
                    (self._instant(day, begin), self._instant(day, end))
                    for begin, end in self.hours_on(day)
                )
            yield from spans
            day += timedelta(days=1)

    def _instant(self, day: date, minutes: int) -> datetime:
        day, minutes = day + timedelta(days=minutes // MINUTES_PER_DAY), minutes % MINUTES_PER_DAY
        return wall_instant(datetime.combine(day, time(minutes // 60, minutes % 60)), self.timezone)

    def clock_start(self, start: datetime) -> datetime:
        """The first working instant at or after `start`."""
        for begin, end in self.periods(start):
            if end > start:
                return max(begin, start.astimezone(UTC))
        return max(END_OF_TIME, start.astimezone(UTC))

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The instant when `amount` of working time has passed since `start`."""
        remaining = amount
        cursor = start.astimezone(UTC)
        if remaining <= timedelta(0):
            return cursor
        for begin, end in self.periods(cursor):
            if end <= cursor:
                continue
            begin = max(begin, cursor)
            if remaining <= end - begin:
                return begin + remaining
            remaining -= end - begin
        return max(END_OF_TIME, cursor)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (zero if `end` is not after `start`)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return timedelta(0)
        if self.always:
            return end - start
        total = timedelta(0)
        for begin, finish in self.periods(start):
            if begin >= end:
                break
            overlap = min(finish, end) - max(begin, start)
            if overlap > timedelta(0):
                total += overlap
        return total


def wall_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant (in UTC) when the clock of `zone` first reads the naive local time `wall` or
    later. A time the clock reads twice (when it falls back) is the first of them; a time it skips
    (when it springs forward, 02:30 as it goes from 02:00 to 03:00) is the moment it skips."""
    first = wall.replace(tzinfo=zone).astimezone(UTC)  # fold 0: the first reading, or past the gap
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # In a gap: the clock reads less than `wall` at `low` and more at `high`; the jump is between.
    low = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    high = int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def days_later(start: datetime, days: float, zone: ZoneInfo) -> datetime:
    """`days` calendar days after `start` in `zone`: the same local time that many days later (see
    wall_instant for a time the clock skips or reads twice), so that a day across a DST change
    is 23 or 25 hours. A fraction of a day is that part of 24 hours, counted after the whole days."""
    start = start.astimezone(UTC)
    if start > END_OF_TIME - timedelta(days=days + 2):
        return max(END_OF_TIME, start)
    whole = int(days)
    local = start.astimezone(zone).replace(tzinfo=None) + timedelta(days=whole)
    return min(wall_instant(local, zone) + timedelta(days=days - whole), END_OF_TIME)


_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(bd|d|h|m)\s*")


@dataclass(frozen=True, slots=True)
class Duration:
    """An SLA target: working time on the target's calendar, or whole calendar days.

    `30m`, `2h`: working minutes and hours; `2bd`: business days (each one full working day of the
    calendar); `7d`: calendar days, whatever the calendar's hours: the same local time seven days
    later in the calendar's time zone (see days_later)."""

    text: str
    working: timedelta = timedelta(0)
    business_days: float = 0
    calendar_days: float = 0

    def due(self, calendar: Calendar, start: datetime) -> datetime:
        if self.calendar_days:
            return days_later(start, self.calendar_days, calendar.timezone)
        return calendar.add(start, self.working + self.business_days * calendar.business_day)

    def within_a_year(self, calendar: Calendar) -> bool:
        """Whether the target is at most a year: 366d, or a year of the calendar's working time."""
        if self.calendar_days:
            return self.calendar_days <= YEAR_DAYS
        work = self.working + self.business_days * calendar.business_day
        return work <= calendar.year_of_work

    def spent(self, calendar: Calendar, start: datetime, end: datetime) -> timedelta:
        """The time this target counts between two instants."""
        if self.calendar_days:
            return max(end.astimezone(UTC) - start.astimezone(UTC), timedelta(0))
        return calendar.between(start, end)


def parse_duration(text: str) -> Duration | None:
    """A Duration from `30m`, `2h`, `1h30m`, `2bd` or `7d`; None if malformed."""
    raw = str(text).strip().lower()
    parts = _DURATION.findall(raw)
    if not parts or "".join(f"{n}{u}" for n, u in parts) != re.sub(r"\s+", "", raw):
        return None
    units = [u for _, u in parts]
    if len(set(units)) != len(units) or ("d" in units and len(units) > 1):
        return None
    working, business, days = timedelta(0), 0.0, 0.0
    for number, unit in parts:
        value = min(float(number), _LARGEST_AMOUNT)
        if unit == "m":
            working += timedelta(minutes=value)
        elif unit == "h":
            working += timedelta(hours=value)
        elif unit == "bd":
            business += value
        else:
            days += value
    if not (working or business or days):
        return None
    return Duration(raw, working, business, days)
