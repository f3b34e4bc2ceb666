"""SLA values: policies and their targets, and what the SLA rules find for an incident."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from statusgen.model.calendars import Calendar, Duration
from statusgen.model.priority import PriorityRules

MAINTENANCE = "maintenance"  # the policy key of a tier's maintenance rules
# The tier of components that name none, whose policies apply where a tier has none of its own.
DEFAULT_TIER = "default"
# The id of a site's only plan when it declares none: its top-level calendars, priorities and
# policies.
DEFAULT_PLAN = "default"
NO_TARGET = "none"  # a policy's target written so: no such target, on purpose


def readable(identifier: str) -> str:
    """A configuration id as words, for where no label was given: 'core-plus' reads 'Core plus'."""
    words = identifier.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else identifier


def own_title(label: str, tier: str) -> str | None:
    """What a page calls a policy: its label, or a tier the team named as words ('Core').
    The default tier's id is statusgen's word, not the team's: None, for pages to name it in
    the site's language."""
    if label:
        return label
    return None if tier == DEFAULT_TIER else readable(tier)


class Disclosure(Enum):
    """How much a site publishes about its service levels (`sla.public`)."""

    FULL = "full"  # priorities, targets, calendars, times: everything
    SUMMARY = "summary"  # whether each target was met, is in progress or was missed; no internals
    NONE = "none"  # nothing at all


@dataclass(frozen=True, slots=True)
class Target:
    duration: Duration
    calendar: Calendar

    @property
    def wall_clock(self) -> bool:
        """Whether it counts every hour (a 24x7 calendar, or calendar days), not working time."""
        return self.calendar.always or bool(self.duration.calendar_days)


class _Labelled:
    """What pages call a policy or a maintenance rule: its label, else its tier."""

    __slots__ = ()
    label: str
    tier: str

    @property
    def own_title(self) -> str | None:
        """What a page calls it (see own_title); None for the default tier's, unlabelled."""
        return own_title(self.label, self.tier)

    @property
    def title(self) -> str:
        """Its label, or its tier as words ("Default" too), as a site's own templates may show
        it; the theme shows the words of the policy_title filter instead."""
        return self.label or readable(self.tier)


@dataclass(frozen=True, slots=True)
class Policy(_Labelled):
    tier: str
    priority: str
    first_response: Target | None
    resolution: Target | None
    label: str = ""  # what customers read it as; empty: not given
    line: int = field(default=0, compare=False)  # where components.yaml defines it
    # Its own `calendar:`, which its targets count on unless they name another: also the
    # calendar of a target an incident sets without naming one, where the policy has none.
    calendar: Calendar | None = field(default=None, compare=False)
    # The targets written as `none` (or empty): left out on purpose, not forgotten.
    waived: tuple[str, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        """Its ids, as the JSON API and the configuration's messages name it."""
        return f"{self.tier} {self.priority}"

    def calendar_of(self, kind: DeadlineKind) -> Calendar | None:
        """The calendar its target of this kind counts on (its own, where it sets none)."""
        target = self.first_response if kind is DeadlineKind.FIRST_RESPONSE else self.resolution
        return target.calendar if target is not None else self.calendar


@dataclass(frozen=True, slots=True)
class Plan:
    """A set of service levels customers can be on (`plans:`): its own calendars, priorities
    and policies, each the site's where the plan sets none. A site without `plans:` has one,
    DEFAULT_PLAN, made of its top-level settings."""

    id: str
    calendars: dict[str, Calendar]
    priority_rules: PriorityRules
    policies: dict[tuple[str, str], Policy]
    label: str = ""  # what customers read it as; empty: not given
    public: bool = True  # False: internal only, neither shown nor in the JSON API
    line: int = field(default=0, compare=False)  # where components.yaml declares it

    @property
    def title(self) -> str:
        """What pages call it: its label, or its id as words."""
        return self.label or readable(self.id)


@dataclass(frozen=True, slots=True)
class Window:
    """When maintenance may happen each week, e.g. Saturday 00:00-06:00 (minutes after midnight)."""

    text: str
    days: frozenset[int]  # Monday is 0
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class MaintenancePolicy(_Labelled):
    tier: str
    notice: Target | None  # how long before its start a maintenance must be announced
    windows: tuple[Window, ...]  # empty: any time
    timezone: ZoneInfo  # of the windows: the policy calendar's
    label: str = ""  # what customers read it as; empty: not given
    line: int = field(default=0, compare=False)  # where components.yaml defines it

    @property
    def name(self) -> str:
        return f"{self.tier} {MAINTENANCE}"


@dataclass(frozen=True, slots=True)
class SlaConfig:
    calendars: dict[str, Calendar] = field(default_factory=dict)
    priority_rules: PriorityRules = field(default_factory=PriorityRules)
    policies: dict[tuple[str, str], Policy] = field(default_factory=dict)
    maintenance: dict[str, MaintenancePolicy] = field(default_factory=dict)  # by tier
    public: Disclosure = Disclosure.FULL
    # Every plan, the default first: the declared ones, or the one the top-level settings make.
    plans: tuple[Plan, ...] = ()
    declared_plans: bool = False  # whether components.yaml has `plans:`

    @property
    def priorities(self) -> list[str]:
        names = {p for _, p in self.policies} | self.priority_rules.names
        for plan in self.plans:
            names |= {p for _, p in plan.policies} | plan.priority_rules.names
        return sorted(names)

    @property
    def enabled(self) -> bool:
        return any(plan.policies for plan in self.published_plans)

    @property
    def default_plan(self) -> Plan | None:
        return self.plans[0] if self.plans else None

    @property
    def published_plans(self) -> tuple[Plan, ...]:
        """The plans pages and the JSON API show, the default first (it is always published)."""
        return tuple(plan for plan in self.plans if plan.public)

    @property
    def calendars_in_use(self) -> list[Calendar]:
        """Every calendar of the site and of its plans (a plan may define its own)."""
        found = {id(c): c for c in self.calendars.values()}
        for plan in self.plans:
            found.update((id(c), c) for c in plan.calendars.values())
        return list(found.values())

    @property
    def published(self) -> bool:
        """Whether the site shows its incidents' service levels (and the report of them)."""
        return self.enabled and self.public is not Disclosure.NONE

    @property
    def detailed(self) -> bool:
        """Whether the site shows the targets, calendars and times, not only the outcomes."""
        return self.public is Disclosure.FULL

    @property
    def named_without_label(self) -> list[Plan | Policy | MaintenancePolicy | Calendar]:
        """What pages name that has no label, in the order of components.yaml: every published
        plan a site declares, every policy (the next incident may fall under any), and each
        calendar a target counts working time on (pages call a 24x7 or calendar-day clock by
        what it counts, never by its calendar). Only a site publishing its service levels in
        full names them."""
        if not self.detailed:
            return []
        policies = {
            id(policy): policy for plan in self.published_plans for policy in plan.policies.values()
        }
        calendars = {
            id(target.calendar): target.calendar
            for policy in policies.values()
            for target in (policy.first_response, policy.resolution)
            if target is not None and not target.wall_clock
        }
        named: list[Plan | Policy | MaintenancePolicy | Calendar] = [
            *(self.published_plans if self.declared_plans else ()),
            *policies.values(),
            *self.maintenance.values(),
            *calendars.values(),
        ]
        return sorted((value for value in named if not value.label), key=lambda v: v.line)


class DeadlineState(Enum):
    """Where a deadline stands; the values are the JSON API's."""

    MET = "met"
    BREACHED = "breached"
    RUNNING = "running"
    WAITING = "waiting"  # its clock has not started: the incident opened outside working hours

    @property
    def summarized(self) -> DeadlineState:
        """The state where only outcomes are published: a clock not started is in progress too."""
        return DeadlineState.RUNNING if self is DeadlineState.WAITING else self

    @property
    def pending(self) -> bool:
        """Whether it is yet to be met or missed."""
        return self is DeadlineState.RUNNING or self is DeadlineState.WAITING


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
    overrun: timedelta | None  # how far past the deadline, once breached, counted by the target
    late: timedelta | None = None  # how far past the deadline once breached, in calendar time
    # The time a reopened incident stood resolved, counted by the target, which its resolution
    # clock leaves out; None where it was never reopened (and for a first response).
    excluded: timedelta | None = None

    def clock_waited(self, opened: datetime) -> bool:
        """Whether the clock started after the incident opened (it opened outside working
        hours) and before the response or resolution came, or it has not come yet."""
        return self.clock_start > opened and (self.at is None or self.at > self.clock_start)

    @property
    def clock_not_started(self) -> bool:
        return self.state is DeadlineState.WAITING

    @property
    def working_time(self) -> bool:
        """Whether its target counts working time (business hours), not every hour."""
        return not self.target.wall_clock

    def since(self, opened: datetime) -> timedelta | None:
        """Calendar time from the incident's start to the response or resolution, once made."""
        return None if self.at is None else max(self.at - opened, timedelta(0))

    def as_of(self, moment: datetime) -> Deadline:
        """The deadline as it stood at `moment`: as it is if the response or resolution had come
        by then; else running, waiting, or missed by the time since it fell due."""
        if self.at is not None and self.at <= moment:
            return self
        duration, calendar = self.target.duration, self.target.calendar
        # No time counts between the incident's start and its clock's: the clock's start will do.
        elapsed = duration.spent(calendar, self.clock_start, moment)
        if moment > self.due_at:
            return replace(
                self, at=None, state=DeadlineState.BREACHED, elapsed=elapsed, remaining=None,
                overrun=duration.spent(calendar, self.due_at, moment), late=moment - self.due_at,
            )  # fmt: skip
        state = DeadlineState.WAITING if moment < self.clock_start else DeadlineState.RUNNING
        return replace(
            self, at=None, state=state, elapsed=elapsed,
            remaining=duration.spent(calendar, moment, self.due_at), overrun=None, late=None,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Annotation:
    priority: str
    # The policy the incident is measured under: the one that set its resolution target (else
    # its first response's). The report counts the incident under it, and the JSON API's
    # `policy` and `tier` name it.
    policy: Policy
    tiers: tuple[str, ...]  # every tier the incident touches
    first_response: Deadline | None
    resolution: Deadline | None
    # With several tiers each target is the strictest of theirs: the policy that set each.
    first_response_policy: Policy | None = None
    resolution_policy: Policy | None = None
    set_by_incident: frozenset[DeadlineKind] = frozenset()  # targets the incident set itself
    plan: str = DEFAULT_PLAN

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

    def policy_of(self, kind: DeadlineKind) -> Policy:
        """The policy whose target this deadline is (for one the incident set, the policy it
        replaced, or the one the incident is measured under)."""
        chosen = (
            self.first_response_policy
            if kind is DeadlineKind.FIRST_RESPONSE
            else self.resolution_policy
        )
        return chosen or self.policy

    def by_incident(self, kind: DeadlineKind) -> bool:
        """Whether the incident set this target itself, during the case."""
        return kind in self.set_by_incident

    @property
    def split(self) -> bool:
        """Whether its targets come from different policies (pages then name each one's)."""
        return len({self.policy_of(kind).name for kind, _ in self.deadlines}) > 1


@dataclass(frozen=True, slots=True)
class MaintenanceCheck:
    """Whether a maintenance was announced early enough, falls in an allowed window, and whether
    the work itself, as its updates tell it, kept to the allowed and the announced windows."""

    policy: MaintenancePolicy
    announced: datetime | None  # the announcement of the window in force (see window_moved)
    notice_given: timedelta | None  # time counted by the notice target from announcement to start
    notice_met: bool | None  # None when the policy asks for no notice
    window_met: bool | None  # None when the policy allows any time
    # Whether `announced` is the `## Scheduled` update that moved the window to where it is,
    # rather than the first announcement.
    window_moved: bool = False
    announced_late: bool = False  # whether `announced` came once the window had begun
    # The work as it happened: from its first `in_progress` or `verifying` update (or the
    # scheduled start, where none came first) to its `completed` update (or the scheduled end);
    # None before it began, and the end while it is under way.
    work_started: datetime | None = None
    work_ended: datetime | None = None
    work_as_scheduled: bool = True  # whether the work began and ended as scheduled
    # Whether the work lay inside the allowed windows: None where any time is allowed, before
    # it began, and while under way inside them so far.
    work_met: bool | None = None
    # How long the work ran past the scheduled end (so far, while under way); None if it did not.
    overrun: timedelta | None = None

    @property
    def finished_met(self) -> bool | None:
        """Whether the work ended by the scheduled end: None until it ends or overruns."""
        if self.overrun is not None:
            return False
        return None if self.work_ended is None else True

    @property
    def honoured(self) -> bool:
        return all(
            rule is not False
            for rule in (self.notice_met, self.window_met, self.work_met, self.finished_met)
        )

    @property
    def notice_state(self) -> DeadlineState | None:
        return _rule_state(self.notice_met)

    @property
    def window_state(self) -> DeadlineState | None:
        return _rule_state(self.window_met)

    @property
    def work_state(self) -> DeadlineState | None:
        """How the work itself kept to the allowed windows, where it did not go as scheduled
        (as scheduled, the window's state says it all)."""
        return None if self.work_as_scheduled else _rule_state(self.work_met)

    @property
    def finished_state(self) -> DeadlineState | None:
        return _rule_state(self.finished_met)


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
    policy: Policy
    incidents: int
    first_response: TargetStats
    resolution: TargetStats


@dataclass(frozen=True, slots=True)
class MonthReport:
    month: date  # its first day, in the site's time zone
    rows: tuple[ReportRow, ...]

    @property
    def incidents(self) -> int:
        return sum(row.incidents for row in self.rows)

    @property
    def first_response(self) -> TargetStats:
        """How the month's first responses fared, all policies together (no times)."""
        return _together([row.first_response for row in self.rows])

    @property
    def resolution(self) -> TargetStats:
        """How the month's resolutions fared, all policies together (no times)."""
        return _together([row.resolution for row in self.rows])


def _together(stats: list[TargetStats]) -> TargetStats:
    return TargetStats(
        met=sum(s.met for s in stats),
        breached=sum(s.breached for s in stats),
        running=sum(s.running for s in stats),
        median=None,
        worst=None,
    )
