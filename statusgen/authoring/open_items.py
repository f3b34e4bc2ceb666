"""What the on-call engineer is working on: the open incidents and the maintenance under way or
to come (or everything), with the ids the other commands take, as of now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from statusgen.build import moment
from statusgen.derive.status import summarize
from statusgen.engine import load_site
from statusgen.model.content import Kind
from statusgen.model.state import IncidentState


@dataclass(frozen=True, slots=True)
class Item:
    state: IncidentState
    now: datetime
    zone: ZoneInfo  # the site's

    @property
    def age(self) -> timedelta:
        """Since it began; negative for a maintenance still to come."""
        return self.now - self.state.started

    @property
    def due(self) -> datetime | None:
        """The estimated resolution of an incident; the scheduled end of a maintenance."""
        if self.state.incident.kind is Kind.MAINTENANCE:
            return self.state.incident.scheduled_end
        return self.state.eta

    def as_json(self) -> dict[str, Any]:
        incident = self.state.incident
        return {
            "id": incident.id,
            "path": incident.path,
            "kind": incident.kind.value,
            "title": incident.title,
            "status": self.state.status.value,
            "phase": self.state.phase.value,
            "impact": incident.impact.value,
            "components": [component.id for component, _ in self.state.affected],
            "started_at": _iso(self.state.started),
            "due_at": _iso(self.due),
            "ended_at": _iso(self.state.ended),
            "updates": len(self.state.updates),
        }


@dataclass(frozen=True, slots=True)
class Listing:
    now: datetime
    zone: ZoneInfo  # the site's
    items: list[Item]


def open_items(project: Path, now: datetime | None, *, everything: bool = False) -> Listing:
    """The open incidents, then the maintenance under way and to come (soonest first); with
    `everything`, every incident and maintenance, newest first. `now` is read as `build --now`
    reads it (default: the clock)."""
    site = load_site(project)
    now = moment(now, site)
    snapshot = summarize(site, now)
    if everything:
        states = snapshot.incidents
    else:
        states = snapshot.open_incidents + snapshot.active_maintenance
        states += snapshot.upcoming_maintenance
    return Listing(
        now, site.info.timezone, [Item(state, now, site.info.timezone) for state in states]
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None
