"""Everything derived from the content at build time, computed once for every output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from zoneinfo import ZoneInfo

from statusgen.derive import status, uptime
from statusgen.derive.annotations import Annotations, Kept
from statusgen.derive.report import monthly_report
from statusgen.derive.sla import check_all_maintenance
from statusgen.engine.keys import Signatures
from statusgen.model.content import Site
from statusgen.model.sla import MaintenanceCheck, MonthReport
from statusgen.model.state import Snapshot


@dataclass(frozen=True)
class Computed:
    snapshot: Snapshot
    annotations: Annotations  # by incident id, worked out when asked for
    maintenance: dict[str, MaintenanceCheck]  # by maintenance id
    uptime: dict[str, uptime.Uptime]  # by component id
    timezone: ZoneInfo

    @cached_property
    def report(self) -> tuple[MonthReport, ...]:
        """The monthly SLA report, newest month first (only when a page shows it)."""
        return monthly_report(self.snapshot, self.annotations, self.timezone)


def compute(
    site: Site,
    now: datetime,
    signatures: Signatures | None = None,
    earlier: dict[str, Kept] | None = None,
) -> Computed:
    """The snapshot and all that derives from it. With `signatures`, the final annotations of
    closed incidents are taken from `earlier` builds when the incident is unchanged."""
    snapshot = status.summarize(site, now)
    signature = signatures.state if signatures is not None else None
    return Computed(
        snapshot=snapshot,
        annotations=Annotations(snapshot, site.sla, signature, earlier),
        maintenance=check_all_maintenance(snapshot, site.sla),
        uptime=uptime.compute_uptime(snapshot, site.uptime, site.info.timezone),
        timezone=site.info.timezone,
    )
