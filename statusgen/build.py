"""The build pipeline: load → compute → render → write."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from statusgen import load, write
from statusgen.derive.compute import Computed, compute
from statusgen.engine import fingerprint, keys, parallel, store
from statusgen.errors import StatusgenError, TemplateFailed
from statusgen.load.nodes import YEARS
from statusgen.model.content import Site, SiteInfo
from statusgen.model.output import Output
from statusgen.model.state import Snapshot
from statusgen.outputs import api, badges, feeds, ical, pages, static
from statusgen.render import environment

if TYPE_CHECKING:
    import jinja2


@dataclass(frozen=True, slots=True)
class Report:
    site: Site
    snapshot: Snapshot
    files: int


def build_time() -> datetime:
    """Now, or SOURCE_DATE_EPOCH when set, for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return datetime.now(tz=UTC)
    limit = datetime(YEARS[-1] + 1, 1, 1, tzinfo=UTC).timestamp()
    if not epoch.isdigit() or int(epoch) >= limit:
        raise StatusgenError(
            f"SOURCE_DATE_EPOCH '{epoch[:30]}' is not a build time (whole seconds since "
            f"1970-01-01 UTC, before {YEARS[-1] + 1})"
        )
    return datetime.fromtimestamp(int(epoch), tz=UTC)


def check(project: Path, *, now: datetime | None = None) -> Site:
    """Everything a build does but write: whatever this accepts, a build builds.

    Raises what the build would (BuildFailed with every content error, TemplateFailed); the
    cache is read, never written."""
    templates = _Templates(project, use_cache=False, renders_all=True)
    with _collector_paused():
        cached = store.load_cache(project)
        site, _, signatures, computed = _derive(project, now, cached, templates)
    try:
        env = templates.environment(site)
        outputs = _outputs(env, site, signatures, computed)
        write.check_paths(outputs)
        parallel.map_forked(_rendered_size, outputs, minimum=_PARALLEL_RENDER)
    finally:
        gc.unfreeze()
    return site


_PARALLEL_RENDER = 200  # files; fewer render faster than a process starts


def _rendered_size(made: Output) -> int:
    return len(made.bytes())


def build(
    project: Path,
    out: Path,
    *,
    now: datetime | None = None,
    use_cache: bool = True,
    force: bool = False,
) -> Report:
    """Build the site of `project` into `out`, replacing it only when the build is complete.

    With `use_cache`, what the previous build made from unchanged inputs is reused (see cache.py);
    the bytes written are the same either way. `out` is checked first (see
    write.check_destination): OutputError if it is not a place for a site; `force` lets a
    folder that is not a statusgen site be replaced."""
    # Held to the end, not only while writing: the cache read first describes the site in `out`.
    with write.claim(project, out, force=force) as target:
        return _build(project, target, now, use_cache)


def _build(project: Path, out: Path, now: datetime | None, use_cache: bool) -> Report:
    with _collector_paused():
        cached = store.load_cache(project) if use_cache else store.BuildCache()
        # With nothing to reuse, every file is rendered, feeds, calendars and badges included.
        templates = _Templates(project, use_cache, renders_all=not cached.outputs)
        site, parsed, signatures, computed = _derive(project, now, cached, templates)
    try:
        env = templates.environment(site)
        return _render_and_write(
            project, env, out, use_cache, cached, parsed, site, signatures, computed
        )
    finally:
        gc.unfreeze()


def _derive(
    project: Path, now: datetime | None, cached: store.BuildCache, templates: _Templates
) -> tuple[Site, load.ParseCache, keys.Signatures, Computed]:
    """Load and validate everything, then work out the state at `now`; nothing is written."""
    parsed = load.ParseCache(previous=cached.incidents, holidays=cached.holidays)
    # Gather everything first, so a content error never leaves half a site behind.
    site = load.load_site(project, parsed, meanwhile=templates.prepare)
    now = now or build_time()
    if now.tzinfo is None:  # a --now without an offset is read in the site's time zone
        now = now.replace(tzinfo=site.info.timezone)
    zones = load.site_zones(site.info, site.sla)
    signatures = keys.Signatures(fingerprint.fingerprint(project, zones), now)
    computed = compute(site, now, signatures, cached.annotations)
    computed.annotations.work_out_all()
    return site, parsed, signatures, computed


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Load without garbage collection, then freeze what was loaded.

    Loading makes hundreds of thousands of long-lived objects and no garbage cycles; the
    collector would walk all of them again and again (most of an unchanged rebuild's time).
    Frozen, they are left out of later collections until the build ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()


class _Templates:
    """The template environment, prepared while the incidents are parsed (compiling templates
    is a tenth of a small site's build, and the other cores are busy parsing meanwhile)."""

    def __init__(self, project: Path, use_cache: bool, renders_all: bool) -> None:
        self.project = project
        self.renders_all = renders_all
        self.bytecode = project / store.CACHE_DIR / "templates" if use_cache else None
        self.prepared: jinja2.Environment | None = None
        self.failure: TemplateFailed | None = None

    def prepare(self, info: SiteInfo) -> None:

        try:
            self.prepared = environment.make_env(self.project, info, self.bytecode)
            if parallel.worker_count() > 1:  # done once here, not in each rendering process
                environment.compile_templates(self.prepared)
                if self.renders_all:
                    _import_output_libraries()
        except TemplateFailed as failure:  # reported once the content is known to be good
            self.failure = failure

    def environment(self, site: Site) -> jinja2.Environment:
        if self.prepared is None and self.failure is None:  # not prepared during the load
            self.prepare(site.info)
        if self.failure is not None:
            raise self.failure
        assert self.prepared is not None
        return self.prepared


def _import_output_libraries() -> None:
    """The libraries that draw the feeds, calendars and badges (imported where they are used,
    so that a build that redraws none of them does not load them)."""
    import anybadge  # noqa: F401
    import feedgen.feed  # noqa: F401
    import icalendar  # noqa: F401


def _render_and_write(
    project: Path,
    env: jinja2.Environment,
    out: Path,
    use_cache: bool,
    cached: store.BuildCache,
    parsed: load.ParseCache,
    site: Site,
    signatures: keys.Signatures,
    computed: Computed,
) -> Report:
    outputs = _outputs(env, site, signatures, computed)
    resolved = str(out.resolve())
    same_site = cached.out == resolved and write.holds(out, cached.outputs)
    files, written = write.write_site(outputs, out, cached.outputs if same_site else None)
    if use_cache:
        fresh = store.BuildCache(
            incidents=parsed.current,
            annotations=computed.annotations.to_keep(),
            outputs=written,
            out=resolved,
            holidays=parsed.holidays_now,
        )
        store.save_cache(project, fresh, cached if cached.out or cached.incidents else None)
    return Report(site, computed.snapshot, files)


def _outputs(
    env: jinja2.Environment, site: Site, signatures: keys.Signatures, computed: Computed
) -> list[Output]:
    """Every file of the site, each with how to render it."""
    # The few costly files (the calendars, the feeds, the API) go first: shared out last, one
    # of them could keep a process busy while the others have nothing left to take.
    return [
        *ical.render_calendars(site, computed, signatures),
        *feeds.render_feeds(env, site, computed, signatures),
        *api.render_api(site, computed, signatures),
        *pages.render_pages(env, site, computed, signatures),
        *static.render_static(),
        *badges.render_badges(site, computed, signatures),
    ]
