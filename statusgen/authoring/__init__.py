"""Writing content for the on-call engineer: new incidents and maintenance, and their updates.

Each change is written as text an engineer would have typed. The whole site must load first; then,
holding the authoring lock, the file is read afresh, the new text is validated with the build's own
checks, and only then written: into a hidden file beside it, swapped in whole. An update is
inserted as a block of its own: every other byte of the file stays as it was. A message is only
ever text: a line the loader would read as structure (an update heading, an estimate, an unclosed
code block) is refused."""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from statusgen.authoring.files import locked, remove_if_empty, replace_file, write_new
from statusgen.authoring.messages import DEFAULT_MESSAGES, default_message
from statusgen.authoring.text import (
    Entry,
    block_entry,
    check_title,
    entry_of,
    insert_block,
    instant,
    local,
    message_lines,
    minute,
    read_updates,
    update_block,
    written_time,
    yaml_text,
)
from statusgen.authoring.when import Typed, place
from statusgen.engine import load_site as _load
from statusgen.errors import AuthoringError
from statusgen.load import check_incident_text
from statusgen.load.config import CONFIG_FILE
from statusgen.load.files import decode_text
from statusgen.load.listing import INCIDENTS_DIR, incident_files
from statusgen.model.content import (
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    Impact,
    Incident,
    Kind,
    Site,
    UpdateStatus,
)

_SLUG_LENGTH = 50


@dataclass(frozen=True, slots=True)
class Written:
    path: Path  # relative to the project
    incident_id: str
    warnings: tuple[str, ...] = ()  # what was written, yet may not be what was meant


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


def new_incident(
    project: Path,
    title: str,
    impact: str,
    components: list[str],
    message: str | None,
    at: Typed | None = None,
    eta: Typed | None = None,
    *,
    now: datetime | None = None,
) -> Written:
    """`components` are `id` or `id=status`; the first update says `Investigating` at `at`
    (default: `now`, the clock's time) with `message`, or else the default one in the site's
    language."""
    site = _load_for_new(project)
    now = now or datetime.now(tz=UTC)
    zone = site.info.timezone
    when = _not_ahead(place(at or now, now, zone, "--at"), now, site)
    check_title(title)
    try:
        Impact(impact)
    except ValueError:
        names = ", ".join(i.value for i in Impact)
        raise AuthoringError(f"unknown impact '{impact}' (allowed: {names})") from None
    entries = []
    for spec in components:
        cid, _, status = spec.partition("=")
        _known_component(site, cid)
        entries.append(f"  {cid}: {yaml_text(status)}" if status else f"  {cid}:")
    started = written_time(when, site, "--at")
    front = [
        f"title: {yaml_text(title)}",
        f"impact: {impact}",
        "components:" if entries else "components: []",
        *entries,
        f"started: {started}",
    ]
    warnings: tuple[str, ...] = ()
    if eta is not None:
        estimate = place(eta, now, zone, "--eta")
        front.append(f"eta: {written_time(estimate, site, '--eta')}")
        warnings = _passed_estimate(estimate, when, site)
    if message is None:
        message = default_message(project, site, UpdateStatus.INVESTIGATING)
    lines = message_lines(message, with_eta=False)
    block = update_block(UpdateStatus.INVESTIGATING, started, None, lines)
    written = _create(project, site, Kind.INCIDENT, title, started, front, block)
    return replace(written, warnings=warnings)


def _passed_estimate(estimate: datetime, at: datetime, site: Site) -> tuple[str, ...]:
    """A warning when an estimated resolution is already past at the time it is given."""
    if instant(estimate, site) >= instant(at, site):
        return ()
    return (
        f"the estimated resolution {local(estimate, site)} is before the update it comes with "
        f"({local(at, site)}): pages show it as overdue",
    )


def new_maintenance(
    project: Path,
    title: str,
    start: Typed,
    end: Typed,
    components: list[str],
    message: str | None,
    at: Typed | None = None,
    *,
    now: datetime | None = None,
) -> Written:
    """A maintenance announced at `at` (default: `now`, the clock's time): its first update
    says `Scheduled` then, with `message`, or else the default one in the site's language."""
    site = _load_for_new(project)
    now = now or datetime.now(tz=UTC)
    zone = site.info.timezone
    start, end = place(start, now, zone, "--start"), place(end, now, zone, "--end")
    check_title(title)
    for cid in components:
        _known_component(site, cid)
    starts = written_time(start, site, "--start")
    ends = written_time(end, site, "--end")
    if minute(end, site) <= minute(start, site):
        raise AuthoringError("the maintenance must end after it starts (--end after --start)")
    front = [
        "type: maintenance",
        f"title: {yaml_text(title)}",
        f"components: [{', '.join(components)}]",
        f"scheduled_start: {starts}",
        f"scheduled_end: {ends}",
    ]
    if message is None:
        message = default_message(project, site, UpdateStatus.SCHEDULED)
    lines = message_lines(message, with_eta=False)
    announced = written_time(
        _not_ahead(place(at or now, now, zone, "--at"), now, site), site, "--at"
    )
    block = update_block(UpdateStatus.SCHEDULED, announced, None, lines)
    return _create(project, site, Kind.MAINTENANCE, title, starts, front, block)


def add_update(
    project: Path,
    incident_id: str,
    status: str | None,
    message: str | None,
    at: Typed | None = None,
    eta: Typed | None = None,
    *,
    now: datetime | None = None,
) -> Written:
    """Insert an update into an incident's file, touching nothing else in it.

    Without a status, the update closes it: `resolved`, or `completed` for a maintenance.
    Without a message, it says what its status's default message says (for a closing update).
    `incident_id` may also be the incident's file, as `new` printed it. `at` defaults to `now`,
    the clock's time."""
    site = _load(project)
    incident = find_incident(project, site, incident_id)
    now = now or datetime.now(tz=UTC)
    zone = site.info.timezone
    at = _not_ahead(place(at or now, now, zone, "--at"), now, site)
    eta = place(eta, now, zone, "--eta") if eta is not None else None
    if status is None:
        status = "completed" if incident.kind is Kind.MAINTENANCE else "resolved"
    parsed = parse_status(status, incident.kind)
    if message is None:
        if parsed not in DEFAULT_MESSAGES:
            raise AuthoringError(f"an update '{parsed.value}' needs a message")
        message = default_message(project, site, parsed)
    if eta is not None and incident.kind is Kind.MAINTENANCE:
        raise AuthoringError("--eta is for incidents; a maintenance has its scheduled end")
    eta_text = written_time(eta, site, "--eta") if eta is not None else None
    late = _passed_estimate(eta, at, site) if eta is not None else ()
    lines = message_lines(message, with_eta=eta is not None)
    rel = incident.path
    path = project / rel
    warnings: tuple[str, ...] = ()
    with locked(project):
        # Read under the lock: an update posted since the site was loaded must not be lost.
        original = path.read_bytes()
        try:
            text = original.decode("utf-8")
        except UnicodeDecodeError:
            decode_text(original, rel)  # raises the build's own error, naming the line
            raise
        summary, updates, body_line = read_updates(text, rel, incident.kind, site)
        # To the second when another update shares its minute: the later one must read as later
        # (a reopening a few seconds after a resolution, say).
        precise = any(u.at.replace(second=0, microsecond=0) == minute(at, site) for u in updates)
        when = written_time(at, site, "--at", seconds=precise)
        block = update_block(parsed, when, eta_text, lines)
        updated, ending = insert_block(text, rel, body_line, updates, block)
        newest = max(updates, key=lambda u: u.at, default=None)
        if newest is not None and instant(at, site) < newest.at:
            warnings = (
                f"the update at {when} is older than the newest one ({newest.status.value} at "
                f"{local(newest.at, site)}): the {incident.kind.value} still reads as "
                f"'{newest.status.value}'; post it with a later --at to change that",
            )
        added = block_entry(block, ending, rel, incident.kind, site)
        expected = (summary, Counter([*map(entry_of, updates), added]))
        data = _validated(project, rel, updated, expected)
        replace_file(path, data)
    return Written(Path(rel), incident.id, late + warnings)


def find_incident(project: Path, site: Site, reference: str) -> Incident:
    """The incident or maintenance `reference` names: its id, or its file (the path `new`
    printed, from the current folder, or its name); an AuthoringError naming recent ones."""
    by_id = {incident.id: incident for incident in site.incidents}
    found = by_id.get(reference)
    if found is None and (reference.endswith(".md") or "/" in reference or os.sep in reference):
        found = by_id.get(Path(reference).name.removesuffix(".md"))
        if found is not None and not _same_file(project / found.path, Path(reference)):
            found = None
    if found is None:
        known = [i.id for i in sorted(site.incidents, key=lambda i: i.id)[-5:]]
        hint = (
            f" (recent: {', '.join(known)}; 'statusgen list' shows the open ones)" if known else ""
        )
        raise AuthoringError(f"no incident or maintenance '{reference}'{hint}")
    return found


def _same_file(path: Path, reference: Path) -> bool:
    """Whether `reference` (from the current folder; or a bare file name) is `path`."""
    if reference.parent == Path("."):
        return True
    try:
        return path.resolve() == reference.resolve()
    except OSError:
        return False


_AHEAD = timedelta(minutes=5)  # a clock a little fast is forgiven


def _not_ahead(at: datetime, now: datetime, site: Site) -> datetime:
    """`at`, unless it is in the future: what has not happened yet is not posted (a planned
    window is a maintenance's scheduled_start)."""
    if instant(at, site) > now + _AHEAD:
        raise AuthoringError(
            f"--at {local(at, site)} is in the future (it is {local(now, site)} now): post an "
            "update when it happens; plan work as a maintenance with --start and --end"
        )
    return at


def _validated(project: Path, rel: str, text: str, expected: tuple[str, Counter[Entry]]) -> bytes:
    """The bytes of `text`, once the build's checks accept it and it reads as `expected`."""
    data = text.encode("utf-8")
    incident = check_incident_text(project, rel, data)
    if (incident.summary, Counter(map(entry_of, incident.updates))) != expected:
        raise AuthoringError(
            f"{rel}: the file would not read back as before plus the new update; nothing was written"
        )
    return data


def _load_for_new(project: Path) -> Site:
    """The site, for a new incident: a project's first one also makes its incidents/ folder."""
    if (project / CONFIG_FILE).is_file():
        (project / INCIDENTS_DIR).mkdir(exist_ok=True)
    return _load(project)


def _known_component(site: Site, cid: str) -> None:
    if cid not in site.components:
        names = ", ".join(site.components)
        raise AuthoringError(f"unknown component '{cid}' (components: {names})")


def _create(
    project: Path,
    site: Site,
    kind: Kind,
    title: str,
    day: str,
    front: list[str],
    block: list[str],
) -> Written:
    """Write a new incident file named after `day` (YYYY-MM-DD…) and `title`."""
    date = day[:10]
    folder = project / INCIDENTS_DIR / date[:4]
    base = f"{date}-{slugify(title)}"
    text = "---\n" + "\n".join(front) + "\n---\n" + "".join(f"{line}\n" for line in block)
    with locked(project):
        # The name is picked under the lock: two incidents opened at once with one title get
        # two files, never one.
        taken = {rel.rpartition("/")[2].removesuffix(".md") for rel in incident_files(project)}
        incident_id = base
        counter = 2
        while incident_id in taken:
            incident_id = f"{base}-{counter}"
            counter += 1
        path = folder / f"{incident_id}.md"
        rel = path.relative_to(project).as_posix()
        expected = ("", Counter([block_entry(block, "\n", rel, kind, site)]))
        data = _validated(project, rel, text, expected)
        made = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        try:
            write_new(path, rel, data)
        except BaseException:
            if made:
                remove_if_empty(folder)
            raise
    return Written(Path(rel), incident_id)
