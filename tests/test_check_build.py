"""Whatever `check` accepts, `build` builds: random sites, checked and then built.

Each example writes a small project — components.yaml with random groups, attributes, time
zones, uptime settings, SLA calendars (hours per weekday, night shifts), priorities (rules too),
policies and plans; a few incident and maintenance files with random front matter (a workaround,
targets of their own) and updates (`SLA …:` and `Window:` lines too); sometimes the site's own
templates — and a random build time.
When `check` accepts it, the build must succeed; when `check` refuses it, so must the build.
Neither may raise anything but statusgen's own errors. A site template written to fail at render
time may fail the build, but only with a message naming the template's file and line. A
second property draws the labels of a small site's calendar and policies, and its `sla.public`:
what check accepts builds, customers read each label as written where the site publishes its
service levels in full and none where it does not, and a label is never markup.

Set STATUSGEN_FUZZ_EXAMPLES to run more examples than CI does (which runs a fixed sequence).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from lxml import html

from statusgen.build import build, check
from statusgen.errors import StatusgenError, TemplateFailed
from tests.conftest import COMPONENTS

# Fewer examples than the projects' parts would like: most of them now get as far as the build,
# which is where the time goes.
EXAMPLES = int(os.environ.get("STATUSGEN_FUZZ_EXAMPLES", "500"))
T = TypeVar("T")

ZONES = [
    "UTC", "America/Sao_Paulo", "Europe/Berlin", "America/New_York", "Asia/Kathmandu",
    "Australia/Lord_Howe", "Pacific/Kiritimati", "Etc/GMT+12",
]  # fmt: skip
LANGUAGES = ["en", "pt-BR", "de", "ja", "zz"]  # zz: no such locale, refused
IDS = ["api", "web", "db", "auth"]
TIERS = ["core", "default", "gold"]
PRIORITIES = ["P1", "P2", "P3"]
IMPACTS = ["none", "minor", "major", "critical"]
COMPONENT_STATUSES = ["degraded_performance", "partial_outage", "major_outage"]
INCIDENT_STATUSES = ["Investigating", "identified", "MONITORING", "Resolved", "Postmortem"]
MAINTENANCE_STATUSES = [
    "Scheduled",
    "In progress",
    "in-progress",
    "Verifying",
    "Completed",
    "Cancelled",
]
OTHER_STATUSES = ["Fixed", "Resolved", "Scheduled"]  # unknown, or of the other kind
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun", "Monday"]
HOURS = [
    '["09:00-18:00"]', '["09:00-12:00", "13:00-18:00"]', '["00:00-24:00"]', '["22:00-23:59"]',
    '["09:00-09:30"]', '"09:00-17:30"', '["22:00-06:00"]', '["18:00-00:00"]',
]  # fmt: skip
# Hours per weekday (no `days`): ranges, lists, short Saturdays and night shifts.
WEEKDAY_HOURS = [
    '{mon-fri: ["09:00-18:00"], sat: ["09:00-13:00"]}', '{fri-mon: ["22:00-06:00"]}',
    '{"mon,wed": ["00:00-24:00"], sun: ["01:30-02:30"]}', '{mon-sun: ["23:00-01:00"]}',
    '{tue: ["02:00-03:00", "22:00-02:00"]}',
]  # fmt: skip
BAD_WEEKDAY_HOURS = [
    '{mon-fri: ["22:00-10:00"], tue: ["09:00-18:00"]}', '{mon: ["00:00-00:00"]}',
    '{mon-fri: ["09:00-18:00"], fri: ["09:00-13:00"]}', '{funday: ["09:00-10:00"]}',
]  # fmt: skip
BAD_HOURS = ["[]", '["18:00-09:00"]', '["9:00-17:60"]', '["10:00-12:00", "09:00-11:00"]']
DURATIONS = ["30m", "2h", "1h30m", "2bd", "7d", "0.5h", "366d", "1d", "1.5d", "0.5bd"]
BAD_DURATIONS = [
    "8785h", "0h", "99999999999h", "2 hours", "1d2h", "367d", "2352h", "261bd", "0d", "-1d",
]  # fmt: skip
ATTRIBUTES = {"criticality": ["critical", "standard"], "environment": ["prod", "test"]}
PLANS = ["standard", "premium", "partner"]
WINDOWS = [
    '["sat-sun 00:00-06:00"]',
    '["fri 22:00-24:00", "sat 00:00-06:00"]',
    '"mon,wed 00:00-24:00"',
]
BAD_WINDOWS = ['["mon 25:00-26:00"]', '["someday 00:00-01:00"]']
HOLIDAYS = ["{country: BR, subdivision: SP}", "{country: US}", "{country: PT}"]
# What customers read a policy or calendar as: any language, and text that HTML must escape.
LABELS = [
    "Suporte padrão", "Soporte estándar", "<b>Gold</b> & \"silver\"", "<script>alert(1)</script>",
    "L'assistance « or »", "支援 ✓", "%(name)s 100%",
]  # fmt: skip
# Labels that would be markup if a page printed them unescaped.
MARKUP_LABELS = [label for label in LABELS if "<" in label]
PUBLIC = ["full", "summary", "none"]
# Building blocks of update texts (see tests/test_markup.py for the converter's own test).
MARKDOWN = [
    "word", "Rolled back **the release**", "`v2.3`", "[status](https://example.com)", "*", "_",
    "<b>bold</b>", "<script>alert(1)</script>", "&amp;", "\n", "\n\n", "- item\n", "  - nested\n",
    "1. first\n", "> quoted\n", "\n```\n## Resolved 2026-11-22 10:00\n```\n", "| a | b |\n|---|---|\n",
    "### Detail\n", "é ✓ 漢字 🚀", "\\*", "    code\n",
]  # fmt: skip
# Site template bodies: plausible ones, which every page must render...
SAFE_SNIPPETS = [
    "<p>{{ site.title }} · {{ snapshot.indicator.value }}</p>",
    "{% for s in snapshot.open_incidents %}<p>{{ s.incident.title }} {{ s.duration|duration }}</p>{% endfor %}",
    "<p>{{ page_path }} {{ root }}</p>",
    "{{ _('Operational') }}",
    "<p>{{ snapshot.now|local_time }} {{ snapshot.now|utc_time }}</p>",
    "{% if snapshot.upcoming_maintenance %}<p>{{ snapshot.upcoming_maintenance|length }}</p>{% endif %}",
    "{{ super() }}",
    "Olá, ✓ & <em>status</em>",
    "{{ '**bold**'|markdown }}",
]  # fmt: skip
# ...and ones that fail at render time, which may fail the build with the file and line.
FAILING_SNIPPETS = [
    "{{ 1/0 }}",
    "{{ site.owner.name }}",
    "{{ snapshot.now|duration }}",
    "{{ site.title|local_time }}",
    "{% include 'missing.html' %}",
    "{{ snapshot.incidents[7].id }}",
    "{% block broken %}",
]
BLOCKS = {
    "base.html": ["title", "head_extra", "footer_extra", "banner"],
    "index.html": ["incidents", "maintenance", "components", "recent"],
}
# Build times and content cluster around one moment, sometimes at the ends of the years the
# loader accepts, or across a DST change; within a few days, so that most content is visible.
BASES = [
    datetime(2026, 11, 22, 15, 0, tzinfo=UTC),
    datetime(1970, 1, 2, 0, 0, tzinfo=UTC),
    datetime(2199, 12, 30, 12, 0, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
    # Across the edges of the years the loader accepts (1970 to 2199 as written), and far out.
    datetime(1969, 12, 31, 23, 30, tzinfo=UTC),
    datetime(2200, 1, 1, 2, 0, tzinfo=UTC),
    datetime(1, 1, 12, 0, 0, tzinfo=UTC),
    datetime(9999, 12, 18, 0, 0, tzinfo=UTC),
]
# Far enough inside what a datetime holds that a moment six days from one of these, written in
# any zone, cannot overflow.
EARLIEST = datetime(1, 1, 10, 0, 0, tzinfo=UTC)
LATEST = datetime(9999, 12, 20, 0, 0, tzinfo=UTC)


# Thousands of small sites are written and deleted: in memory where the system offers it.
SCRATCH = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
# What a project may get wrong, or stretch: each project stretches at most one of these, so that
# its oddity is what check and build meet rather than hidden behind another mistake.
ODDITIES = [
    "timestamp", "url", "language", "ids", "uptime", "days", "hours", "zone", "holidays",
    "duration", "calendar", "window", "matrix", "impact", "component", "status", "eta", "started",
    "priority", "urgency", "schedule", "front", "heading", "template", "label", "public",
    "attribute", "rule", "plan", "sla", "workaround", "text",
]  # fmt: skip


@dataclass
class Project:
    """The files of a project, and what was drawn odd in it."""

    files: dict[str, str] = field(default_factory=dict)
    oddity: str | None = None
    may_fail_to_render: bool = False  # a site template written to fail
    public: str = "full"  # sla.public, as written


def quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML scalar


class Author:
    """Draws the parts of one project: valid ones, except where its one oddity (if it has one,
    as one project in two does) may draw from the odd values as well."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.moments = [draw(st.sampled_from(BASES))]
        self.oddity = draw(st.none() | st.sampled_from(ODDITIES))
        self.tz = self.pick(ZONES, ["Mars/Olympus"], "zone")

    def pick(self, valid: list[T], odd: list[T] | None = None, oddity: str = "") -> T:
        if odd and oddity == self.oddity and self.draw(st.booleans()):
            return self.draw(st.sampled_from(odd))
        return self.draw(st.sampled_from(valid))

    def odd(self, oddity: str) -> bool:
        """Whether to stretch `oddity` here."""
        return oddity == self.oddity and self.draw(st.booleans())

    def chance(self, one_in: int) -> bool:
        return self.draw(st.integers(1, one_in)) == 1

    def text(self) -> str:
        return self.draw((texts if self.oddity == "text" else clean_texts).filter(str.strip))

    def markdown(self) -> str:
        """An update's text: control characters only where texts are stretched, so that most
        projects get as far as the build."""
        pieces = st.sampled_from(MARKDOWN) | (texts if self.oddity == "text" else clean_texts)
        return "".join(self.draw(st.lists(pieces, max_size=6)))

    def label(self) -> str:
        """`label: …` as written in components.yaml; sometimes empty, where labels are stretched."""
        if self.odd("label"):
            return 'label: ""'
        given = self.pick(LABELS) if self.chance(2) else self.draw(label_texts)
        return f"label: {quoted(given)}"

    def duration(self, calendar: str) -> str:
        """A target: the longest allowed only on 24x7, the only calendar sure to have them."""
        longest = ["8784h", "366bd"] if calendar == "24x7" else []
        return self.pick(DURATIONS + longest, BAD_DURATIONS, "duration")

    def moment(self) -> datetime:
        """An instant near one drawn before (or the base): often on it or a minute away, so that
        updates collide, and windows, updates and the build time fall in every order."""
        pivot = self.draw(st.sampled_from(self.moments))
        minutes = self.draw(
            st.sampled_from([0, 1, -1, 60, -60, 1440, -1440, 4320, -4320])
            | st.integers(-6 * 1440, 6 * 1440)
        )
        found = min(max(pivot + timedelta(minutes=minutes), EARLIEST), LATEST)
        self.moments.append(found)
        return found

    def timestamp(self, moment: datetime | None = None) -> str:
        """A timestamp as written in a file: in the site's zone, in UTC or with an offset."""
        moment = moment or self.moment()
        form = self.pick(["local", "local", "seconds", "utc", "offset"], ["broken"], "timestamp")
        if form == "broken":
            return self.draw(st.sampled_from(["2026-13-01 10:00", "tomorrow", "2026-11-22"]))
        if form == "utc":
            return f"{moment:%Y-%m-%dT%H:%MZ}"
        if form == "offset":
            kathmandu = moment.astimezone(timezone(timedelta(hours=5, minutes=45)))
            return kathmandu.isoformat(timespec="minutes")
        local = moment.astimezone(ZoneInfo(self.tz)) if self.tz in ZONES else moment
        if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
            return local.isoformat(timespec="minutes")  # in the hour a DST change repeats
        return f"{local:%Y-%m-%d %H:%M:%S}" if form == "seconds" else f"{local:%Y-%m-%d %H:%M}"


# Any character a file can hold (surrogates cannot be written as UTF-8), controls included.
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
clean_texts = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
# Text a label can hold: any character but controls, which the other texts try already.
label_texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12
).filter(str.strip)


def components_yaml(a: Author) -> tuple[str, list[str], list[str], list[str]]:
    """components.yaml, the component ids it declares, the priorities it names and the
    calendars an incident may name."""
    lines = [
        "site:",
        f"  title: {quoted(a.text())}",
        f"  url: {a.pick(['https://example.test/status/', 'https://example.test'], ['status'], 'url')}",
        f"  timezone: {a.tz}",
        f"  language: {a.pick(LANGUAGES, ['EN_us!'], 'language')}",
    ]
    attributes = attributes_yaml(a, lines)
    lines.append("groups:")
    ids = groups_yaml(a, lines, attributes)
    if a.chance(2):
        lines += ["uptime:", f"  days: {a.pick([1, 2, 7, 30, 366], [0, 400], 'uptime')}"]
        if a.chance(2):
            weight = a.pick([0, 0.5, 1], [1.5, -0.1], "uptime")
            lines.append(f"  weights: {{partial_outage: {weight}, major_outage: 1}}")
    calendars = calendars_yaml(a, lines)
    named = sla_yaml(a, lines, calendars, attributes)
    if a.chance(3) or a.oddity == "plan":
        plans_yaml(a, lines, calendars, attributes, named)
    if a.chance(2):
        lines += ["sla:", f"  public: {a.pick(PUBLIC, ['everything', '[full]'], 'public')}"]
    return "\n".join(lines) + "\n", ids, sorted(named), calendars


def attributes_yaml(a: Author, lines: list[str]) -> dict[str, list[str]]:
    """Perhaps the attributes components may give, added to `lines`; those declared."""
    if not a.chance(3):
        return {}
    chosen = a.draw(st.lists(st.sampled_from(sorted(ATTRIBUTES)), min_size=1, unique=True))
    declared = {name: ATTRIBUTES[name] for name in chosen}
    written = {name: ", ".join(values) for name, values in declared.items()}
    if a.odd("attribute"):
        written[a.pick(["impact", "Bad-Name", "workaround"])] = "x"
    lines.append("attributes:")
    lines += [f"  {name}: [{values}]" for name, values in written.items()]
    return declared


def groups_yaml(a: Author, lines: list[str], attributes: dict[str, list[str]]) -> list[str]:
    """The groups and their components, added to `lines`; the component ids."""
    ids: list[str] = []
    for _ in range(a.draw(st.integers(1, 2))):
        members = a.draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=2, unique=True))
        if not a.odd("ids"):  # ids are unique across groups, and a group is never empty
            members = [cid for cid in members if cid not in ids]
            if not members:
                continue
        lines += [f"  - name: {quoted(a.text())}", "    components:"]
        for cid in members:
            ids.append(cid)
            lines += [f"      - id: {cid}", f"        name: {quoted(a.text())}"]
            if a.chance(2):
                lines.append(f"        tier: {a.pick(TIERS)}")
            if (attributes and a.chance(2)) or a.odd("attribute"):
                given = {
                    name: a.pick(values, ["Critical", "nope"], "attribute")
                    for name, values in attributes.items()
                    if a.chance(2)
                }
                if a.odd("attribute"):
                    given["colour"] = "red"
                pairs = ", ".join(f"{name}: {value}" for name, value in given.items())
                lines.append(f"        attributes: {{{pairs}}}")
    return ids


def calendars_yaml(a: Author, lines: list[str]) -> list[str]:
    """Perhaps some calendars, added to `lines`; the names of every calendar."""
    calendars = ["24x7"]
    if not a.chance(2):
        return calendars
    lines.append("calendars:")
    names = ["business", "support"]
    for name in a.draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)):
        calendars.append(name)
        lines += calendar_yaml(a, name, "  ")
    return calendars


def calendar_yaml(a: Author, name: str, indent: str) -> list[str]:
    """One calendar, its lines indented by `indent`."""
    lines = [f"{indent}{name}:"]
    indent += "  "
    if a.chance(3):  # hours per weekday
        lines.append(f"{indent}hours: {a.pick(WEEKDAY_HOURS, BAD_WEEKDAY_HOURS, 'hours')}")
        if a.odd("days"):
            lines.append(f"{indent}days: [mon]")
    else:
        days = a.draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=5))
        days = a.pick([days], [[], ["fry"]], "days")
        lines.append(f"{indent}days: [{', '.join(days)}]")
        lines.append(f"{indent}hours: {a.pick(HOURS, BAD_HOURS, 'hours')}")
    if a.chance(2):
        lines.append(f"{indent}{a.label()}")
    if a.chance(2):
        lines.append(f"{indent}timezone: {a.pick(ZONES, ['Mars/Olympus'], 'zone')}")
    # Seldom (reading a country's holidays takes longer than a build), unless stretched.
    if a.chance(20) or a.odd("holidays"):
        lines.append(f"{indent}holidays: {a.pick(HOLIDAYS, ['{country: XX}'], 'holidays')}")
    if a.chance(2):
        day = (a.moment() + timedelta(days=1)).date()
        hours = a.pick(["closed", '"09:00-13:00"', '"22:00-02:00"'])
        lines.append(f"{indent}extra_dates: {{{day}: {hours}}}")
    return lines


def sla_yaml(
    a: Author, lines: list[str], calendars: list[str], attributes: dict[str, list[str]]
) -> set[str]:
    """Perhaps priorities and policies, added to `lines`; the priorities an incident may name."""
    named: set[str] = set()
    if a.chance(2):
        priorities_yaml(a, lines, "", attributes, named)
    if a.chance(2):
        lines.append("policies:")
        for tier in a.draw(st.lists(st.sampled_from(TIERS), min_size=1, max_size=2, unique=True)):
            lines.append(f"  {tier}:")
            policies_yaml(a, lines, "    ", calendars, named)
            if a.chance(2):
                maintenance_yaml(a, lines, calendars)
    return named


def priorities_yaml(
    a: Author, lines: list[str], indent: str, attributes: dict[str, list[str]], named: set[str]
) -> None:
    """`priorities:` with perhaps rules, a matrix and a default, indented by `indent`."""

    def priority() -> str:
        named.add(found := a.pick(PRIORITIES))
        return found

    def cells() -> str:
        impacts = a.pick([IMPACTS], [IMPACTS[1:]], "matrix")
        return ", ".join(f"{i}: {priority()}" for i in impacts)

    lines.append(f"{indent}priorities:")
    if a.chance(2):
        lines.append(f"{indent}  rules:")
        for _ in range(a.draw(st.integers(1, 3))):
            lines.append(f"{indent}    - {rule(a, attributes, priority)}")
    if a.chance(2):
        lines.append(f"{indent}  matrix:")
        urgencies = a.pick([["low", "medium", "high"]], [["high"]], "matrix")
        lines += [f"{indent}    {urgency}: {{{cells()}}}" for urgency in urgencies]
    lines.append(f"{indent}  default: {{{cells()}}}")


def rule(a: Author, attributes: dict[str, list[str]], priority: Callable[[], str]) -> str:
    """One priority rule, as a flow mapping."""
    choices: dict[str, list[str]] = {
        "impact": IMPACTS,
        "urgency": ["low", "medium", "high"],
        "workaround": ["true", "false"],
        **attributes,
    }
    conditions = []
    for name in a.draw(st.lists(st.sampled_from(sorted(choices)), max_size=3, unique=True)):
        values = a.draw(st.lists(st.sampled_from(choices[name]), min_size=1, max_size=2))
        value = values[0] if len(values) == 1 else f"[{', '.join(values)}]"
        conditions.append(f"{name}: {value}")
    if a.odd("rule"):
        conditions.append(a.pick(["colour: red", "impact: severe", "workaround: maybe"]))
    when = a.pick([f"when: {{{', '.join(conditions)}}}, ", "", "when: {}, "])
    given = f"priority: {priority()}" if not a.odd("rule") else "label: x"
    return f"{{{when}{given}}}"


def policies_yaml(
    a: Author, lines: list[str], indent: str, calendars: list[str], named: set[str]
) -> None:
    """One tier's policies, added to `lines`; the priorities they name added to `named`."""
    for name in a.draw(st.lists(st.sampled_from(PRIORITIES), min_size=1, max_size=2, unique=True)):
        named.add(name)
        first, last = a.pick(calendars), a.pick(calendars, ["nowhere"], "calendar")
        label = f"{a.label()}, " if a.chance(2) else ""
        response = "none" if a.chance(8) else a.duration(first)
        resolution = "none" if a.chance(8) else f"{{target: {a.duration(last)}, calendar: {last}}}"
        lines.append(
            f"{indent}{name}: {{{label}first_response: {response}, "
            f"resolution: {resolution}, calendar: {first}}}"
        )


def maintenance_yaml(a: Author, lines: list[str], calendars: list[str]) -> None:
    calendar = a.pick(calendars)
    label = f"{a.label()}, " if a.chance(2) else ""
    lines.append(
        f"    maintenance: {{{label}notice: {a.duration(calendar)}, "
        f"calendar: {calendar}, windows: {a.pick(WINDOWS, BAD_WINDOWS, 'window')}}}"
    )


def plans_yaml(
    a: Author,
    lines: list[str],
    calendars: list[str],
    attributes: dict[str, list[str]],
    named: set[str],
) -> None:
    """`plans:`: each with or without its own calendars, priorities and policies."""
    chosen = a.draw(st.lists(st.sampled_from(PLANS), min_size=1, max_size=3, unique=True))
    default = a.draw(st.sampled_from([None, *chosen]))
    lines.append("plans:")
    for index, plan in enumerate(chosen):
        plan = a.pick([plan], ["Premium!", "2x"], "plan")
        lines.append(f"  {plan}:")
        if a.chance(2):
            lines.append(f"    {a.label()}")
        if plan == default or a.odd("plan"):
            lines.append("    default: true")
        is_default = plan == default or (default is None and index == 0)
        if (not is_default and a.chance(3)) or a.odd("plan"):
            lines.append(f"    public: {a.pick(['false', 'true'], ['maybe'], 'plan')}")
        own = list(calendars)
        if a.chance(2):
            lines.append("    calendars:")
            for name in a.draw(
                st.lists(st.sampled_from(["business", "night"]), min_size=1, unique=True)
            ):
                own.append(name)
                lines += calendar_yaml(a, name, "      ")
        if a.chance(2):
            priorities_yaml(a, lines, "    ", attributes, named)
        if a.chance(2):
            lines.append("    policies:")
            for tier in a.draw(st.lists(st.sampled_from(TIERS), min_size=1, unique=True)):
                lines.append(f"      {tier}:")
                policies_yaml(a, lines, "        ", own, named)
                if a.odd("plan"):
                    lines.append("        maintenance: {notice: 2h}")
        if a.odd("plan"):
            lines.append("    prices: 10")


def sla_target(a: Author, calendars: list[str]) -> tuple[str, str]:
    """A target an incident sets itself, perhaps on a named calendar."""
    duration = a.pick(DURATIONS, [*BAD_DURATIONS, "soon"], "sla")
    calendar = a.pick(calendars, ["nowhere"], "sla")
    return duration, calendar


def first_lines(a: Author, maintenance: bool, calendars: list[str]) -> str:
    """The lines an update may open with: `ETA:`, `SLA …:` (incidents), `Window:` (maintenance)."""
    lines = f"ETA: {a.pick([a.timestamp()], ['soon'], 'eta')}\n" if a.chance(5) else ""
    if not maintenance and (a.chance(6) or a.odd("sla")):
        duration, calendar = sla_target(a, calendars)
        kind = a.pick(["resolution", "first response"], ["reply"], "sla")
        on = f" on {calendar}" if a.chance(2) else ""
        lines += f"SLA {kind}: {duration}{on}\n"
    if maintenance and (a.chance(4) or a.odd("window")):
        start = a.moment()
        end = start + timedelta(minutes=a.pick([1, 60, 240], [0, -60], "window"))
        separator = a.pick([" - ", " \N{EN DASH} ", " to "], [" until "], "window")
        lines = f"Window: {a.timestamp(start)}{separator}{a.timestamp(end)}\n{lines}"
    return lines


def sla_front(a: Author, calendars: list[str]) -> list[str]:
    """Front matter an incident may give about its service level: a workaround, its own target."""
    front = []
    if a.chance(4):
        front.append(f"workaround: {a.pick(['true', 'false'], ['yes please', '1'], 'workaround')}")
    if a.chance(6) or a.odd("sla"):
        duration, calendar = sla_target(a, calendars)
        kind = a.pick(["resolution", "first_response"], ["response"], "sla")
        target = f"{{target: {duration}, calendar: {calendar}}}" if a.chance(2) else duration
        front.append(f"sla: {{{kind}: {target}}}")
    return front


def incident_file(a: Author, ids: list[str], priorities: list[str], calendars: list[str]) -> str:
    """An incident or maintenance file: front matter, and updates written in any order."""
    draw = a.draw
    maintenance = a.chance(3)
    front: list[str] = ["type: maintenance"] if maintenance else []
    front.append(f"title: {quoted(a.text())}")
    if not maintenance:
        front.append(f"impact: {a.pick(IMPACTS, ['severe'], 'impact')}")
    chosen = (
        draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)) if ids else []
    )
    chosen = a.pick([chosen], [[], [*chosen, "nope"]], "component")
    if maintenance or a.chance(2):
        front.append(f"components: [{', '.join(chosen)}]")
    else:
        statuses = COMPONENT_STATUSES + (["operational"] if a.odd("component") else [])
        pairs = [f"{c}: {draw(st.sampled_from(statuses))}" for c in chosen]
        front.append(f"components: {{{', '.join(pairs)}}}")
    statuses = MAINTENANCE_STATUSES if maintenance else INCIDENT_STATUSES
    updates = []
    for _ in range(draw(st.integers(0 if maintenance else 1, 5))):
        at = a.moment()
        status = a.pick(statuses, OTHER_STATUSES, "status")
        eta = first_lines(a, maintenance, calendars)
        updates.append((at, f"## {status} {a.timestamp(at)}\n{eta}{a.markdown()}"))
    if updates and not maintenance and a.chance(2):  # before (or, odd, after) the first update
        first = min(at for at, _ in updates)
        early = a.pick([0, 1, 90], [-5], "started")
        front.append(f"started: {a.timestamp(first - timedelta(minutes=early))}")
    if not maintenance and a.chance(4):
        front.append(f"eta: {a.timestamp()}")
    if not maintenance and priorities and a.chance(4):
        front.append(f"priority: {a.pick(priorities, ['P9'], 'priority')}")
    if not maintenance and a.chance(4):
        front.append(f"urgency: {a.pick(['low', 'medium', 'high'], ['extreme'], 'urgency')}")
    if not maintenance:
        front += sla_front(a, calendars)
    if maintenance:
        start = a.moment()
        end = start + timedelta(minutes=a.pick([1, 60, 240, 3000], [0, -60], "schedule"))
        front += [f"scheduled_start: {a.timestamp(start)}", f"scheduled_end: {a.timestamp(end)}"]
    if a.odd("front"):
        front.append(a.pick(["compnents: [api]", "title: [a, b]", "scheduled_end: x", "{"]))
    body = [a.markdown()] if a.chance(2) else []
    body += [text for _, text in draw(st.permutations(updates))]
    if a.odd("heading"):
        body.append("## Resolved whenever")
    return "---\n" + "\n".join(front) + "\n---\n" + "\n\n".join(body) + "\n"


def site_templates(a: Author) -> tuple[dict[str, str], bool]:
    """Overrides of blocks of base.html and index.html, and whether one is written to fail."""
    draw = a.draw
    files: dict[str, str] = {}
    may_fail = False
    for name in draw(
        st.lists(st.sampled_from(sorted(BLOCKS)), min_size=1, max_size=2, unique=True)
    ):
        parts = [f'{{% extends "default/{name}" %}}']
        for block in draw(
            st.lists(st.sampled_from(BLOCKS[name]), min_size=1, max_size=2, unique=True)
        ):
            failing = a.odd("template")
            may_fail |= failing
            snippets = st.sampled_from(FAILING_SNIPPETS if failing else SAFE_SNIPPETS)
            inner = "\n".join(draw(st.lists(snippets, min_size=1, max_size=3)))
            parts.append(f"{{% block {block} %}}\n{inner}\n{{% endblock %}}")
        files[f"templates/{name}"] = "\n".join(parts) + "\n"
    return files, may_fail


@st.composite
def projects(draw: st.DrawFn) -> tuple[Project, datetime]:
    a = Author(draw)
    config, ids, priorities, calendars = components_yaml(a)
    project = Project({"components.yaml": config}, oddity=a.oddity)
    public = re.search(r"^  public: (\w+)$", config, re.MULTILINE)
    project.public = public[1] if public else "full"
    for number in range(draw(st.integers(1, 3))):
        project.files[f"incidents/i{number}.md"] = incident_file(a, ids, priorities, calendars)
    if a.chance(3) or a.oddity == "template":
        templates, project.may_fail_to_render = site_templates(a)
        project.files.update(templates)
    return project, a.moment()


def written(folder: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """The project written into `folder`, and where its site goes."""
    root = folder / "project"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root, folder / "site"


def accepted(root: Path, out: Path, now: datetime, oddity: str | None) -> bool:
    """Whether check accepts the project; when it refuses, the build must refuse too."""
    try:
        check(root)
    except StatusgenError:
        event(f"check refused ({oddity})")  # see --hypothesis-show-statistics
        with pytest.raises(StatusgenError):  # what check refuses, build refuses too
            build(root, out, now=now, use_cache=False)
        return False
    return True


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a red CI can be reproduced
    database=None,  # nothing is written into the checkout
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(projects())
def test_whatever_check_accepts_build_builds(drawn: tuple[Project, datetime]) -> None:
    project, now = drawn
    with (
        tempfile.TemporaryDirectory(dir=SCRATCH) as folder,
        mock.patch.dict(os.environ, STATUSGEN_WORKERS="1"),
    ):
        root, out = written(Path(folder), project.files)
        if not accepted(root, out, now, project.oddity):
            return
        try:
            build(root, out, now=now, use_cache=False)
        except TemplateFailed as failed:
            if not project.may_fail_to_render:
                raise
            assert re.match(r"\S+\.html:\d+: ", str(failed)), str(failed)
            event("built: a site template failed")
            return
        event(f"built ({project.oddity})")
        summary = json.loads((out / "api/v2/summary.json").read_text(encoding="utf-8"))
        assert summary["page"]["url"].startswith("https://")
        assert (out / "index.html").stat().st_size > 0
        if project.public == "none":  # nothing about service levels is published
            assert not (out / "sla").exists() and not (out / "api/sla.json").exists()
        for page in out.rglob("*.html"):  # a label is text, never markup
            shown = page.read_text(encoding="utf-8")
            assert not [label for label in MARKUP_LABELS if label in shown], page


# A second property, on what labels and levels change: a small site whose labels and whose
# `sla.public` are drawn, so that most examples build (the projects above seldom do: one of their
# many texts holds a control character where texts are stretched, and is refused).
LABELLED_SLA = """\
calendars:
  business:
    {calendar}days: [mon, tue, wed, thu, fri]
    hours: ["09:00-18:00"]
priorities:
  default: {{critical: P1, major: P2, minor: P2, none: P2}}
policies:
  core:
    P1: {{first_response: 1h, resolution: 4h}}
    P2: {{{policy}first_response: 4h, resolution: 16h, calendar: business}}
    maintenance: {{{maintenance}notice: 2bd, calendar: business, windows: ["sat-sun 00:00-06:00"]}}
{public}"""
LABELLED_FILES = {
    "incidents/answered.md": "---\ntitle: Answered\nimpact: major\ncomponents: [api]\n"
    "started: 2026-11-16 10:00\n---\n## Resolved 2026-11-16 15:00\nFixed.\n\n"
    "## Investigating 2026-11-16 10:18\nLooking.\n",
    "incidents/upgrade.md": "---\ntype: maintenance\ntitle: Upgrade\ncomponents: [api]\n"
    "scheduled_start: 2026-11-28 01:00\nscheduled_end: 2026-11-28 03:00\n---\n"
    "## Scheduled 2026-11-16 10:00\nPlanned.\n",
}
LABELLED_NOW = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
# None: no label; otherwise a plausible one or any text without controls...
good_labels = st.none() | st.sampled_from(LABELS) | label_texts
# ...and, in one example in four, one that may be refused: any text (controls too), or empty.
odd_labels = texts | st.just("")


@dataclass
class LabelledSite:
    config: str
    labels: dict[str, str | None]  # by where: calendar, policy, maintenance
    public: str  # the level in effect, or the odd one written


@st.composite
def labelled_sites(draw: st.DrawFn) -> LabelledSite:
    labels = {where: draw(good_labels) for where in ("calendar", "policy", "maintenance")}
    if draw(st.integers(1, 4)) == 1:
        labels[draw(st.sampled_from(sorted(labels)))] = draw(odd_labels)
    public = draw(st.sampled_from([*PUBLIC, "", "everything"]))
    written = {
        where: "" if label is None else f"label: {quoted(label)}, "
        for where, label in labels.items()
    }
    if labels["calendar"] is not None:  # a block mapping
        written["calendar"] = f"label: {quoted(labels['calendar'])}\n    "
    language = draw(st.sampled_from(["en", "pt-BR", "es"]))
    site = COMPONENTS.replace("  timezone:", f"  language: {language}\n  timezone:")
    sla = LABELLED_SLA.format(public=f"sla:\n  public: {public}\n" if public else "", **written)
    config = site + sla
    return LabelledSite(config, labels, public or "full")


def words(text: str) -> str:
    return " ".join(text.split())


@settings(
    max_examples=min(EXAMPLES, 60),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(labelled_sites())
def test_labels_read_as_written_where_the_level_shows_them(site: LabelledSite) -> None:
    with (
        tempfile.TemporaryDirectory(dir=SCRATCH) as folder,
        mock.patch.dict(os.environ, STATUSGEN_WORKERS="1"),
    ):
        files = {**LABELLED_FILES, "components.yaml": site.config}
        root, out = written(Path(folder), files)
        if not accepted(root, out, LABELLED_NOW, "label"):
            return
        build(root, out, now=LABELLED_NOW, use_cache=False)
        event(f"built ({site.public})")
        pages = [p.read_bytes() for p in out.rglob("*.html")]
        for label in MARKUP_LABELS:  # a label is text, never markup
            assert not [page for page in pages if label.encode() in page]
        shown = " ".join(words(html.fromstring(page).text_content()) for page in pages)
        given = [words(label) for label in site.labels.values() if label is not None]
        if site.public == "full":  # customers read each label as written
            assert [label for label in given if label not in shown] == []
        else:  # where only outcomes are published, no policy or calendar is named
            assert [label for label in given if label in LABELS and label in shown] == []
