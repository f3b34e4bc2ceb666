"""The SLA part of components.yaml: calendars, how priorities are assigned, and policies."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .calendars import YEAR_DAYS, Calendar, Duration, Hours, parse_duration
from .errors import SourceError
from .model import Impact
from .source import Located, check_keys, suggest

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
URGENCIES = ("low", "medium", "high")
_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")
CALENDAR_KEYS = ("timezone", "days", "hours", "holidays", "extra_dates")
TARGET_KEYS = ("first_response", "resolution", "calendar")
MAINTENANCE = "maintenance"
MAINTENANCE_KEYS = ("notice", "calendar", "windows")
_WINDOW = re.compile(r"(?P<days>[a-z]{3}(?:\s*[-,]\s*[a-z]{3})*)\s+(?P<span>\S.*)")


@dataclass(frozen=True, slots=True)
class Target:
    duration: Duration
    calendar: Calendar


@dataclass(frozen=True, slots=True)
class Policy:
    tier: str
    priority: str
    first_response: Target | None
    resolution: Target | None

    @property
    def name(self) -> str:
        return f"{self.tier} {self.priority}"


@dataclass(frozen=True, slots=True)
class Window:
    """When maintenance may happen each week, e.g. Saturday 00:00-06:00 (minutes after midnight)."""

    text: str
    days: frozenset[int]  # Monday is 0
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MaintenancePolicy:
    tier: str
    notice: Target | None  # how long before its start a maintenance must be announced
    windows: tuple[Window, ...]  # empty: any time
    timezone: ZoneInfo  # of the windows: the policy calendar's

    @property
    def name(self) -> str:
        return f"{self.tier} {MAINTENANCE}"


@dataclass(frozen=True, slots=True)
class SlaConfig:
    calendars: dict[str, Calendar] = field(default_factory=dict)
    matrix: dict[tuple[str, Impact], str] = field(default_factory=dict)
    by_impact: dict[Impact, str] = field(default_factory=dict)
    policies: dict[tuple[str, str], Policy] = field(default_factory=dict)
    maintenance: dict[str, MaintenancePolicy] = field(default_factory=dict)  # by tier

    def public_holidays(self) -> list[PublicHolidays]:
        """The holidays of every calendar that has them."""
        found = (c.public_holidays for c in self.calendars.values())
        return [h for h in found if isinstance(h, PublicHolidays)]

    @property
    def priorities(self) -> list[str]:
        names = (
            {p for _, p in self.policies} | set(self.matrix.values()) | set(self.by_impact.values())
        )
        return sorted(names)

    @property
    def enabled(self) -> bool:
        return bool(self.policies)


def load_sla(fields: dict[str, Located], tz: ZoneInfo, errors: list[SourceError]) -> SlaConfig:
    """Read calendars, priorities and policies; every mistake goes to `errors`."""
    calendars = {"24x7": Calendar("24x7", tz, always=True)}
    if "calendars" in fields:
        calendars.update(_calendars(fields["calendars"], tz, errors))
    matrix: dict[tuple[str, Impact], str] = {}
    by_impact: dict[Impact, str] = {}
    if "priorities" in fields:
        matrix, by_impact = _priorities(fields["priorities"], errors)
    policies: dict[tuple[str, str], Policy] = {}
    maintenance: dict[str, MaintenancePolicy] = {}
    if "policies" in fields:
        policies, maintenance = _policies(fields["policies"], calendars, errors)
    return SlaConfig(calendars, matrix, by_impact, policies, maintenance)


def _calendars(node: Located, tz: ZoneInfo, errors: list[SourceError]) -> dict[str, Calendar]:
    if not node.is_mapping:
        errors.append(node.error("'calendars' must map names to '24x7' or business hours"))
        return {}
    result = {}
    for key, value in node.items():
        name = str(key.value)
        try:
            result[name] = _calendar(name, value, tz)
        except SourceError as exc:
            errors.append(exc)
    return result


def _strict_fields(
    node: Located, allowed: tuple[str, ...], what: str, shape: str
) -> dict[str, Located]:
    """The fields of a mapping that may hold only `allowed` keys; the first mistake is raised."""
    if not node.is_mapping:
        raise node.error(f"{shape} {', '.join(allowed)}")
    unknown = check_keys(node, allowed, what)
    if unknown:
        raise unknown[0]
    return node.fields()


def _calendar(name: str, node: Located, site_tz: ZoneInfo) -> Calendar:
    if node.value == "24x7":
        return Calendar(name, site_tz, always=True)
    fields = _strict_fields(
        node, CALENDAR_KEYS, "calendar", f"calendar '{name}' must be '24x7' or a mapping of"
    )
    tz = site_tz
    if "timezone" in fields:
        try:
            tz = ZoneInfo(str(fields["timezone"].value))
        except (ZoneInfoNotFoundError, ValueError):
            raise fields["timezone"].error(
                f"unknown time zone '{fields['timezone'].value}'"
            ) from None
    days = fields.get("days")
    day_names = (
        [str(d).lower()[:3] for d in days.value] if days is not None and days.is_sequence else []
    )
    if days is None or not day_names or any(d not in DAYS for d in day_names):
        raise (days or node).error(
            f"calendar '{name}': 'days' must list working days ({', '.join(DAYS)})"
        )
    if "hours" not in fields:
        raise node.error(f"calendar '{name}': missing 'hours' (for example ['09:00-18:00'])")
    hours = _hours(fields["hours"])
    if not hours:  # a calendar that never works would never let a deadline fall due
        raise fields["hours"].error(
            f"calendar '{name}': 'hours' must list at least one working period "
            "(for example ['09:00-18:00'])"
        )
    week = tuple(hours if DAYS[i] in day_names else () for i in range(7))
    public: Mapping[date, str] = {}
    if "holidays" in fields:
        public = PublicHolidays(fields["holidays"])
    special: dict[date, Hours] = {}
    if "extra_dates" in fields:
        extra = fields["extra_dates"]
        if not extra.is_mapping:
            raise extra.error(
                "'extra_dates' must map dates to 'closed' or hours like '09:00-13:00'"
            )
        for key, value in extra.items():
            try:
                day = date.fromisoformat(str(key.value))
            except ValueError:
                raise key.error(f"'{key.value}' is not a date (YYYY-MM-DD)") from None
            special[day] = () if str(value.value).lower() == "closed" else _hours(value)
    return Calendar(name, tz, week=week, special_days=special, public_holidays=public)


def _hours(node: Located) -> Hours:
    spans = node.value if isinstance(node.value, list) else [node.value]
    result: list[tuple[int, int]] = []
    for span in spans:
        minutes = _minutes(str(span))
        if minutes is None:
            raise node.error(f"working hours '{span}' must look like '09:00-18:00'")
        start, end = minutes
        if not 0 <= start < end <= 24 * 60:
            raise node.error(f"working hours '{span}' must start before they end, within one day")
        if result and start < result[-1][1]:
            raise node.error(f"working hours '{span}' overlap or are out of order")
        result.append((start, end))
    return tuple(result)


def _minutes(span: str) -> tuple[int, int] | None:
    """'09:00-18:00' as minutes after midnight, (540, 1080); None if it is not that shape.

    A minute past 59 gives (-1, -1), which the callers' range check rejects."""
    match = _SPAN.fullmatch(span.strip())
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if m1 > 59 or m2 > 59:
        return (-1, -1)
    return h1 * 60 + m1, h2 * 60 + m2


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


class HolidayReading:
    """The public holidays a load must read (those not in `known`, what an earlier build read),
    and, once read, every calendar's under its key in `now`."""

    def __init__(self, sla: SlaConfig, known: Mapping[HolidaysKey, dict[date, str]]) -> None:
        self.unread: list[PublicHolidays] = []
        self.now: dict[HolidaysKey, dict[date, str]] = {}
        for holidays in sla.public_holidays():
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


def _priorities(
    node: Located, errors: list[SourceError]
) -> tuple[dict[tuple[str, Impact], str], dict[Impact, str]]:
    matrix: dict[tuple[str, Impact], str] = {}
    by_impact: dict[Impact, str] = {}
    if not node.is_mapping:
        errors.append(node.error("'priorities' must be a mapping with 'matrix' and/or 'default'"))
        return matrix, by_impact
    errors.extend(check_keys(node, ("matrix", "default"), "priorities"))
    fields = node.fields()
    impacts = [i.value for i in Impact]
    if "matrix" in fields:
        rows = fields["matrix"]
        for key, row in rows.items() if rows.is_mapping else []:
            urgency = str(key.value)
            if urgency not in URGENCIES:
                errors.append(
                    key.error(f"unknown urgency '{urgency}' (allowed: {', '.join(URGENCIES)})")
                )
                continue
            cells = row.fields() if row.is_mapping else {}
            for impact in impacts:
                if impact not in cells:
                    errors.append(
                        row.error(
                            f"priority matrix: urgency '{urgency}' has no priority for impact '{impact}'"
                        )
                    )
                else:
                    matrix[(urgency, Impact(impact))] = str(cells[impact].value)
        missing = (
            [u for u in URGENCIES if u not in {str(k.value) for k, _ in rows.items()}]
            if rows.is_mapping
            else URGENCIES
        )
        for urgency in missing:
            errors.append(rows.error(f"priority matrix: missing the row for urgency '{urgency}'"))
    if "default" in fields:
        defaults = fields["default"]
        found = defaults.fields() if defaults.is_mapping else {}
        for impact in impacts:
            if impact not in found:
                errors.append(
                    defaults.error(f"default priorities: no priority for impact '{impact}'")
                )
            else:
                by_impact[Impact(impact)] = str(found[impact].value)
    return matrix, by_impact


def _policies(
    node: Located, calendars: dict[str, Calendar], errors: list[SourceError]
) -> tuple[dict[tuple[str, str], Policy], dict[str, MaintenancePolicy]]:
    result: dict[tuple[str, str], Policy] = {}
    maintenance: dict[str, MaintenancePolicy] = {}
    if not node.is_mapping:
        errors.append(node.error("'policies' must map tiers to priorities to targets"))
        return result, maintenance
    for tier_key, by_priority in node.items():
        tier = str(tier_key.value)
        if not by_priority.is_mapping:
            errors.append(
                by_priority.error(f"policies of tier '{tier}' must map priorities to targets")
            )
            continue
        for priority_key, targets in by_priority.items():
            priority = str(priority_key.value)
            try:
                if priority == MAINTENANCE:
                    maintenance[tier] = _maintenance_policy(tier, targets, calendars)
                else:
                    result[(tier, priority)] = _policy(tier, priority, targets, calendars)
            except SourceError as exc:
                errors.append(exc)
    return result, maintenance


def _maintenance_policy(
    tier: str, node: Located, calendars: dict[str, Calendar]
) -> MaintenancePolicy:
    fields = _strict_fields(
        node,
        MAINTENANCE_KEYS,
        "maintenance policy",
        f"maintenance policy of tier '{tier}' must be a mapping of",
    )
    calendar = _calendar_ref(fields.get("calendar"), calendars, node)
    notice = None
    if "notice" in fields:
        duration = parse_duration(str(fields["notice"].value))
        if duration is None:
            raise fields["notice"].error(
                f"bad notice '{fields['notice'].value}' (use 48h, 2bd for business days, 7d for calendar days)"
            )
        notice = Target(_within_a_year(duration, calendar, fields["notice"], "notice"), calendar)
    windows: tuple[Window, ...] = ()
    if "windows" in fields:
        given = fields["windows"]
        texts = given.value if isinstance(given.value, list) else [given.value]
        windows = tuple(_window(str(text), given) for text in texts)
    return MaintenancePolicy(tier, notice, windows, calendar.timezone)


def _window(text: str, node: Located) -> Window:
    """'sat 00:00-06:00', 'sat-sun 00:00-06:00' or 'mon,wed 22:00-24:00'."""
    match = _WINDOW.fullmatch(text.strip().lower())
    problem = (
        f"maintenance window '{text}' must look like 'sat 00:00-06:00' or 'sat-sun 00:00-06:00'"
    )
    if match is None:
        raise node.error(problem)
    days: set[int] = set()
    for part in re.split(r"\s*,\s*", match["days"]):
        ends = [d.strip() for d in part.split("-")]
        if any(d not in DAYS for d in ends):
            raise node.error(f"{problem} (days: {', '.join(DAYS)})")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        days.update((first + n) % 7 for n in range((last - first) % 7 + 1))
    minutes = _minutes(match["span"])
    if minutes is None:
        raise node.error(problem)
    start, end = minutes
    if not 0 <= start < end <= 24 * 60:
        raise node.error(f"maintenance window '{text}' must start before it ends, within one day")
    return Window(text.strip(), frozenset(days), start, end)


def _policy(tier: str, priority: str, node: Located, calendars: dict[str, Calendar]) -> Policy:
    fields = _strict_fields(
        node, TARGET_KEYS, "policy", f"policy {tier} {priority} must be a mapping of"
    )
    default_calendar = _calendar_ref(fields.get("calendar"), calendars, node)
    targets: dict[str, Target | None] = {}
    for name in ("first_response", "resolution"):
        value = fields.get(name)
        if value is None or value.value is None:
            targets[name] = None
            continue
        calendar = default_calendar
        target_node = value
        if value.is_mapping:
            parts = value.fields()
            if "target" not in parts:
                raise value.error(f"'{name}' needs a 'target' such as '2h'")
            target_node = parts["target"]
            if "calendar" in parts:
                calendar = _calendar_ref(parts["calendar"], calendars, value)
        duration = parse_duration(str(target_node.value))
        if duration is None:
            raise target_node.error(
                f"bad duration '{target_node.value}' (use 30m, 2h, 1h30m, 2bd for business days, 7d for calendar days)"
            )
        targets[name] = Target(_within_a_year(duration, calendar, target_node, "target"), calendar)
    return Policy(tier, priority, targets["first_response"], targets["resolution"])


def _within_a_year(duration: Duration, calendar: Calendar, node: Located, what: str) -> Duration:
    """The duration, or the error saying how long it may be on its calendar."""
    if duration.within_a_year(calendar):
        return duration
    year = calendar.year_of_work
    raise node.error(
        f"{what} '{node.value}' is longer than a year (at most {YEAR_DAYS}d, or "
        f"{year // timedelta(hours=1)}h or {year // calendar.business_day}bd of working time "
        f"on calendar '{calendar.name}')"
    )


def _calendar_ref(node: Located | None, calendars: dict[str, Calendar], owner: Located) -> Calendar:
    if node is None:
        return calendars["24x7"]
    name = str(node.value)
    if name not in calendars:
        raise node.error(f"unknown calendar '{name}'{suggest(name, calendars)}")
    return calendars[name]
