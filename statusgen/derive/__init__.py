"""What the content means at build time: status, SLA, uptime. Pure functions over the model.

`derive` is the stage; `summarize` and `complete` are its two halves, for a caller that works
out the SLA annotations in between by other means (reusing an earlier build's, say)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from statusgen.derive.sla import annotate_all, check_all_maintenance
from statusgen.derive.status import summarize
from statusgen.derive.uptime import Uptime, compute_uptime
from statusgen.model.content import Site
from statusgen.model.sla import Annotation, MaintenanceCheck
from statusgen.model.state import Snapshot

__all__ = ["Derived", "complete", "derive", "summarize"]


@dataclass(frozen=True, slots=True)
class Derived:
    """Everything the outputs show besides the content itself."""

    snapshot: Snapshot
    # By incident id: the incidents a policy of the default plan covers, and that policy's
    # annotation (what feeds, the JSON API's `sla` and a site without plans show).
    annotations: Mapping[str, Annotation]
    maintenance: Mapping[str, MaintenanceCheck]  # by maintenance id
    uptime: Mapping[str, Uptime]  # by component id
    # The `sla` object of some annotations as JSON text, already made (the others are made
    # when shown): by incident id.
    sla_json: Mapping[str, str] = field(default_factory=dict)
    # By incident id, then by plan id: its annotation under each published plan that covers
    # it, the default plan's first.
    plan_annotations: Mapping[str, Mapping[str, Annotation]] = field(default_factory=dict)

    def annotated(self, incident_id: str) -> bool:
        """Whether a policy of any published plan covers the incident."""
        return incident_id in self.plan_annotations


def derive(site: Site, now: datetime) -> Derived:
    """The state of everything at `now`."""
    snapshot = summarize(site, now)
    return complete(site, snapshot, annotate_all(snapshot, site.sla))


def complete(
    site: Site,
    snapshot: Snapshot,
    annotations: Mapping[str, Mapping[str, Annotation]],
    sla_json: Mapping[str, str] | None = None,
) -> Derived:
    """The rest of what derives from the snapshot, given its SLA annotations by incident id
    and plan id."""
    default = site.sla.default_plan
    return Derived(
        snapshot=snapshot,
        annotations={
            incident_id: by_plan[default.id]
            for incident_id, by_plan in annotations.items()
            if default is not None and default.id in by_plan
        },
        maintenance=check_all_maintenance(snapshot, site.sla),
        uptime=compute_uptime(snapshot, site.uptime, site.info.timezone),
        sla_json=sla_json or {},
        plan_annotations=annotations,
    )
