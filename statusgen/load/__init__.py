"""incidents/**/*.md and components.yaml → Site, with every content mistake collected."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from statusgen.engine.fingerprint import environment
from statusgen.engine.parallel import map_forked
from statusgen.errors import BuildFailed, SourceError, SourceRef
from statusgen.load.config import CONFIG_FILE, load_config
from statusgen.load.files import read_regular_file
from statusgen.load.holidays import HolidayReading, HolidaysKey
from statusgen.load.incident import ReadingContext, read_incident
from statusgen.load.listing import INCIDENTS_DIR, incident_files
from statusgen.load.nodes import (
    ID_PATTERN,
    MAX_ID,
)
from statusgen.markup import CONVERTER
from statusgen.model.content import (
    Incident,
    Site,
    SiteInfo,
)
from statusgen.model.sla import SlaConfig

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
    context = ReadingContext.of(config, errors)
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
    item: tuple[str, str, FileStamp, Incident | None], context: ReadingContext, key: bytes
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


def check_incident_text(project: Path, rel: str, raw: bytes) -> Incident:
    """Read `raw` as the content of the incident file `rel` (which need not exist yet), with the
    checks a build makes; raise BuildFailed listing its mistakes.

    Authoring validates a change this way before it writes anything."""
    errors: list[SourceError] = []
    config = load_config(project, errors)
    if errors:
        raise BuildFailed(errors)
    context = ReadingContext.of(config, errors)
    name = rel.rpartition("/")[2]
    if not ID_PATTERN.fullmatch(name.removesuffix(".md")):
        errors.append(SourceError(SourceRef(rel, 1), f"file name '{name}' is not a valid id"))
    incident = read_incident(raw, Path(rel), rel, context, errors)
    if errors or incident is None:
        raise BuildFailed(errors)
    return incident
