"""The SLA rules: each incident's priority, policy and deadlines, and each maintenance's checks."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from statusgen.model.calendars import END_OF_TIME, MINUTES_PER_DAY
from statusgen.model.content import Impact, UpdateStatus
from statusgen.model.sla import (
    DEFAULT_TIER,
    Annotation,
    Deadline,
    DeadlineState,
    Disclosure,
    MaintenanceCheck,
    MaintenancePolicy,
    Policy,
    SlaConfig,
    Target,
)
from statusgen.model.state import IncidentState, Snapshot


def priority_of(state: IncidentState, config: SlaConfig) -> str | None:
    """Explicit priority, else the urgency x impact matrix, else the default by impact."""
    incident = state.incident
    if incident.priority:
        return incident.priority
    if incident.urgency and (incident.urgency, incident.impact) in config.matrix:
        return config.matrix[(incident.urgency, incident.impact)]
    return config.by_impact.get(incident.impact, config.by_impact.get(Impact.NONE))


def annotate(state: IncidentState, config: SlaConfig, now: datetime) -> Annotation | None:
    """The SLA annotation of one incident, or None when no policy applies (or for maintenance,
    or when the site publishes nothing about service levels)."""
    if state.is_maintenance or not config.published:
        return None
    priority = priority_of(state, config)
    if priority is None:
        return None
    tiers = tuple(sorted({component.tier for component, _ in state.affected})) or (DEFAULT_TIER,)
    # A tier without a policy of its own for this priority falls back to the default tier's.
    found = (
        config.policies.get((t, priority)) or config.policies.get((DEFAULT_TIER, priority))
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
            resolution=resolution_deadline(policy.resolution, state.open_spans, now),
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
            target, clock_start, due, at, DeadlineState.MET if met else DeadlineState.BREACHED,
            elapsed=duration.spent(calendar, start, at),
            remaining=None,
            overrun=None if met else duration.spent(calendar, due, at),
            late=None if met else at - due,
        )  # fmt: skip
    if now <= due:
        return Deadline(
            target, clock_start, due, None,
            DeadlineState.WAITING if now < clock_start else DeadlineState.RUNNING,
            elapsed=duration.spent(calendar, start, now),
            remaining=duration.spent(calendar, now, due),
            overrun=None,
        )  # fmt: skip
    return Deadline(
        target, clock_start, due, None, DeadlineState.BREACHED,
        elapsed=duration.spent(calendar, start, now),
        remaining=None,
        overrun=duration.spent(calendar, due, now),
        late=now - due,
    )  # fmt: skip


def resolution_deadline(
    target: Target | None, open_spans: tuple[tuple[datetime, datetime | None], ...], now: datetime
) -> Deadline | None:
    """The resolution deadline of an incident that stood open over `open_spans` (oldest first,
    the last without an end while it is open).

    The clock runs from the start to the last resolution, leaving out the time the incident
    stood resolved before it was reopened, counted as the target counts (working time on its
    calendar, or calendar time): each such spell pushes the due time back by that much. So
    while it is reopened the due time moves, and only time spent open can breach it."""
    if target is None:
        return None
    start, resolved = open_spans[0][0], open_spans[-1][1]
    if len(open_spans) == 1:
        return deadline(target, start, resolved, now)
    calendar, duration = target.calendar, target.duration
    due = duration.due(calendar, start)
    # When it stood resolved: from each resolution to the update that reopened it.
    resolved_spells = [
        (end, begun) for (_, end), (begun, _) in itertools.pairwise(open_spans) if end is not None
    ]
    for end, begun in resolved_spells:
        if end < due:
            due = _pushed_back(target, due, duration.spent(calendar, end, begun))
    reached = now if resolved is None else resolved
    excluded = sum(
        (duration.spent(calendar, end, begun) for end, begun in resolved_spells), timedelta(0)
    )
    open_until = [(begun, min(end or reached, reached)) for begun, end in open_spans]
    elapsed = sum((duration.spent(calendar, a, b) for a, b in open_until), timedelta(0))
    after_due = [(max(a, due), b) for a, b in open_until if b > due]
    overrun = sum((duration.spent(calendar, a, b) for a, b in after_due), timedelta(0))
    late = sum((b - a for a, b in after_due), timedelta(0))
    clock_start = start.astimezone(UTC) if duration.calendar_days else calendar.clock_start(start)
    if resolved is None and now <= due:
        state = DeadlineState.WAITING if now < clock_start else DeadlineState.RUNNING
        return Deadline(
            target, clock_start, due, None, state,
            elapsed=elapsed, remaining=duration.spent(calendar, now, due), overrun=None,
            excluded=excluded,
        )  # fmt: skip
    met = resolved is not None and resolved <= due
    return Deadline(
        target, clock_start, due, resolved, DeadlineState.MET if met else DeadlineState.BREACHED,
        elapsed=elapsed, remaining=None,
        overrun=None if met else overrun,
        late=None if met else late,
        excluded=excluded,
    )  # fmt: skip


def _pushed_back(target: Target, due: datetime, by: timedelta) -> datetime:
    """A due time moved later by `by` of the time the target counts."""
    if target.duration.calendar_days:
        return due + by if due <= END_OF_TIME - by else max(END_OF_TIME, due)
    return target.calendar.add(due, by)


def check_maintenance(
    state: IncidentState, config: SlaConfig, now: datetime
) -> MaintenanceCheck | None:
    """The maintenance rules of the tiers it touches; the first one it breaks wins."""
    if (
        not state.is_maintenance
        or state.status is UpdateStatus.CANCELLED
        or config.public is Disclosure.NONE
    ):
        return None
    tiers = sorted({component.tier for component, _ in state.affected}) or [DEFAULT_TIER]
    found = {
        p.tier: p
        for p in (config.maintenance.get(t) or config.maintenance.get(DEFAULT_TIER) for t in tiers)
        if p is not None
    }
    if not found:
        return None
    incident = state.incident
    assert incident.scheduled_start and incident.scheduled_end
    start, end = incident.scheduled_start, incident.scheduled_end
    announced, moved = _announcement(state)
    # The work as its updates tell it; a maintenance ended before its window opened never ran.
    began = not state.phase.upcoming and state.ended != state.started
    work_started = state.started if began else None
    work_ended = state.ended if began else None
    worked_until = work_ended or now
    overrun = worked_until - end if began and worked_until > end else None

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
        work_met = None
        if policy.windows and work_started is not None:
            # Under way inside the windows so far, it may still leave them: not decided yet.
            inside = within_windows(policy, work_started, worked_until)
            work_met = False if not inside else (None if work_ended is None else True)
        return MaintenanceCheck(
            policy, announced, given, notice_met, window_met,
            window_moved=moved,
            work_started=work_started,
            work_ended=work_ended,
            work_as_scheduled=(work_started, work_ended) in ((start, end), (None, None)),
            work_met=work_met,
            overrun=overrun,
        )  # fmt: skip

    return min(
        (evaluate(p) for _, p in sorted(found.items())),
        key=lambda c: (c.honoured, c.notice_met is not False, c.policy.tier),
    )


def _announcement(state: IncidentState) -> tuple[datetime | None, bool]:
    """When the window in force was announced, and whether by an update that moved it: the
    latest `## Scheduled` update giving a window, else the first `## Scheduled` update."""
    scheduled = [u for u in state.updates if u.status is UpdateStatus.SCHEDULED and not u.automatic]
    moves = [u.at for u in scheduled if u.window is not None]
    if moves:
        return max(moves), True
    return (min(u.at for u in scheduled), False) if scheduled else (None, False)


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
        check = check_maintenance(state, config, snapshot.now)
        if check is not None:
            result[state.id] = check
    return result


def annotate_all(snapshot: Snapshot, config: SlaConfig) -> dict[str, Annotation]:
    """The annotation of every incident a policy covers, by incident id."""
    found = ((s.id, annotate(s, config, snapshot.now)) for s in snapshot.incidents)
    return {incident_id: annotation for incident_id, annotation in found if annotation}
