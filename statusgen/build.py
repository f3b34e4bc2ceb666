"""The build pipeline: load → compute → render → write."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from . import api, badges, feeds, ical, load, render
from .compute import compute
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
    computed = compute(site, now)
    env = render.make_env(project, site.info)
    outputs = [
        *render.render_pages(env, site, computed),
        *render.render_static(),
        *api.render_api(site, computed),
        *feeds.render_feeds(env, site, computed),
        *ical.render_calendars(site, computed),
        *badges.render_badges(site, computed),
    ]
    files = write_site(outputs, out)
    return Report(site, computed.snapshot, files)
