"""The SLA part of components.yaml: calendars, how priorities are assigned, and policies."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from statusgen.errors import SourceError, SourceRef
from statusgen.load.holidays import HolidaysProblem, HolidaysReader, holidays_spec
from statusgen.load.nodes import Located, check_keys, located_choice, located_text, suggest
from statusgen.load.priority import Attributes, load_priorities
from statusgen.model.calendars import (
    MINUTES_PER_DAY,
    YEAR_DAYS,
    Calendar,
    Duration,
    HolidaysOf,
    Hours,
    parse_duration,
)
from statusgen.model.sla import (
    DEFAULT_PLAN,
    MAINTENANCE,
    NO_TARGET,
    Disclosure,
    MaintenancePolicy,
    Plan,
    Policy,
    SlaConfig,
    Target,
    Window,
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_SPAN = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})")


CALENDAR_KEYS = ("label", "timezone", "days", "hours", "holidays", "extra_dates")


TARGET_KEYS = ("label", "first_response", "resolution", "calendar")


MAINTENANCE_KEYS = ("label", "notice", "calendar", "windows")


SLA_KEYS = ("public",)


PLAN_KEYS = ("label", "default", "public", "calendars", "priorities", "policies")


_PLAN_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


# A target written as a mapping: `{target: 2h, calendar: 24x7}`.
TARGET_ON_CALENDAR_KEYS = ("target", "calendar")


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


_WINDOW = re.compile(r"(?P<days>[a-z]{3}(?:\s*[-,]\s*[a-z]{3})*)\s+(?P<span>\S.*)")


def load_sla(
    fields: dict[str, Located],
    tz: ZoneInfo,
    errors: list[SourceError],
    holidays: HolidaysReader,
    attributes: Attributes | None = None,
) -> SlaConfig:
    """Read calendars, priorities and policies; every mistake goes to `errors`. `holidays`
    reads the public holidays a calendar names; `attributes` are the component attributes
    the priority rules may ask about."""
    calendars = {"24x7": Calendar("24x7", tz, always=True)}
    if "calendars" in fields:
        calendars.update(_calendars(fields["calendars"], tz, errors, holidays))
    priority_rules = load_priorities(fields.get("priorities"), attributes or {}, errors)
    policies: dict[tuple[str, str], Policy] = {}
    maintenance: dict[str, MaintenancePolicy] = {}
    if "policies" in fields:
        policies, maintenance = _policies(fields["policies"], calendars, errors)
    public = _disclosure(fields["sla"], errors) if "sla" in fields else Disclosure.FULL
    plans: tuple[Plan, ...] = (Plan(DEFAULT_PLAN, calendars, priority_rules, policies),)
    if "plans" in fields:
        plans = _plans(fields["plans"], fields, plans[0], tz, errors, holidays, attributes or {})
    return SlaConfig(
        calendars, priority_rules, policies, maintenance, public, plans, "plans" in fields
    )


def _plans(
    node: Located,
    site_fields: dict[str, Located],
    site: Plan,
    tz: ZoneInfo,
    errors: list[SourceError],
    holidays: HolidaysReader,
    attributes: Attributes,
) -> tuple[Plan, ...]:
    """`plans:`, the default first: the one that says `default: true`, else the first. Without
    a plan read, the site's own settings."""
    if not node.is_mapping or not node.items():
        errors.append(node.error("'plans' must map plan ids to plans, such as {standard: {}}"))
        return (site,)
    plans: list[Plan] = []
    defaults: list[tuple[Plan, Located]] = []
    for key, value in node.items():
        plan_id = str(key.value)
        if not _PLAN_ID.fullmatch(plan_id):
            errors.append(
                key.error(
                    f"bad plan id '{plan_id}' (lower-case letters, digits, '-' and '_', "
                    "starting with a letter or digit)"
                )
            )
            continue
        if value.value is None:  # `standard:` alone: the site's settings under a name
            plans.append(replace(site, id=plan_id, line=key.where.line))
            continue
        if not value.is_mapping:
            errors.append(
                value.error(f"plan '{plan_id}' must be a mapping of {', '.join(PLAN_KEYS)}")
            )
            continue
        errors.extend(check_keys(value, PLAN_KEYS, "plan"))
        fields = value.fields()
        plan = replace(
            _plan(plan_id, fields, site_fields, site, tz, errors, holidays, attributes),
            line=key.where.line,
        )
        plans.append(plan)
        if _flag(fields, "default", errors):
            defaults.append((plan, fields["default"]))
    for _, extra in defaults[1:]:
        errors.append(
            extra.error(
                f"two plans say 'default: true' ('{defaults[0][0].id}' already does; "
                "only one can be the default, and without any the first plan is)"
            )
        )
    if not plans:
        return (site,)
    default, said = defaults[0] if defaults else (plans[0], node.items()[0][0])
    if not default.public:
        errors.append(
            said.error(
                f"the default plan '{default.id}' cannot be 'public: false': the JSON API's "
                "'sla' and the feeds show the default plan's service levels"
            )
        )
    return (default, *(p for p in plans if p is not default))


def _plan(
    plan_id: str,
    fields: dict[str, Located],
    site_fields: dict[str, Located],
    site: Plan,
    tz: ZoneInfo,
    errors: list[SourceError],
    holidays: HolidaysReader,
    attributes: Attributes,
) -> Plan:
    """One plan: what it sets, and the site's settings for what it does not. Its calendars
    add to the site's (one of the same name replaces the site's for this plan), and the site's
    policies, when the plan inherits them, count on the plan's calendars of their names."""
    calendars = site.calendars
    if "calendars" in fields:
        calendars = {**site.calendars, **_calendars(fields["calendars"], tz, errors, holidays)}
    priority_rules = site.priority_rules
    if "priorities" in fields:
        priority_rules = load_priorities(fields["priorities"], attributes, errors)
    policies = site.policies
    if "policies" in fields:
        policies, maintenance = _policies(fields["policies"], calendars, errors)
        errors.extend(
            SourceError(
                SourceRef(fields["policies"].path, rules.line),
                f"plan '{plan_id}': maintenance rules (tier '{tier}') are the site's, not a "
                "plan's: put them under the top-level 'policies'",
            )
            for tier, rules in maintenance.items()
        )
    elif "calendars" in fields and "policies" in site_fields:
        policies = _inherited_policies(plan_id, site_fields["policies"], site, calendars, errors)
    return Plan(
        plan_id,
        calendars,
        priority_rules,
        policies,
        label=_label(fields),
        public=_flag(fields, "public", errors, default=True),
    )


def _inherited_policies(
    plan_id: str,
    node: Located,
    site: Plan,
    calendars: dict[str, Calendar],
    errors: list[SourceError],
) -> dict[tuple[str, str], Policy]:
    """The site's policies counted on a plan's calendars. The site's own mistakes in them are
    told once, when the site's are read; what only the plan's calendars make wrong (a target
    longer than a year on a shorter week) is told here, or the plan would lose the policy
    without a word."""
    site_errors: list[SourceError] = []
    _policies(node, site.calendars, site_errors)
    told = {str(error) for error in site_errors}
    found: list[SourceError] = []
    policies, _ = _policies(node, calendars, found)
    errors.extend(
        SourceError(error.where, f"plan '{plan_id}', on its own calendars: {error.message}")
        for error in found
        if str(error) not in told
    )
    return policies


def _flag(
    fields: dict[str, Located], name: str, errors: list[SourceError], default: bool = False
) -> bool:
    """A plan's `default:` or `public:`: true or false."""
    given = fields.get(name)
    if given is None:
        return default
    if not isinstance(given.value, bool):
        errors.append(given.error(f"'{name}' must be true or false"))
        return default
    return given.value


def _disclosure(node: Located, errors: list[SourceError]) -> Disclosure:
    """`sla: {public: full | summary | none}`: how much the site shows of its service levels."""
    choices = [d.value for d in Disclosure]
    if not node.is_mapping:
        errors.append(node.error(f"'sla' must be a mapping such as {{public: {choices[0]}}}"))
        return Disclosure.FULL
    errors.extend(check_keys(node, SLA_KEYS, "sla"))
    given = node.fields().get("public")
    if given is None:
        return Disclosure.FULL
    try:
        return Disclosure(located_choice(given, "sla.public", choices))
    except SourceError as exc:
        errors.append(exc)
        return Disclosure.FULL


def _calendars(
    node: Located, tz: ZoneInfo, errors: list[SourceError], holidays: HolidaysReader
) -> dict[str, Calendar]:
    if not node.is_mapping:
        errors.append(node.error("'calendars' must map names to '24x7' or business hours"))
        return {}
    result = {}
    for key, value in node.items():
        name = str(key.value)
        try:
            result[name] = _calendar(name, value, tz, key.where.line)
            if "holidays" in value.fields():
                result[name] = _with_holidays(
                    result[name], value.fields()["holidays"], holidays, errors
                )
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


def _calendar(name: str, node: Located, site_tz: ZoneInfo, line: int) -> Calendar:
    if node.value == "24x7":
        return Calendar(name, site_tz, always=True, line=line)
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
    if "hours" not in fields:
        raise node.error(f"calendar '{name}': missing 'hours' (for example ['09:00-18:00'])")
    given = fields["hours"]
    if given.is_mapping:
        if "days" in fields:
            raise fields["days"].error(
                f"calendar '{name}': 'days' goes with one 'hours' list for all of them; with "
                "hours per weekday, name the days in 'hours' alone and remove 'days' "
                "(hours: {mon-fri: ['09:00-18:00'], sat: ['09:00-13:00']})"
            )
        week, where = _hours_by_weekday(name, given)
    else:
        week = _same_hours_every_day(name, fields.get("days"), given, node)
        where = (given,) * 7
    _check_shifts_end_in_time(name, week, where)
    holidays_of = None
    if "holidays" in fields:
        spec = holidays_spec(fields["holidays"])  # its shape is checked with the calendar's
        holidays_of = HolidaysOf(spec.country, spec.subdivision)
    special = _extra_dates(fields["extra_dates"], week) if "extra_dates" in fields else {}
    return Calendar(
        name,
        tz,
        label=_label(fields),
        week=week,
        special_days=special,
        holidays_of=holidays_of,
        line=line,
    )


def _same_hours_every_day(
    name: str, days: Located | None, given: Located, node: Located
) -> tuple[Hours, ...]:
    """The week of `days: [mon, …]` with one `hours:` list for all of them."""
    day_names = (
        [str(d).lower()[:3] for d in days.value] if days is not None and days.is_sequence else []
    )
    if days is None or not day_names or any(d not in DAYS for d in day_names):
        raise (days or node).error(
            f"calendar '{name}': 'days' must list working days ({', '.join(DAYS)}), "
            "or 'hours' map days to their hours"
        )
    hours = _hours(given)
    if not hours:  # a calendar that never works would never let a deadline fall due
        raise given.error(
            f"calendar '{name}': 'hours' must list at least one working period "
            "(for example ['09:00-18:00'])"
        )
    return tuple(hours if DAYS[i] in day_names else () for i in range(7))


def _hours_by_weekday(name: str, given: Located) -> tuple[tuple[Hours, ...], tuple[Located, ...]]:
    """`hours: {mon-fri: ["09:00-18:00"], sat: ["09:00-13:00"]}`: the week, and where each
    day's hours are given. Each day may be named once."""
    week: list[Hours] = [()] * 7
    where = [given] * 7
    named: dict[int, Located] = {}
    for key, value in given.items():
        days = _weekdays(str(key.value))
        if days is None:
            raise key.error(
                f"calendar '{name}': '{key.value}' is not a day, a range or a list of days "
                f"(such as sat, mon-fri or 'mon,wed'; days: {', '.join(DAYS)})"
            )
        hours = _hours(value)
        if not hours:
            raise value.error(
                f"calendar '{name}': the hours of '{key.value}' must list at least one working "
                "period (for example ['09:00-18:00']; leave out a day without work)"
            )
        for day in sorted(days):
            if day in named:
                raise key.error(
                    f"calendar '{name}': {DAYS[day]} is given hours twice, at lines "
                    f"{named[day].where.line} and {key.where.line} (name each day once)"
                )
            named[day], week[day], where[day] = key, hours, key
    if not named:
        raise given.error(
            f"calendar '{name}': 'hours' must give at least one day its hours "
            "(for example {mon-fri: ['09:00-18:00']})"
        )
    return tuple(week), tuple(where)


def _weekdays(text: str) -> frozenset[int] | None:
    """'sat', 'mon-fri', 'mon,wed' or 'fri-mon' as days of the week (Monday 0); None if it is
    not one of those."""
    days: set[int] = set()
    for part in re.split(r"\s*,\s*", text.strip().lower()):
        ends = [d.strip() for d in part.split("-")]
        if len(ends) > 2 or any(d not in DAYS for d in ends):
            return None
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        days.update((first + n) % 7 for n in range((last - first) % 7 + 1))
    return frozenset(days)


def _check_shifts_end_in_time(
    name: str, week: tuple[Hours, ...], where: tuple[Located, ...]
) -> None:
    """An overnight shift must end by the time the next day's work begins."""
    for day in range(7):
        following = (day + 1) % 7
        if _runs_into(week[day], week[following]):
            raise where[day].error(
                f"calendar '{name}': the {DAYS[day]} hours '{_span_text(week[day][-1])}' run "
                f"into the {DAYS[following]} hours '{_span_text(week[following][0])}' (an "
                "overnight period must end by the time the next day's work begins)"
            )


def _runs_into(today: Hours, tomorrow: Hours) -> bool:
    """Whether the last period of a day runs past midnight into the next day's first."""
    return bool(today and tomorrow) and today[-1][1] - MINUTES_PER_DAY > tomorrow[0][0]


def _span_text(span: tuple[int, int]) -> str:
    """(1320, 1800) as '22:00-06:00'."""
    start, end = span
    ends = [start, end if end <= MINUTES_PER_DAY else end - MINUTES_PER_DAY]
    return "-".join(f"{m // 60:02d}:{m % 60:02d}" for m in ends)


def _extra_dates(extra: Located, week: tuple[Hours, ...]) -> dict[date, Hours]:
    """`extra_dates: {2026-12-24: "09:00-13:00", 2026-12-31: closed}`: company days, each
    replacing the regular hours of its day (and its overnight shift whole)."""
    if not extra.is_mapping:
        raise extra.error("'extra_dates' must map dates to 'closed' or hours like '09:00-13:00'")
    special: dict[date, Hours] = {}
    keys: dict[date, Located] = {}
    for key, value in extra.items():
        try:
            # fromisoformat alone would also read 20261224 and 2026-W52-4.
            if not _DATE.fullmatch(str(key.value)):
                raise ValueError
            day = date.fromisoformat(str(key.value))
        except ValueError:
            raise key.error(f"'{key.value}' is not a date (YYYY-MM-DD)") from None
        special[day] = () if str(value.value).lower() == "closed" else _hours(value)
        keys[day] = key

    def hours_on(day: date) -> Hours:
        return special.get(day, week[day.weekday()])

    for day, key in keys.items():
        for first in (day - timedelta(days=1), day):
            second = first + timedelta(days=1)
            if _runs_into(hours_on(first), hours_on(second)):
                raise key.error(
                    f"extra date {day}: the hours '{_span_text(hours_on(first)[-1])}' of "
                    f"{first} run into the hours '{_span_text(hours_on(second)[0])}' of "
                    f"{second} (an overnight period must end by the time the next day's work "
                    "begins)"
                )
    return special


def _label(fields: dict[str, Located]) -> str:
    """The optional `label:` of a calendar or policy: what customers read it as."""
    return located_text(fields["label"], "label") if "label" in fields else ""


def _with_holidays(
    calendar: Calendar, node: Located, holidays: HolidaysReader, errors: list[SourceError]
) -> Calendar:
    """The calendar with the public holidays `node` names; without any if it names none."""
    found = holidays(holidays_spec(node))
    if isinstance(found, HolidaysProblem):
        errors.append(node.fields()[found.key].error(found.message))
        return calendar
    assert calendar.holidays_of is not None  # read from the same node
    named = replace(calendar.holidays_of, subdivision_name=found.subdivision_name)
    return replace(calendar, public_holidays=found.days, holidays_of=named)


def _hours(node: Located) -> Hours:
    spans = node.value if isinstance(node.value, list) else [node.value]
    result: list[tuple[int, int]] = []
    for span in spans:
        minutes = _minutes(str(span))
        if minutes is None:
            raise node.error(f"working hours '{span}' must look like '09:00-18:00'")
        start, end = minutes
        if not (0 <= start < MINUTES_PER_DAY and 0 <= end <= MINUTES_PER_DAY):
            raise node.error(
                f"working hours '{span}' must be times of day from 00:00 to 24:00 "
                "(such as '09:00-18:00', or '22:00-06:00' overnight)"
            )
        if start == end:
            raise node.error(
                f"working hours '{span}' must end after they start "
                "('00:00-24:00' is the whole day, '22:00-06:00' a night)"
            )
        if end < start:  # overnight: it ends the next day
            end += MINUTES_PER_DAY
        result.append((start, end))
    # In the order they start, whatever the order written: a night shift may be written first.
    result.sort()
    for earlier, later in pairwise(result):
        if later[0] < earlier[1]:
            raise node.error(
                f"working hours '{_span_text(earlier)}' and '{_span_text(later)}' overlap"
            )
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
            line = priority_key.where.line
            try:
                if priority == MAINTENANCE:
                    maintenance[tier] = _maintenance_policy(tier, targets, calendars, line)
                else:
                    result[(tier, priority)] = _policy(tier, priority, targets, calendars, line)
            except SourceError as exc:
                errors.append(exc)
    return result, maintenance


def _maintenance_policy(
    tier: str, node: Located, calendars: dict[str, Calendar], line: int
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
    return MaintenancePolicy(tier, notice, windows, calendar.timezone, _label(fields), line)


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


def _policy(
    tier: str, priority: str, node: Located, calendars: dict[str, Calendar], line: int
) -> Policy:
    fields = _strict_fields(
        node, TARGET_KEYS, "policy", f"policy {tier} {priority} must be a mapping of"
    )
    default_calendar = _calendar_ref(fields.get("calendar"), calendars, node)
    targets: dict[str, Target | None] = {}
    waived: list[str] = []
    for name in ("first_response", "resolution"):
        value = fields.get(name)
        if value is None or value.value is None or str(value.value).lower() == NO_TARGET:
            targets[name] = None
            if value is not None:  # written out: left without a target on purpose
                waived.append(name)
            continue
        calendar = default_calendar
        target_node, named = target_on_calendar(value, name, "2h")
        if named is not None:
            calendar = _calendar_ref(named, calendars, value)
        duration = parse_duration(str(target_node.value))
        if duration is None:
            raise target_node.error(
                f"bad duration '{target_node.value}' (use 30m, 2h, 1h30m, 2bd for business days, 7d for calendar days)"
            )
        targets[name] = Target(_within_a_year(duration, calendar, target_node, "target"), calendar)
    return Policy(
        tier,
        priority,
        targets["first_response"],
        targets["resolution"],
        _label(fields),
        line,
        default_calendar,
        waived=tuple(waived),
    )


def target_on_calendar(node: Located, name: str, example: str) -> tuple[Located, Located | None]:
    """A target as written: `2h`, or `{target: 2h, calendar: business}`; its duration's node,
    and its calendar's if it names one."""
    if not node.is_mapping:
        return node, None
    unknown = check_keys(node, TARGET_ON_CALENDAR_KEYS, name)
    if unknown:
        raise unknown[0]
    parts = node.fields()
    if "target" not in parts:
        raise node.error(f"'{name}' needs a 'target' such as '{example}'")
    return parts["target"], parts.get("calendar")


def _within_a_year(duration: Duration, calendar: Calendar, node: Located, what: str) -> Duration:
    """The duration, or the error saying how long it may be on its calendar."""
    if duration.within_a_year(calendar):
        return duration
    year = calendar.year_of_work
    raise node.error(
        f"{what} '{node.value}' is longer than a year (at most {YEAR_DAYS}d, or "
        f"{_whole_hours(year)} or {year // calendar.business_day}bd of working time "
        f"on calendar '{calendar.name}')"
    )


def _whole_hours(length: timedelta) -> str:
    """A length as a target is written, in whole hours below it (`2352h`), or in minutes when
    it is under an hour (`52m`), as on a calendar of a minute a week."""
    if length < timedelta(hours=1):
        return f"{length // timedelta(minutes=1)}m"
    return f"{length // timedelta(hours=1)}h"


def _calendar_ref(node: Located | None, calendars: dict[str, Calendar], owner: Located) -> Calendar:
    if node is None:
        return calendars["24x7"]
    name = str(node.value)
    if name not in calendars:
        raise node.error(f"unknown calendar '{name}'{suggest(name, calendars)}")
    return calendars[name]
