"""RSS 2.0 and Atom 1.0 feeds, written by feedgen: one entry per update of each incident and
maintenance, site-wide (`history.rss`, `history.atom`, the paths Statuspage uses) and per component."""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from statusgen import __version__
from statusgen.model.content import ComponentStatus, Update
from statusgen.model.sla import Annotation, Deadline, DeadlineKind
from statusgen.model.state import IncidentState
from statusgen.outputs.api import update_anchors
from statusgen.outputs.base import Inputs, Output, Shows
from statusgen.render.words import words_of

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator

FEED_LIMIT = 50  # entries per feed: the most recent updates


def outputs(inputs: Inputs) -> Iterator[Output]:
    entries = entry_writer(inputs)
    info, snapshot = inputs.site.info, inputs.derived.snapshot
    yield from entries.feeds("history", info.title, info.url + "index.html", snapshot.incidents)
    for cid, state in snapshot.components.items():
        yield from entries.feeds(
            f"components/{cid}",
            f"{info.title}: {state.component.name}",
            f"{info.url}components/{cid}.html",
            state.incidents,
        )


def entry_writer(inputs: Inputs) -> EntryWriter:
    """The writer of this build's feed entries: one for the RSS, Atom and JSON feeds alike,
    so that an entry drawn for one is not drawn again for the others."""
    found = _WRITER.get(id(inputs))
    if found is None or found[0] is not inputs:
        _WRITER.clear()  # the previous build's
        found = _WRITER[id(inputs)] = (inputs, EntryWriter(inputs))
    return found[1]


_WRITER: dict[int, tuple[Inputs, EntryWriter]] = {}


class EntryWriter:
    """Renders each entry's title and content once, however many feeds list it."""

    def __init__(self, inputs: Inputs) -> None:
        self.site = inputs.site
        self.derived = inputs.derived
        self.template = inputs.templates.get_template("feed_entry.html")
        self.words = words_of(inputs.templates)
        self._cache: dict[tuple[str, str], tuple[str, str]] = {}
        # By the identity of the sequence (kept alive here, so no identity is reused).
        self._recent: dict[int, tuple[list[Entry], Sequence[IncidentState]]] = {}

    def feeds(
        self, path: str, title: str, page_url: str, states: Sequence[IncidentState]
    ) -> Iterator[Output]:
        recent = self.recent(states)
        updated = recent[0][0] if recent else self.derived.snapshot.now
        # An entry shows its update as posted; only an empty feed shows the build time.
        shows = entries_shown(recent, dated=True)
        made: list[FeedGenerator] = []

        def feed() -> FeedGenerator:
            if not made:
                made.append(self.generator(title, page_url, updated, recent))
            return made[0]

        info = self.site.info
        for suffix in ("atom", "rss"):

            def draw(suffix: str = suffix) -> bytes:
                generator = feed()
                self_link = {"href": f"{info.url}{path}.{suffix}", "rel": "self"}
                # feedgen takes the last link as RSS <link>: the page, not the feed.
                generator.link([self_link, {"href": page_url, "rel": "alternate"}], replace=True)
                serialize = generator.atom_str if suffix == "atom" else generator.rss_str
                data: bytes = serialize(pretty=True)
                return data

            yield Output(f"{path}.{suffix}", draw, shows)

    def recent(self, states: Sequence[IncidentState]) -> list[Entry]:
        """The newest updates of these incidents, once for the RSS, Atom and JSON feeds."""
        found = self._recent.get(id(states))
        if found is None:
            found = self._recent[id(states)] = (recent_updates(states, FEED_LIMIT), states)
        return found[0]

    def generator(
        self, title: str, page_url: str, updated: datetime, recent: list[Any]
    ) -> FeedGenerator:
        info = self.site.info
        from feedgen.feed import FeedGenerator  # only when a feed is made, not on every build

        feed = FeedGenerator()
        feed.id(page_url)
        feed.title(title)
        feed.subtitle(info.description or title)
        feed.author({"name": info.title, "uri": info.url})
        feed.language(info.language)
        feed.generator("statusgen", __version__, "https://pypi.org/project/statusgen/")
        feed.updated(updated.astimezone(info.timezone))
        feed.lastBuildDate(updated.astimezone(info.timezone))
        for at, _, anchor, state, update in reversed(recent):
            entry_title, content = self.entry(state, update, anchor)
            url = f"{info.url}incidents/{state.id}.html#{anchor}"
            entry = feed.add_entry(order="prepend")
            entry.id(url)
            entry.guid(url, permalink=True)
            entry.title(entry_title)
            entry.link(href=url)
            local = at.astimezone(info.timezone)
            entry.published(local)
            entry.updated(local)
            # Only content(): description() would replace the Atom content, dropping its type,
            # and readers would show the tags. RSS takes the content as its description.
            entry.content(content, type="html")
        return feed

    def entry(self, state: IncidentState, update: Update, anchor: str) -> tuple[str, str]:
        key = (state.id, anchor)
        if key not in self._cache:
            annotation = self.derived.annotations.get(state.id)
            status = self.words.label(update.status)
            content = self.template.render(
                site=self.site.info,
                incident=state,
                update=update,
                eta=eta_after(state, update),
                sla=annotation,
                sla_full=self.site.sla.detailed,
                deadlines=deadlines_at(annotation, update.at),
                maintenance_status=ComponentStatus.UNDER_MAINTENANCE,
            )
            self._cache[key] = (f"{status}: {state.incident.title}", content.strip())
        return self._cache[key]


Entry = tuple[datetime, str, str, IncidentState, Update]  # at, incident id, anchor, ...


def entries_shown(recent: list[Entry], *, dated: bool) -> Shows:
    """What a feed of these entries shows: each update as it was posted. A `dated` feed says
    when it was last updated, which for an empty one is the build time."""
    return Shows(
        # Each incident once, in order; by identity (hashing a state would walk all of it).
        incidents=tuple({id(entry[3]): entry[3] for entry in recent}.values()),
        live=False,
        clock=dated and not recent,
        values=tuple(entry[2] for entry in recent),
    )


def recent_updates(states: Sequence[IncidentState], limit: int) -> list[Entry]:
    """The `limit` newest updates of these incidents, newest first.

    Incidents are visited from the most recently updated one, and the walk stops as soon as no
    further incident can have an update among the newest: a feed of ten thousand incidents
    looks at a few dozen."""
    by_latest = sorted(
        (s for s in states if s.updates), key=lambda s: (s.updates[0].at, s.id), reverse=True
    )
    # A min-heap of the newest so far. Ranks are unique, so the entries beside them (which do
    # not compare) are never compared; updates of one moment keep their incident's order.
    best: list[tuple[tuple[datetime, str, int], IncidentState]] = []
    for state in by_latest:
        if len(best) == limit and state.updates[0].at < best[0][0][0]:
            break
        for position, update in enumerate(state.updates):
            rank = (update.at, state.id, -position)
            if len(best) < limit:
                heapq.heappush(best, (rank, state))
            elif rank > best[0][0]:
                heapq.heapreplace(best, (rank, state))
    # Anchors only for the incidents that made it (an incident's are worked out together).
    anchors: dict[int, tuple[str, ...]] = {}
    for _, state in best:
        if id(state) not in anchors:
            anchors[id(state)] = update_anchors(state)
    return [
        (at, state.id, anchors[id(state)][-position], state, state.updates[-position])
        for (at, _, position), state in sorted(best, key=lambda b: b[0], reverse=True)
    ]


def eta_after(state: IncidentState, update: Update) -> datetime | None:
    """The estimate in force once `update` was posted."""
    eta = state.incident.eta
    for earlier in reversed(state.updates):  # oldest first
        if earlier.at > update.at:
            break
        eta = earlier.eta or eta
    return eta


def deadlines_at(
    annotation: Annotation | None, moment: datetime
) -> list[tuple[DeadlineKind, Deadline]]:
    """Each deadline as it stood at `moment`: met, missed (by how much), running or waiting."""
    if annotation is None:
        return []
    return [(kind, mark.as_of(moment)) for kind, mark in annotation.deadlines]
