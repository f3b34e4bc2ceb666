"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): the entries of the RSS and Atom feeds
as JSON, site-wide (`feed.json`) and per component (`components/<id>.json`).

An item is one update: the id, link, title and HTML content of its Atom entry, so a reader that
follows both sees one entry, and the ids stay the same from one build to the next."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import Any

from statusgen.model.state import IncidentState
from statusgen.outputs.api import dump
from statusgen.outputs.base import Inputs, Output
from statusgen.outputs.feeds import (
    Entry,
    EntryWriter,
    entries_shown,
    entry_writer,
)

VERSION = "https://jsonfeed.org/version/1.1"


def outputs(inputs: Inputs) -> Iterator[Output]:
    """`feed.json` for the whole site and `components/<id>.json` for each component."""
    info, snapshot = inputs.site.info, inputs.derived.snapshot
    writer = entry_writer(inputs)  # each entry drawn once, for the Atom feed and this one

    def output(path: str, title: str, page_url: str, states: Sequence[IncidentState]) -> Output:
        recent = writer.recent(states)
        # Unlike the Atom feed, a JSON Feed has no date of its own: an empty one is timeless.
        shows = entries_shown(recent, dated=False)
        return Output(path, partial(feed, writer, path, title, page_url, recent), shows)

    yield output("feed.json", info.title, info.url + "index.html", snapshot.incidents)
    for cid, state in snapshot.components.items():
        name = f"{info.title}: {state.component.name}"
        page_url = f"{info.url}components/{cid}.html"
        yield output(f"components/{cid}.json", name, page_url, state.incidents)


def feed(
    writer: EntryWriter, path: str, title: str, page_url: str, recent: Sequence[Entry]
) -> bytes:
    """The feed of these entries (newest first), with the fields in the order of the spec."""
    info = writer.site.info
    items: list[dict[str, Any]] = []
    for at, _, anchor, state, update in recent:
        entry_title, content = writer.entry(state, update, anchor)
        url = f"{info.url}incidents/{state.id}.html#{anchor}"
        posted = at.astimezone(info.timezone).isoformat(timespec="seconds")  # RFC 3339
        item: dict[str, Any] = {
            "id": url,
            "url": url,
            "title": entry_title,
            "content_html": content,
            "date_published": posted,
            "date_modified": posted,  # as the Atom entry's <updated>
        }
        tags = [component.name for component, _ in state.affected]
        if tags:
            item["tags"] = tags
        items.append(item)
    return dump(
        {
            "version": VERSION,
            "title": title,
            "home_page_url": page_url,
            "feed_url": info.url + path,
            "description": info.description or title,
            "language": info.language,
            "authors": [{"name": info.title, "url": info.url}],
            "items": items,
        }
    )
