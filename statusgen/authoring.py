"""Writing content for the on-call engineer: new incidents and maintenance, and their updates.

Each change is written as text an engineer would have typed, validated by the same loader the build
uses, and rolled back if it would not load. An update is inserted as a block of its own: every
other byte of the file stays as it was.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from .cache import load_site_reusing_cache as _load
from .errors import BuildFailed, StatusgenError
from .load import INCIDENTS_DIR, incident_files
from .model import (
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    Impact,
    Incident,
    Kind,
    Site,
    UpdateStatus,
)

_SLUG_LENGTH = 50
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,:()'/&+_-]*")


class AuthoringError(StatusgenError):
    """A request the content cannot satisfy (unknown id, status or component)."""


@dataclass(frozen=True, slots=True)
class Written:
    path: Path  # relative to the project
    incident_id: str


def status_heading(status: UpdateStatus) -> str:
    return status.value.replace("_", " ").capitalize()


def parse_status(text: str, kind: Kind) -> UpdateStatus:
    allowed = INCIDENT_STATUSES if kind is Kind.INCIDENT else MAINTENANCE_STATUSES
    raw = re.sub(r"[\s-]+", "_", text.strip().lower())
    for status in allowed:
        if status.value == raw:
            return status
    names = ", ".join(s.value for s in allowed)
    raise AuthoringError(f"unknown {kind.value} status '{text}' (allowed: {names})")


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_title.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > _SLUG_LENGTH:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "incident"


def _yaml_text(text: str) -> str:
    """A YAML scalar for `text`: as typed when YAML reads it back unchanged, else quoted."""
    if _PLAIN.fullmatch(text):
        try:
            if yaml.safe_load(text) == text:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _local(moment: datetime, site: Site) -> str:
    """The time as an engineer writes it: in the site's time zone (a naive time is read in it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=site.info.timezone)
    return moment.astimezone(site.info.timezone).strftime("%Y-%m-%d %H:%M")


def _update_block(
    site: Site, status: UpdateStatus, at: datetime, message: str, eta: datetime | None
) -> str:
    lines = [f"## {status_heading(status)} {_local(at, site)}"]
    if eta is not None:
        lines.append(f"ETA: {_local(eta, site)}")
    lines.append(message.strip())
    return "\n".join(lines) + "\n"


def new_incident(
    project: Path,
    title: str,
    impact: str,
    components: list[str],
    message: str,
    now: datetime,
    eta: datetime | None = None,
) -> Written:
    """`components` are `id` or `id=status`; the first update says `Investigating` at `now`."""
    site = _load(project)
    try:
        Impact(impact)
    except ValueError:
        names = ", ".join(i.value for i in Impact)
        raise AuthoringError(f"unknown impact '{impact}' (allowed: {names})") from None
    entries = []
    for spec in components:
        cid, _, status = spec.partition("=")
        _known_component(site, cid)
        entries.append(f"  {cid}: {status}" if status else f"  {cid}:")
    front = [
        f"title: {_yaml_text(title)}",
        f"impact: {impact}",
        "components:" if entries else "components: []",
        *entries,
        f"started: {_local(now, site)}",
    ]
    if eta is not None:
        front.append(f"eta: {_local(eta, site)}")
    body = _update_block(site, UpdateStatus.INVESTIGATING, now, message, None)
    return _create(project, site, title, now, front, body)


def new_maintenance(
    project: Path,
    title: str,
    start: datetime,
    end: datetime,
    components: list[str],
    message: str,
    now: datetime,
) -> Written:
    """A maintenance announced now: its first update says `Scheduled` at `now`."""
    site = _load(project)
    for cid in components:
        _known_component(site, cid)
    if _local(end, site) <= _local(start, site):
        raise AuthoringError("the maintenance must end after it starts (--end after --start)")
    front = [
        "type: maintenance",
        f"title: {_yaml_text(title)}",
        f"components: [{', '.join(components)}]",
        f"scheduled_start: {_local(start, site)}",
        f"scheduled_end: {_local(end, site)}",
    ]
    body = _update_block(site, UpdateStatus.SCHEDULED, now, message, None)
    return _create(project, site, title, start, front, body)


def add_update(
    project: Path,
    incident_id: str,
    status: str | None,
    message: str,
    at: datetime,
    eta: datetime | None = None,
) -> Written:
    """Insert an update into an incident's file, touching nothing else in it.

    Without a status, the update closes it: `resolved`, or `completed` for a maintenance."""
    site = _load(project)
    incident = next((i for i in site.incidents if i.id == incident_id), None)
    if incident is None:
        known = sorted(i.id for i in site.incidents)[-5:]
        hint = f" (recent ids: {', '.join(known)})" if known else ""
        raise AuthoringError(f"no incident or maintenance with id '{incident_id}'{hint}")
    if status is None:
        status = "completed" if incident.kind is Kind.MAINTENANCE else "resolved"
    parsed = parse_status(status, incident.kind)
    if eta is not None and incident.kind is Kind.MAINTENANCE:
        raise AuthoringError("--eta is for incidents; a maintenance has its scheduled end")
    path = project / incident.path
    original = path.read_bytes().decode("utf-8")
    newline = "\r\n" if "\r\n" in original else "\n"
    block = _update_block(site, parsed, at, message, eta).replace("\n", newline)
    index = _insertion_line(incident)
    if index is None:
        text = original if original.endswith(newline) else original + newline
        if not text.endswith(newline * 2):
            text += newline
        updated = text + block
    else:
        lines = original.split(newline)
        updated = newline.join([*lines[:index], block]) + newline.join(["", *lines[index:]])
    _write_checked(project, path, updated, original)
    return Written(Path(incident.path), incident.id)


def _insertion_line(incident: Incident) -> int | None:
    """Where a new update goes (0-based line), or None for the end of the file.

    Updates written newest first get the new one above them; oldest first, below them."""
    if not incident.updates:
        return None
    by_line = sorted(incident.updates, key=lambda u: u.line)
    newest_first = len(by_line) < 2 or by_line[0].at >= by_line[-1].at
    return by_line[0].line - 1 if newest_first else None


def _known_component(site: Site, cid: str) -> None:
    if cid not in site.components:
        names = ", ".join(site.components)
        raise AuthoringError(f"unknown component '{cid}' (components: {names})")


def _create(
    project: Path, site: Site, title: str, day: datetime, front: list[str], body: str
) -> Written:
    date = _local(day, site)[:10]  # YYYY-MM-DD in the site's time zone
    folder = project / INCIDENTS_DIR / date[:4]
    base = f"{date}-{slugify(title)}"
    taken = {rel.rpartition("/")[2].removesuffix(".md") for rel in incident_files(project)}
    incident_id = base
    counter = 2
    while incident_id in taken:
        incident_id = f"{base}-{counter}"
        counter += 1
    path = folder / f"{incident_id}.md"
    text = "---\n" + "\n".join(front) + "\n---\n" + body
    folder.mkdir(parents=True, exist_ok=True)
    _write_checked(project, path, text, None)
    return Written(path.relative_to(project), incident_id)


def _write_checked(project: Path, path: Path, text: str, original: str | None) -> None:
    """Write `text`, and put things back as they were if the site no longer loads."""
    path.write_bytes(text.encode("utf-8"))
    try:
        _load(project)
    except BuildFailed:
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original.encode("utf-8"))
        raise
