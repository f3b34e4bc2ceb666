"""Machine-readable outputs, written with json.dumps (never templated).

`api/v2/` mirrors Atlassian Statuspage's public status API, so existing clients (aggregators, chat
bots, dashboards) work unchanged: the same endpoints, field names, enum values and nesting as
documented at https://metastatuspage.com/api/v2/ (every Statuspage page serves those docs at
`/api`) and as public pages serve them, e.g. https://www.githubstatus.com/api/v2/summary.json.
statusgen adds fields of its own (`sla`, `maintenance_policy`), which such clients ignore.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from statusgen.derive import Derived
from statusgen.model.content import (
    Component,
    ComponentStatus,
    Group,
    Indicator,
    Site,
    Update,
    UpdateStatus,
)
from statusgen.model.sla import Disclosure
from statusgen.model.state import IncidentState
from statusgen.outputs.base import Inputs, Output, Shows
from statusgen.outputs.plain_text import plain_name, plain_text
from statusgen.outputs.sla_json import as_json, by_plan_json, maintenance_json
from statusgen.render.words import english

RECENT_LIMIT = 50  # Statuspage's incidents.json and scheduled-maintenances.json hold 50
# The pages' headline in English whatever the site's language: clients match Statuspage's words.
INDICATOR_DESCRIPTIONS = {indicator: english(indicator) for indicator in Indicator}
# Statuspage's own words for the transitions it makes on schedule, in English as the rest of the
# API; the pages word them their own way (see render.words).
AUTOMATIC_BODIES = {
    UpdateStatus.IN_PROGRESS: "Scheduled maintenance is currently in progress. We will provide updates as necessary.",
    UpdateStatus.COMPLETED: "The scheduled maintenance has been completed.",
}
_RESTORED = frozenset(
    {
        UpdateStatus.RESOLVED,
        UpdateStatus.POSTMORTEM,
        UpdateStatus.SCHEDULED,
        UpdateStatus.COMPLETED,
        UpdateStatus.CANCELLED,
    }
)


def dump(data: Any) -> bytes:
    # Compact, as Statuspage serves it; and json's fast encoder only works without indent.
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def outputs(inputs: Inputs) -> Iterator[Output]:
    """`api/v2/*.json` in Statuspage's shapes; the SLA data has files of its own (sla_api)."""
    site, derived = inputs.site, inputs.derived
    snapshot = derived.snapshot
    incidents = [s for s in snapshot.incidents if not s.is_maintenance]
    maintenance = [s for s in snapshot.incidents if s.is_maintenance]
    active_and_upcoming = [*snapshot.active_maintenance, *snapshot.upcoming_maintenance]
    made: list[StatuspageApi] = []

    def api() -> StatuspageApi:
        if not made:
            made.append(StatuspageApi(site, derived))
        return made[0]

    def incident_list(key: str, states: Sequence[IncidentState]) -> Callable[[], bytes]:
        return lambda: dump({"page": api().page, key: [api().incident(state) for state in states]})

    # The page, components and status draw on every incident (first and last update times).
    everything = Shows(incidents=snapshot.incidents, clock=True)
    documents: list[tuple[str, Callable[[], bytes]]] = [
        (
            "summary.json",
            lambda: dump(
                {
                    "page": api().page,
                    "components": api().components,
                    "incidents": [api().incident(s) for s in snapshot.open_incidents],
                    "scheduled_maintenances": [api().incident(s) for s in active_and_upcoming],
                    "status": api().status,
                }
            ),
        ),
        ("status.json", lambda: dump({"page": api().page, "status": api().status})),
        ("components.json", lambda: dump({"page": api().page, "components": api().components})),
        ("incidents.json", incident_list("incidents", incidents[:RECENT_LIMIT])),
        ("incidents/unresolved.json", incident_list("incidents", snapshot.open_incidents)),
        (
            "scheduled-maintenances.json",
            incident_list("scheduled_maintenances", maintenance[:RECENT_LIMIT]),
        ),
        (
            "scheduled-maintenances/upcoming.json",
            incident_list("scheduled_maintenances", snapshot.upcoming_maintenance),
        ),
        (
            "scheduled-maintenances/active.json",
            incident_list("scheduled_maintenances", snapshot.active_maintenance),
        ),
    ]
    for name, render in documents:
        path = f"api/v2/{name}"
        yield Output(path, render, everything)


@dataclass(frozen=True, slots=True)
class _Times:
    created: datetime
    updated: datetime


class StatuspageApi:
    """Builds Statuspage's objects from the snapshot; each one once, however often it is listed."""

    def __init__(self, site: Site, derived: Derived) -> None:
        self.site = site
        self.derived = derived
        self.snapshot = derived.snapshot
        self.tz = site.info.timezone
        self.page_id = hashlib.sha256(site.info.url.encode()).hexdigest()[:12]
        moments = [u.at for s in self.snapshot.incidents for u in s.updates]
        page_created = min(moments, default=self.snapshot.now)
        page_updated = max(moments, default=self.snapshot.now)
        self.page = {
            "id": self.page_id,
            "name": plain_name(site.info.title),
            "url": site.info.url.rstrip("/"),
            "time_zone": str(self.tz),
            "updated_at": self.time(page_updated),
        }
        self.status = {
            "indicator": self.snapshot.indicator.value,
            "description": INDICATOR_DESCRIPTIONS[self.snapshot.indicator],
        }
        self._times: dict[str, _Times] = {}
        self._incidents: dict[str, dict[str, Any]] = {}
        for cid, state in self.snapshot.components.items():
            touched = [u.at for s in state.incidents for u in s.updates]
            started = [s.started for s in state.incidents if s.updates]
            created = min(started, default=page_created)
            self._times[cid] = _Times(created, max(touched, default=created))
        self._component_objects = {
            c.id: self._leaf(c, position, group)
            for group in site.groups
            for position, c in enumerate(group.components, start=1)
        }
        self.components: list[dict[str, Any]] = []
        for position, group in enumerate(site.groups, start=1):
            self.components.append(self._group(group, position))
            self.components.extend(self._component_objects[c.id] for c in group.components)

    def time(self, moment: datetime) -> str:
        """ISO 8601 with milliseconds and the page's offset, as Statuspage writes them."""
        return moment.astimezone(self.tz).isoformat(timespec="milliseconds")

    @staticmethod
    def group_id(group: Group) -> str:
        slug = "".join(ch if ch.isalnum() else "-" for ch in group.name.lower()).strip("-")
        return "group-" + "-".join(part for part in slug.split("-") if part)

    def _common(self, position: int, created: datetime, updated: datetime) -> dict[str, Any]:
        return {
            "created_at": self.time(created),
            "updated_at": self.time(updated),
            "position": position,
        }

    def _leaf(self, component: Component, position: int, group: Group) -> dict[str, Any]:
        times = self._times[component.id]
        return {
            "id": component.id,
            "name": plain_name(component.name),
            "status": self.snapshot.components[component.id].status.value,
            **self._common(position, times.created, times.updated),
            "description": plain_name(component.description) or None,
            "showcase": True,
            "start_date": None,
            "group_id": self.group_id(group),
            "page_id": self.page_id,
            "group": False,
            "only_show_if_degraded": False,
        }

    def _group(self, group: Group, position: int) -> dict[str, Any]:
        members = [self._times[c.id] for c in group.components]
        worst = max(self.snapshot.components[c.id].status for c in group.components)
        return {
            "id": self.group_id(group),
            "name": plain_name(group.name),
            "status": worst.value,
            **self._common(
                position, min(t.created for t in members), max(t.updated for t in members)
            ),
            "description": None,
            "showcase": False,
            "start_date": None,
            "group_id": None,
            "page_id": self.page_id,
            "group": True,
            "only_show_if_degraded": False,
            "components": [c.id for c in group.components],
        }

    def incident(self, state: IncidentState) -> dict[str, Any]:
        """The incident's object; made once, however many endpoints list it."""
        if state.id not in self._incidents:
            self._incidents[state.id] = self._incident(state)
        return self._incidents[state.id]

    def incident_as_of(self, state: IncidentState) -> dict[str, Any]:
        """The object of a state other than the snapshot's (the incident as it stood when one
        of its updates was posted, for a webhook): made each time, never kept."""
        return self._incident(state)

    def _incident(self, state: IncidentState) -> dict[str, Any]:
        public = self.site.sla.public
        incident = state.incident
        updates = state.updates  # newest first
        first = updates[-1].at if updates else state.started
        monitoring = [
            u.at for u in updates if u.status in (UpdateStatus.MONITORING, UpdateStatus.VERIFYING)
        ]
        status = state.status
        if status is UpdateStatus.CANCELLED:
            status = UpdateStatus.COMPLETED  # Statuspage has no cancelled state
        data: dict[str, Any] = {
            "id": state.id,
            "name": plain_name(incident.title),
            "status": status.value,
            "created_at": self.time(first),
            "updated_at": self.time(updates[0].at if updates else first),
            "monitoring_at": self.time(min(monitoring)) if monitoring else None,
            "resolved_at": self.time(state.ended) if state.ended else None,
            "impact": "maintenance" if state.is_maintenance else incident.impact.value,
            "shortlink": f"{self.site.info.url}incidents/{state.id}.html",
            "started_at": self.time(state.started),
            "page_id": self.page_id,
            "incident_updates": self._updates(state),
            "components": [self._component_objects[c.id] for c, _ in state.affected],
        }
        if state.is_maintenance:
            assert incident.scheduled_start and incident.scheduled_end
            data["scheduled_for"] = self.time(incident.scheduled_start)
            data["scheduled_until"] = self.time(incident.scheduled_end)
            data["cancelled"] = state.status is UpdateStatus.CANCELLED
            if public is not Disclosure.NONE:
                check = self.derived.maintenance.get(state.id)
                data["maintenance_policy"] = maintenance_json(check, public) if check else None
        elif public is not Disclosure.NONE:
            annotation = self.derived.annotations.get(state.id)
            data["sla"] = as_json(annotation, public) if annotation else None
            if self.site.sla.declared_plans:
                plans = self.derived.plan_annotations.get(state.id, {})
                data["sla_by_plan"] = by_plan_json(plans, self.site.sla)
        return data

    def _updates(self, state: IncidentState) -> list[dict[str, Any]]:
        """Oldest first to follow each component's status, then returned newest first."""
        current = {c.id: ComponentStatus.OPERATIONAL for c, _ in state.affected}
        result = []
        for update, anchor in zip(
            reversed(state.updates), reversed(update_anchors(state)), strict=True
        ):
            affected = []
            for component, status in state.affected:
                new = _status_after(update, status, state.is_maintenance)
                affected.append(
                    {
                        "code": component.id,
                        "name": plain_name(component.name),
                        "old_status": current[component.id].value,
                        "new_status": new.value,
                    }
                )
                current[component.id] = new
            moment = self.time(update.at)
            result.append(
                {
                    "id": update_id(state, update, anchor),
                    "status": update.status.value
                    if update.status is not UpdateStatus.CANCELLED
                    else UpdateStatus.COMPLETED.value,
                    "body": AUTOMATIC_BODIES.get(update.status, "")
                    if update.automatic
                    else plain_text(update.rendered),
                    "incident_id": state.id,
                    "created_at": moment,
                    "updated_at": moment,
                    "display_at": moment,
                    "affected_components": affected or None,
                    "deliver_notifications": True,
                    "custom_tweet": None,
                    "tweet_id": None,
                }
            )
        return result[::-1]


def update_id(state: IncidentState, update: Update, anchor: str | None = None) -> str:
    """Stable across rebuilds and edits of other updates: the incident and the update's anchor
    (`anchor`, when the update shares its own with another: see `update_anchors`)."""
    return f"{state.id}-{(anchor or update.anchor).removeprefix('update-')}"


def update_anchors(state: IncidentState) -> tuple[str, ...]:
    """The anchor of each of `state.updates`, unique within the incident.

    Two updates of one status posted in the same minute share an anchor: the first posted keeps
    it, the later ones get `-2`, `-3`. Which was posted first is read from the file as
    `statusgen update` writes it: from the bottom in a file written newest first, from the top
    in one written oldest first. Adding an update therefore never renames an earlier one."""
    anchors = [update.anchor for update in state.updates]
    if len(set(anchors)) == len(anchors):
        return tuple(anchors)
    by_line = sorted(state.incident.updates, key=lambda u: u.line)
    newest_first = len(by_line) < 2 or by_line[0].at >= by_line[-1].at
    posted = sorted(range(len(anchors)), key=lambda i: state.updates[i].line, reverse=newest_first)
    seen: Counter[str] = Counter()
    unique = list(anchors)
    for index in posted:
        seen[anchors[index]] += 1
        if seen[anchors[index]] > 1:
            unique[index] = f"{anchors[index]}-{seen[anchors[index]]}"
    return tuple(unique)


def _status_after(update: Update, status: ComponentStatus, maintenance: bool) -> ComponentStatus:
    if update.status in _RESTORED:
        return ComponentStatus.OPERATIONAL
    return ComponentStatus.UNDER_MAINTENANCE if maintenance else status
