"""SLA annotations: each incident's priority, policy, deadlines and their state. Pure, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .model import Impact, IncidentState, Snapshot
from .policy import Policy, SlaConfig, Target


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


def annotate_all(snapshot: Snapshot, config: SlaConfig) -> dict[str, Annotation]:
    """Annotations of every incident that a policy covers, by incident id."""
    result = {}
    for state in snapshot.incidents:
        annotation = annotate(state, config, snapshot.now)
        if annotation is not None:
            result[state.id] = annotation
    return result


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
