"""The monthly SLA report: how each tier and priority fared, under each published plan."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from statistics import median
from typing import Any

from statusgen.model.sla import (
    Annotation,
    Deadline,
    DeadlineState,
    MonthReport,
    Plan,
    ReportRow,
    SlaConfig,
    TargetStats,
)
from statusgen.model.state import Snapshot


def monthly_report(
    snapshot: Snapshot, annotations: Mapping[str, Annotation], tz: Any
) -> tuple[MonthReport, ...]:
    """Per month (newest first), tier and priority: how the SLA targets fared. An incident
    counts under the policy it is measured under (Annotation.policy: the one that set its
    resolution target), each of its targets by the deadline it had, whichever tier set it."""
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


def plan_reports(
    snapshot: Snapshot,
    plan_annotations: Mapping[str, Mapping[str, Annotation]],
    config: SlaConfig,
    tz: Any,
) -> tuple[tuple[Plan, tuple[MonthReport, ...]], ...]:
    """The monthly report of each published plan, the default plan's first."""
    return tuple(
        (
            plan,
            monthly_report(
                snapshot,
                {
                    incident_id: by_plan[plan.id]
                    for incident_id, by_plan in plan_annotations.items()
                    if plan.id in by_plan
                },
                tz,
            ),
        )
        for plan in config.published_plans
    )


def _row(tier: str, priority: str, annotations: list[Annotation]) -> ReportRow:
    return ReportRow(
        tier,
        priority,
        annotations[0].policy,
        len(annotations),
        _stats([a.first_response for a in annotations]),
        _stats([a.resolution for a in annotations]),
    )


def _stats(deadlines: list[Deadline | None]) -> TargetStats:
    present = [d for d in deadlines if d is not None]
    times = sorted(d.elapsed for d in present if d.at is not None)
    return TargetStats(
        met=sum(d.state is DeadlineState.MET for d in present),
        breached=sum(d.state is DeadlineState.BREACHED for d in present),
        running=sum(d.state.pending for d in present),
        median=_median(times),
        worst=times[-1] if times else None,
    )


def _median(times: list[timedelta]) -> timedelta | None:
    if not times:
        return None
    return timedelta(seconds=round(median(t.total_seconds() for t in times)))
