"""What the content says: components.yaml's settings and each incident file, as typed values."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import total_ordering
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from markupsafe import Markup

from statusgen.model.calendars import Duration
from statusgen.model.colour import Accent
from statusgen.model.notifications import NotificationSettings

if TYPE_CHECKING:
    from statusgen.model.sla import SlaConfig


_RANKS: dict[Enum, int] = {}


@total_ordering
class Ranked(Enum):
    """An enum whose members are ordered by declaration, so the worst is `max(...)`."""

    @property
    def rank(self) -> int:
        rank = _RANKS.get(self)
        if rank is None:
            rank = _RANKS[self] = list(type(self)).index(self)
        return rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self.rank < other.rank


class Impact(Ranked):
    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class ComponentStatus(Ranked):
    OPERATIONAL = "operational"
    UNDER_MAINTENANCE = "under_maintenance"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"


class Indicator(Ranked):
    """The overall status, in Atlassian Statuspage's vocabulary."""

    NONE = "none"
    MAINTENANCE = "maintenance"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class Kind(Enum):
    INCIDENT = "incident"
    MAINTENANCE = "maintenance"


class UpdateStatus(Enum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"
    POSTMORTEM = "postmortem"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def closes(self) -> bool:
        """Whether an update of this status ends its incident or maintenance."""
        return self in CLOSED_STATUSES


INCIDENT_STATUSES = (
    UpdateStatus.INVESTIGATING,
    UpdateStatus.IDENTIFIED,
    UpdateStatus.MONITORING,
    UpdateStatus.RESOLVED,
    UpdateStatus.POSTMORTEM,
)


MAINTENANCE_STATUSES = (
    UpdateStatus.SCHEDULED,
    UpdateStatus.IN_PROGRESS,
    UpdateStatus.VERIFYING,
    UpdateStatus.COMPLETED,
    UpdateStatus.CANCELLED,
)


CLOSED_STATUSES = frozenset(
    {UpdateStatus.RESOLVED, UpdateStatus.POSTMORTEM, UpdateStatus.COMPLETED, UpdateStatus.CANCELLED}
)


# A component listed without a status takes the one its incident's impact implies.
IMPLIED_STATUS = {
    Impact.NONE: ComponentStatus.OPERATIONAL,
    Impact.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Impact.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Impact.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}


@dataclass(frozen=True, slots=True)
class Asset:
    """An image of the project published with the site (a logo, a favicon)."""

    path: str  # where the site holds it, relative to its root: "brand/logo.svg"
    media_type: str  # "image/svg+xml"
    data: bytes

    @property
    def digest(self) -> str:
        return hashlib.blake2b(self.data, digest_size=16).hexdigest()

    @property
    def data_url(self) -> str:
        """The image inside its own address, for a page that cannot rely on relative links."""
        return f"data:{self.media_type};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True, slots=True)
class SiteInfo:
    title: str
    url: str
    timezone: ZoneInfo
    description: str
    language: str
    logo: Asset | None = None
    favicon: Asset | None = None
    accent: Accent | None = None


@dataclass(frozen=True, slots=True)
class Component:
    id: str
    name: str
    description: str
    tier: str
    group: str
    # The attributes the site declares under `attributes:` that it sets (criticality, say), as
    # (name, value) in the order of the declarations.
    attributes: tuple[tuple[str, str], ...] = ()
    line: int = field(default=0, compare=False)  # where components.yaml gives its id

    def attribute(self, name: str) -> str | None:
        return next((value for key, value in self.attributes if key == name), None)


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    components: tuple[Component, ...]


class _Pickled:
    """Pickles as its constructor call: the build cache stores many of these, and the generic
    state methods of slotted dataclasses are an order of magnitude slower."""

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        names: tuple[str, ...] = self.__slots__
        return type(self), tuple(getattr(self, name) for name in names)


@dataclass(frozen=True, slots=True)
class CaseTarget(_Pickled):
    """A service-level target an incident sets for itself (`sla:` in its front matter, or an
    update's `SLA resolution: 3bd` line): communicated during the case, it replaces the
    policy's target of that kind in every plan."""

    kind: str  # "first_response" or "resolution", as DeadlineKind's values
    duration: Duration
    calendar: str | None = None  # a calendar of the site; None: the policy's for that target
    line: int = 0


@dataclass(frozen=True, slots=True)
class Update(_Pickled):
    status: UpdateStatus
    at: datetime
    body: str
    eta: datetime | None = None
    line: int = 0
    automatic: bool = False
    rendered: str = ""  # the body as sanitized HTML, made when the file is read
    targets: tuple[CaseTarget, ...] = ()  # the service-level targets it sets
    # The window a maintenance's `## Scheduled` update moved it to: (start, end); else None.
    window: tuple[datetime, datetime] | None = None

    @property
    def html(self) -> Markup:
        """The body as HTML for templates (kept as a plain string: it pickles much faster)."""
        return Markup(self.rendered)

    @property
    def anchor(self) -> str:
        """A fragment id that stays the same when other updates are added."""
        at = self.at.astimezone(UTC)
        stamp = (
            f"{at.year:04d}{at.month:02d}{at.day:02d}T{at.hour:02d}{at.minute:02d}{at.second:02d}Z"
        )
        return f"update-{stamp}-{self.status.value}"


@dataclass(frozen=True, slots=True)
class Incident(_Pickled):
    id: str
    path: str
    kind: Kind
    title: str
    impact: Impact
    components: tuple[tuple[str, ComponentStatus], ...]
    summary: str
    updates: tuple[Update, ...]
    started: datetime | None = None
    eta: datetime | None = None
    # A maintenance's window in force: the front matter's, or where a `## Scheduled` update
    # moved it (the latest such update's).
    scheduled_start: datetime | None = None
    scheduled_end: datetime | None = None
    priority: str | None = None
    urgency: str | None = None
    digest: str = ""  # of the file's bytes
    summary_rendered: str = ""  # the summary as sanitized HTML
    targets: tuple[CaseTarget, ...] = ()  # the service-level targets its front matter sets
    workaround: bool = False  # whether customers have a way around the problem
    key_lines: tuple[tuple[str, int], ...] = ()  # each front-matter key and its line

    def line_of(self, *keys: str) -> int:
        """The line of the first of `keys` the front matter holds; else its first line."""
        lines = dict(self.key_lines)
        return next((lines[key] for key in keys if key in lines), 2)

    @property
    def summary_html(self) -> Markup:
        return Markup(self.summary_rendered)

    @property
    def scheduled_length(self) -> timedelta | None:
        """How long a maintenance's window is; None for an incident."""
        if self.scheduled_start is None or self.scheduled_end is None:
            return None
        return self.scheduled_end - self.scheduled_start


# Statuspage's convention: a major outage counts fully as downtime, a partial one at 30 %.
DEFAULT_UPTIME_WEIGHTS = {
    ComponentStatus.MAJOR_OUTAGE: 1.0,
    ComponentStatus.PARTIAL_OUTAGE: 0.3,
    ComponentStatus.DEGRADED_PERFORMANCE: 0.0,
}


@dataclass(frozen=True, slots=True)
class UptimeConfig:
    days: int = 90
    weights: dict[ComponentStatus, float] = field(
        default_factory=lambda: dict(DEFAULT_UPTIME_WEIGHTS)
    )


@dataclass(frozen=True, slots=True)
class Site:
    info: SiteInfo
    groups: tuple[Group, ...]
    incidents: tuple[Incident, ...]
    sla: SlaConfig
    uptime: UptimeConfig = field(default_factory=UptimeConfig)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)

    @property
    def components(self) -> dict[str, Component]:
        return {c.id: c for g in self.groups for c in g.components}
