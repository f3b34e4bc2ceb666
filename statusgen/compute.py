"""Everything derived from the content at build time, computed once for every output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from . import sla, status, uptime
from .cache import Signatures
from .model import IncidentState, Site, Snapshot


@dataclass(frozen=True)
class Computed:
    snapshot: Snapshot
    annotations: Mapping[str, sla.Annotation]  # by incident id, worked out when asked for
    maintenance: dict[str, sla.MaintenanceCheck]  # by maintenance id
    uptime: dict[str, uptime.Uptime]  # by component id
    timezone: ZoneInfo

    @cached_property
    def report(self) -> tuple[sla.MonthReport, ...]:
        """The monthly SLA report, newest month first (only when a page shows it)."""
        return sla.monthly_report(self.snapshot, self.annotations, self.timezone)


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

    return Computed(
        snapshot=snapshot,
        annotations=sla.Annotations(snapshot, site.sla, known),
        maintenance=sla.check_all_maintenance(snapshot, site.sla),
        uptime=uptime.compute_uptime(snapshot, site.uptime, site.info.timezone),
        timezone=site.info.timezone,
    )


def annotation_records(
    computed: Computed,
    signatures: Signatures,
    earlier: dict[str, tuple[str, sla.AnnotationRecord]],
) -> dict[str, tuple[str, sla.AnnotationRecord]]:
    """The final annotations of this build's closed incidents, for the next build."""
    records = {}
    for state in computed.snapshot.incidents:
        if state.is_open or state.is_maintenance:
            continue
        signature = signatures.state(state)
        found = earlier.get(state.id)
        if found is not None and found[0] == signature:
            records[state.id] = found  # the same record as before
            continue
        annotation = computed.annotations.get(state.id)
        if annotation is not None:
            records[state.id] = (signature, sla.to_record(annotation))
    return records
