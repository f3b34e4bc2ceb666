"""incidents/**/*.md and components.yaml → Site, with every content mistake collected."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from .cache import environment
from .config import (
    CONFIG_FILE,
    Config,
    decode_text,
    load_config,
    read_regular_file,
    unknown_component,
)
from .errors import BuildFailed, SourceError, SourceRef
from .markup import CONVERTER, markdown_to_html, text_problem
from .model import (
    IMPLIED_STATUS,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    Kind,
    Site,
    SiteInfo,
    Update,
    UpdateStatus,
)
from .parallel import map_forked
from .policy import URGENCIES, HolidayReading, HolidaysKey, SlaConfig
from .source import (
    ID_PATTERN,
    MAX_ID,
    Located,
    check_keys,
    located_choice,
    located_text,
    located_timestamp,
    parse_yaml,
    read_timestamp,
)

INCIDENTS_DIR = "incidents"
INCIDENT_KEYS = ("type", "title", "impact", "components", "started", "eta", "priority", "urgency")
MAINTENANCE_KEYS = ("type", "title", "components", "scheduled_start", "scheduled_end")
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


@dataclass(frozen=True, slots=True)
class _Context:
    tz: ZoneInfo
    components: dict[str, Component]
    priorities: list[str]
    # False when components.yaml could not be read: every id would be "unknown" for that alone.
    components_known: bool = True

    @classmethod
    def of(cls, config: Config, errors: list[SourceError]) -> _Context:
        components = {c.id: c for g in config.groups for c in g.components}
        known = bool(components) or not errors
        return cls(config.info.timezone, components, config.sla.priorities, known)


FileStamp = tuple[int, int, str]  # size, modification time (ns), configuration digest


@dataclass
class ParseCache:
    """Incidents parsed by an earlier build, by path. A file is read again only when its size or
    modification time changed, and parsed again only when its bytes (or the configuration) did.
    Likewise the public holidays of the SLA calendars, by country, subdivision and version of the
    holidays package. `current` and `holidays_now` are filled with what this load found."""

    previous: dict[str, tuple[FileStamp, Incident]] = field(default_factory=dict)
    current: dict[str, tuple[FileStamp, Incident]] = field(default_factory=dict)
    holidays: dict[HolidaysKey, dict[date, str]] = field(default_factory=dict)
    holidays_now: dict[HolidaysKey, dict[date, str]] = field(default_factory=dict)


def load_site(
    project: Path,
    cache: ParseCache | None = None,
    meanwhile: Callable[[SiteInfo], None] | None = None,
) -> Site:
    """Read and validate all content; raise BuildFailed listing every error found.

    `meanwhile`, given the site's settings when they are valid, is done while the incidents are
    parsed (on the other cores, for a large site)."""
    errors: list[SourceError] = []
    config = load_config(project, errors)
    prepare = partial(meanwhile, config.info) if meanwhile is not None and not errors else None
    config_path = project / CONFIG_FILE
    # Parsed incidents hold their HTML and their instants in UTC: a new Markdown or sanitizer
    # version, or new rules for a time zone they are read in, parses them again.
    config_digest = hashlib.blake2b(
        (config_path.read_bytes() if config_path.is_file() else b"")
        + CONVERTER.encode()
        + environment(site_zones(config.info, config.sla))
    ).digest()
    config_key = config_digest.hex()
    context = _Context.of(config, errors)
    incidents: list[Incident] = []
    first_seen: dict[str, str] = {}
    if not (project / INCIDENTS_DIR).is_dir():
        errors.append(
            SourceError(
                SourceRef(f"{INCIDENTS_DIR}/", 0),
                "folder not found (create it: an empty folder is fine)",
            )
        )
    found: list[tuple[str, FileStamp, Incident | None]] = []
    todo: list[tuple[str, str, FileStamp, Incident | None]] = []
    base = f"{project}{os.sep}"
    for rel in incident_files(project, errors):
        name = rel.rpartition("/")[2]
        incident_id = name.removesuffix(".md")
        if not ID_PATTERN.fullmatch(incident_id):
            # A name that is not UTF-8 is shown with replacement characters: it must print.
            shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            errors.append(
                SourceError(
                    SourceRef(shown, 1),
                    f"file name '{shown.rpartition('/')[2]}' is not a valid id "
                    "(use a-z, 0-9 and '-', then .md)",
                )
            )
            continue
        if len(incident_id) > MAX_ID:
            errors.append(
                SourceError(
                    SourceRef(rel, 1),
                    f"file name '{name}' is too long for an id ({len(incident_id)} characters "
                    f"before .md; at most {MAX_ID})",
                )
            )
            continue
        if incident_id in first_seen:
            errors.append(
                SourceError(
                    SourceRef(rel, 1),
                    f"duplicate id '{incident_id}' (also {first_seen[incident_id]})",
                )
            )
            continue
        first_seen[incident_id] = rel
        native = base + rel.replace("/", os.sep)
        try:
            stat = os.stat(native)
        except OSError as error:  # a link to nowhere, say
            errors.append(SourceError(SourceRef(rel, 1), f"cannot be read ({error.strerror})"))
            continue
        stamp = (stat.st_size, stat.st_mtime_ns, config_key)
        known = cache.previous.get(rel) if cache is not None else None
        if known is not None and known[0] == stamp:
            found.append((rel, stamp, known[1]))
        else:
            todo.append((rel, native, stamp, known[1] if known is not None else None))
    # Parsing is the costly part of a first build: shared out over the cores.
    parse = partial(_parse_file, context=context, key=config_digest)
    holidays = HolidayReading(config.sla, cache.holidays if cache is not None else {})
    # The holidays package is loaded by a parsing process, when there is one: the processes
    # forked later, which count the memory of this one again, are spared its 17 MB.
    aside = (holidays.read, lambda found: errors.extend(holidays.use(found)))
    parsed = map_forked(
        parse,
        todo,
        minimum=_PARALLEL_PARSE,
        meanwhile=prepare,
        aside=aside if holidays.unread else None,
    )
    for (rel, _, stamp, _), (incident, problems) in zip(todo, parsed, strict=True):
        errors.extend(problems)
        found.append((rel, stamp, incident))
    for rel, stamp, incident in found:
        if incident is not None:
            incidents.append(incident)
            if cache is not None:
                cache.current[rel] = (stamp, incident)
    if cache is not None:
        cache.holidays_now = holidays.now
    if errors:
        raise BuildFailed(errors)
    incidents.sort(key=lambda i: i.id)
    return Site(config.info, config.groups, tuple(incidents), config.sla, config.uptime)


_PARALLEL_PARSE = 500  # files; fewer parse faster than a process starts


def site_zones(info: SiteInfo, sla: SlaConfig) -> list[ZoneInfo]:
    """Every time zone the site reads or shows times in."""
    return [info.timezone, *(calendar.timezone for calendar in sla.calendars.values())]


def _parse_file(
    item: tuple[str, str, FileStamp, Incident | None], context: _Context, key: bytes
) -> tuple[Incident | None, list[SourceError]]:
    """One file read and, unless its bytes are those of `earlier`, parsed."""
    rel, native, _, earlier = item
    path = Path(native)
    try:
        raw = read_regular_file(path, rel)
    except SourceError as error:
        return None, [error]
    digest = hashlib.blake2b(raw, key=key).hexdigest()
    if earlier is not None and earlier.digest == digest:
        return earlier, []
    errors: list[SourceError] = []
    incident = read_incident(raw, path, rel, context, errors)
    return (replace(incident, digest=digest) if incident is not None else None), errors


def incident_files(project: Path, errors: list[SourceError] | None = None) -> list[str]:
    """Every incident file as a POSIX path relative to the project, in a stable order; a folder
    that cannot be read is added to `errors`, when given (its incidents would be missed).

    Hidden files and folders are skipped, and links to folders are not followed. The walk keeps
    its own stack: folders nested a thousand deep would exhaust a recursive one."""
    found: list[str] = []
    pending = [INCIDENTS_DIR]
    while pending:
        prefix = pending.pop()
        try:
            with os.scandir(project / prefix) as entries:
                listed = [(entry.name, entry.is_dir(), entry.is_symlink()) for entry in entries]
        except FileNotFoundError:  # a missing incidents/ is reported by the loader
            continue
        except OSError as error:
            if errors is not None:
                errors.append(
                    SourceError(
                        SourceRef(f"{prefix}/", 0), f"folder cannot be read ({error.strerror})"
                    )
                )
            continue
        for name, is_dir, is_link in listed:
            if name.startswith("."):
                continue
            if is_dir:
                if not is_link:
                    pending.append(f"{prefix}/{name}")
            elif name.endswith(".md"):
                found.append(f"{prefix}/{name}")
    # Sorted by parts, so that a folder's files stay together.
    found.sort(key=lambda p: p.split("/"))
    return found


def read_incident(
    raw: bytes, path: Path, rel: str, context: _Context, errors: list[SourceError]
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
    fields = front.fields()
    kind = Kind.INCIDENT
    if "type" in fields:
        try:
            kind = Kind(located_choice(fields["type"], "type", [k.value for k in Kind]))
        except SourceError as exc:
            errors.append(exc)
    if kind is Kind.INCIDENT:
        for key in ("scheduled_start", "scheduled_end"):
            if key in fields:
                errors.append(
                    fields[key].error(f"'{key}' is for maintenance (add 'type: maintenance')")
                )
                del fields[key]
        # The window keys were reported above, with a better message than "unknown key".
        window = ("scheduled_start", "scheduled_end")
        errors.extend(check_keys(front, (*INCIDENT_KEYS, *window), "front-matter"))
    else:
        errors.extend(check_keys(front, MAINTENANCE_KEYS, "front-matter"))

    def field(name: str, parse, required: bool = False):  # type: ignore[no-untyped-def]
        if name not in fields:
            if required:
                errors.append(front.error(f"missing '{name}'"))
            return None
        try:
            return parse(fields[name])
        except SourceError as exc:
            errors.append(exc)
            return None

    def timestamp(name: str) -> Callable[[Located], datetime]:
        return lambda f: located_timestamp(f, context.tz, name)

    title = field("title", lambda f: located_text(f, "title"), required=True)
    impact = Impact.NONE
    if kind is Kind.INCIDENT:
        impact = field(
            "impact", lambda f: Impact(located_choice(f, "impact", [i.value for i in Impact])), True
        )
    components = (
        field("components", lambda f: _components(f, kind, impact or Impact.NONE, context)) or ()
    )
    started = field("started", timestamp("started"))
    priority = field(
        "priority", lambda f: located_choice(f, "priority", [p.lower() for p in context.priorities])
    )
    if priority is not None:
        priority = next(p for p in context.priorities if p.lower() == priority)
    urgency = field("urgency", lambda f: located_choice(f, "urgency", URGENCIES))
    eta = field("eta", timestamp("eta"))
    start = field(
        "scheduled_start", timestamp("scheduled_start"), required=kind is Kind.MAINTENANCE
    )
    end = field("scheduled_end", timestamp("scheduled_end"), required=kind is Kind.MAINTENANCE)
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
    if started is not None:
        for update in updates:
            if update.at < started:
                errors.append(
                    SourceError(
                        SourceRef(rel, update.line),
                        f"update at {update.at.astimezone(context.tz):%Y-%m-%d %H:%M} is before "
                        f"'started' ({started.astimezone(context.tz):%Y-%m-%d %H:%M})",
                    )
                )
    if len(errors) > before:
        return None
    return Incident(
        id=path.stem,
        path=rel,
        kind=kind,
        title=title,
        impact=impact,
        components=components,
        summary=summary,
        summary_rendered=markdown_to_html(summary),
        updates=tuple(updates),
        started=started,
        eta=eta,
        scheduled_start=start,
        scheduled_end=end,
        priority=priority,
        urgency=urgency,
    )


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
    field: Located, kind: Kind, impact: Impact, context: _Context
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
        eta, text, eta_offset = _split_eta(lines, tz)
        if isinstance(eta, str):
            errors.append(SourceError(SourceRef(rel, lineno + 1 + eta_offset), eta))
            continue
        problem = text_problem(text)
        if problem is not None:
            errors.append(SourceError(SourceRef(rel, lineno), f"the update's text {problem}"))
            continue
        updates.append(Update(status, at, text, eta, lineno, rendered=markdown_to_html(text)))
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


def _split_eta(lines: list[str], tz: ZoneInfo) -> tuple[datetime | str | None, str, int]:
    """An `ETA: <timestamp>` first line sets a new estimate; the rest is the update's text.

    Returns the estimate (or what is wrong with it), the text, and the ETA line's offset."""
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        match = ETA_LINE.match(line)
        if match is None:
            break
        rest = "\n".join(lines[:index] + lines[index + 1 :]).strip()
        try:
            return read_timestamp(match.group(1), tz), rest, index
        except ValueError as problem:
            return f"ETA line: {problem}", rest, index
    return None, "\n".join(lines).strip(), 0


def check_incident_text(project: Path, rel: str, raw: bytes) -> Incident:
    """Read `raw` as the content of the incident file `rel` (which need not exist yet), with the
    checks a build makes; raise BuildFailed listing its mistakes.

    Authoring validates a change this way before it writes anything."""
    errors: list[SourceError] = []
    config = load_config(project, errors)
    if errors:
        raise BuildFailed(errors)
    context = _Context.of(config, errors)
    name = rel.rpartition("/")[2]
    if not ID_PATTERN.fullmatch(name.removesuffix(".md")):
        errors.append(SourceError(SourceRef(rel, 1), f"file name '{name}' is not a valid id"))
    incident = read_incident(raw, Path(rel), rel, context, errors)
    if errors or incident is None:
        raise BuildFailed(errors)
    return incident
