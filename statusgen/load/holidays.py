"""Public holidays of the SLA calendars: the only reader of the holidays package."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from statusgen.load.nodes import YEARS, Located, check_keys, suggest

HOLIDAYS_KEYS = ("country", "subdivision")


@dataclass(frozen=True, slots=True)
class HolidaysSpec:
    """Whose public holidays a calendar keeps: a country (ISO code), optionally a subdivision."""

    country: str
    subdivision: str | None = None


@dataclass(frozen=True, slots=True)
class PublicHolidays:
    """The public holidays a spec names, and what the package calls its subdivision."""

    days: dict[date, str]  # each holiday's name, by date
    subdivision_name: str | None = None  # "São Paulo" for BR SP; None where it has none


@dataclass(frozen=True, slots=True)
class HolidaysProblem:
    """Why a spec names no holidays: which of its keys is wrong, and how."""

    key: str  # "country" or "subdivision"
    message: str


# Every year a deadline can be worked out in, with a day's margin on either side.
HOLIDAY_YEARS = range(YEARS.start - 1, YEARS.stop + 1)
# Reads the holidays of a spec in HOLIDAY_YEARS, or the problem.
HolidaysReader = Callable[[HolidaysSpec], PublicHolidays | HolidaysProblem]


def holidays_spec(node: Located) -> HolidaysSpec:
    """The `holidays:` mapping of a calendar; SourceError when it names no country or holds
    another key."""
    fields = node.fields() if node.is_mapping else {}
    unknown = check_keys(node, HOLIDAYS_KEYS, "holidays") if node.is_mapping else []
    if unknown:
        raise unknown[0]
    if "country" not in fields:
        raise node.error(
            "'holidays' needs a 'country' (ISO code such as BR, PT, US) and optional 'subdivision'"
        )
    subdivision = fields.get("subdivision")
    return HolidaysSpec(
        str(fields["country"].value).upper(),
        str(subdivision.value).upper() if subdivision is not None else None,
    )


def read_holidays(spec: HolidaysSpec) -> PublicHolidays | HolidaysProblem:
    """Every public holiday of `spec` in the years a build can compute with.

    Loading the package takes a few tenths of a second and some 17 MB; reading one country's
    two centuries, a few hundredths more."""
    import holidays

    country, subdivision = spec.country, spec.subdivision
    try:
        found = holidays.country_holidays(country, subdiv=subdivision, years=HOLIDAY_YEARS)
    except NotImplementedError:
        pass
    else:
        return PublicHolidays(
            dict(found), subdivision_name(found.subdivisions_aliases, subdivision)
        )
    # Only now list what exists: listing loads every country's rules.
    supported = holidays.list_supported_countries()
    if country not in supported:
        return HolidaysProblem(
            "country", f"unknown holiday country '{country}'{suggest(country, supported)}"
        )
    assert subdivision is not None
    return HolidaysProblem(
        "subdivision",
        f"unknown subdivision '{subdivision}' of {country}"
        f"{suggest(subdivision, supported[country])}",
    )


def subdivision_name(aliases: Mapping[str, str], code: str | None) -> str | None:
    """What the package calls a subdivision, from its aliases (name → code): the first that is
    a name rather than another code ("Guadeloupe", not "GUA", for 971); None without one."""
    if code is None:
        return None
    names = (alias for alias, of in aliases.items() if of == code and not alias.isupper())
    return next(names, None)


def no_holidays(spec: HolidaysSpec) -> PublicHolidays:
    """For reading the configuration where no deadline is worked out: no holiday is read."""
    return PublicHolidays({})
