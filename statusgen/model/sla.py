"""SLA values: policies and their targets, and what the SLA rules find for an incident."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from statusgen.model.calendars import Calendar, Duration
from statusgen.model.content import Impact

MAINTENANCE = "maintenance"  # the policy key of a tier's maintenance rules


@dataclass(frozen=True, slots=True)
class Target:
    duration: Duration
    calendar: Calendar

    @property
    def wall_clock(self) -> bool:
        """Whether it counts every hour (a 24x7 calendar, or calendar days), not working time."""
        return self.calendar.always or bool(self.duration.calendar_days)


@dataclass(frozen=True, slots=True)
class Policy:
    tier: str
    priority: str
    first_response: Target | None
    resolution: Target | None

    @property
    def name(self) -> str:
        return f"{self.tier} {self.priority}"


@dataclass(frozen=True, slots=True)
class Window:
    """When maintenance may happen each week, e.g. Saturday 00:00-06:00 (minutes after midnight)."""

    text: str
    days: frozenset[int]  # Monday is 0
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MaintenancePolicy:
    tier: str
    notice: Target | None  # how long before its start a maintenance must be announced
    windows: tuple[Window, ...]  # empty: any time
    timezone: ZoneInfo  # of the windows: the policy calendar's

    @property
    def name(self) -> str:
        return f"{self.tier} {MAINTENANCE}"


@dataclass(frozen=True, slots=True)
class SlaConfig:
    calendars: dict[str, Calendar] = field(default_factory=dict)
    matrix: dict[tuple[str, Impact], str] = field(default_factory=dict)
    by_impact: dict[Impact, str] = field(default_factory=dict)
    policies: dict[tuple[str, str], Policy] = field(default_factory=dict)
    maintenance: dict[str, MaintenancePolicy] = field(default_factory=dict)  # by tier

    @property
    def priorities(self) -> list[str]:
        names = (
            {p for _, p in self.policies} | set(self.matrix.values()) | set(self.by_impact.values())
        )
        return sorted(names)

    @property
    def enabled(self) -> bool:
        return bool(self.policies)


class DeadlineState(Enum):
    """Where a deadline stands; the values are the JSON API's."""

    MET = "met"
    BREACHED = "breached"
    RUNNING = "running"


class DeadlineKind(Enum):
    """What a deadline is for; in the order an incident meets them."""

    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True, slots=True)
class Deadline:
    target: Target
    clock_start: datetime  # when the clock started running (after `started` if outside hours)
    due_at: datetime
    at: datetime | None  # when the response or resolution happened
    state: DeadlineState
    elapsed: timedelta  # working time used so far (or in all)
    remaining: timedelta | None  # working time left, while running
    overrun: timedelta | None  # how far past the deadline, once breached

    def clock_waited(self, opened: datetime) -> bool:
        """Whether the clock started after the incident opened: it opened outside working hours."""
        return self.clock_start > opened


@dataclass(frozen=True, slots=True)
class Annotation:
    priority: str
    policy: Policy
    tiers: tuple[str, ...]  # every tier the incident touches
    first_response: Deadline | None
    resolution: Deadline | None

    @property
    def deadlines(self) -> tuple[tuple[DeadlineKind, Deadline], ...]:
        """The deadlines the policy sets, each with its kind."""
        pairs = (
            (DeadlineKind.FIRST_RESPONSE, self.first_response),
            (DeadlineKind.RESOLUTION, self.resolution),
        )
        return tuple((kind, mark) for kind, mark in pairs if mark is not None)

    @property
    def several_tiers(self) -> bool:
        """Whether the incident touches more than one tier (the strictest policy then applies)."""
        return len(self.tiers) > 1


@dataclass(frozen=True, slots=True)
class MaintenanceCheck:
    """Whether a maintenance was announced early enough and falls in an allowed window."""

    policy: MaintenancePolicy
    announced: datetime | None  # its first `scheduled` update
    notice_given: timedelta | None  # time counted by the notice target from announcement to start
    notice_met: bool | None  # None when the policy asks for no notice
    window_met: bool | None  # None when the policy allows any time

    @property
    def honoured(self) -> bool:
        return self.notice_met is not False and self.window_met is not False

    @property
    def notice_state(self) -> DeadlineState | None:
        return _rule_state(self.notice_met)

    @property
    def window_state(self) -> DeadlineState | None:
        return _rule_state(self.window_met)


def _rule_state(met: bool | None) -> DeadlineState | None:
    """A rule of a maintenance policy is met or broken once and for all: it never runs."""
    if met is None:
        return None
    return DeadlineState.MET if met else DeadlineState.BREACHED


@dataclass(frozen=True, slots=True)
class TargetStats:
    met: int
    breached: int
    running: int
    median: timedelta | None  # of the times measured to a response or resolution
    worst: timedelta | None

    @property
    def decided(self) -> int:
        return self.met + self.breached


@dataclass(frozen=True, slots=True)
class ReportRow:
    tier: str
    priority: str
    incidents: int
    first_response: TargetStats
    resolution: TargetStats


@dataclass(frozen=True, slots=True)
class MonthReport:
    month: date  # its first day, in the site's time zone
    rows: tuple[ReportRow, ...]
