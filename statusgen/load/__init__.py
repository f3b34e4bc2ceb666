"""incidents/**/*.md and components.yaml → Site, with every content mistake collected.

`load_site` is the stage. Its steps are public for a caller that runs them by other means
(parsing files on several cores, or taking unchanged ones from an earlier build): read the
configuration, list the incident files, read each one, assemble the site."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from statusgen.errors import BuildFailed, SourceError, SourceRef
from statusgen.load.config import Config, load_config
from statusgen.load.files import read_regular_file
from statusgen.load.holidays import HolidaysReader, no_holidays, read_holidays
from statusgen.load.incident import ReadingContext, read_incident
from statusgen.load.listing import INCIDENTS_DIR, incident_files
from statusgen.load.nodes import ID_PATTERN, MAX_ID
from statusgen.model.content import Incident, Site

__all__ = [
    "IncidentFile",
    "ReadingContext",
    "assemble",
    "check_incident_text",
    "list_incidents",
    "load_config",
    "load_site",
    "parse_incident",
    "read_incident_file",
]


def load_site(project: Path, holidays: HolidaysReader = read_holidays) -> Site:
    """Read and validate all content; raise BuildFailed listing every error found."""
    errors: list[SourceError] = []
    config = load_config(project, errors, holidays)
    context = ReadingContext.of(config, errors)
    parsed = [read_incident_file(file, context) for file in list_incidents(project, errors)]
    return assemble(config, parsed, errors)


@dataclass(frozen=True, slots=True)
class IncidentFile:
    rel: str  # the POSIX path from the project, as messages show it
    native: str  # the path to open


def list_incidents(project: Path, errors: list[SourceError]) -> list[IncidentFile]:
    """Every incident file whose name is a valid id of its own; the others go to `errors`."""
    if not (project / INCIDENTS_DIR).is_dir():
        errors.append(
            SourceError(
                SourceRef(f"{INCIDENTS_DIR}/", 0),
                "folder not found (create it: an empty folder is fine)",
            )
        )
    found: list[IncidentFile] = []
    first_seen: dict[str, str] = {}
    base = f"{project}{os.sep}"
    for rel in incident_files(project, errors):
        name = rel.rpartition("/")[2]
        incident_id = name.removesuffix(".md")
        problem = _id_problem(rel, incident_id, first_seen)
        if problem is not None:
            errors.append(problem)
            continue
        first_seen[incident_id] = rel
        found.append(IncidentFile(rel, base + rel.replace("/", os.sep)))
    return found


def _id_problem(rel: str, incident_id: str, first_seen: dict[str, str]) -> SourceError | None:
    if not ID_PATTERN.fullmatch(incident_id):
        # A name that is not UTF-8 is shown with replacement characters: it must print.
        shown = rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return SourceError(
            SourceRef(shown, 1),
            f"file name '{shown.rpartition('/')[2]}' is not a valid id "
            "(use a-z, 0-9 and '-', then .md)",
        )
    if len(incident_id) > MAX_ID:
        return SourceError(
            SourceRef(rel, 1),
            f"file name '{incident_id}.md' is too long for an id ({len(incident_id)} characters "
            f"before .md; at most {MAX_ID})",
        )
    if incident_id in first_seen:
        return SourceError(
            SourceRef(rel, 1), f"duplicate id '{incident_id}' (also {first_seen[incident_id]})"
        )
    return None


def read_incident_file(
    file: IncidentFile, context: ReadingContext
) -> tuple[Incident | None, list[SourceError]]:
    """One incident file read and parsed: the incident, or None and its mistakes."""
    try:
        raw = read_regular_file(Path(file.native), file.rel)
    except SourceError as error:
        return None, [error]
    return parse_incident(raw, file.rel, context)


def parse_incident(
    raw: bytes, rel: str, context: ReadingContext
) -> tuple[Incident | None, list[SourceError]]:
    """The bytes of the incident file `rel` parsed: the incident, or None and its mistakes."""
    errors: list[SourceError] = []
    incident = read_incident(raw, Path(rel), rel, context, errors)
    if incident is None:
        return None, errors
    return replace(incident, digest=hashlib.blake2b(raw, digest_size=20).hexdigest()), errors


def assemble(
    config: Config,
    parsed: Iterable[tuple[Incident | None, list[SourceError]]],
    errors: list[SourceError],
) -> Site:
    """The site, from its configuration and every incident read; BuildFailed listing every
    mistake (`errors` and the incidents') if there is any."""
    incidents: list[Incident] = []
    for incident, problems in parsed:
        errors.extend(problems)
        if incident is not None:
            incidents.append(incident)
    if errors:
        raise BuildFailed(errors)
    incidents.sort(key=lambda i: i.id)
    return Site(
        config.info,
        config.groups,
        tuple(incidents),
        config.sla,
        config.uptime,
        config.notifications,
    )


def check_incident_text(project: Path, rel: str, raw: bytes) -> Incident:
    """Read `raw` as the content of the incident file `rel` (which need not exist yet), with the
    checks a build makes; raise BuildFailed listing its mistakes.

    Authoring validates a change this way before it writes anything."""
    errors: list[SourceError] = []
    config = load_config(project, errors, no_holidays)
    if errors:
        raise BuildFailed(errors)
    context = ReadingContext.of(config, errors)
    name = rel.rpartition("/")[2]
    if not ID_PATTERN.fullmatch(name.removesuffix(".md")):
        errors.append(SourceError(SourceRef(rel, 1), f"file name '{name}' is not a valid id"))
    incident, problems = parse_incident(raw, rel, context)
    errors.extend(problems)
    if errors or incident is None:
        raise BuildFailed(errors)
    return incident
