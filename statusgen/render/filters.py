"""The helpers templates use: times, dates, durations, percentages and the vocabulary's words in
the site's language."""

from __future__ import annotations

import gettext
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, get_timezone_name
from babel.numbers import format_percent
from markupsafe import Markup, escape

from statusgen.derive.uptime import Uptime, UptimeDay
from statusgen.markup import render_markdown
from statusgen.model.content import ComponentStatus, SiteInfo
from statusgen.model.sla import Deadline, DeadlineKind, DeadlineState, Target
from statusgen.render.words import FORMS, ICONS, LABEL, VOCABULARY, WORDS, Words

_UTC = ZoneInfo("UTC")


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
    )
    env.filters.update({name: getattr(helpers, name) for name in FILTERS})
    env.filters["markdown"] = render_markdown
    env.globals[WORDS] = helpers.words
    env.globals.update({vocabulary.__name__: vocabulary for vocabulary in VOCABULARY})
    return helpers


# The helpers templates call as filters: each a method of Filters.
FILTERS = (
    "uptime_cells_html", "uptime_spans", "local_time", "page_time", "utc_time", "local_date",
    "duration", "spent", "sla_amount", "percent", "label", "outcome", "icon_shape",
)  # fmt: skip


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
        self._zone_title: str | None = None

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
        the site's language, or just "UTC". Every page names it: worked out once."""
        if self._zone_title is None:
            key = str(self.tz)
            if key in ("UTC", "Etc/UTC", "GMT", "Etc/GMT", "Universal", "Zulu"):
                self._zone_title = "UTC"
            else:
                name = get_timezone_name(self.tz, "long", locale=self.locale)
                self._zone_title = f"{name} ({key})" if name and key not in name else key
        return self._zone_title

    def format_local(self, local: datetime, pattern: str) -> str:
        """Babel's output for the site's three patterns, without its pattern machinery (a page
        shows a dozen times, a site thousands of pages); any other pattern goes to babel."""
        clock = f"{local.hour:02d}:{local.minute:02d}"
        if pattern == "medium":  # d MMM y, HH:mm: the date as local_date shows it, and the time
            return f"{self.format_day(local)}, {clock}"
        if pattern == "short":  # d MMM, HH:mm
            return f"{local.day} {self.months[local.month]}, {clock}"
        if pattern == "time":  # HH:mm
            return clock
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
        if mark.state is DeadlineState.RUNNING and mark.remaining is not None:
            return self.spent(mark.remaining, mark.target)
        if mark.state is DeadlineState.BREACHED and mark.overrun is not None:
            return self.spent(mark.overrun, mark.target)
        return ""

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
        self, eval_context: jinja2.nodes.EvalContext, mark: Deadline, kind: DeadlineKind
    ) -> str:
        """What became of a deadline: "First response in 2 h", or its kind while none came."""
        if mark.at is None:
            form = LABEL
        elif mark.at <= mark.clock_start and kind in FORMS["before_clock"]:
            form = "before_clock"
        else:
            form = "done"
        took = self.spent(mark.elapsed, mark.target)
        return _as_gettext(eval_context, self.words.message(kind, form), took=took)

    def icon_shape(self, value: Enum) -> str:
        return ICONS[value]

    def spent(self, value: timedelta, target: Target) -> str:
        """Time counted by an SLA target: in hours when it is working time, as targets are."""
        return format_duration(value, self.translations, days=target.wall_clock)

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


def _as_gettext(eval_context: jinja2.nodes.EvalContext, text: str, **variables: Any) -> str:
    """A translated message as Jinja's newstyle `_()` prints it: trusted markup when escaping
    (translations may hold tags), then %-formatted, its variables escaped."""
    message = Markup(text) if eval_context.autoescape else text
    if not variables and "%" not in text:  # nothing to format: as it is (the common case)
        return message
    return message % variables


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
    minutes = math.floor(value.total_seconds() / 60)
    if minutes < 1:
        return _("< 1 min")
    whole_days, rest = divmod(minutes, 24 * 60) if days else (0, minutes)
    hours, minutes = divmod(rest, 60)
    parts = []
    if whole_days:
        parts.append(_("%(n)d d") % {"n": whole_days})
    if hours:
        parts.append(_("%(n)d h") % {"n": hours})
    if minutes and not whole_days:
        parts.append(_("%(n)d min") % {"n": minutes})
    return " ".join(parts)
