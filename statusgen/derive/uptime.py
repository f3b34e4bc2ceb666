"""Availability per component and day over the last N days. Pure, no I/O.

Each moment of a day counts as downtime by the weight of the worst status its incidents gave the
component at that moment (never twice when incidents overlap). Moments inside a maintenance window
of the component are left out of both the downtime and the measured time. The current day is
measured up to the build time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from statusgen.model.content import ComponentStatus, UpdateStatus, UptimeConfig
from statusgen.model.state import IncidentState, Snapshot

_ZERO = timedelta(0)
_UTC = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class UptimeDay:
    date: date
    measured: timedelta  # time that counts: the day so far, minus maintenance
    downtime: timedelta  # weighted
    worst: ComponentStatus  # the worst status any incident or maintenance gave that day
    incidents: tuple[tuple[IncidentState, ComponentStatus], ...]  # that day, oldest first

    @property
    def availability(self) -> float | None:
        """From 0 to 1, or None when nothing of the day was measured (future, all maintenance)."""
        return availability(self.measured, self.downtime)


@dataclass(frozen=True, slots=True)
class Uptime:
    days: tuple[UptimeDay, ...]  # oldest first
    measured: timedelta
    downtime: timedelta

    @property
    def availability(self) -> float | None:
        return availability(self.measured, self.downtime)


def availability(measured: timedelta, downtime: timedelta) -> float | None:
    if measured <= _ZERO:
        return None
    return max(0.0, 1 - downtime / measured)


@dataclass(frozen=True, slots=True)
class _Span:
    start: datetime
    end: datetime
    status: ComponentStatus
    weight: float | None  # None for maintenance: excluded rather than counted
    state: IncidentState


def compute_uptime(snapshot: Snapshot, config: UptimeConfig, tz: ZoneInfo) -> dict[str, Uptime]:
    """The uptime of every component over the last `config.days` days, today included."""
    now = snapshot.now.astimezone(_UTC)
    today = now.astimezone(tz).date()
    dates = [today - timedelta(days=n) for n in range(config.days - 1, -1, -1)]
    bounds = [_midnight(d, tz) for d in [*dates, today + timedelta(days=1)]]
    window_start = bounds[0]
    result = {}
    for cid, component_state in snapshot.components.items():
        spans: list[_Span] = []
        for state in component_state.incidents:
            if state.ended is not None and state.ended < window_start:
                continue  # over before the window opened
            spans.extend(
                span
                for span in _spans(state, cid, config, now)
                if span.end > window_start or span.start >= window_start
            )
        result[cid] = _measure(dates, bounds, spans, now)
    return result


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(_UTC)


def _spans(state: IncidentState, cid: str, config: UptimeConfig, now: datetime) -> list[_Span]:
    """When the incident or maintenance weighed on the component: each spell it stood open (a
    reopened incident's resolved spells are not outages)."""
    if state.is_maintenance:
        if state.status is UpdateStatus.SCHEDULED or (state.ended and state.ended <= state.started):
            return []  # not begun (or over before it began): nothing to exclude
        status, weight = ComponentStatus.UNDER_MAINTENANCE, None
    else:
        status = next(s for c, s in state.affected if c.id == cid)
        weight = config.weights.get(status, 0.0)
    spans = []
    for begun, ended in state.open_spans:
        start = begun.astimezone(_UTC)
        end = min((ended or now).astimezone(_UTC), now)
        spans.append(_Span(start, max(start, end), status, weight, state))
    return spans


def _measure(
    dates: list[date], bounds: list[datetime], spans: list[_Span], now: datetime
) -> Uptime:
    # A sweep over every instant where something starts or stops, day boundaries included.
    changes: dict[datetime, list[tuple[_Span, int]]] = {}
    for span in spans:
        if span.end > span.start:
            changes.setdefault(span.start, []).append((span, 1))
            changes.setdefault(span.end, []).append((span, -1))
    instants = sorted(set(changes) | set(bounds) | {now})
    active_weights: Counter[float] = Counter()
    maintenance = 0
    measured = [_ZERO] * len(dates)
    downtime = [_ZERO] * len(dates)
    day = -1
    for index, instant in enumerate(instants):
        maintenance += _apply(changes.get(instant, ()), active_weights)
        while day + 1 < len(dates) and instant >= bounds[day + 1]:
            day += 1
        if index + 1 == len(instants) or day < 0 or instant >= now:
            continue
        length = instants[index + 1] - instant
        if maintenance or instant >= bounds[-1]:
            continue
        measured[day] += length
        if active_weights:
            downtime[day] += length * max(active_weights)
    touching = _touching(len(dates), bounds, spans)
    days = tuple(
        UptimeDay(
            date=d,
            measured=measured[i],
            downtime=downtime[i],
            worst=max((s.status for s in touching[i]), default=ComponentStatus.OPERATIONAL),
            incidents=tuple((s.state, s.status) for s in touching[i]),
        )
        for i, d in enumerate(dates)
    )
    return Uptime(days, sum(measured, _ZERO), sum(downtime, _ZERO))


def _apply(changes: Iterable[tuple[_Span, int]], active_weights: Counter[float]) -> int:
    """Count the outages that start and end at an instant; the change in maintenance."""
    maintenance = 0
    for span, delta in changes:
        if span.weight is None:
            maintenance += delta
            continue
        active_weights[span.weight] += delta
        if active_weights[span.weight] == 0:
            del active_weights[span.weight]
    return maintenance


def _touching(count: int, bounds: list[datetime], spans: list[_Span]) -> list[list[_Span]]:
    """The spans that touch each of the `count` days that start at `bounds`."""
    touching: list[list[_Span]] = [[] for _ in range(count)]
    for span in sorted(spans, key=lambda s: (s.start, s.state.id)):
        first = max(0, bisect_right(bounds, span.start) - 1)
        # A span ending exactly at midnight does not touch the day that begins then.
        last = min(count - 1, bisect_left(bounds, span.end) - 1)
        for i in range(first, max(first, last) + 1):
            # A reopened incident touches a day once, however many of its spells fall in it.
            if all(other.state is not span.state for other in touching[i]):
                touching[i].append(span)
    return touching
