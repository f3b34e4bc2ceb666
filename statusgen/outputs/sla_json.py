"""SLA annotations and maintenance checks as the JSON API shows them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from statusgen.model.sla import (
    Annotation,
    Deadline,
    DeadlineKind,
    Disclosure,
    MaintenanceCheck,
    SlaConfig,
)


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def as_json(annotation: Annotation, public: Disclosure = Disclosure.FULL) -> dict[str, Any]:
    """The `sla` object of the JSON API; where only outcomes are published, only each
    deadline's state (a clock not yet started is running)."""
    if public is not Disclosure.FULL:
        return {
            kind: None if d is None else {"state": d.state.summarized.value}
            for kind, d in (
                ("first_response", annotation.first_response),
                ("resolution", annotation.resolution),
            )
        }

    def target(kind: DeadlineKind, d: Deadline | None) -> dict[str, Any] | None:
        if d is None:
            return None
        policy = annotation.policy_of(kind)
        return {
            "target": d.target.duration.text,
            "set_by": "incident" if annotation.by_incident(kind) else "policy",
            "policy": policy.name,
            "tier": policy.tier,
            "calendar": d.target.calendar.name,
            "clock_start": _iso(d.clock_start),
            "due_at": _iso(d.due_at),
            "at": _iso(d.at),
            "state": d.state.value,
            "elapsed": _seconds(d.elapsed),
            "remaining": _seconds(d.remaining),
            "overrun": _seconds(d.overrun),
            "late": _seconds(d.late),
        }

    def resolution(d: Deadline | None) -> dict[str, Any] | None:
        shown = target(DeadlineKind.RESOLUTION, d)
        if d is None or shown is None:
            return shown
        # The time it stood resolved before it was reopened, which its clock leaves out.
        return shown | {"excluded": _seconds(d.excluded or timedelta(0))}

    calendars = {
        d.target.calendar.name for d in (annotation.first_response, annotation.resolution) if d
    }
    return {
        "priority": annotation.priority,
        "tier": annotation.policy.tier,
        "tiers": list(annotation.tiers),
        "policy": annotation.policy.name,
        "calendar": ", ".join(sorted(calendars)),
        "first_response": target(DeadlineKind.FIRST_RESPONSE, annotation.first_response),
        "resolution": resolution(annotation.resolution),
    }


def maintenance_json(
    check: MaintenanceCheck, public: Disclosure = Disclosure.FULL
) -> dict[str, Any]:
    """The `maintenance_policy` object of a maintenance in the JSON API; where only outcomes
    are published, only whether each rule was honoured."""
    policy = check.policy
    work: dict[str, Any] | None = None
    if check.work_started is not None:
        work = {"window_met": check.work_met, "finished_met": check.finished_met}
    if public is not Disclosure.FULL:
        return {
            "notice": None if policy.notice is None else {"met": check.notice_met},
            "window": {"met": check.window_met} if policy.windows else None,
            "work": work,
            "honoured": check.honoured,
        }
    if work is not None:
        work = {
            "started_at": _iso(check.work_started),
            "ended_at": _iso(check.work_ended),
            "overrun": _seconds(check.overrun),
        } | work
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
        "window_moved": check.window_moved,
        "notice": notice,
        "window": window,
        "work": work,
        "honoured": check.honoured,
    }


def sla_json_text(annotation: Annotation, public: Disclosure) -> str:
    """The `sla` object as compact JSON text."""
    return json.dumps(as_json(annotation, public), ensure_ascii=False, separators=(",", ":"))


def by_plan_json(
    annotations: Mapping[str, Annotation], config: SlaConfig
) -> dict[str, dict[str, Any] | None]:
    """The `sla_by_plan` object: the `sla` object of each published plan, by plan id, the
    default plan's first; null for a plan none of whose policies covers the incident."""
    return {
        plan.id: as_json(annotations[plan.id], config.public) if plan.id in annotations else None
        for plan in config.published_plans
    }
