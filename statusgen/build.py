"""The pipeline: load → derive → render → write, run by the engine (see engine/), which makes
it fast and knows nothing of what it makes."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from statusgen import write
from statusgen.engine import Engine
from statusgen.errors import StatusgenError
from statusgen.load.nodes import YEARS
from statusgen.model.content import Site
from statusgen.model.sla import Annotation
from statusgen.model.state import Snapshot
from statusgen.outputs import Inputs, site_outputs
from statusgen.render.i18n import language_warning


@dataclass(frozen=True, slots=True)
class Report:
    site: Site
    snapshot: Snapshot
    # By incident id, then by plan id: each incident's SLA annotations (Derived.plan_annotations).
    sla_annotations: Mapping[str, Mapping[str, Annotation]]
    files: int
    warnings: tuple[str, ...] = ()  # what the build went on despite: a cache left aside, say


def build(
    project: Path,
    out: Path,
    *,
    now: datetime | None = None,
    use_cache: bool = True,
    force: bool = False,
) -> Report:
    """Build the site of `project` into `out`, replacing it only when the build is complete.

    `out` is checked first (see write.check_destination): OutputError if it is not a place for
    a site; `force` lets a folder that is not a statusgen site be replaced. With `use_cache`,
    what the previous build made from unchanged inputs is reused; the bytes are the same."""
    # `out` is held to the end: the cache read first describes the site in it.
    with (
        write.claim(project, out, force=force) as target,
        Engine.running(project, use_cache=use_cache) as engine,
    ):
        site = engine.load()
        derived = engine.derive(site, moment(now, site))
        outputs = site_outputs(Inputs(site, derived, engine.templates(site.info)))
        files = engine.write(outputs, target)
    return Report(
        site, derived.snapshot, derived.plan_annotations, files, _warnings(project, site, engine)
    )


def check(project: Path, *, now: datetime | None = None) -> Report:
    """Everything a build does but write: whatever this accepts, a build builds.

    Raises what the build would (BuildFailed with every content error, TemplateFailed,
    OutputError); the cache is read, never written."""
    with Engine.running(project, keeps=False) as engine:
        site = engine.load()
        derived = engine.derive(site, moment(now, site))
        outputs = site_outputs(Inputs(site, derived, engine.templates(site.info)))
        write.check_paths(outputs)
        files = engine.draw(outputs)
    return Report(
        site, derived.snapshot, derived.plan_annotations, files, _warnings(project, site, engine)
    )


def _warnings(project: Path, site: Site, engine: Engine) -> tuple[str, ...]:
    untranslated = language_warning(project, site.info.language)
    return (*([untranslated] if untranslated else []), *engine.warnings)


def moment(now: datetime | None, site: Site) -> datetime:
    """The build time: `now`, read in the site's time zone if it has no offset; else the clock,
    or SOURCE_DATE_EPOCH when set, for reproducible builds."""
    if now is None:
        return build_time()
    return now if now.tzinfo is not None else now.replace(tzinfo=site.info.timezone)


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
