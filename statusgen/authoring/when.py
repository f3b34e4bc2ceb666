"""Times as an on-call engineer types them: in full, relative to now (`+2h`, `-10m`), or a clock
time today (`14:00`). Which day "today" is, and what a time without an offset means, depend on
the site's time zone, known only once the site is loaded: a `When` is read first, placed later."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from statusgen.errors import AuthoringError
from statusgen.load.nodes import TIMESTAMP_FORMS, YEARS, read_timestamp

FORMS = f"{TIMESTAMP_FORMS}; a clock time today like 14:00; or from now like +2h, -10m, +1h30m"

_RELATIVE = re.compile(r"([+-])((?:\d+[dhm])+)")
_PART = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_CLOCK = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")
_LONGEST = timedelta(days=3660)  # about ten years either way: far enough for any plan


@dataclass(frozen=True, slots=True)
class When:
    """A time typed on the command line, placed by `at`."""

    text: str
    absolute: datetime | None = None  # a full timestamp (naive: in the site's zone)
    offset: timedelta | None = None  # from now
    clock: time | None = None  # today, in the site's zone

    def at(self, now: datetime, zone: ZoneInfo) -> datetime:
        """The instant meant, with `now` the current time and `zone` the site's."""
        if self.absolute is not None:
            absolute = self.absolute
            return absolute if absolute.tzinfo is not None else absolute.replace(tzinfo=zone)
        if self.offset is not None:
            return now + self.offset
        assert self.clock is not None
        today = now.astimezone(zone).date()
        # A clock time a zone skips (its clocks go forward) is read as zoneinfo reads it: with
        # the offset before the change, which names the instant an hour later.
        return datetime.combine(today, self.clock, tzinfo=zone).astimezone(UTC)


def is_relative(text: str) -> bool:
    """Whether `text` is a time from now (`+2h`, `-10m`)."""
    return _RELATIVE.fullmatch(text.strip()) is not None


def read_when(text: str) -> When:
    """A `When`, or a ValueError naming the forms accepted."""
    typed = text.strip()
    relative = _RELATIVE.fullmatch(typed)
    if relative:
        amount = timedelta()
        for number, unit in _PART.findall(relative.group(2)):
            if len(number) > 7:
                raise ValueError(f"'{typed}' is too far from now (at most ten years)")
            amount += timedelta(**{_UNITS[unit]: int(number)})
        if amount > _LONGEST:
            raise ValueError(f"'{typed}' is too far from now (at most ten years)")
        return When(typed, offset=-amount if relative.group(1) == "-" else amount)
    clock = _CLOCK.fullmatch(typed)
    if clock:
        return When(typed, clock=time(int(clock.group(1)), int(clock.group(2))))
    try:
        return When(typed, absolute=read_timestamp(typed, None))
    except ValueError:
        if re.match(r"\d{4}-", typed):  # meant as a date: what is wrong with it
            raise
        raise ValueError(f"'{typed[:60]}' is not a time (expected {FORMS})") from None


Typed = When | datetime  # a datetime: as given (naive: in the site's zone)


def place(typed: Typed, now: datetime, zone: ZoneInfo, what: str) -> datetime:
    """The instant `typed` means, with `now` the current time and `zone` the site's; an
    AuthoringError naming the option (`what`) when it falls outside the years a site shows."""
    if isinstance(typed, datetime):
        return typed
    moment = typed.at(now, zone)
    if moment.astimezone(UTC).year not in YEARS:
        raise AuthoringError(f"{what} '{typed.text}' falls outside the years a site can show")
    return moment
