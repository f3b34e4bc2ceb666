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
    annotations: Mapping[str, Annotation]  # by incident id: the incidents a policy covers
    maintenance: Mapping[str, MaintenanceCheck]  # by maintenance id
    uptime: Mapping[str, Uptime]  # by component id
    # The `sla` object of some annotations as JSON text, already made (the others are made
    # when shown): by incident id.
    sla_json: Mapping[str, str] = field(default_factory=dict)


def derive(site: Site, now: datetime) -> Derived:
    """The state of everything at `now`."""
    snapshot = summarize(site, now)
    return complete(site, snapshot, annotate_all(snapshot, site.sla))


def complete(
    site: Site,
    snapshot: Snapshot,
    annotations: Mapping[str, Annotation],
    sla_json: Mapping[str, str] | None = None,
) -> Derived:
    """The rest of what derives from the snapshot, given its SLA annotations."""
    return Derived(
        snapshot=snapshot,
        annotations=annotations,
        maintenance=check_all_maintenance(snapshot, site.sla),
        uptime=compute_uptime(snapshot, site.uptime, site.info.timezone),
        sla_json=sla_json or {},
    )
