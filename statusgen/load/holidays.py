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
class HolidaysProblem:
    """Why a spec names no holidays: which of its keys is wrong, and how."""

    key: str  # "country" or "subdivision"
    message: str


# Every year a deadline can be worked out in, with a day's margin on either side.
HOLIDAY_YEARS = range(YEARS.start - 1, YEARS.stop + 1)
# Reads the holidays of a spec: a date → name mapping for HOLIDAY_YEARS, or the problem.
HolidaysReader = Callable[[HolidaysSpec], Mapping[date, str] | HolidaysProblem]


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


def read_holidays(spec: HolidaysSpec) -> dict[date, str] | HolidaysProblem:
    """Every public holiday of `spec` in the years a build can compute with.

    Loading the package takes a few tenths of a second and some 17 MB; reading one country's
    two centuries, a few hundredths more."""
    import holidays

    country, subdivision = spec.country, spec.subdivision
    try:
        return dict(holidays.country_holidays(country, subdiv=subdivision, years=HOLIDAY_YEARS))
    except NotImplementedError:
        pass
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


def no_holidays(spec: HolidaysSpec) -> Mapping[date, str]:
    """For reading the configuration where no deadline is worked out: no holiday is read."""
    return {}
