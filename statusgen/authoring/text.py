"""An update as the text an engineer would have typed: times, titles, messages, and where the
block goes in the file."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime

import yaml

from statusgen.errors import AuthoringError, BuildFailed, SourceError

# The loader's own patterns (ETA_LINE, FENCE, HEADING), so that a message is refused for
# exactly what it would read as structure, and for nothing else.
from statusgen.load.incident import ETA_LINE, FENCE, HEADING, parse_updates, split_front_matter
from statusgen.load.nodes import parse_timestamp
from statusgen.model.content import (
    Kind,
    Site,
    Update,
    UpdateStatus,
)

Entry = tuple[UpdateStatus, datetime, str, datetime | None]  # an update, as the loader reads it

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 .,:()'/&+_-]*")


def status_heading(status: UpdateStatus) -> str:
    return status.value.replace("_", " ").capitalize()


def yaml_text(text: str) -> str:
    """A YAML scalar for `text`: as typed when YAML reads it back unchanged, else quoted."""
    if _PLAIN.fullmatch(text):
        try:
            if yaml.safe_load(text) == text:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def instant(moment: datetime, site: Site) -> datetime:
    """`moment` with its zone: a naive time is read in the site's."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=site.info.timezone)


def local(moment: datetime, site: Site, seconds: bool = False) -> str:
    """The time as an engineer writes it: in the site's time zone, to the minute (or second),
    with its offset only when the zone's clocks show that time twice (as they go back)."""
    local = instant(moment, site).astimezone(site.info.timezone)
    text = local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        offset = local.strftime("%z")
        text += f"{offset[:3]}:{offset[3:]}"
    return text


def written_time(moment: datetime, site: Site, what: str, seconds: bool = False) -> str:
    """`moment` as the file will say it, once sure the loader can read that back."""
    try:
        text = local(moment, site, seconds)
        back = parse_timestamp(text, site.info.timezone)
    except OverflowError:
        back = None
    if back is None:
        raise AuthoringError(
            f"{what} {moment:%Y-%m-%d %H:%M} is out of range: the site cannot show that time"
        )
    return text


def minute(moment: datetime, site: Site) -> datetime:
    """The minute of `moment`, in UTC, as a file written to the minute says it."""
    return instant(moment, site).astimezone(UTC).replace(second=0, microsecond=0)


def unprintable(char: str) -> bool:
    """A control character, or a line break that the loader would not see as one."""
    # "Cs": bytes of an argument that are not UTF-8 arrive as lone surrogates.
    return unicodedata.category(char) in ("Cc", "Cs", "Zl", "Zp")


def check_title(title: str) -> None:
    bad = next((c for c in title if unprintable(c)), None)
    if bad is not None:
        raise AuthoringError(
            f"the title holds the control character U+{ord(bad):04X} (a title is one line of text)"
        )
    if not title.strip():
        raise AuthoringError("the title is empty (say in a few words what is affected)")


def next_fence(fence: str | None, line: str) -> str | None:
    """The loader's code-block state after `line`: the fence that is open, or None."""
    opening = FENCE.match(line)
    if opening is None:
        return fence
    marker = opening.group(1)
    if fence is None:
        return marker[0] * 3
    return None if marker.startswith(fence) else fence


def message_lines(message: str, with_eta: bool) -> list[str]:
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
        bad = next((c for c in line if c != "\t" and unprintable(c)), None)
        if bad is not None:
            raise AuthoringError(
                f"line {number} of the message holds the control character U+{ord(bad):04X} "
                "(write plain text: tabs and line breaks are fine)"
            )
        was = fence
        fence = next_fence(fence, line)
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


def update_block(status: UpdateStatus, at: str, eta: str | None, lines: list[str]) -> list[str]:
    return [f"## {status_heading(status)} {at}", *([f"ETA: {eta}"] if eta else []), *lines]


def split_lines(text: str) -> list[str]:
    """The lines of `text` as the loader counts them (split at '\\n' only), with their endings."""
    parts = text.split("\n")
    return [f"{part}\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def line_ending(line: str) -> str:
    return "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""


def insert_block(
    text: str, rel: str, body_line: int, updates: list[Update], block: list[str]
) -> tuple[str, str]:
    """`text` with the update `block` inserted, in the line ending of the lines around it, and
    that ending. Updates written newest first get the new one above them; oldest first, below.

    `body_line` is the first line after the front matter; `updates` those of `text`."""
    lines = split_lines(text)
    by_line = sorted(updates, key=lambda u: u.line)
    newest_first = bool(by_line) and (len(by_line) < 2 or by_line[0].at >= by_line[-1].at)
    if newest_first:
        index = by_line[0].line - 1  # the heading of the newest update, which stays below
        ending = line_ending(lines[index]) or line_ending(lines[index - 1])
        added = [line + ending for line in block] + [ending]
        return "".join([*lines[:index], *added, *lines[index:]]), ending
    fence: str | None = None
    opened = 0
    for number, line in enumerate(lines[body_line - 1 :], start=body_line):
        was = fence
        fence = next_fence(fence, line.removesuffix("\n"))
        if was is None and fence is not None:
            opened = number
    if fence is not None:
        raise AuthoringError(
            f"{rel}:{opened}: this code block is never closed, so an update added at the end "
            f"would be read as code: end the block with a '{fence}' line, then post again"
        )
    ending = next((line_ending(line) for line in reversed(lines) if line_ending(line)), "\n")
    if lines and not line_ending(lines[-1]):
        lines[-1] += ending
    if lines and lines[-1].strip():
        lines.append(ending)  # a blank line between the last update and the new one
    return "".join([*lines, *(line + ending for line in block)]), ending


def read_updates(text: str, rel: str, kind: Kind, site: Site) -> tuple[str, list[Update], int]:
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


def entry_of(update: Update) -> Entry:
    return (update.status, update.at, update.body, update.eta)


def block_entry(block: list[str], ending: str, rel: str, kind: Kind, site: Site) -> Entry:
    """What the loader reads from the update `block` on its own."""
    errors: list[SourceError] = []
    text = "".join(line + ending for line in block)
    summary, updates = parse_updates(text, 1, rel, kind, site.info.timezone, errors)
    if errors:  # the loader's own words: an update too long, say, with the limit
        raise BuildFailed(errors)
    if summary or len(updates) != 1:
        raise AuthoringError(f"{rel}: the update would not be read back as one update")
    return entry_of(updates[0])
