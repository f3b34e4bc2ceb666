"""Derived state at build time: incident states, component statuses, the overall indicator."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from statusgen.model.content import (
    CLOSED_STATUSES,
    INCIDENT_STATUSES,
    MAINTENANCE_STATUSES,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    Indicator,
    Kind,
    Site,
    Update,
    UpdateStatus,
)
from statusgen.model.state import ComponentState, Day, IncidentState, Phase, Snapshot

_PHASE = {status: rank for rank, status in enumerate(MAINTENANCE_STATUSES)}
_ORDER = {status: rank for rank, status in enumerate(INCIDENT_STATUSES + MAINTENANCE_STATUSES)}
_IMPACT_INDICATOR = {
    Impact.NONE: Indicator.NONE,
    Impact.MINOR: Indicator.MINOR,
    Impact.MAJOR: Indicator.MAJOR,
    Impact.CRITICAL: Indicator.CRITICAL,
}
_STATUS_INDICATOR = {
    ComponentStatus.OPERATIONAL: Indicator.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Indicator.MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE: Indicator.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Indicator.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Indicator.CRITICAL,
}
ACTIVE_MAINTENANCE = frozenset({UpdateStatus.IN_PROGRESS, UpdateStatus.VERIFYING})
# An incident's statuses and a maintenance's are apart (the loader sees to it), so the latest
# status alone says where either stands.
_PHASES = {
    UpdateStatus.INVESTIGATING: Phase.OPEN,
    UpdateStatus.IDENTIFIED: Phase.OPEN,
    UpdateStatus.MONITORING: Phase.OPEN,
    UpdateStatus.RESOLVED: Phase.RESOLVED,
    UpdateStatus.POSTMORTEM: Phase.RESOLVED,
    UpdateStatus.SCHEDULED: Phase.UPCOMING,
    UpdateStatus.IN_PROGRESS: Phase.IN_PROGRESS,
    UpdateStatus.VERIFYING: Phase.IN_PROGRESS,
    UpdateStatus.COMPLETED: Phase.COMPLETED,
    UpdateStatus.CANCELLED: Phase.CANCELLED,
}
RECENT_DAYS = 7


def summarize(site: Site, now: datetime) -> Snapshot:
    """Everything every output shows, computed once."""
    components = site.components
    states = [
        s for s in (incident_state(i, now, components) for i in site.incidents) if s is not None
    ]
    states.sort(key=lambda s: (s.started, s.id), reverse=True)
    open_incidents = tuple(s for s in states if s.phase is Phase.OPEN)
    active = tuple(s for s in states if s.phase is Phase.IN_PROGRESS)
    upcoming = tuple(
        sorted((s for s in states if s.phase is Phase.UPCOMING), key=lambda s: (s.started, s.id))
    )
    worst: dict[str, ComponentStatus] = {}
    touching: dict[str, list[IncidentState]] = defaultdict(list)
    for state in states:
        for component, status in state.affected:
            touching[component.id].append(state)
            if state.phase.ongoing:
                worst[component.id] = max(worst.get(component.id, status), status)
    component_states = {
        cid: ComponentState(c, worst.get(cid, ComponentStatus.OPERATIONAL), tuple(touching[cid]))
        for cid, c in components.items()
    }
    indicator = max(
        [Indicator.NONE]
        + [_IMPACT_INDICATOR[s.incident.impact] for s in open_incidents]
        + [_STATUS_INDICATOR[s] for s in worst.values()]
    )
    return Snapshot(
        now=now,
        indicator=indicator,
        components=component_states,
        incidents=tuple(states),
        open_incidents=open_incidents,
        active_maintenance=active,
        upcoming_maintenance=upcoming,
        recent_days=recent_days(states, now, site.info.timezone),
    )


def incident_state(
    incident: Incident, now: datetime, components: dict[str, Component]
) -> IncidentState | None:
    """The incident as it stands at `now`, or None if nothing of it had happened yet."""
    updates = [u for u in incident.updates if u.at <= now]
    if incident.kind is Kind.MAINTENANCE:
        updates += automatic_updates(incident, updates, now)
    elif not updates:
        return None
    updates.sort(key=lambda u: (u.at, _ORDER[u.status]), reverse=True)
    if updates:
        status = updates[0].status
    else:
        status = UpdateStatus.SCHEDULED
    is_open = status not in CLOSED_STATUSES
    if incident.kind is Kind.MAINTENANCE:
        assert incident.scheduled_start and incident.scheduled_end
        began = [u.at for u in updates if u.status in ACTIVE_MAINTENANCE]
        started = min(began) if began else incident.scheduled_start
        eta: datetime | None = incident.scheduled_end
    else:
        started = incident.started or updates[-1].at
        eta = next((u.eta for u in updates if u.eta), incident.eta)
    if incident.kind is Kind.MAINTENANCE:
        ended = closed_at(updates) if not is_open else None
        if ended is not None and ended < started:
            # Completed or cancelled before its window opened: it never ran, and ends (and
            # starts) there, lasting nothing, rather than ending before it began.
            started = ended
        spans: tuple[tuple[datetime, datetime | None], ...] = ((started, ended),)
        reopenings: tuple[Update, ...] = ()
    else:
        spans, reopenings = open_spans(started, updates)
        ended = spans[-1][1]
    phase = _PHASES[status]
    if phase is Phase.UPCOMING:
        assert incident.scheduled_length is not None
        duration = incident.scheduled_length  # planned
    else:
        # The time it stood open: a reopened incident's resolved spells are not part of it.
        duration = sum(
            (max((end or now) - begun, timedelta(0)) for begun, end in spans), timedelta(0)
        )
    return IncidentState(
        incident=incident,
        updates=tuple(updates),
        status=status,
        phase=phase,
        is_open=is_open,
        started=started,
        ended=ended,
        duration=duration,
        eta=eta,
        eta_passed=bool(is_open and eta is not None and now > eta),
        affected=tuple((components[cid], status) for cid, status in incident.components),
        open_spans=spans,
        reopenings=reopenings,
    )


def closed_at(updates: list[Update]) -> datetime:
    """When a closed maintenance ended, from its updates (newest first, the newest closing it):
    its latest `completed` or `cancelled` update since it was last under way or scheduled."""
    closing = []
    for update in updates:
        if update.status not in CLOSED_STATUSES:
            break
        closing.append(update)
    return _closed_by(closing[::-1])


def open_spans(
    started: datetime, updates: list[Update]
) -> tuple[tuple[tuple[datetime, datetime | None], ...], tuple[Update, ...]]:
    """When an incident stood open, from its updates (newest first), and the updates that
    reopened it: an update that is not a resolution, posted after one, opens it again.

    Each spell ends at the latest `resolved` update that followed it; a postmortem closes it
    only where no resolution came, at the first postmortem: it is written after the fact, so
    after a resolution it moves nothing, and after a reopening it brings back no earlier
    resolution. Status, SLA, availability and the API all read these spans."""
    spans: list[tuple[datetime, datetime | None]] = []
    reopenings: list[Update] = []
    begun = started
    closing: list[Update] = []  # oldest first, since the incident was last open
    for update in reversed(updates):
        if update.status in CLOSED_STATUSES:
            closing.append(update)
        elif closing:
            spans.append((begun, _closed_by(closing)))
            reopenings.append(update)
            begun, closing = update.at, []
    spans.append((begun, _closed_by(closing) if closing else None))
    return tuple(spans), tuple(reopenings)


def _closed_by(closing: list[Update]) -> datetime:
    """When a run of closing updates (oldest first) closed what it follows: at its latest
    resolution, else at its first update (a postmortem with no resolution before it)."""
    resolutions = [u.at for u in closing if u.status is not UpdateStatus.POSTMORTEM]
    return resolutions[-1] if resolutions else closing[0].at


def automatic_updates(incident: Incident, explicit: list[Update], now: datetime) -> list[Update]:
    """Maintenance starts and ends on schedule unless its updates already said otherwise.

    A transition is skipped when an update names that phase, or reached it (or a later one) first."""
    named = {u.status for u in explicit}
    automatic = []
    for at, status in (
        (incident.scheduled_start, UpdateStatus.IN_PROGRESS),
        (incident.scheduled_end, UpdateStatus.COMPLETED),
    ):
        if at is None or at > now or status in named:
            continue
        if any(u.at <= at and _PHASE[u.status] >= _PHASE[status] for u in explicit):
            continue
        automatic.append(Update(status, at, "", automatic=True))
    return automatic


def recent_days(states: list[IncidentState], now: datetime, tz: ZoneInfo) -> tuple[Day, ...]:
    """The last seven days in the site's time zone, today first, with what started on each."""
    today = now.astimezone(tz).date()
    days = [today - timedelta(days=n) for n in range(RECENT_DAYS)]
    by_day: dict[date, list[IncidentState]] = {d: [] for d in days}
    for state in states:
        if state.phase is Phase.UPCOMING:
            continue
        day = state.started.astimezone(tz).date()
        if day in by_day:
            by_day[day].append(state)
    return tuple(Day(d, tuple(by_day[d])) for d in days)
