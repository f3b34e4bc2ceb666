"""What subscribers are told: one notice for each update of an incident or a maintenance."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from statusgen.model.content import Component, ComponentStatus, SiteInfo, Update, UpdateStatus
from statusgen.model.state import IncidentState, Snapshot
from statusgen.outputs.api import update_anchors, update_id


class Event(Enum):
    """What an update means to someone following the incident or the maintenance."""

    INCIDENT_OPENED = "incident.opened"
    INCIDENT_UPDATED = "incident.updated"
    INCIDENT_REOPENED = "incident.reopened"  # a new update after it was resolved
    INCIDENT_RESOLVED = "incident.resolved"
    INCIDENT_POSTMORTEM = "incident.postmortem"
    MAINTENANCE_SCHEDULED = "maintenance.scheduled"
    MAINTENANCE_UPDATED = "maintenance.updated"  # a later announcement, or verifying
    MAINTENANCE_STARTED = "maintenance.started"
    MAINTENANCE_COMPLETED = "maintenance.completed"
    MAINTENANCE_CANCELLED = "maintenance.cancelled"

    @property
    def maintenance(self) -> bool:
        return self.value.startswith("maintenance.")


@dataclass(frozen=True, slots=True)
class Notice:
    """One update, as subscribers are told of it."""

    id: str  # the update's id in the JSON API: stable across rebuilds and edits of other updates
    event: Event
    state: IncidentState  # the incident or maintenance as it stands at the build time
    update: Update
    url: str  # the update on the published site: its incident page, at the update's anchor
    eta: datetime | None  # the estimate in force once this update was posted

    @property
    def at(self) -> datetime:
        return self.update.at

    @property
    def affected(self) -> tuple[tuple[Component, ComponentStatus], ...]:
        return self.state.affected

    @property
    def component_ids(self) -> frozenset[str]:
        return frozenset(component.id for component, _ in self.state.affected)

    def touches(self, components: Collection[str] | None) -> bool:
        """Whether a channel limited to `components` hears of it (None or empty: unlimited)."""
        return not components or not self.component_ids.isdisjoint(components)


def notices(snapshot: Snapshot, site: SiteInfo) -> tuple[Notice, ...]:
    """Every update posted by the build time (on-schedule maintenance transitions included),
    oldest first; which of them are news is for the delivery record to say."""
    found = [
        (notice.at, state.id, position, notice)
        for state in snapshot.incidents
        for position, notice in enumerate(
            _of_incident(state, f"{site.url}incidents/{state.id}.html")
        )
    ]
    return tuple(notice for *_, notice in sorted(found, key=lambda entry: entry[:3]))


def _posting_order(state: IncidentState) -> list[int]:
    """The indices of `state.updates`, oldest first. Updates of one minute go in the order they
    were posted, read from the file as `statusgen update` writes it (newest at the top, unless
    the file is written oldest first): "Scheduled: moved to Sunday" then "Cancelled" must not
    arrive the other way round. A transition made on schedule comes before what was written
    for its minute."""
    written = sorted(state.incident.updates, key=lambda update: update.line)
    newest_at_top = len(written) < 2 or written[0].at >= written[-1].at

    def posted(index: int) -> tuple[datetime, int, int]:
        update = state.updates[index]
        if update.automatic:
            return (update.at, 0, 0)
        return (update.at, 1, -update.line if newest_at_top else update.line)

    return sorted(range(len(state.updates)), key=posted)


def _of_incident(state: IncidentState, page: str) -> list[Notice]:
    anchors = update_anchors(state)
    oldest_first = _posting_order(state)
    found: list[Notice] = []
    previous: Update | None = None
    eta = state.incident.scheduled_end if state.is_maintenance else state.incident.eta
    for index in oldest_first:
        update = state.updates[index]
        eta = update.eta or eta
        found.append(
            Notice(
                id=update_id(state, update, anchors[index]),
                event=_event(update, previous, state.is_maintenance),
                state=state,
                update=update,
                url=f"{page}#{anchors[index]}",
                eta=None if update.status.closes else eta,
            )
        )
        previous = update
    return found


_MAINTENANCE_EVENTS = {
    UpdateStatus.IN_PROGRESS: Event.MAINTENANCE_STARTED,
    UpdateStatus.VERIFYING: Event.MAINTENANCE_UPDATED,
    UpdateStatus.COMPLETED: Event.MAINTENANCE_COMPLETED,
    UpdateStatus.CANCELLED: Event.MAINTENANCE_CANCELLED,
}


def _event(update: Update, previous: Update | None, maintenance: bool) -> Event:
    status = update.status
    if maintenance:
        if status is UpdateStatus.SCHEDULED:
            return Event.MAINTENANCE_SCHEDULED if previous is None else Event.MAINTENANCE_UPDATED
        if status is UpdateStatus.IN_PROGRESS and previous is not None:
            if previous.status in (UpdateStatus.IN_PROGRESS, UpdateStatus.VERIFYING):
                return Event.MAINTENANCE_UPDATED
        return _MAINTENANCE_EVENTS[status]
    if status is UpdateStatus.RESOLVED:
        return Event.INCIDENT_RESOLVED
    if status is UpdateStatus.POSTMORTEM:
        return Event.INCIDENT_POSTMORTEM
    if previous is None:
        return Event.INCIDENT_OPENED
    if previous.status.closes:
        return Event.INCIDENT_REOPENED
    return Event.INCIDENT_UPDATED
