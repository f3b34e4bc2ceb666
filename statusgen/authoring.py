"""Writing content for the on-call engineer: new incidents and maintenance, and their updates.

Each change is written as text an engineer would have typed. The whole site must load first; then,
holding the authoring lock, the file is read afresh, the new text is validated with the build's own
checks, and only then written: into a hidden file beside it, swapped in whole. An update is
inserted as a block of its own: every other byte of the file stays as it was. A message is only
ever text: a line the loader would read as structure (an update heading, an estimate, an unclosed
code block) is refused.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import stat
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import yaml

from statusgen.engine import load_site as _load
from statusgen.errors import BuildFailed, SourceError, StatusgenError
from statusgen.load import check_incident_text
from statusgen.load.config import CONFIG_FILE
from statusgen.load.files import decode_text

# The loader's own patterns (ETA_LINE, FENCE, HEADING), so that a message is refused for
# exactly what it would read as structure, and for nothing else.
from statusgen.load.incident import ETA_LINE, FENCE, HEADING, parse_updates, split_front_matter
from statusgen.load.listing import INCIDENTS_DIR, incident_files
from statusgen.load.nodes import parse_timestamp
from statusgen.model.content import (
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    Impact,
    Kind,
    Site,
    Update,
    UpdateStatus,
)

_SLUG_LENGTH = 50
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,:()'/&+_-]*")
_LOCK_WAIT = 30.0  # seconds; the lock is held only to read, check and write one file
# `.<file name>.<random>.tmp`: hidden, so the loader, the preview and `git add` skip it.
_TEMPORARY = re.compile(r"\..+\.md\.[0-9a-f]{16}\.tmp")


class AuthoringError(StatusgenError):
    """A request the content cannot satisfy (unknown id, status or component)."""


@dataclass(frozen=True, slots=True)
class Written:
    path: Path  # relative to the project
    incident_id: str


Entry = tuple[UpdateStatus, datetime, str, datetime | None]  # an update, as the loader reads it


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


def _instant(moment: datetime, site: Site) -> datetime:
    """`moment` with its zone: a naive time is read in the site's."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=site.info.timezone)


def _local(moment: datetime, site: Site, seconds: bool = False) -> str:
    """The time as an engineer writes it: in the site's time zone, to the minute (or second),
    with its offset only when the zone's clocks show that time twice (as they go back)."""
    local = _instant(moment, site).astimezone(site.info.timezone)
    text = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        offset = local.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
    return text


def _written_time(moment: datetime, site: Site, what: str, seconds: bool = False) -> str:
    """`moment` as the file will say it, once sure the loader can read that back."""
    try:
        text = _local(moment, site, seconds)
        back = parse_timestamp(text, site.info.timezone)
    except OverflowError:
        back = None
    if back is None:
        raise AuthoringError(
            f"{what} {moment:%Y-%m-%d %H:%M} is out of range: the site cannot show that time"
        )
    return text


def _minute(moment: datetime, site: Site) -> datetime:
    """The minute of `moment`, in UTC, as a file written to the minute says it."""
    return _instant(moment, site).astimezone(UTC).replace(second=0, microsecond=0)


def _unprintable(char: str) -> bool:
    """A control character, or a line break that the loader would not see as one."""
    # "Cs": bytes of an argument that are not UTF-8 arrive as lone surrogates.
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


def _check_title(title: str) -> None:
    bad = next((c for c in title if _unprintable(c)), None)
    if bad is not None:
        raise AuthoringError(
            f"the title holds the control character U+{ord(bad):04X} (a title is one line of text)"
        )
    if not title.strip():
        raise AuthoringError("the title is empty (say in a few words what is affected)")


def _next_fence(fence: str | None, line: str) -> str | None:
    """The loader's code-block state after `line`: the fence that is open, or None."""
    opening = FENCE.match(line)
    if opening is None:
        return fence
    marker = opening.group(1)
    if fence is None:
        return marker[0] * 3
    return None if marker.startswith(fence) else fence


def _message_lines(message: str, with_eta: bool) -> list[str]:
    """The message's lines, once sure the loader will read every one of them as text.

    `with_eta`: the update starts with its own ETA line, so the message's first line is text."""
    text = message.replace("\r\n", "\n").replace("\r", "\n")
    kept = text.strip()
    if not kept:
        raise AuthoringError("the message is empty (write what customers should know)")
    first = text[: len(text) - len(text.lstrip())].count("\n") + 1
    lines = kept.split("\n")
    fence: str | None = None
    opened = 0
    for number, line in enumerate(lines, start=first):
        bad = next((c for c in line if c != "\t" and _unprintable(c)), None)
        if bad is not None:
            raise AuthoringError(
                f"line {number} of the message holds the control character U+{ord(bad):04X} "
                "(write plain text: tabs and line breaks are fine)"
            )
        was = fence
        fence = _next_fence(fence, line)
        if was is None and fence is not None:
            opened = number
        if fence is None and HEADING.match(line):
            raise AuthoringError(
                f"line {number} of the message, '{line}', would start an update of its own: "
                "use '###' for a heading inside an update, or put the line in a code block"
            )
        if fence is None and line.rstrip() == "---":
            raise AuthoringError(
                f"line {number} of the message is '---', which reads as a front-matter fence "
                "(and turns a line of text above it into a heading): write '***' for a rule"
            )
    if fence is not None:
        raise AuthoringError(
            f"line {opened} of the message opens a code block ('{fence}') that is never closed, "
            f"so it would swallow the updates below it: end the block with a '{fence}' line"
        )
    if not with_eta and ETA_LINE.match(lines[0]):
        raise AuthoringError(
            f"line {first} of the message, '{lines[0]}', would be read as a new estimated "
            "resolution: give an estimate with --eta, or reword the line"
        )
    return lines


def _update_block(status: UpdateStatus, at: str, eta: str | None, lines: list[str]) -> list[str]:
    return [f"## {status_heading(status)} {at}", *([f"ETA: {eta}"] if eta else []), *lines]


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
    site = _load_for_new(project)
    _check_title(title)
    try:
        Impact(impact)
    except ValueError:
        names = ", ".join(i.value for i in Impact)
        raise AuthoringError(f"unknown impact '{impact}' (allowed: {names})") from None
    entries = []
    for spec in components:
        cid, _, status = spec.partition("=")
        _known_component(site, cid)
        entries.append(f"  {cid}: {_yaml_text(status)}" if status else f"  {cid}:")
    at = _written_time(now, site, "--at")
    front = [
        f"title: {_yaml_text(title)}",
        f"impact: {impact}",
        "components:" if entries else "components: []",
        *entries,
        f"started: {at}",
    ]
    if eta is not None:
        front.append(f"eta: {_written_time(eta, site, '--eta')}")
    lines = _message_lines(message, with_eta=False)
    block = _update_block(UpdateStatus.INVESTIGATING, at, None, lines)
    return _create(project, site, Kind.INCIDENT, title, at, front, block)


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
    site = _load_for_new(project)
    _check_title(title)
    for cid in components:
        _known_component(site, cid)
    starts = _written_time(start, site, "--start")
    ends = _written_time(end, site, "--end")
    if _minute(end, site) <= _minute(start, site):
        raise AuthoringError("the maintenance must end after it starts (--end after --start)")
    front = [
        "type: maintenance",
        f"title: {_yaml_text(title)}",
        f"components: [{', '.join(components)}]",
        f"scheduled_start: {starts}",
        f"scheduled_end: {ends}",
    ]
    lines = _message_lines(message, with_eta=False)
    block = _update_block(UpdateStatus.SCHEDULED, _written_time(now, site, "--at"), None, lines)
    return _create(project, site, Kind.MAINTENANCE, title, starts, front, block)


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
    eta_text = _written_time(eta, site, "--eta") if eta is not None else None
    lines = _message_lines(message, with_eta=eta is not None)
    rel = incident.path
    path = project / rel
    with _locked(project):
        # Read under the lock: an update posted since the site was loaded must not be lost.
        original = path.read_bytes()
        try:
            text = original.decode("utf-8")
        except UnicodeDecodeError:
            decode_text(original, rel)  # raises the build's own error, naming the line
            raise
        summary, updates, body_line = _read(text, rel, incident.kind, site)
        # To the second when another update shares its minute: the later one must read as later
        # (a reopening a few seconds after a resolution, say).
        precise = any(u.at.replace(second=0, microsecond=0) == _minute(at, site) for u in updates)
        when = _written_time(at, site, "--at", seconds=precise)
        block = _update_block(parsed, when, eta_text, lines)
        updated, ending = _insert(text, rel, body_line, updates, block)
        added = _block_entry(block, ending, rel, incident.kind, site)
        expected = (summary, Counter([*map(_entry, updates), added]))
        data = _validated(project, rel, updated, expected)
        _replace(path, data)
    return Written(Path(rel), incident.id)


def _lines(text: str) -> list[str]:
    """The lines of `text` as the loader counts them (split at '\\n' only), with their endings."""
    parts = text.split("\n")
    return [f"{part}\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _ending(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""


def _insert(
    text: str, rel: str, body_line: int, updates: list[Update], block: list[str]
) -> tuple[str, str]:
    """`text` with the update `block` inserted, in the line ending of the lines around it, and
    that ending. Updates written newest first get the new one above them; oldest first, below.

    `body_line` is the first line after the front matter; `updates` those of `text`."""
    lines = _lines(text)
    by_line = sorted(updates, key=lambda u: u.line)
    newest_first = bool(by_line) and (len(by_line) < 2 or by_line[0].at >= by_line[-1].at)
    if newest_first:
        index = by_line[0].line - 1  # the heading of the newest update, which stays below
        ending = _ending(lines[index]) or _ending(lines[index - 1])
        added = [line + ending for line in block] + [ending]
        return "".join([*lines[:index], *added, *lines[index:]]), ending
    fence: str | None = None
    opened = 0
    for number, line in enumerate(lines[body_line - 1 :], start=body_line):
        was = fence
        fence = _next_fence(fence, line.removesuffix("\n"))
        if was is None and fence is not None:
            opened = number
    if fence is not None:
        raise AuthoringError(
            f"{rel}:{opened}: this code block is never closed, so an update added at the end "
            f"would be read as code: end the block with a '{fence}' line, then post again"
        )
    ending = next((_ending(line) for line in reversed(lines) if _ending(line)), "\n")
    if lines and not _ending(lines[-1]):
        lines[-1] += ending
    if lines and lines[-1].strip():
        lines.append(ending)  # a blank line between the last update and the new one
    return "".join([*lines, *(line + ending for line in block)]), ending


def _read(text: str, rel: str, kind: Kind, site: Site) -> tuple[str, list[Update], int]:
    """The summary and updates of an incident file's text, as the loader reads them, and the
    line its body starts on."""
    errors: list[SourceError] = []
    try:
        _, body, first_line = split_front_matter(text.removeprefix("\ufeff"), rel, errors)
    except SourceError as error:
        raise BuildFailed([error]) from None
    summary, updates = parse_updates(body, first_line, rel, kind, site.info.timezone, errors)
    if errors:
        raise BuildFailed(errors)
    return summary, updates, first_line


def _entry(update: Update) -> Entry:
    return (update.status, update.at, update.body, update.eta)


def _block_entry(block: list[str], ending: str, rel: str, kind: Kind, site: Site) -> Entry:
    """What the loader reads from the update `block` on its own."""
    errors: list[SourceError] = []
    text = "".join(line + ending for line in block)
    summary, updates = parse_updates(text, 1, rel, kind, site.info.timezone, errors)
    if errors:  # the loader's own words: an update too long, say, with the limit
        raise BuildFailed(errors)
    if summary or len(updates) != 1:
        raise AuthoringError(f"{rel}: the update would not be read back as one update")
    return _entry(updates[0])


def _validated(project: Path, rel: str, text: str, expected: tuple[str, Counter[Entry]]) -> bytes:
    """The bytes of `text`, once the build's checks accept it and it reads as `expected`."""
    data = text.encode("utf-8")
    incident = check_incident_text(project, rel, data)
    if (incident.summary, Counter(map(_entry, incident.updates))) != expected:
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
    with _locked(project):
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
        expected = ("", Counter([_block_entry(block, "\n", rel, kind, site)]))
        data = _validated(project, rel, text, expected)
        made = not folder.exists()
        folder.mkdir(parents=True, exist_ok=True)
        try:
            _write_new(path, rel, data)
        except BaseException:
            if made:
                _remove_if_empty(folder)
            raise
    return Written(Path(rel), incident_id)


# --- writing --------------------------------------------------------------------------------


@contextmanager
def _locked(project: Path) -> Iterator[None]:
    """Hold the authoring lock: an advisory lock on the project's incidents/ folder.

    `new`, `update` and `resolve` each read, check and write under it, one after another."""
    folder = project / INCIDENTS_DIR
    folder.mkdir(exist_ok=True)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + _LOCK_WAIT
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AuthoringError(
                        f"another new, update or resolve has held {INCIDENTS_DIR}/ for "
                        f"{_LOCK_WAIT:.0f} s; nothing was written: try again"
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(descriptor)  # which releases the lock


def _replace(path: Path, data: bytes) -> None:
    """Put `data` in the place of the file at `path`, whole: a reader, or a crash, sees the old
    text or the new one, never a part. The file keeps its permission bits."""
    target = path.resolve()  # through a symbolic link, to the file it names
    mode = stat.S_IMODE(os.stat(target).st_mode)
    temporary = _write_temporary(target, data, mode)
    try:
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(target.parent)


def _write_new(path: Path, rel: str, data: bytes) -> None:
    """Create the file at `path` with `data`, whole, and only if no file has that name."""
    temporary = _write_temporary(path, data, None)
    try:
        os.link(temporary, path)  # unlike a rename, refuses to replace a file
    except FileExistsError:
        raise AuthoringError(f"{rel} was created meanwhile by another program: try again") from None
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _write_temporary(target: Path, data: bytes, mode: int | None) -> Path:
    """A hidden file beside `target` holding `data`, on disk; `mode` None leaves the umask's."""
    folder = target.parent
    # Only a writer that was killed leaves one behind, as every writer holds the lock while its
    # file exists: those of the target's folder are removed, so `git add` never commits them.
    for name in os.listdir(folder):
        if _TEMPORARY.fullmatch(name):
            (folder / name).unlink(missing_ok=True)
    temporary = folder / f".{target.name}.{secrets.token_hex(8)}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            if mode is not None:
                os.fchmod(file.fileno(), mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _sync_folder(folder: Path) -> None:
    """Make the folder's new entry durable: a file swapped in survives a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as error:
        # Some file systems cannot sync a folder; the file is in place all the same, and saying
        # the command failed would be wrong.
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(descriptor)


def _remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: another file arrived, the folder is in use
        folder.rmdir()
