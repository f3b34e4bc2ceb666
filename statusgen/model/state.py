"""What the content means at one moment: each incident's and component's state, the overall
status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from statusgen.model.content import (
    Component,
    ComponentStatus,
    Incident,
    Indicator,
    Kind,
    Update,
    UpdateStatus,
)

if TYPE_CHECKING:
    pass


class Phase(Enum):
    """Where an incident or a maintenance is in its life, as its pages tell it."""

    UPCOMING = "upcoming"  # a maintenance not yet begun
    IN_PROGRESS = "in_progress"  # a maintenance under way (or being verified)
    OPEN = "open"  # an incident not yet resolved
    RESOLVED = "resolved"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def upcoming(self) -> bool:
        return self is Phase.UPCOMING

    @property
    def ongoing(self) -> bool:
        return self is Phase.IN_PROGRESS or self is Phase.OPEN


@dataclass(frozen=True, slots=True)
class IncidentState:
    """An incident as it stands at build time."""

    incident: Incident
    updates: tuple[Update, ...]  # newest first, including automatic maintenance transitions
    status: UpdateStatus
    phase: Phase
    is_open: bool
    started: datetime
    ended: datetime | None
    duration: timedelta
    eta: datetime | None
    eta_passed: bool
    affected: tuple[tuple[Component, ComponentStatus], ...]
    # When it stood open, oldest first: from its start to its first resolution, then from each
    # update that reopened it to the resolution after it; the last span's end is `ended` (None
    # while open). A maintenance has one span.
    open_spans: tuple[tuple[datetime, datetime | None], ...] = ()
    reopenings: tuple[Update, ...] = ()  # the updates that began the spans after the first

    def reopened_by(self, update: Update) -> bool:
        """Whether this update opened the incident again after a resolution."""
        return any(update is reopening for reopening in self.reopenings)

    @property
    def latest(self) -> Update | None:
        return self.updates[0] if self.updates else None

    @property
    def id(self) -> str:
        return self.incident.id

    @property
    def is_maintenance(self) -> bool:
        return self.incident.kind is Kind.MAINTENANCE


@dataclass(frozen=True, slots=True)
class ComponentState:
    component: Component
    status: ComponentStatus
    incidents: tuple[IncidentState, ...]  # every incident touching it, newest first


@dataclass(frozen=True, slots=True)
class Day:
    date: date
    incidents: tuple[IncidentState, ...]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the outputs show, computed once from the content and the build time."""

    now: datetime
    indicator: Indicator
    components: dict[str, ComponentState]
    incidents: tuple[IncidentState, ...]  # newest first
    open_incidents: tuple[IncidentState, ...]
    active_maintenance: tuple[IncidentState, ...]
    upcoming_maintenance: tuple[IncidentState, ...]
    recent_days: tuple[Day, ...]  # the last 7 days, today first

    @property
    def maintenance(self) -> tuple[IncidentState, ...]:
        """The maintenance under way, then the maintenance to come."""
        return self.active_maintenance + self.upcoming_maintenance
