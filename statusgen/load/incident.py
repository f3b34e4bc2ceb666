"""One incident file → Incident: front matter, summary and updates."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from statusgen.errors import SourceError, SourceRef
from statusgen.load.config import Config, unknown_component
from statusgen.load.files import decode_text
from statusgen.load.nodes import (
    Located,
    check_keys,
    located_choice,
    located_text,
    located_timestamp,
    parse_yaml,
    read_timestamp,
    suggest,
)
from statusgen.load.sla import target_on_calendar
from statusgen.markup import markdown_to_html, text_problem
from statusgen.model.calendars import Calendar, parse_duration
from statusgen.model.content import (
    IMPLIED_STATUS,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    CaseTarget,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    Kind,
    Update,
    UpdateStatus,
)
from statusgen.model.priority import URGENCIES
from statusgen.model.sla import DEFAULT_PLAN, DeadlineKind, Plan

INCIDENT_KEYS = (
    "type",
    "title",
    "impact",
    "components",
    "started",
    "eta",
    "priority",
    "urgency",
    "workaround",
    "sla",
)


# The targets an incident may set itself (`sla:`), as DeadlineKind's values.
CASE_TARGET_KEYS = ("first_response", "resolution")


WINDOW_KEYS = ("scheduled_start", "scheduled_end")


MAINTENANCE_KEYS = ("type", "title", "components", *WINDOW_KEYS)


COMPONENT_STATUSES = tuple(
    s.value
    for s in ComponentStatus
    if s not in (ComponentStatus.OPERATIONAL, ComponentStatus.UNDER_MAINTENANCE)
)


FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*#*\s*$")


_UPDATE_HEADING = re.compile(
    r"(?P<status>[A-Za-z][A-Za-z _-]*?)\s+(?P<at>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}\S*(?:\s*[+-]\d{2}:?\d{2})?)"
)


ETA_LINE = re.compile(r"^\s*eta\s*:\s*(.+?)\s*$", re.IGNORECASE)


# `SLA resolution: 3bd`, `SLA first response: 1h on business`: a target set during the case.
SLA_LINE = re.compile(
    r"^\s*sla\s+(?P<kind>[a-z][a-z _-]*?)\s*:\s*(?P<target>\S+)(?:\s+on\s+(?P<calendar>\S+))?\s*$",
    re.IGNORECASE,
)


_DURATION_HELP = "use 30m, 2h, 1h30m, 2bd for business days, 7d for calendar days"


# A maintenance's `## Scheduled` update that moves its window: `Window: <start> - <end>` (the
# dates' own dashes have no spaces around them; an en dash or "to" separates as well).
WINDOW_LABEL = re.compile(r"^\s*window\s*:", re.IGNORECASE)
WINDOW_LINE = re.compile(r"^\s*window\s*:\s*(.+?)\s+(?:-|\u2013|to)\s+(.+?)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ReadingContext:
    tz: ZoneInfo
    components: dict[str, Component]
    priorities: list[str]
    # False when components.yaml could not be read: every id would be "unknown" for that alone.
    components_known: bool = True
    # The site's calendars, which a target the incident sets may name.
    calendars: dict[str, Calendar] | None = None
    # What such a target may count on, each calendar with the plan it is of: by the name it
    # names (a plan may define its own calendar of that name), and, for a target naming none,
    # by its kind (the calendar of the policy's target of that kind, in any plan).
    counted_on: dict[str, tuple[tuple[str, Calendar], ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Config, errors: list[SourceError]) -> ReadingContext:
        components = {c.id: c for g in config.groups for c in g.components}
        known = bool(components) or not errors
        calendars = config.sla.calendars
        return cls(
            config.info.timezone,
            components,
            config.sla.priorities,
            known,
            calendars,
            _counted_on(config.sla.plans),
        )


def _counted_on(plans: tuple[Plan, ...]) -> dict[str, tuple[tuple[str, Calendar], ...]]:
    """See ReadingContext.counted_on: keyed by calendar name, and by `:kind` for the policies'."""
    found: dict[str, dict[int, tuple[str, Calendar]]] = {}
    for plan in plans:
        for name, calendar in plan.calendars.items():
            found.setdefault(name, {})[id(calendar)] = (plan.id, calendar)
        for policy in plan.policies.values():
            for kind in DeadlineKind:
                calendar = policy.calendar_of(kind) or plan.calendars["24x7"]
                found.setdefault(f":{kind.value}", {})[id(calendar)] = (plan.id, calendar)
    return {key: tuple(versions.values()) for key, versions in found.items()}


def read_incident(
    raw: bytes, path: Path, rel: str, context: ReadingContext, errors: list[SourceError]
) -> Incident | None:
    """Parse one incident file; append its mistakes to `errors` and return None if any."""
    before = len(errors)
    try:
        text = decode_text(raw, rel)
        front, body, body_line = split_front_matter(text, rel, errors)
    except SourceError as exc:
        errors.append(exc)
        return None
    if not front.is_mapping:
        errors.append(
            front.error("front matter must be a mapping of keys such as title, impact, components")
        )
        return None
    fields = _Fields(front, errors)
    kind = _kind(fields)
    timestamp = partial(_timestamp, context.tz)
    title = fields.read("title", lambda f: located_text(f, "title"), required=True)
    impact = Impact.NONE
    if kind is Kind.INCIDENT:
        impact = fields.read("impact", _impact, required=True) or Impact.NONE
    components = fields.read("components", lambda f: _components(f, kind, impact, context))
    started = fields.read("started", partial(timestamp, "started"))
    priority = fields.read("priority", partial(_priority, context.priorities))
    urgency = fields.read("urgency", lambda f: located_choice(f, "urgency", URGENCIES))
    workaround = fields.read("workaround", _workaround)
    eta = fields.read("eta", partial(timestamp, "eta"))
    targets = fields.read("sla", partial(_case_targets, context)) if kind is Kind.INCIDENT else ()
    window = kind is Kind.MAINTENANCE
    start = fields.read("scheduled_start", partial(timestamp, "scheduled_start"), window)
    end = fields.read("scheduled_end", partial(timestamp, "scheduled_end"), window)
    if start and end and end <= start:
        errors.append(fields["scheduled_end"].error("scheduled_end must be after scheduled_start"))
    summary, updates = parse_updates(body, body_line, rel, kind, context.tz, errors)
    problem = text_problem(summary)
    if problem is not None:
        errors.append(SourceError(SourceRef(rel, body_line), f"the summary {problem}"))
    if kind is Kind.INCIDENT and not updates and len(errors) == before:
        errors.append(
            SourceError(
                SourceRef(rel, body_line),
                "no updates: add a heading such as '## Investigating 2026-11-20 14:10' after the front matter",
            )
        )
    errors.extend(_before_start(updates, started, rel, context.tz))
    errors.extend(
        SourceError(SourceRef(rel, target.line), problem)
        for update in updates
        for target in update.targets
        if (problem := _calendar_problem(target, context)) is not None
    )
    if len(errors) > before or title is None:
        return None
    # The window in force is the one the latest `## Scheduled` update moved it to, if any.
    moved = max((u for u in updates if u.window), key=lambda u: u.at, default=None)
    if moved is not None and moved.window is not None:
        start, end = moved.window
    return Incident(
        id=path.stem,
        path=rel,
        kind=kind,
        title=title,
        impact=impact,
        components=components or (),
        summary=summary,
        summary_rendered=markdown_to_html(summary),
        updates=tuple(updates),
        started=started,
        eta=eta,
        scheduled_start=start,
        scheduled_end=end,
        priority=priority,
        urgency=urgency,
        targets=targets or (),
        workaround=bool(workaround),
        key_lines=tuple((str(key.value), key.where.line) for key, _ in front.items()),
    )


T = TypeVar("T")


class _Fields:
    """The front matter's fields, read one by one; each mistake goes to `errors`."""

    def __init__(self, front: Located, errors: list[SourceError]) -> None:
        self.front = front
        self.fields = front.fields()
        self.errors = errors

    def __contains__(self, name: str) -> bool:
        return name in self.fields

    def __getitem__(self, name: str) -> Located:
        return self.fields[name]

    def read(self, name: str, parse: Callable[[Located], T], required: bool = False) -> T | None:
        if name not in self.fields:
            if required:
                self.errors.append(self.front.error(f"missing '{name}'"))
            return None
        try:
            return parse(self.fields[name])
        except SourceError as exc:
            self.errors.append(exc)
            return None


def _kind(fields: _Fields) -> Kind:
    """What the file is, by its `type`; the keys that kind may not have go to the errors."""
    kind = fields.read("type", lambda f: Kind(located_choice(f, "type", [k.value for k in Kind])))
    if kind is Kind.MAINTENANCE:
        fields.errors.extend(check_keys(fields.front, MAINTENANCE_KEYS, "front-matter"))
        return kind
    for key in WINDOW_KEYS:
        if key in fields:
            fields.errors.append(
                fields[key].error(f"'{key}' is for maintenance (add 'type: maintenance')")
            )
            del fields.fields[key]
    # The window keys were reported above, with a better message than "unknown key".
    fields.errors.extend(check_keys(fields.front, (*INCIDENT_KEYS, *WINDOW_KEYS), "front-matter"))
    return Kind.INCIDENT


def _timestamp(tz: ZoneInfo, name: str, field: Located) -> datetime:
    return located_timestamp(field, tz, name)


def _impact(field: Located) -> Impact:
    return Impact(located_choice(field, "impact", [i.value for i in Impact]))


def _workaround(field: Located) -> bool:
    """Whether customers have a way around the problem: `true` or `false`."""
    if not isinstance(field.value, bool):
        raise field.error(f"workaround must be true or false, not '{field.value}'")
    return field.value


def _priority(priorities: list[str], field: Located) -> str:
    """The priority as the configuration spells it, whatever its case in the file."""
    chosen = located_choice(field, "priority", [p.lower() for p in priorities])
    return next(p for p in priorities if p.lower() == chosen)


def _case_targets(context: ReadingContext, field: Located) -> tuple[CaseTarget, ...]:
    """`sla: {resolution: 3bd, first_response: {target: 2h, calendar: business}}`."""
    if not field.is_mapping:
        raise field.error("'sla' must be a mapping such as {resolution: 3bd}")
    unknown = check_keys(field, CASE_TARGET_KEYS, "sla")
    if unknown:
        raise unknown[0]
    targets = []
    for key, value in field.items():
        kind = str(key.value)
        given, calendar = target_on_calendar(value, f"sla.{kind}", "3bd")
        found = case_target(kind, str(given.value), None, given.where.line)
        if isinstance(found, str):
            raise given.error(found)
        if calendar is not None:
            found = replace(found, calendar=str(calendar.value))
        problem = _calendar_problem(found, context)
        if problem is not None:
            raise (calendar or given).error(problem)
        targets.append(found)
    return tuple(targets)


def case_target(kind: str, text: str, calendar: str | None, line: int) -> CaseTarget | str:
    """A target the incident sets, or what is wrong with it."""
    duration = parse_duration(text)
    if duration is None:
        return f"bad SLA {kind.replace('_', ' ')} target '{text}' ({_DURATION_HELP})"
    return CaseTarget(kind, duration, calendar, line)


def _calendar_problem(target: CaseTarget, context: ReadingContext) -> str | None:
    """What is wrong with the calendar a target names, or with its length on it."""
    if context.calendars is None:
        return None
    name = target.calendar or "24x7"
    calendar = context.calendars.get(name)
    if target.calendar is not None and calendar is None:
        return f"unknown calendar '{name}'{suggest(name, context.calendars)}"
    key = target.calendar or f":{target.kind}"
    versions = context.counted_on.get(key) or ((DEFAULT_PLAN, calendar),)
    for plan, counted in versions:
        if counted is not None and not target.duration.within_a_year(counted):
            where = f"calendar '{counted.name}'"
            if target.calendar is None:
                where += f", which the policies' {target.kind.replace('_', ' ')} counts on"
            if plan != DEFAULT_PLAN:
                where += f" in plan '{plan}'"
            return f"SLA target '{target.duration.text}' is longer than a year on {where}"
    return None


def _before_start(
    updates: list[Update], started: datetime | None, rel: str, tz: ZoneInfo
) -> list[SourceError]:
    """An error for each update posted before the incident started."""
    if started is None:
        return []
    return [
        SourceError(
            SourceRef(rel, update.line),
            f"update at {update.at.astimezone(tz):%Y-%m-%d %H:%M} is before "
            f"'started' ({started.astimezone(tz):%Y-%m-%d %H:%M})",
        )
        for update in updates
        if update.at < started
    ]


def split_front_matter(text: str, rel: str, errors: list[SourceError]) -> tuple[Located, str, int]:
    """(front matter, body, the body's first line number); duplicate keys go to `errors`."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise SourceError(
            SourceRef(rel, 1),
            "missing front matter: the file must start with a '---' line, then YAML, then '---'",
        )
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            break
    else:
        raise SourceError(
            SourceRef(rel, 1), "front matter is not closed: add a '---' line after it"
        )
    front = parse_yaml("\n".join(lines[1:index]), rel, 2, errors)
    if front is None:
        raise SourceError(
            SourceRef(rel, 2), "front matter is empty (title, impact and components are expected)"
        )
    return front, "\n".join(lines[index + 1 :]), index + 2


def _components(
    field: Located, kind: Kind, impact: Impact, context: ReadingContext
) -> tuple[tuple[str, ComponentStatus], ...]:
    result: dict[str, ComponentStatus] = {}
    entries: list[tuple[Located, Located | None]]
    if field.is_sequence:
        entries = [(element, None) for element in field.elements()]
    elif field.is_mapping and kind is Kind.INCIDENT:
        entries = list(field.items())
    elif kind is Kind.MAINTENANCE:
        raise field.error("maintenance 'components' must be a list of component ids")
    else:
        raise field.error("'components' must be a list of ids or a mapping of id: status")
    for key, status_field in entries:
        cid = str(key.value)
        if cid not in context.components and context.components_known:
            raise unknown_component(key, cid, context.components)
        if cid in result and field.is_sequence:  # a mapping's duplicate keys are reported
            raise key.error(f"component '{cid}' is listed twice")
        if kind is Kind.MAINTENANCE:
            status = ComponentStatus.UNDER_MAINTENANCE
        elif status_field is None or status_field.value is None:
            status = IMPLIED_STATUS[impact]
        else:
            raw = str(status_field.value).strip().lower()
            if raw not in COMPONENT_STATUSES:
                raise status_field.error(
                    f"unknown status '{status_field.value}' for component '{cid}' "
                    f"(allowed: {', '.join(COMPONENT_STATUSES)})"
                )
            status = ComponentStatus(raw)
        result[cid] = status
    return tuple(result.items())


def parse_updates(
    body: str, first_line: int, rel: str, kind: Kind, tz: ZoneInfo, errors: list[SourceError]
) -> tuple[str, list[Update]]:
    """Split the body into its summary and its `## <Status> <timestamp>` updates."""
    allowed = INCIDENT_STATUSES if kind is Kind.INCIDENT else MAINTENANCE_STATUSES
    summary: list[str] = []
    current: list[str] = summary
    heads: list[tuple[UpdateStatus, datetime, int, list[str]]] = []
    fence: str | None = None
    for offset, line in enumerate(body.split("\n")):
        opening = FENCE.match(line)
        if opening:
            marker = opening.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
        heading = HEADING.match(line) if fence is None else None
        if heading is None:
            current.append(line)
            continue
        lineno = first_line + offset
        current = []
        parsed = _parse_heading(heading.group(1), tz, allowed, kind)
        if isinstance(parsed, str):
            errors.append(SourceError(SourceRef(rel, lineno), parsed))
            continue
        heads.append((parsed[0], parsed[1], lineno, current))
    updates = []
    for status, at, lineno, lines in heads:
        window: tuple[datetime, datetime] | None = None
        if kind is Kind.MAINTENANCE and status is UpdateStatus.SCHEDULED:
            found, window_offset = _split_window(lines, tz)
            if isinstance(found, str):
                errors.append(SourceError(SourceRef(rel, lineno + 1 + window_offset), found))
                continue
            window = found
        fields = _split_fields(lines, tz, lineno + 1, kind)
        if fields.problems:
            errors.extend(SourceError(SourceRef(rel, line), p) for line, p in fields.problems)
            continue
        text = fields.text
        problem = text_problem(text)
        if problem is not None:
            errors.append(SourceError(SourceRef(rel, lineno), f"the update's text {problem}"))
            continue
        updates.append(
            Update(
                status, at, text, fields.eta, lineno,
                rendered=markdown_to_html(text), targets=fields.targets, window=window,
            )
        )  # fmt: skip
    return "\n".join(summary).strip(), updates


def _parse_heading(
    text: str, tz: ZoneInfo, allowed: tuple[UpdateStatus, ...], kind: Kind
) -> tuple[UpdateStatus, datetime] | str:
    match = _UPDATE_HEADING.fullmatch(text)
    if match is None:
        return f"update heading '## {text}' does not parse (expected '## <Status> YYYY-MM-DD HH:MM'; statuses: {_names(allowed)})"
    raw_status = _SEPARATORS.sub("_", match.group("status").strip().lower())
    status = _STATUSES.get(raw_status)
    if status is None or status not in allowed:
        hint = f" ({kind.value} statuses: {_names(allowed)})"
        if status is not None:
            hint = f" is not {'an' if kind is Kind.INCIDENT else 'a'} {kind.value} status{hint}"
        return f"unknown status '{match.group('status').strip()}'{hint}"
    try:
        return status, read_timestamp(match.group("at"), tz)
    except ValueError as problem:
        return f"update heading: {problem}"


_SEPARATORS = re.compile(r"[\s-]+")


_STATUSES = {status.value: status for status in UpdateStatus}


def _names(statuses: tuple[UpdateStatus, ...]) -> str:
    return ", ".join(s.value for s in statuses)


def _split_window(
    lines: list[str], tz: ZoneInfo
) -> tuple[tuple[datetime, datetime] | str | None, int]:
    """A `Window: <start> - <end>` first line moves a maintenance's window; it is blanked out of
    `lines` (so that the lines after it keep their numbers). Returns the window (or what is wrong
    with it) and the line's offset."""
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if WINDOW_LABEL.match(line) is None:
            break
        match = WINDOW_LINE.match(line)
        if match is None:
            return (
                "Window line: expected 'Window: <start> - <end>' "
                "(e.g. 'Window: 2026-11-29 00:00 - 2026-11-29 04:00')",
                index,
            )
        lines[index] = ""
        try:
            start, end = (read_timestamp(match.group(n), tz) for n in (1, 2))
        except ValueError as problem:
            return f"Window line: {problem}", index
        if end <= start:
            return "Window line: the window must end after it starts", index
        return (start, end), index
    return None, 0


@dataclass(frozen=True, slots=True)
class _UpdateFields:
    eta: datetime | None
    targets: tuple[CaseTarget, ...]
    text: str
    problems: list[tuple[int, str]]  # (line, what is wrong)


def _split_fields(lines: list[str], tz: ZoneInfo, first_line: int, kind: Kind) -> _UpdateFields:
    """An update's first lines may set a new estimate (`ETA: <timestamp>`) and, for an
    incident, new service-level targets (`SLA resolution: 3bd`); the rest is its text."""
    eta: datetime | None = None
    targets: dict[str, CaseTarget] = {}
    problems: list[tuple[int, str]] = []
    index = 0
    for index, line in enumerate(lines):  # the text starts where the loop stops
        if not line.strip():
            continue
        if (match := ETA_LINE.match(line)) is not None and eta is None:
            try:
                eta = read_timestamp(match.group(1), tz)
            except ValueError as problem:
                problems.append((first_line + index, f"ETA line: {problem}"))
            continue
        if kind is Kind.INCIDENT and (match := SLA_LINE.match(line)) is not None:
            found = _sla_line(match, first_line + index)
            if isinstance(found, str):
                problems.append((first_line + index, found))
            else:
                targets[found.kind] = found
            continue
        # Read as text, these would look obeyed to whoever wrote them, and do nothing.
        if kind is Kind.MAINTENANCE and SLA_LINE.match(line) is not None:
            problems.append((first_line + index, _MAINTENANCE_SLA_LINE))
            continue
        if WINDOW_LINE.match(line) is not None:
            problems.append((first_line + index, _MISPLACED_WINDOW_LINE))
            continue
        break
    else:
        index = len(lines)
    text = "\n".join(lines[index:]).strip()
    return _UpdateFields(eta, tuple(targets.values()), text, problems)


_MAINTENANCE_SLA_LINE = (
    "SLA line: a maintenance has no service-level targets (SLA lines are for incidents; "
    "maintenance rules are the tier's, under 'policies')"
)
_MISPLACED_WINDOW_LINE = (
    "Window line: only the first line of a maintenance's '## Scheduled' update moves its window"
)


def _sla_line(match: re.Match[str], line: int) -> CaseTarget | str:
    kind = _SEPARATORS.sub("_", match["kind"].strip().lower())
    if kind not in CASE_TARGET_KEYS:
        allowed = ", ".join(k.replace("_", " ") for k in CASE_TARGET_KEYS)
        return f"SLA line: unknown target '{match['kind']}' (allowed: {allowed})"
    return case_target(kind, match["target"], match["calendar"], line)
