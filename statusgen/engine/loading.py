"""The load stage, fast: files unchanged since the previous build are not parsed again, the
others are parsed over every core, and the holidays package is read meanwhile by a worker."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path

from statusgen.engine.fingerprint import Inputs, code, library_version, parse_key, site_zones
from statusgen.engine.parallel import map_forked
from statusgen.engine.store import BuildCache, FileStamp, HolidaysKey
from statusgen.errors import SourceError, SourceRef
from statusgen.load import (
    IncidentFile,
    ReadingContext,
    assemble,
    list_incidents,
    load_config,
    parse_incident,
)
from statusgen.load.files import read_regular_file
from statusgen.load.holidays import (
    HolidaysProblem,
    HolidaysSpec,
    PublicHolidays,
    read_holidays,
)
from statusgen.model.content import Incident, Site, SiteInfo

_PARALLEL_PARSE = 500  # files; fewer parse faster than a process starts
Parsed = tuple[Incident | None, list[SourceError]]


def load_site(
    project: Path,
    inputs: Inputs,
    previous: BuildCache,
    kept: BuildCache,
    meanwhile: Callable[[SiteInfo], None] | None = None,
) -> Site:
    """load.load_site, reusing what `previous` parsed and read; what this build parsed and read
    goes into `kept`. `meanwhile`, given the site's settings when they are valid, is done while
    the incidents are parsed."""
    # The configuration is read first without holidays, for what parsing needs: the holidays
    # are read meanwhile, in a worker (the processes forked later, which count the memory of
    # this one again, are spared the package's 17 MB), and the configuration again after.
    draft_errors: list[SourceError] = []
    wanted: list[HolidaysSpec] = []
    draft = load_config(project, draft_errors, partial(_wanted, wanted))
    context = ReadingContext.of(draft, draft_errors)
    key = parse_key(inputs, site_zones(draft.info, draft.sla))
    listing_errors: list[SourceError] = []
    files = list_incidents(project, listing_errors)
    results: list[Parsed] = [(None, [])] * len(files)
    todo: list[tuple[int, IncidentFile, FileStamp]] = []
    for index, file in enumerate(files):
        try:
            status = os.stat(file.native)
        except OSError as error:  # a link to nowhere, say
            problem = SourceError(SourceRef(file.rel, 1), f"cannot be read ({error.strerror})")
            results[index] = (None, [problem])
            continue
        stamp = _stamp(status)
        known = previous.incidents.get(file.rel)
        if known is not None and known[:2] == (stamp, key):
            results[index] = (known[2], [])
            kept.incidents[file.rel] = known
        else:
            todo.append((index, file, stamp))
    holidays = _Holidays(previous.holidays, wanted)
    if len(todo) >= _PARALLEL_PARSE:
        import markdown  # noqa: F401  (once, here, rather than in each worker forked to parse)

    parsed = map_forked(
        partial(_parse, context=context, earlier=previous.incidents, key=key),
        [file for _, file, _ in todo],
        minimum=_PARALLEL_PARSE,
        meanwhile=partial(meanwhile, draft.info) if meanwhile and not draft_errors else None,
        aside=(holidays.read, holidays.receive) if holidays.unread else None,
    )
    for (index, file, stamp), result in zip(todo, parsed, strict=True):
        results[index] = result
        if result[0] is not None:
            # A file changed in the moment it was read may carry the stamp of its earlier
            # bytes (clocks tick coarsely): such a stamp is not trusted, the bytes are read.
            recent = stamp[2] > time.time_ns() - _RACY
            kept.incidents[file.rel] = (_UNTRUSTED if recent else stamp, key, result[0])
    errors: list[SourceError] = []
    config = load_config(project, errors, holidays.lookup)
    kept.holidays.update(holidays.kept)
    return assemble(config, results, errors + listing_errors)


_RACY = 2_000_000_000  # ns
_UNTRUSTED: FileStamp = (-1, -1, -1, -1)


def _stamp(status: os.stat_result) -> FileStamp:
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def _wanted(wanted: list[HolidaysSpec], spec: HolidaysSpec) -> PublicHolidays:
    wanted.append(spec)
    return PublicHolidays({})


def _parse(
    file: IncidentFile,
    context: ReadingContext,
    earlier: Mapping[str, tuple[FileStamp, str, Incident]],
    key: str,
) -> Parsed:
    """One file read and, unless its bytes and the parse key are those it had before, parsed."""
    try:
        raw = read_regular_file(Path(file.native), file.rel)
    except SourceError as error:
        return None, [error]
    known = earlier.get(file.rel)
    if known is not None and known[1] == key:
        if known[2].digest == hashlib.blake2b(raw, digest_size=20).hexdigest():
            return known[2], []  # touched, not changed
    return parse_incident(raw, file.rel, context)


class _Holidays:
    """The public holidays a load needs: those an earlier build read (for this version of the
    package), and those read now."""

    def __init__(
        self, earlier: Mapping[HolidaysKey, PublicHolidays], wanted: list[HolidaysSpec]
    ) -> None:
        # Read by this version of the package, and of statusgen's code (which asks for them).
        self.version = f"{library_version('holidays')} {code().hex()}"
        self.found: dict[HolidaysSpec, PublicHolidays | HolidaysProblem] = {
            spec: earlier[(spec, self.version)]
            for spec in wanted
            if (spec, self.version) in earlier
        }
        self.unread = [spec for spec in dict.fromkeys(wanted) if spec not in self.found]

    def read(self) -> list[PublicHolidays | HolidaysProblem]:
        return [read_holidays(spec) for spec in self.unread]

    def receive(self, read: list[PublicHolidays | HolidaysProblem]) -> None:
        self.found.update(zip(self.unread, read, strict=True))

    def lookup(self, spec: HolidaysSpec) -> PublicHolidays | HolidaysProblem:
        if spec not in self.found:
            self.found[spec] = read_holidays(spec)
        return self.found[spec]

    @property
    def kept(self) -> dict[HolidaysKey, PublicHolidays]:
        return {
            (spec, self.version): days
            for spec, days in self.found.items()
            if not isinstance(days, HolidaysProblem)
        }
