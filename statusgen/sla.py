"""SLA annotations: each incident's priority, policy, deadlines and their state. Pure, no I/O."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median
from typing import Any

from .calendars import MINUTES_PER_DAY
from .model import Impact, IncidentState, Snapshot, UpdateStatus
from .parallel import map_forked
from .policy import MaintenancePolicy, Policy, SlaConfig, Target


@dataclass(frozen=True, slots=True)
class Deadline:
    target: Target
    clock_start: datetime  # when the clock started running (after `started` if outside hours)
    due_at: datetime
    at: datetime | None  # when the response or resolution happened
    state: str  # met | breached | running
    elapsed: timedelta  # working time used so far (or in all)
    remaining: timedelta | None  # working time left, while running
    overrun: timedelta | None  # how far past the deadline, once breached


@dataclass(frozen=True, slots=True)
class Annotation:
    priority: str
    policy: Policy
    tiers: tuple[str, ...]  # every tier the incident touches
    first_response: Deadline | None
    resolution: Deadline | None


def priority_of(state: IncidentState, config: SlaConfig) -> str | None:
    """Explicit priority, else the urgency x impact matrix, else the default by impact."""
    incident = state.incident
    if incident.priority:
        return incident.priority
    if incident.urgency and (incident.urgency, incident.impact) in config.matrix:
        return config.matrix[(incident.urgency, incident.impact)]
    return config.by_impact.get(incident.impact, config.by_impact.get(Impact.NONE))


def annotate(state: IncidentState, config: SlaConfig, now: datetime) -> Annotation | None:
    """The SLA annotation of one incident, or None when no policy applies (or for maintenance)."""
    if state.is_maintenance or not config.enabled:
        return None
    priority = priority_of(state, config)
    if priority is None:
        return None
    tiers = tuple(sorted({component.tier for component, _ in state.affected})) or ("default",)
    # A tier without a policy of its own for this priority falls back to the "default" tier's.
    found = (
        config.policies.get((t, priority)) or config.policies.get(("default", priority))
        for t in tiers
    )
    candidates = sorted({p.name: p for p in found if p is not None}.values(), key=lambda p: p.name)
    if not candidates:
        return None
    start = state.started
    responded = state.updates[-1].at if state.updates else None

    def evaluate(policy: Policy) -> Annotation:
        return Annotation(
            priority=priority,
            policy=policy,
            tiers=tiers,
            first_response=deadline(policy.first_response, start, responded, now),
            resolution=deadline(policy.resolution, start, state.ended, now),
        )

    far = datetime.max.replace(tzinfo=UTC)
    # The strictest policy is the one whose resolution (then first response) falls due first.
    return min(
        (evaluate(p) for p in candidates),
        key=lambda a: (
            a.resolution.due_at if a.resolution else far,
            a.first_response.due_at if a.first_response else far,
            a.policy.tier,
        ),
    )


def deadline(
    target: Target | None, start: datetime, at: datetime | None, now: datetime
) -> Deadline | None:
    if target is None:
        return None
    calendar, duration = target.calendar, target.duration
    clock_start = start.astimezone(UTC) if duration.calendar_days else calendar.clock_start(start)
    due = duration.due(calendar, start)
    if at is not None:
        met = at <= due
        return Deadline(
            target, clock_start, due, at, "met" if met else "breached",
            elapsed=duration.spent(calendar, start, at),
            remaining=None,
            overrun=None if met else duration.spent(calendar, due, at),
        )  # fmt: skip
    if now <= due:
        return Deadline(
            target, clock_start, due, None, "running",
            elapsed=duration.spent(calendar, start, now),
            remaining=duration.spent(calendar, now, due),
            overrun=None,
        )  # fmt: skip
    return Deadline(
        target, clock_start, due, None, "breached",
        elapsed=duration.spent(calendar, start, now),
        remaining=None,
        overrun=duration.spent(calendar, due, now),
    )  # fmt: skip


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


def check_maintenance(state: IncidentState, config: SlaConfig) -> MaintenanceCheck | None:
    """The maintenance rules of the tiers it touches; the first one it breaks wins."""
    if not state.is_maintenance or state.status is UpdateStatus.CANCELLED:
        return None
    tiers = sorted({component.tier for component, _ in state.affected}) or ["default"]
    found = {
        p.tier: p
        for p in (config.maintenance.get(t) or config.maintenance.get("default") for t in tiers)
        if p is not None
    }
    if not found:
        return None
    incident = state.incident
    assert incident.scheduled_start and incident.scheduled_end
    start, end = incident.scheduled_start, incident.scheduled_end
    announcements = [
        u.at for u in state.updates if u.status is UpdateStatus.SCHEDULED and not u.automatic
    ]
    announced = min(announcements) if announcements else None

    def evaluate(policy: MaintenancePolicy) -> MaintenanceCheck:
        given = notice_met = None
        if policy.notice is not None:
            duration, calendar = policy.notice.duration, policy.notice.calendar
            if announced is None:
                notice_met = False
            else:
                given = duration.spent(calendar, announced, start)
                notice_met = duration.due(calendar, announced) <= start
        window_met = within_windows(policy, start, end) if policy.windows else None
        return MaintenanceCheck(policy, announced, given, notice_met, window_met)

    return min(
        (evaluate(p) for _, p in sorted(found.items())),
        key=lambda c: (c.honoured, c.notice_met is not False, c.policy.tier),
    )


def within_windows(policy: MaintenancePolicy, start: datetime, end: datetime) -> bool:
    """Whether [start, end] lies inside the allowed windows (back-to-back windows join up)."""
    tz = policy.timezone
    covered, until = start.astimezone(UTC), end.astimezone(UTC)
    day = start.astimezone(tz).date() - timedelta(days=1)
    # Day by day, in order, so that the first gap ends the search: a long window is not walked
    # whole. A day's windows end by the next midnight, before the next day's begin.
    while True:
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz)
        for begin, finish in sorted(
            (_at(midnight, window.start, tz), _at(midnight, window.end, tz))
            for window in policy.windows
            if day.weekday() in window.days
        ):
            if begin > covered:
                return covered >= until
            covered = max(covered, finish)
        if covered >= until:
            return True
        if covered < _at(midnight, MINUTES_PER_DAY, tz):
            return False  # nothing covers the rest of the day
        day += timedelta(days=1)


def _at(midnight: datetime, minutes: int, tz: Any) -> datetime:
    local = midnight + timedelta(minutes=minutes)  # wall-clock arithmetic, then resolved in tz
    return local.replace(tzinfo=tz).astimezone(UTC)


def check_all_maintenance(snapshot: Snapshot, config: SlaConfig) -> dict[str, MaintenanceCheck]:
    result = {}
    for state in snapshot.incidents:
        check = check_maintenance(state, config)
        if check is not None:
            result[state.id] = check
    return result


# What a build keeps of a closed incident's annotation for the next one: the incident's
# signature, the annotation as plain values, and its `sla` object as JSON text.
Kept = tuple[str, "AnnotationRecord", str]


class Annotations(Mapping[str, Annotation]):
    """The annotation of every incident that a policy covers, by incident id, each worked out
    the first time it is asked for: a rebuild that reuses a page never needs its annotation.

    With `signature` and `earlier`, a closed incident whose signature is unchanged takes its
    annotation (and its JSON) from an earlier build instead of the calendar arithmetic."""

    def __init__(
        self,
        snapshot: Snapshot,
        config: SlaConfig,
        signature: Callable[[IncidentState], str] | None = None,
        earlier: dict[str, Kept] | None = None,
    ) -> None:
        self._snapshot = snapshot
        self._config = config
        self._signature = signature
        self._earlier = earlier or {}
        self._states = {s.id: s for s in snapshot.incidents}
        self._found: dict[str, Annotation | None] = {}
        self._json: dict[str, str] = {}

    def work_out_all(self) -> None:
        """Work out now, over every core, each annotation not taken from an earlier build.

        A first build needs them all (the report and the API show every incident); asked for
        one by one, each rendering process would work out most of them again."""
        missing = [i for i in self._states if i not in self._found and self.kept(i) is None]
        for incident_id, worked_out in zip(
            missing, map_forked(self._worked_out, missing, minimum=500), strict=True
        ):
            if worked_out is None:
                self._found[incident_id] = None
            else:
                self._found[incident_id] = from_record(worked_out[0], self._config)
                self._json[incident_id] = worked_out[1]

    def _worked_out(self, incident_id: str) -> tuple[AnnotationRecord, str] | None:
        annotation = annotate(self._states[incident_id], self._config, self._snapshot.now)
        if annotation is None:
            return None
        return to_record(annotation), _json_text(annotation)

    def kept(self, incident_id: str) -> Kept | None:
        """The earlier build's record of this incident, if it still holds."""
        state = self._states.get(incident_id)
        found = self._earlier.get(incident_id)
        if state is None or found is None or state.is_open or self._signature is None:
            return None
        return found if found[0] == self._signature(state) else None

    def _annotation(self, incident_id: str) -> Annotation | None:
        if incident_id not in self._found:
            state = self._states.get(incident_id)
            annotation = None
            kept = self.kept(incident_id)
            if kept is not None:
                annotation = from_record(kept[1], self._config)
            if state is not None and annotation is None:
                annotation = annotate(state, self._config, self._snapshot.now)
            self._found[incident_id] = annotation
        return self._found[incident_id]

    def covers(self, incident_id: str) -> bool:
        return self.kept(incident_id) is not None or self._annotation(incident_id) is not None

    def json_text(self, incident_id: str) -> str:
        """The `sla` object of this incident as compact JSON."""
        kept = self.kept(incident_id)
        if kept is not None:
            return kept[2]
        if incident_id not in self._json:
            self._json[incident_id] = _json_text(self[incident_id])
        return self._json[incident_id]

    def to_keep(self) -> dict[str, Kept]:
        """What the next build can reuse: every closed incident's annotation."""
        result = {}
        for incident_id, state in self._states.items():
            if state.is_open or state.is_maintenance or self._signature is None:
                continue
            kept = self.kept(incident_id)
            if kept is None:
                annotation = self._annotation(incident_id)
                if annotation is None:
                    continue
                kept = (self._signature(state), to_record(annotation), self.json_text(incident_id))
            result[incident_id] = kept
        return result

    def __getitem__(self, incident_id: str) -> Annotation:
        annotation = self._annotation(incident_id)
        if annotation is None:
            raise KeyError(incident_id)
        return annotation

    def __iter__(self) -> Iterator[str]:
        return (i for i in self._states if self.covers(i))

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _json_text(annotation: Annotation) -> str:
    return json.dumps(as_json(annotation), ensure_ascii=False, separators=(",", ":"))


AnnotationRecord = tuple[
    str, str, str, tuple[str, ...], tuple[Any, ...] | None, tuple[Any, ...] | None
]


def to_record(annotation: Annotation) -> AnnotationRecord:
    """A closed incident's annotation as plain values, for the build cache."""

    def values(d: Deadline | None) -> tuple[Any, ...] | None:
        if d is None:
            return None
        return (d.clock_start, d.due_at, d.at, d.state, d.elapsed, d.remaining, d.overrun)

    policy = annotation.policy
    return (
        annotation.priority,
        policy.tier,
        policy.priority,
        annotation.tiers,
        values(annotation.first_response),
        values(annotation.resolution),
    )


def from_record(record: AnnotationRecord, config: SlaConfig) -> Annotation | None:
    """The annotation again, with the current configuration's policy; None if it is gone."""
    priority, tier, policy_priority, tiers, first, resolution = record
    policy = config.policies.get((tier, policy_priority))
    if policy is None:
        return None

    def deadline_of(target: Target | None, values: tuple[Any, ...] | None) -> Deadline | None:
        if target is None or values is None:
            return None
        return Deadline(target, *values)

    return Annotation(
        priority,
        policy,
        tiers,
        deadline_of(policy.first_response, first),
        deadline_of(policy.resolution, resolution),
    )


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


def monthly_report(
    snapshot: Snapshot, annotations: Mapping[str, Annotation], tz: Any
) -> tuple[MonthReport, ...]:
    """Per month (newest first), tier and priority: how the SLA targets fared."""
    groups: dict[date, dict[tuple[str, str], list[Annotation]]] = {}
    for state in snapshot.incidents:
        annotation = annotations.get(state.id)
        if annotation is None:
            continue
        month = state.started.astimezone(tz).date().replace(day=1)
        key = (annotation.policy.tier, annotation.priority)
        groups.setdefault(month, {}).setdefault(key, []).append(annotation)
    return tuple(
        MonthReport(month, tuple(_row(t, p, found) for (t, p), found in sorted(rows.items())))
        for month, rows in sorted(groups.items(), reverse=True)
    )


def _row(tier: str, priority: str, annotations: list[Annotation]) -> ReportRow:
    return ReportRow(
        tier,
        priority,
        len(annotations),
        _stats([a.first_response for a in annotations]),
        _stats([a.resolution for a in annotations]),
    )


def _stats(deadlines: list[Deadline | None]) -> TargetStats:
    present = [d for d in deadlines if d is not None]
    times = sorted(d.elapsed for d in present if d.at is not None)
    return TargetStats(
        met=sum(d.state == "met" for d in present),
        breached=sum(d.state == "breached" for d in present),
        running=sum(d.state == "running" for d in present),
        median=_median(times),
        worst=times[-1] if times else None,
    )


def _median(times: list[timedelta]) -> timedelta | None:
    if not times:
        return None
    return timedelta(seconds=round(median(t.total_seconds() for t in times)))


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def as_json(annotation: Annotation) -> dict[str, Any]:
    """The `sla` object of the JSON API."""

    def target(d: Deadline | None) -> dict[str, Any] | None:
        if d is None:
            return None
        return {
            "target": d.target.duration.text,
            "calendar": d.target.calendar.name,
            "clock_start": _iso(d.clock_start),
            "due_at": _iso(d.due_at),
            "at": _iso(d.at),
            "state": d.state,
            "elapsed": _seconds(d.elapsed),
            "remaining": _seconds(d.remaining),
            "overrun": _seconds(d.overrun),
        }

    calendars = {
        d.target.calendar.name for d in (annotation.first_response, annotation.resolution) if d
    }
    return {
        "priority": annotation.priority,
        "tier": annotation.policy.tier,
        "tiers": list(annotation.tiers),
        "policy": annotation.policy.name,
        "calendar": ", ".join(sorted(calendars)),
        "first_response": target(annotation.first_response),
        "resolution": target(annotation.resolution),
    }


def maintenance_json(check: MaintenanceCheck) -> dict[str, Any]:
    """The `maintenance_policy` object of a maintenance in the JSON API."""
    policy = check.policy
    notice = None
    if policy.notice is not None:
        notice = {
            "target": policy.notice.duration.text,
            "calendar": policy.notice.calendar.name,
            "given": _seconds(check.notice_given),
            "met": check.notice_met,
        }
    window = None
    if policy.windows:
        window = {
            "allowed": [w.text for w in policy.windows],
            "timezone": str(policy.timezone),
            "met": check.window_met,
        }
    return {
        "policy": policy.name,
        "tier": policy.tier,
        "announced_at": _iso(check.announced),
        "notice": notice,
        "window": window,
        "honoured": check.honoured,
    }
