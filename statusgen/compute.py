"""Everything derived from the content at build time, computed once for every output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import sla, status, uptime
from .cache import Signatures
from .model import IncidentState, Site, Snapshot


@dataclass(frozen=True, slots=True)
class Computed:
    snapshot: Snapshot
    annotations: dict[str, sla.Annotation]  # by incident id
    maintenance: dict[str, sla.MaintenanceCheck]  # by maintenance id
    uptime: dict[str, uptime.Uptime]  # by component id
    report: tuple[sla.MonthReport, ...]  # newest month first


def compute(
    site: Site,
    now: datetime,
    signatures: Signatures | None = None,
    earlier: dict[str, tuple[str, sla.AnnotationRecord]] | None = None,
) -> Computed:
    """The snapshot and all that derives from it. With `signatures`, the final annotations of
    closed incidents are taken from `earlier` builds when the incident is unchanged."""
    snapshot = status.summarize(site, now)
    known = None
    if signatures is not None and earlier:
        previous = earlier

        def known(state: IncidentState) -> sla.Annotation | None:
            found = previous.get(state.id)
            if found is None or found[0] != signatures.state(state):
                return None
            return sla.from_record(found[1], site.sla)

    annotations = sla.annotate_all(snapshot, site.sla, known)
    return Computed(
        snapshot=snapshot,
        annotations=annotations,
        maintenance=sla.check_all_maintenance(snapshot, site.sla),
        uptime=uptime.compute_uptime(snapshot, site.uptime, site.info.timezone),
        report=sla.monthly_report(snapshot, annotations, site.info.timezone),
    )


def annotation_records(
    computed: Computed, signatures: Signatures
) -> dict[str, tuple[str, sla.AnnotationRecord]]:
    """The final annotations of this build's closed incidents, for the next build."""
    states = {s.id: s for s in computed.snapshot.incidents}
    return {
        incident_id: (signatures.state(states[incident_id]), sla.to_record(annotation))
        for incident_id, annotation in computed.annotations.items()
        if not states[incident_id].is_open
    }
