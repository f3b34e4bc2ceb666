"""Speed, fenced: everything that makes a build fast, and nothing that decides what it makes.

The stages (load, derive, render and the outputs, write) are plain functions over typed values
and know nothing of this package. An Engine runs the same stages, faster:

- the build cache (store.py): what the previous build parsed, worked out and wrote, kept in
  `.statusgen-cache/` and reused only where its inputs are unchanged (keys.py turns what each
  output declares it shows into its key; fingerprint.py digests everything else that can change
  a byte: configuration, templates, catalogs, statusgen's code, the libraries' versions, the
  time-zone rules and holidays data used);
- work shared out over the cores by forking (parallel.py): parsing, the SLA arithmetic, drawing;
- the template environment compiled once, its macros and labels memoized (templates.py,
  labels.py), and prepared while the incidents are parsed;
- the garbage collector paused while the long-lived content is loaded, then frozen.

The cache can make a build neither wrong nor failed: what it holds carries digests and is
checked before use, and a cache that cannot be read or written is left aside with one warning
(see `warnings`). A cached build writes the same bytes as a cold one.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from statusgen import write
from statusgen.derive import Derived, complete, summarize
from statusgen.engine import annotating, fingerprint, loading, writing
from statusgen.engine.keys import Keys
from statusgen.engine.parallel import map_forked, worker_count
from statusgen.engine.store import CACHE_DIR, BuildCache, load_cache, save_cache
from statusgen.errors import TemplateFailed
from statusgen.model.content import Site, SiteInfo
from statusgen.outputs.base import Output

if TYPE_CHECKING:
    import jinja2

__all__ = ["CACHE_DIR", "Engine", "load_site"]


class Engine:
    """Runs the stages of one build of `project` fast. With `use_cache`, it reuses what the
    previous build kept; with `keeps`, it keeps what this one made for the next (`close()`)."""

    def __init__(self, project: Path, *, use_cache: bool = True, keeps: bool = True) -> None:
        self.project = project
        self.warnings: list[str] = []
        self._keeps = keeps and use_cache
        self._inputs = fingerprint.read_inputs(project)
        with _collector_paused():  # a large site's cache is hundreds of thousands of objects
            self._previous = load_cache(project, self.warn) if use_cache else BuildCache()
        self._kept = BuildCache()
        self._keys: Keys | None = None
        self._templates = _Templates(self, use_cache=self._keeps)

    @property
    def reuses_files(self) -> bool:
        """Whether the previous build left files to reuse (else every file is drawn)."""
        return bool(self._previous.outputs)

    def warn(self, message: str) -> None:
        """Say that the cache is left aside, and why: the first reason only. However many of
        its parts fail (a folder that is a file fails them all), the user reads one line."""
        if not self.warnings:
            self.warnings.append(message)

    @classmethod
    @contextmanager
    def running(
        cls, project: Path, *, use_cache: bool = True, keeps: bool = True
    ) -> Iterator[Engine]:
        """An engine for one build; what it keeps is saved if the build succeeds."""
        engine = cls(project, use_cache=use_cache, keeps=keeps)
        try:
            yield engine
            engine.close()
        finally:
            gc.unfreeze()

    def load(self, *, prepare_templates: bool = True) -> Site:
        """load.load_site; the template environment is prepared meanwhile."""
        meanwhile = self._templates.prepare if prepare_templates else None
        with _collector_paused():
            return loading.load_site(
                self.project, self._inputs, self._previous, self._kept, meanwhile
            )

    def derive(self, site: Site, now: datetime) -> Derived:
        """derive.derive."""
        with _collector_paused():
            zones = fingerprint.site_zones(site.info, site.sla)
            self._keys = Keys(fingerprint.fingerprint(self._inputs, zones), now)
            snapshot = summarize(site, now)
            found, texts, keep = annotating.work_out(
                snapshot, site.sla, self._keys.kept, self._previous.annotations
            )
            self._kept.annotations = keep
            return complete(site, snapshot, found, texts)

    def templates(self, info: SiteInfo) -> jinja2.Environment:
        """render.environment.make_env, fast."""
        return self._templates.environment(info)

    def draw(self, outputs: Sequence[Output]) -> int:
        """Draw every output and throw the bytes away (for `check`); the number of files."""
        map_forked(_drawn_size, outputs, minimum=writing.PARALLEL_DRAW)
        return len(outputs)

    def write(self, outputs: Sequence[Output], out: Path) -> int:
        """write.write_site; the number of files."""
        assert self._keys is not None, "derive() comes first"
        previous = self._previous
        digests = {path: record[1] for path, record in previous.outputs.items()}
        same_site = previous.out == str(out) and write.holds(out, digests)
        records = writing.write_site(
            outputs, out, self._keys, previous.outputs if same_site else {}
        )
        self._kept.outputs, self._kept.out = records, str(out)
        return len(outputs)

    def close(self) -> None:
        """Save what this build made for the next one, unless its inputs changed meanwhile
        (a template saved while pages were drawn, say): then nothing it made is kept."""
        if not self._keeps:
            return
        if fingerprint.read_inputs(self.project) != self._inputs:
            self.warn("the configuration or templates changed during the build; nothing was kept")
            return
        save_cache(self.project, self._kept, self._previous, self.warn)


def load_site(project: Path) -> Site:
    """load.load_site, parsing only the files changed since the last build (the cache is only
    read): for the commands that must validate everything, quickly."""
    with Engine.running(project, keeps=False) as engine:
        return engine.load(prepare_templates=False)


def _drawn_size(output: Output) -> int:
    return len(output.draw())


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Work without garbage collection, then freeze what was made.

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

    def __init__(self, engine: Engine, use_cache: bool) -> None:
        self.engine = engine
        self.keeps = use_cache
        self.prepared: jinja2.Environment | None = None
        self.failure: TemplateFailed | None = None

    def prepare(self, info: SiteInfo) -> None:
        from statusgen.engine import templates  # Jinja and Babel load here, while others parse

        try:
            self.prepared = templates.fast_environment(
                self.engine.project, info, self.engine._inputs, self.keeps, self.engine.warn
            )
            if worker_count() > 1:  # done once here, not in each drawing process
                templates.compile_templates(self.prepared)
                if not self.engine.reuses_files:
                    _import_output_libraries()
        except TemplateFailed as failure:  # reported once the content is known to be good
            self.failure = failure

    def environment(self, info: SiteInfo) -> jinja2.Environment:
        if self.prepared is None and self.failure is None:  # not prepared during the load
            self.prepare(info)
        if self.failure is not None:
            raise self.failure
        assert self.prepared is not None
        return self.prepared


def _import_output_libraries() -> None:
    """The libraries that draw the feeds, calendars and badges (imported where they are used,
    so that a build that draws none of them does not load them; imported here, before the
    work is shared out, when it is, so that each process does not load them again)."""
    import anybadge  # noqa: F401
    import feedgen.feed  # noqa: F401
    import icalendar  # noqa: F401
