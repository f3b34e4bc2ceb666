"""Everything derived from the content at build time, computed once for every output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from . import sla, status, uptime
from .cache import Signatures
from .model import Site, Snapshot


@dataclass(frozen=True)
class Computed:
    snapshot: Snapshot
    annotations: sla.Annotations  # by incident id, worked out when asked for
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
    earlier: dict[str, sla.Kept] | None = None,
) -> Computed:
    """The snapshot and all that derives from it. With `signatures`, the final annotations of
    closed incidents are taken from `earlier` builds when the incident is unchanged."""
    snapshot = status.summarize(site, now)
    signature = signatures.state if signatures is not None else None
    return Computed(
        snapshot=snapshot,
        annotations=sla.Annotations(snapshot, site.sla, signature, earlier),
        maintenance=sla.check_all_maintenance(snapshot, site.sla),
        uptime=uptime.compute_uptime(snapshot, site.uptime, site.info.timezone),
        timezone=site.info.timezone,
    )
