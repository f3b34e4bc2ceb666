"""The SLA rules: each incident's priority, policy and deadlines, and each maintenance's checks."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from statusgen.derive.priority import priority_of
from statusgen.model.calendars import END_OF_TIME, MINUTES_PER_DAY
from statusgen.model.content import CaseTarget, UpdateStatus
from statusgen.model.sla import (
    DEFAULT_TIER,
    Annotation,
    Deadline,
    DeadlineKind,
    DeadlineState,
    Disclosure,
    MaintenanceCheck,
    MaintenancePolicy,
    Plan,
    Policy,
    SlaConfig,
    Target,
)
from statusgen.model.state import IncidentState, Snapshot


def annotate(
    state: IncidentState, config: SlaConfig, now: datetime, plan: Plan | None = None
) -> Annotation | None:
    """The SLA annotation of one incident under a plan (the default one unless given), or
    None when no policy applies (or for maintenance, or when the site publishes nothing about
    service levels).

    With several tiers each target is the strictest (the earliest due) of the tiers' targets
    of its kind; a target the incident set itself replaces the policies' of its kind."""
    plan = plan or config.default_plan
    if state.is_maintenance or not config.published or plan is None:
        return None
    priority = priority_of(state, plan.priority_rules)
    if priority is None:
        return None
    tiers = tuple(sorted({component.tier for component, _ in state.affected})) or (DEFAULT_TIER,)
    # A tier without a policy of its own for this priority falls back to the default tier's.
    found = (
        plan.policies.get((t, priority)) or plan.policies.get((DEFAULT_TIER, priority))
        for t in tiers
    )
    candidates = sorted({p.name: p for p in found if p is not None}.values(), key=lambda p: p.name)
    if not candidates:
        return None
    chosen: dict[DeadlineKind, tuple[Policy, Deadline]] = {}
    for kind in DeadlineKind:
        marks = [
            (mark, policy)
            for policy in candidates
            if (mark := _measure(kind, _target(policy, kind), state, now)) is not None
        ]
        if marks:
            mark, policy = min(marks, key=lambda m: (m[0].due_at, m[1].tier))
            chosen[kind] = (policy, mark)
    # Measured under the policy that set the resolution, else the first response.
    measured = next(
        (
            chosen[k][0]
            for k in (DeadlineKind.RESOLUTION, DeadlineKind.FIRST_RESPONSE)
            if k in chosen
        ),
        candidates[0],
    )
    own = case_targets(state)
    for kind, case in own.items():
        policy = chosen[kind][0] if kind in chosen else measured
        target = case_target(case, policy, plan)
        mark = _measure(kind, target, state, now)
        assert mark is not None
        chosen[kind] = (policy, mark)
    return Annotation(
        priority=priority,
        policy=measured,
        tiers=tiers,
        first_response=_mark(chosen, DeadlineKind.FIRST_RESPONSE),
        resolution=_mark(chosen, DeadlineKind.RESOLUTION),
        first_response_policy=_policy(chosen, DeadlineKind.FIRST_RESPONSE),
        resolution_policy=_policy(chosen, DeadlineKind.RESOLUTION),
        set_by_incident=frozenset(own),
        plan=plan.id,
    )


def annotate_plans(state: IncidentState, config: SlaConfig, now: datetime) -> dict[str, Annotation]:
    """The annotation of one incident under each published plan that covers it, by plan id,
    the default plan's first."""
    found = ((plan.id, annotate(state, config, now, plan)) for plan in config.published_plans)
    return {plan_id: annotation for plan_id, annotation in found if annotation is not None}


def case_targets(state: IncidentState) -> dict[DeadlineKind, CaseTarget]:
    """The targets the incident set itself: its front matter's, each replaced by the later
    updates' of its kind."""
    found = {DeadlineKind(t.kind): t for t in state.incident.targets}
    for update in reversed(state.updates):  # oldest first
        found.update((DeadlineKind(t.kind), t) for t in update.targets)
    return found


def case_target(case: CaseTarget, policy: Policy, plan: Plan) -> Target:
    """A target the incident set, on the calendar it names, else the policy's for that kind."""
    kind = DeadlineKind(case.kind)
    named = plan.calendars.get(case.calendar) if case.calendar else None
    calendar = named or policy.calendar_of(kind) or plan.calendars["24x7"]
    return Target(case.duration, calendar)


def _measure(
    kind: DeadlineKind, target: Target | None, state: IncidentState, now: datetime
) -> Deadline | None:
    """The deadline of a target of this kind: the first response from the start to the first
    update, the resolution over the spells the incident stood open."""
    if kind is DeadlineKind.RESOLUTION:
        return resolution_deadline(target, state.open_spans, now)
    responded = state.updates[-1].at if state.updates else None
    return deadline(target, state.started, responded, now)


def _target(policy: Policy, kind: DeadlineKind) -> Target | None:
    return policy.first_response if kind is DeadlineKind.FIRST_RESPONSE else policy.resolution


def _mark(
    chosen: dict[DeadlineKind, tuple[Policy, Deadline]], kind: DeadlineKind
) -> Deadline | None:
    return chosen[kind][1] if kind in chosen else None


def _policy(
    chosen: dict[DeadlineKind, tuple[Policy, Deadline]], kind: DeadlineKind
) -> Policy | None:
    return chosen[kind][0] if kind in chosen else None


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
            announced_late=announced is not None and announced >= start,
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


def annotate_all(snapshot: Snapshot, config: SlaConfig) -> dict[str, dict[str, Annotation]]:
    """The annotations of every incident a policy of a published plan covers, by incident id
    and then by plan id (the default plan's first)."""
    found = ((s.id, annotate_plans(s, config, snapshot.now)) for s in snapshot.incidents)
    return {incident_id: by_plan for incident_id, by_plan in found if by_plan}
