"""Public holidays of the SLA calendars: the only reader of the holidays package."""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from datetime import date

from statusgen.errors import SourceError
from statusgen.load.nodes import Located, suggest
from statusgen.model.sla import SlaConfig

# The years whose holidays are read in one go; a date outside them asks the package itself.
HOLIDAY_YEARS = range(1970, 2101)


HolidaysKey = tuple[str, str | None, str]  # country, subdivision, version of the package


class PublicHolidays(Mapping[date, str]):
    """A country's public holidays (optionally a subdivision's), as the holidays package knows
    them. The package is not loaded here: `read()` loads it (a tenth of a second and some 17 MB),
    in a worker process when the build has one, and `use()` takes what it read."""

    def __init__(self, node: Located) -> None:
        fields = node.fields() if node.is_mapping else {}
        if "country" not in fields:
            raise node.error(
                "'holidays' needs a 'country' (ISO code such as BR, PT, US) and optional 'subdivision'"
            )
        self._fields = fields
        self.country = str(fields["country"].value).upper()
        self.subdivision = (
            str(fields["subdivision"].value).upper() if "subdivision" in fields else None
        )
        self._days: dict[date, str] | None = None
        self._beyond: Mapping[date, str] | None = None  # the package, for dates past HOLIDAY_YEARS

    @property
    def key(self) -> HolidaysKey:
        """What the holidays read depend on (a build keeps them under it for the next one)."""
        return (self.country, self.subdivision, _holidays_version())

    def read(self) -> dict[date, str] | SourceError:
        """The holidays of HOLIDAY_YEARS, or the mistake in the country or subdivision."""
        import holidays

        country, subdivision = self.country, self.subdivision
        try:
            return dict(holidays.country_holidays(country, subdiv=subdivision, years=HOLIDAY_YEARS))
        except NotImplementedError:
            pass
        # Only now list what exists: listing loads every country's rules (a tenth of a second).
        supported = holidays.list_supported_countries()
        if country not in supported:
            return self._fields["country"].error(
                f"unknown holiday country '{country}'{suggest(country, supported)}"
            )
        assert subdivision is not None
        return self._fields["subdivision"].error(
            f"unknown subdivision '{subdivision}' of {country}{suggest(subdivision, supported[country])}"
        )

    def use(self, found: dict[date, str] | SourceError) -> SourceError | None:
        """Take what `read()` found; the mistake, if it found one (then there are no holidays)."""
        if isinstance(found, SourceError):
            self._days, self._beyond = {}, {}
            return found
        self._days = found
        return None

    def _for(self, day: object) -> Mapping[date, str]:
        """Where to look `day` up: what was read, or, past HOLIDAY_YEARS, the package itself."""
        if self._days is None:
            error = self.use(self.read())
            if error is not None:
                raise error
        assert self._days is not None
        if isinstance(day, date) and day.year not in HOLIDAY_YEARS:
            if self._beyond is None:
                import holidays

                self._beyond = holidays.country_holidays(self.country, subdiv=self.subdivision)
            return self._beyond
        return self._days

    def __contains__(self, day: object) -> bool:
        return day in self._for(day)

    def __getitem__(self, day: date) -> str:
        return self._for(day)[day]

    def __iter__(self) -> Iterator[date]:  # the days of HOLIDAY_YEARS
        return iter(self._for(None))

    def __len__(self) -> int:
        return len(self._for(None))


def public_holidays(sla: SlaConfig) -> list[PublicHolidays]:
    """The holidays of every calendar that has them."""
    found = (c.public_holidays for c in sla.calendars.values())
    return [h for h in found if isinstance(h, PublicHolidays)]


class HolidayReading:
    """The public holidays a load must read (those not in `known`, what an earlier build read),
    and, once read, every calendar's under its key in `now`."""

    def __init__(self, sla: SlaConfig, known: Mapping[HolidaysKey, dict[date, str]]) -> None:
        self.unread: list[PublicHolidays] = []
        self.now: dict[HolidaysKey, dict[date, str]] = {}
        for holidays in public_holidays(sla):
            days = known.get(holidays.key)
            if days is None:
                self.unread.append(holidays)
            else:
                holidays.use(days)
                self.now[holidays.key] = days

    def read(self) -> list[dict[date, str] | SourceError]:
        return [holidays.read() for holidays in self.unread]

    def use(self, found: list[dict[date, str] | SourceError]) -> list[SourceError]:
        """Give each calendar what `read()` found; the mistakes among it."""
        errors = []
        for holidays, days in zip(self.unread, found, strict=True):
            error = holidays.use(days)
            if error is not None:
                errors.append(error)
            elif isinstance(days, dict):
                self.now[holidays.key] = days
        return errors


@functools.cache
def _holidays_version() -> str:
    from importlib import metadata  # the package's own metadata, read without importing it

    return metadata.version("holidays")
