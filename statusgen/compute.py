"""Everything derived from the content at build time, computed once for every output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import sla, status, uptime
from .model import Site, Snapshot


@dataclass(frozen=True, slots=True)
class Computed:
    snapshot: Snapshot
    annotations: dict[str, sla.Annotation]  # by incident id
    maintenance: dict[str, sla.MaintenanceCheck]  # by maintenance id
    uptime: dict[str, uptime.Uptime]  # by component id
    report: tuple[sla.MonthReport, ...]  # newest month first


def compute(site: Site, now: datetime) -> Computed:
    snapshot = status.summarize(site, now)
    annotations = sla.annotate_all(snapshot, site.sla)
    return Computed(
        snapshot=snapshot,
        annotations=annotations,
        maintenance=sla.check_all_maintenance(snapshot, site.sla),
        uptime=uptime.compute_uptime(snapshot, site.uptime, site.info.timezone),
        report=sla.monthly_report(snapshot, annotations, site.info.timezone),
    )
