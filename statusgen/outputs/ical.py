"""iCalendar files of scheduled maintenance, written with the `icalendar` package:
`maintenance.ics` for the whole site and `components/<id>.ics` for each component.

A calendar app matches events by UID and keeps the one with the highest SEQUENCE, so the UID is
the maintenance id and SEQUENCE counts what has happened to it: every update posted and every
transition made on schedule. Post an update when you move a window, and subscribers' calendars
move it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import UTC
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from statusgen import __version__
from statusgen.model.content import Site, UpdateStatus
from statusgen.model.state import IncidentState
from statusgen.outputs.base import Inputs, Output, Shows
from statusgen.render.i18n import marked as _
from statusgen.render.i18n import translations_of

if TYPE_CHECKING:
    from icalendar import Event


CALENDAR_NAME = _("%(name)s — maintenance")
EVENT_SUMMARY = _("Maintenance: %(title)s")
AFFECTED = _("Affected components: %(names)s")


def outputs(inputs: Inputs) -> Iterator[Output]:
    """`maintenance.ics` for the whole site and `components/<id>.ics` for each component."""
    site, snapshot = inputs.site, inputs.derived.snapshot
    gettext = translations_of(inputs.templates).gettext
    maintenance = [s for s in snapshot.incidents if s.is_maintenance]
    serialized: dict[str, bytes] = {}

    def event_bytes(state: IncidentState) -> bytes:
        # Each event is serialized once, however many calendars list it.
        if state.id not in serialized:
            serialized[state.id] = bytes(maintenance_event(site, state, gettext).to_ical())
        return serialized[state.id]

    def output(path: str, name: str, states: list[IncidentState]) -> Output:
        ordered = sorted(states, key=lambda s: (s.incident.scheduled_start, s.id))
        calendar_name = gettext(CALENDAR_NAME) % {"name": name}
        # An event shows the maintenance's file and what has happened to it (its SEQUENCE).
        return Output(
            path,
            lambda: calendar(site, calendar_name, [event_bytes(s) for s in ordered]),
            Shows(incidents=ordered, live=False),
        )

    yield output("maintenance.ics", site.info.title, maintenance)
    for cid, state in snapshot.components.items():
        mine = [s for s in state.incidents if s.is_maintenance]
        yield output(f"components/{cid}.ics", f"{site.info.title}: {state.component.name}", mine)


def calendar(site: Site, name: str, events: Iterable[bytes]) -> bytes:
    """A calendar named `name` of already serialized events, in the order given."""
    from icalendar import Calendar, vText  # only when a calendar is made

    cal = Calendar()
    cal.add("prodid", f"-//statusgen//statusgen {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", vText(name))
    cal.add("x-wr-timezone", str(site.info.timezone))
    frame = bytes(cal.to_ical())
    end = frame.rindex(b"END:VCALENDAR")
    return frame[:end] + b"".join(events) + frame[end:]


def maintenance_event(site: Site, state: IncidentState, gettext: Callable[[str], str]) -> Event:
    incident = state.incident
    assert incident.scheduled_start and incident.scheduled_end
    url = f"{site.info.url}incidents/{state.id}.html"
    host = urlsplit(site.info.url).hostname or "statusgen"
    components = ", ".join(c.name for c, _status in state.affected)
    description = "\n\n".join(
        part
        for part in (
            incident.summary.strip(),
            gettext(AFFECTED) % {"names": components} if components else "",
            url,
        )
        if part
    )
    last_change = state.updates[0].at if state.updates else incident.scheduled_start
    from icalendar import Event

    event = Event()
    event.add("uid", f"{state.id}@{host}")
    # DTSTAMP is when this version of the event was made: its last change, so rebuilds agree.
    event.add("dtstamp", last_change.astimezone(UTC))
    event.add("last-modified", last_change.astimezone(UTC))
    # In UTC: a TZID would need a VTIMEZONE definition that calendar apps already know better.
    event.add("dtstart", incident.scheduled_start.astimezone(UTC))
    event.add("dtend", incident.scheduled_end.astimezone(UTC))
    event.add("summary", gettext(EVENT_SUMMARY) % {"title": incident.title})
    event.add("description", description)
    event.add("url", url)
    event.add("status", "CANCELLED" if state.status is UpdateStatus.CANCELLED else "CONFIRMED")
    event.add("sequence", len(state.updates))
    event.add("transp", "OPAQUE")
    for component, _status in state.affected:
        event.add("categories", [component.name])
    return event
