"""The helpers templates use: times, dates, durations, percentages and the vocabulary's words in
the site's language."""

from __future__ import annotations

import gettext
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import format_date, format_datetime, get_timezone_name
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent
from markupsafe import Markup, escape

from statusgen.derive.uptime import Uptime, UptimeDay
from statusgen.markup import render_markdown
from statusgen.model.calendars import Calendar, Hours
from statusgen.model.content import ComponentStatus, SiteInfo
from statusgen.model.sla import (
    Deadline,
    DeadlineKind,
    DeadlineState,
    MaintenancePolicy,
    Policy,
    Target,
)
from statusgen.render.words import FORMS, ICONS, LABEL, VOCABULARY, WORDS, Words

_UTC = ZoneInfo("UTC")
_RANGE = "\N{EN DASH}"  # between the first and last of a range of days or hours


@dataclass(frozen=True, slots=True)
class UptimeCell:
    css: str  # the worst status of the day, or "nodata"
    label: str  # the date, in the site's language
    text: str  # "99.95% available"
    lines: tuple[str, ...]  # the incidents of the day, with the status they gave


def register_filters(
    env: jinja2.Environment, site: SiteInfo, translations: gettext.NullTranslations
) -> Filters:
    """The one place where templates get their helpers: those of a Filters, which is returned
    (and kept as `env.helpers`)."""
    helpers = Filters(site, translations)
    env.extend(helpers=helpers)
    env.globals.update(
        format_local=helpers.format_local,
        zone_name=str(site.timezone),
        zone_title=helpers.zone_title,
        zone_note=helpers.zone_note,
    )
    env.filters.update({name: getattr(helpers, name) for name in (*FILTERS, *SLA_FILTERS)})
    env.filters["markdown"] = render_markdown
    env.globals[WORDS] = helpers.words
    env.globals.update({vocabulary.__name__: vocabulary for vocabulary in VOCABULARY})
    return helpers


# The helpers templates call as filters: each a method of Filters.
FILTERS = (
    "uptime_cells_html", "uptime_spans", "local_time", "page_time", "page_day_time", "utc_time",
    "local_date", "duration", "spent", "sla_amount", "percent", "label", "outcome", "icon_shape",
)  # fmt: skip

# The helpers that word service levels for customers: each a method of Filters too.
SLA_FILTERS = (
    "day_time", "deadline_words", "policy_title", "sla_target", "working_hours",
    "maintenance_hours", "spent_count",
)  # fmt: skip

# A moment customers plan by: its weekday, date and time ("Tue 24 Nov, 16:00").
DAY_AND_TIME = "EEE d MMM, HH:mm"


# The days an availability bar shows on narrow, middling and wide screens (style.css hides the
# others), as Statuspage does; a bar never shows more days than it has.
UPTIME_SPANS = (("narrow", 30), ("mid", 60), ("wide", 0))


class Filters:
    """Times, dates, durations, percentages and words, in the site's language and time zone.

    Each method calls the others through the instance, so that a faster build may replace any
    of them on it (with a memoized version, say) and be used throughout."""

    def __init__(self, site: SiteInfo, translations: gettext.NullTranslations) -> None:
        self.locale = _locale(site.language)
        self.tz = site.timezone
        self.translations = translations
        self.words = Words(translations)
        self.months = dict(self.locale.months["format"]["abbreviated"])  # quicker than babel's
        self.weekdays = dict(self.locale.days["format"]["abbreviated"])  # Monday 0
        self._zone_title: str | None = None
        self._zone_note: str | None = None

    def zone_label(self, local: datetime) -> str:
        return self.zone_name(local.tzname(), local.utcoffset())

    def zone_name(self, abbreviation: str | None, offset: timedelta | None) -> str:
        """The zone's abbreviation ('BRT'), or its offset where it has none ('UTC-03:00')."""
        if abbreviation and abbreviation[:1] not in "+-":
            return abbreviation
        minutes = round((offset or timedelta()).total_seconds() / 60)
        sign = "-" if minutes < 0 else "+"
        return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"

    def local_time(self, moment: datetime, pattern: str = "medium") -> Markup:
        """A time with its zone named ("22 Nov 2026, 14:05 BRT"), for text read on its own
        (a feed entry); UTC on hover."""
        local = moment.astimezone(self.tz)
        return self._time_element(
            moment, f"{self.format_local(local, pattern)} {self.zone_label(local)}"
        )

    def page_time(self, moment: datetime, pattern: str = "medium") -> Markup:
        """A time as pages show it: local, without the zone, which each page names once (see
        zone_title); UTC on hover."""
        return self._time_element(moment, self.format_local(moment.astimezone(self.tz), pattern))

    def _time_element(self, moment: datetime, shown: str) -> Markup:
        day, clock, seconds = _utc_parts(moment)
        return Markup(
            f'<time datetime="{day}T{clock}:{seconds}Z" title="{day} {clock} UTC">{escape(shown)}</time>'
        )

    def zone_title(self) -> str:
        """The site's time zone as a reader knows it: "Brasilia Time (America/Sao_Paulo)" in
        the site's language; "UTC"; an offset ("UTC-03:00") for a zone that is only one
        (Etc/GMT+3), or the zone's key where there is no place to name (EST5EDT). Every page
        names it: worked out once."""
        if self._zone_title is None:
            key = str(self.tz)
            if not _has_place(key):
                self._zone_title = self._unplaced_zone(key)
            else:
                name = get_timezone_name(self.tz, "long", locale=self.locale)
                self._zone_title = f"{name} ({key})" if name and key not in name else key
        return self._zone_title

    def _unplaced_zone(self, key: str) -> str:
        if not _canonical_zone(key).startswith("Etc/"):
            return key
        # A fixed offset, and Etc/GMT+3 is three hours *behind* UTC: say the offset instead.
        offset = datetime(2000, 1, 1, tzinfo=self.tz).utcoffset()
        return self.zone_name(None, offset) if offset else "UTC"

    def zone_note(self) -> str:
        """The sentence in every page's footer naming the zone its times are shown in, worded
        for the zone's kind of name, so that it reads right in every language."""
        if self._zone_note is None:
            gettext = self.translations.gettext
            zone = self.zone_title()
            if zone == "UTC":
                self._zone_note = gettext("Times are shown in UTC.")
            elif _has_place(str(self.tz)):
                self._zone_note = gettext(
                    "Times are shown in %(zone)s. Hover over a time to see it in UTC."
                ) % {"zone": zone}
            else:
                self._zone_note = gettext(
                    "Times are shown in the time zone %(zone)s. Hover over a time to see it in UTC."
                ) % {"zone": zone}
        return self._zone_note

    def format_local(self, local: datetime, pattern: str) -> str:
        """Babel's output for the site's four patterns, without its pattern machinery (a page
        shows a dozen times, a site thousands of pages); any other pattern goes to babel."""
        clock = f"{local.hour:02d}:{local.minute:02d}"
        if pattern == "medium":  # d MMM y, HH:mm: the date as local_date shows it, and the time
            return f"{self.format_day(local)}, {clock}"
        if pattern == "short":  # d MMM, HH:mm
            return f"{local.day} {self.months[local.month]}, {clock}"
        if pattern == "time":  # HH:mm
            return clock
        if pattern == DAY_AND_TIME:
            return (
                f"{self.weekdays[local.weekday()]} {local.day} {self.months[local.month]}, {clock}"
            )
        return format_datetime(local, _pattern(pattern), tzinfo=self.tz, locale=self.locale)

    def utc_time(self, moment: datetime) -> str:
        day, clock, _ = _utc_parts(moment)
        return f"{day} {clock} UTC"

    def local_date(self, moment: Any, pattern: str = "date") -> str:
        """A day, in the one format every page shows days in ("22 Nov 2026", "22 nov. 2026"),
        or in a babel pattern ("MMMM y" for a month)."""
        if isinstance(moment, datetime):
            moment = moment.astimezone(self.tz).date()
        if pattern == "date":
            return self.format_day(moment)
        return format_date(moment, pattern, locale=self.locale)

    def format_day(self, day: date) -> str:
        return f"{day.day} {self.months[day.month]} {day.year}"

    def duration(self, value: timedelta, days: bool = True) -> str:
        return format_duration(value, self.translations, days=days)

    def sla_amount(self, mark: Deadline) -> str:
        """The time left on a running deadline, or by which a breached one was missed."""
        amount = _amount(mark)
        return "" if amount is None else self.spent(amount, mark.target)

    @jinja2.pass_eval_context
    def label(
        self,
        eval_context: jinja2.nodes.EvalContext,
        value: Enum,
        form: str = LABEL,
        **variables: Any,
    ) -> str:
        """The words for a value of the vocabulary (see render.words), as `_()` would give them."""
        return _as_gettext(eval_context, self.words.message(value, form), **variables)

    @jinja2.pass_eval_context
    def outcome(
        self,
        eval_context: jinja2.nodes.EvalContext,
        mark: Deadline,
        kind: DeadlineKind,
        opened: datetime,
    ) -> str:
        """What became of a deadline of an incident that began at `opened`: "We responded
        18 min after the incident began", or when it falls due while nothing came."""
        if mark.at is None:
            due = self.page_day_time(mark.due_at)
            return _as_gettext(eval_context, self.words.message(kind, "due"), due=due)
        if mark.at <= mark.clock_start and mark.working_time:
            return _as_gettext(eval_context, self.words.message(kind, "before_clock"))
        counted = self.spent_count(mark.elapsed, mark.target)
        return _as_gettext(
            eval_context,
            self.words.message(kind, "done_working" if mark.working_time else "done", counted),
            took=self.duration(mark.since(opened) or timedelta(0)),
            counted=self.spent(mark.elapsed, mark.target),
        )

    def icon_shape(self, value: Enum) -> str:
        return ICONS[value]

    def spent(self, value: timedelta, target: Target) -> str:
        """Time counted by an SLA target: in hours when it is working time, as targets are."""
        return format_duration(value, self.translations, days=target.wall_clock)

    def spent_count(self, value: timedelta, target: Target) -> int:
        """The number the words about `spent`'s amount agree with ("1 h útil", "3 h úteis")."""
        return duration_count(value, days=target.wall_clock)

    def percent(self, value: float) -> str:
        # Rounded down, so a day with any downtime never reads as 100 %.
        basis_points = math.floor(value * 10000 + 1e-6)
        return self.percentage(basis_points)

    def percentage(self, basis_points: int) -> str:
        return format_percent(basis_points / 10000, "0.00%", locale=self.locale)

    def uptime_cells(self, up: Uptime) -> tuple[UptimeCell, ...]:
        """The bar's cells with their words ready."""
        return tuple(self.uptime_cell(day) for day in up.days)

    def uptime_cell(self, day: UptimeDay) -> UptimeCell:
        if day.availability is not None:
            text = self.translations.gettext("%(percent)s available") % {
                "percent": self.percent(day.availability)
            }
        elif day.incidents:
            text = self.words.label(ComponentStatus.UNDER_MAINTENANCE)
        else:
            text = self.translations.gettext("No data")
        no_data = day.availability is None and not day.incidents
        return UptimeCell(
            css="nodata" if no_data else day.worst.value,
            label=self.local_date(day.date),
            text=text,
            lines=tuple(
                f"{state.incident.title} ({self.words.label(status)})"
                for state, status in day.incidents
            ),
        )

    def uptime_cells_html(self, up: Uptime) -> Markup:
        """The cells as HTML, built here rather than in a template loop: a bar has 90 of them,
        a page dozens of bars, and this is the hottest markup of the site."""
        parts = []
        for cell in self.uptime_cells(up):
            lines = "".join(f' <span class="tip-line">{escape(line)}</span>' for line in cell.lines)
            tip = f'<span class="tip"><strong>{escape(cell.label)}</strong> {escape(cell.text)}{lines}</span>'
            parts.append(f'<li class="cell cell-{escape(cell.css)}">{tip}</li>')
        return Markup("\n".join(parts))

    def uptime_spans(self, days: int) -> tuple[tuple[str, int], ...]:
        """How many days a bar of `days` shows on each width of screen."""
        return tuple((span, min(days, shown or days)) for span, shown in UPTIME_SPANS)

    def day_time(self, moment: datetime) -> Markup:
        """A moment customers plan by, with its weekday and zone, for text read on its own
        (a feed entry): "Tue 24 Nov, 16:00 UTC-03:00"."""
        return self.local_time(moment, DAY_AND_TIME)

    def page_day_time(self, moment: datetime) -> Markup:
        """A moment customers plan by, with its weekday, as pages show it (the footer names the
        zone): "Tue 24 Nov, 16:00"."""
        return self.page_time(moment, DAY_AND_TIME)

    @jinja2.pass_eval_context
    def deadline_words(self, eval_context: jinja2.nodes.EvalContext, mark: Deadline) -> str:
        """How a deadline stands: "on time", "in progress, 3 h left", "8 d 2 h late (47 h of
        working time)": an overrun in calendar time, and in working time where that counts and
        differs ("14 h late (all of it outside working hours)"). The words agree with that
        amount ("falta 1 h", "faltam 3 h")."""
        state = mark.state
        form = (
            "amount_working" if mark.working_time and state in FORMS["amount_working"] else "amount"
        )
        if state is DeadlineState.BREACHED and mark.working_time:
            form = _breach_form(mark)
        amount = _amount(mark)
        count = 1 if amount is None else self.spent_count(amount, mark.target)
        shown = self.sla_amount(mark)
        late = "" if mark.late is None else self.duration(mark.late)
        return _as_gettext(
            eval_context,
            self.words.message(state, form, count),
            left=shown,
            over=shown,
            late=late,
        )

    def policy_title(self, policy: Policy | MaintenancePolicy) -> str:
        """What customers read a policy as: its label, its tier as words, or, for the default
        tier's, a generic name in the site's language ("Padrão")."""
        return policy.own_title or self.translations.gettext("Default")

    def sla_target(self, target: Target) -> str:
        """How long a target allows, in words: "4 working hours", "2 business days", "8 hours"."""
        duration, always = target.duration, target.calendar.always
        ngettext = self.translations.ngettext
        if duration.calendar_days:
            n = duration.calendar_days
            return self._count(ngettext("%(num)s day", "%(num)s days", _plural(n)), n)
        parts = []
        if duration.business_days:
            n = duration.business_days
            if always:
                parts.append(self._count(ngettext("%(num)s day", "%(num)s days", _plural(n)), n))
            else:
                parts.append(
                    self._count(
                        ngettext("%(num)s business day", "%(num)s business days", _plural(n)), n
                    )
                )
        if duration.working:
            parts.append(self._working(duration.working, always))
        return format_list(parts, locale=self.locale)

    def _working(self, amount: timedelta, always: bool) -> str:
        ngettext = self.translations.ngettext
        minutes = math.floor(amount.total_seconds() / 60)
        hours, rest = divmod(minutes, 60)
        if always:
            if not rest:
                return self._count(ngettext("%(num)s hour", "%(num)s hours", hours), hours)
            if not hours:
                return self._count(ngettext("%(num)s minute", "%(num)s minutes", rest), rest)
            return self.duration(amount)
        if not rest:
            return self._count(
                ngettext("%(num)s working hour", "%(num)s working hours", hours), hours
            )
        if not hours:
            return self._count(
                ngettext("%(num)s working minute", "%(num)s working minutes", rest), rest
            )
        return self.translations.gettext("%(amount)s of working time") % {
            "amount": self.duration(amount, days=False)
        }

    def _count(self, message: str, number: float) -> str:
        return message % {"num": format_decimal(number, locale=self.locale)}

    def working_hours(self, calendar: Calendar) -> str:
        """When a calendar's clock runs, from its configuration: "Mon-Fri 09:00-18:00, public
        holidays in Brazil (São Paulo) excluded, other hours on 24 Dec 2026 (09:00-13:00)"."""
        gettext = self.translations.gettext
        by_hours: dict[Hours, list[int]] = {}
        for day, hours in enumerate(calendar.week):
            if hours:
                by_hours.setdefault(hours, []).append(day)
        parts = [f"{self._weekdays(days)} {self._spans(hours)}" for hours, days in by_hours.items()]
        if calendar.holidays_of is not None:
            of = calendar.holidays_of
            place = self.locale.territories.get(of.country, of.country)
            region = of.subdivision_name or of.subdivision
            if region:
                place = f"{place} ({region})"
            parts.append(gettext("public holidays in %(place)s excluded") % {"place": place})
        if calendar.special_days:
            closed = gettext("closed")  # outside the f-string, where the catalog finds it
            dates = [
                f"{format_date(day, 'd MMM y', locale=self.locale)} "
                f"({self._spans(hours) if hours else closed})"
                for day, hours in sorted(calendar.special_days.items())
            ]
            parts.append(
                gettext("other hours on %(dates)s")
                % {"dates": format_list(dates, locale=self.locale)}
            )
        return ", ".join([*parts, *self._zone_of(calendar.timezone)])

    def maintenance_hours(self, policy: MaintenancePolicy) -> str:
        """When a maintenance policy allows maintenance: "Sat-Sun 00:00-06:00" (with en dashes)."""
        windows = [
            f"{self._weekdays(window.days)} {self._spans(((window.start, window.end),))}"
            for window in policy.windows
        ]
        return ", ".join(
            [format_list(windows, locale=self.locale), *self._zone_of(policy.timezone)]
        )

    def _zone_of(self, zone: ZoneInfo) -> list[str]:
        """The zone of a calendar's hours, named where it is not the site's."""
        if zone.key == self.tz.key:
            return []
        return [self.translations.gettext("%(zone)s time") % {"zone": zone.key}]

    def _weekdays(self, days: Iterable[int]) -> str:
        """Days of the week (Monday 0) as ranges: "Mon-Fri", "Sat-Sun", "Mon, Wed" (with en dashes)."""
        chosen = sorted(set(days))
        if len(chosen) == 7:
            return self.translations.gettext("every day")
        names = self.locale.days["format"]["abbreviated"]
        runs: list[list[int]] = []
        for day in chosen:
            if runs and runs[-1][1] == day - 1:
                runs[-1][1] = day
            else:
                runs.append([day, day])
        if len(runs) > 1 and runs[0][0] == 0 and runs[-1][1] == 6:  # Sunday into Monday
            runs[0][0] = runs.pop()[0]
        return ", ".join(
            names[first] if first == last else f"{names[first]}{_RANGE}{names[last]}"
            for first, last in runs
        )

    def _spans(self, hours: Hours) -> str:
        """Working periods as "09:00-12:00 and 13:00-18:00" (with en dashes)."""
        return format_list(
            [f"{_clock(start)}{_RANGE}{_clock(end)}" for start, end in hours], locale=self.locale
        )


def _amount(mark: Deadline) -> timedelta | None:
    """The time left on a running deadline, or by which a breached one was missed, as its
    target counts it."""
    if mark.state is DeadlineState.RUNNING:
        return mark.remaining
    if mark.state is DeadlineState.BREACHED:
        return mark.overrun
    return None


def _breach_form(mark: Deadline) -> str:
    """How a missed deadline of working time is worded: by its calendar time alone where its
    working time is the same, "all outside working hours" where none of it is working time, else
    by both."""
    late = _whole_minutes(mark.late)
    over = _whole_minutes(mark.overrun)
    if late == over:
        return "amount"
    return "amount_working" if over else "amount_after_hours"


def _whole_minutes(amount: timedelta | None) -> int:
    return 0 if amount is None else math.floor(amount.total_seconds() / 60)


def _clock(minutes: int) -> str:
    """Minutes after midnight as "09:00" (1440 is "24:00", the end of the day; an overnight
    period's end is the next day's time: 1800 is "06:00")."""
    if minutes > 24 * 60:
        minutes -= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _plural(number: float) -> int:
    """The count a plural form is chosen by: a fraction of a day takes the form of several."""
    return int(number) if number.is_integer() else max(2, math.ceil(number))


def _as_gettext(eval_context: jinja2.nodes.EvalContext, text: str, **variables: Any) -> str:
    """A translated message as Jinja's newstyle `_()` prints it: trusted markup when escaping
    (translations may hold tags), then %-formatted, its variables escaped."""
    message = Markup(text) if eval_context.autoescape else text
    if not variables and "%" not in text:  # nothing to format: as it is (the common case)
        return message
    return message % variables


def _canonical_zone(key: str) -> str:
    return str(get_global("zone_aliases").get(key, key))


def _has_place(key: str) -> bool:
    """Whether a zone belongs to a place babel can name ("Brasilia Time"): not UTC, a bare
    offset (Etc/GMT+3) or a rule (EST5EDT), which babel would call "Unknown Region (GMT+3) Time"."""
    return get_global("zone_territories").get(_canonical_zone(key), "ZZ") not in ("ZZ", "001")


def _utc_parts(moment: datetime) -> tuple[str, str, str]:
    """'2026-11-22', '14:05' and '09' in UTC (strftime is slow; a site shows thousands of times)."""
    utc = moment.astimezone(_UTC)
    day = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
    return day, f"{utc.hour:02d}:{utc.minute:02d}", f"{utc.second:02d}"


def _pattern(name: str) -> str:
    return {"medium": "d MMM y, HH:mm", "short": "d MMM, HH:mm", "time": "HH:mm"}.get(name, name)


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def format_duration(
    value: timedelta, translations: gettext.NullTranslations, *, days: bool = True
) -> str:
    """A compact, translated duration: '2 d 3 h', '1 h 20 min', '45 min', '< 1 min'.

    Without `days`, whole days are shown as hours ('42 h'): a day of working time is not 24 h."""
    _ = translations.gettext
    parts = _duration_parts(value, days)
    if not parts:
        return _("< 1 min")
    units = {"d": _("%(n)d d"), "h": _("%(n)d h"), "min": _("%(n)d min")}
    return " ".join(units[unit] % {"n": n} for unit, n in parts)


def duration_count(value: timedelta, *, days: bool = True) -> int:
    """The number a phrase about a duration agrees with, as format_duration shows it: that of
    its one unit ("1 h" one, "3 h" three, "< 1 min" one), or more than one where it shows
    several ("1 h 20 min")."""
    parts = _duration_parts(value, days)
    if len(parts) == 1:
        return parts[0][1]
    return sum(n for _, n in parts) or 1


def _duration_parts(value: timedelta, days: bool) -> list[tuple[str, int]]:
    """The units a duration is shown in, largest first: [("d", 2), ("h", 3)]; none under a
    minute."""
    minutes = math.floor(value.total_seconds() / 60)
    if minutes < 1:
        return []
    whole_days, rest = divmod(minutes, 24 * 60) if days else (0, minutes)
    hours, minutes = divmod(rest, 60)
    parts = [("d", whole_days), ("h", hours), ("min", 0 if whole_days else minutes)]
    return [(unit, n) for unit, n in parts if n]
