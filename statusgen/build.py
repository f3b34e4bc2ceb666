"""The build pipeline: load → compute → render → write."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import api, load, render, sla, status, uptime
from .model import Site, Snapshot
from .output import write_site


@dataclass(frozen=True, slots=True)
class Report:
    site: Site
    snapshot: Snapshot
    files: int


def build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set, for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC)


def check(project: Path) -> Site:
    """Validate all content; raises BuildFailed with every error."""
    return load.load_site(project)


def build(project: Path, out: Path, *, now: datetime | None = None) -> Report:
    """Build the site of `project` into `out`, replacing it only when the build is complete."""
    # Gather everything first, so a content error never leaves half a site behind.
    site = load.load_site(project)
    now = now or build_time()
    if now.tzinfo is None:  # a --now without an offset is read in the site's time zone
        now = now.replace(tzinfo=site.info.timezone)
    snapshot = status.summarize(site, now)
    annotations = sla.annotate_all(snapshot, site.sla)
    checks = sla.check_all_maintenance(snapshot, site.sla)
    derived = render.Derived(
        annotations=annotations,
        maintenance=checks,
        uptime=uptime.compute_uptime(snapshot, site.uptime, site.info.timezone),
        report=sla.monthly_report(snapshot, annotations, site.info.timezone),
    )
    env = render.make_env(project, site.info)
    outputs = [
        *render.render_pages(env, site, snapshot, derived),
        *render.render_static(),
        *api.render_api(annotations, checks),
    ]
    files = write_site(outputs, out)
    return Report(site, snapshot, files)
