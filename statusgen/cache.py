"""The build cache: what a build can reuse from the previous one, in `.statusgen-cache/`.

It holds the incidents as parsed (by path, checked against a digest of each file's bytes and of
the configuration), the final SLA annotations of closed incidents, the public holidays of the
SLA calendars, and the key of every file the last build wrote. An output whose key is unchanged is hard-linked from the previous site instead
of being rendered again. A key digests everything the output shows: the fingerprint (statusgen's
version, the theme, the site's templates, locale and configuration) and the signatures of the
incidents on it, which include the build time only while an incident is still open.

The cache is an optimisation only: deleting it, or `statusgen build --no-cache`, gives the same
bytes, more slowly.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
import zlib
import zoneinfo
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from . import __version__
from .config import CONFIG_FILE
from .errors import StatusgenError
from .model import Incident, IncidentState, Site
from .parallel import map_forked

if TYPE_CHECKING:
    from .load import FileStamp
    from .policy import HolidaysKey

CACHE_DIR = ".statusgen-cache"
_FILE = "build.pickle"
_FORMAT = 8
_STAMP = (_FORMAT, __version__, sys.version_info[:2])


@dataclass
class BuildCache:
    incidents: dict[str, tuple[FileStamp, Incident]] = field(default_factory=dict)  # by path
    # Closed incidents' annotations by id: (signature, record, JSON text); see sla.Kept.
    annotations: dict[str, tuple[str, Any, str]] = field(default_factory=dict)
    outputs: dict[str, tuple[str, int]] = field(default_factory=dict)  # path → (key, size)
    out: str = ""  # the folder those outputs were written to
    # The public holidays of the SLA calendars (see load.ParseCache).
    holidays: dict[HolidaysKey, dict[date, str]] = field(default_factory=dict)


_SHARDS = 16  # incidents are saved in this many files, so an edit rewrites one of them


def _shard(incident_id: str) -> int:
    return zlib.crc32(incident_id.encode()) % _SHARDS


def _split(cache: BuildCache) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    shards: list[tuple[dict[str, Any], dict[str, Any]]] = [({}, {}) for _ in range(_SHARDS)]
    for rel, entry in cache.incidents.items():
        shards[_shard(rel.rpartition("/")[2].removesuffix(".md"))][0][rel] = entry
    for incident_id, kept in cache.annotations.items():
        shards[_shard(incident_id)][1][incident_id] = kept
    return shards


def _read(path: Path) -> Any:
    with path.open("rb") as stream:
        stamp, data = pickle.load(stream)
    if stamp != _STAMP:
        raise ValueError("made by another version")
    return data


def load_cache(project: Path) -> BuildCache:
    """The previous build's cache, or an empty one if there is none or it cannot be read."""
    folder = project / CACHE_DIR
    try:
        outputs, out, holidays = _read(folder / _FILE)
        cache = BuildCache(outputs=outputs, out=out, holidays=holidays)
        for number in range(_SHARDS):
            incidents, annotations = _read(folder / f"incidents-{number:02d}.pickle")
            cache.incidents.update(incidents)
            cache.annotations.update(annotations)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
        return BuildCache()
    except (TypeError, KeyError, IndexError):  # a file of some other shape
        return BuildCache()
    return cache


def save_cache(project: Path, cache: BuildCache, previous: BuildCache | None = None) -> None:
    """Write what changed since `previous` (everything without it)."""
    folder = project / CACHE_DIR
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# statusgen's build cache: safe to delete, never commit it.\n*\n")
    before = _split(previous) if previous is not None else [None] * _SHARDS
    todo = [
        (folder / f"incidents-{number:02d}.pickle", shard)
        for number, shard in enumerate(_split(cache))
        if shard != before[number]
    ]
    # A first build of a large site writes every shard: on every core.
    map_forked(
        _write_job, todo, minimum=2 if len(cache.incidents) >= _PARALLEL_SAVE else _SHARDS + 1
    )
    summary = (cache.outputs, cache.out, cache.holidays)
    if previous is None or summary != (previous.outputs, previous.out, previous.holidays):
        _write(folder / _FILE, summary)


_PARALLEL_SAVE = 2000  # incidents


def _write_job(job: tuple[Path, Any]) -> None:
    _write(*job)


def _write(path: Path, data: Any) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".write-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            pickle.dump((_STAMP, data), stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise StatusgenError(f"cannot write the build cache {path}: {error.strerror}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# The libraries whose versions shape the output (a new nh3 may sanitize differently, say).
_LIBRARIES = ("jinja2", "markdown", "nh3", "babel", "feedgen", "icalendar", "anybadge", "holidays")


def load_site_reusing_cache(project: Path) -> Site:
    """The site, parsing only files changed since the last build (the cache is only read):
    for `check` and the authoring commands, which must validate everything, quickly."""
    from .load import ParseCache, load_site

    cached = load_cache(project)
    return load_site(project, ParseCache(previous=cached.incidents, holidays=cached.holidays))


def environment(zones: Iterable[ZoneInfo]) -> bytes:
    """What the machine contributes to a build besides the libraries' code: the rules of each time
    zone used, as the zoneinfo module finds them, and the version of the holidays data. A changed
    rule moves every instant read in its zone, and a new holiday moves deadlines, so nothing made
    under the old ones may be reused."""
    parts = [f"holidays={_version('holidays')}\0".encode()]
    for key in sorted({str(zone) for zone in zones}):
        parts.append(key.encode() + b"\0" + _zone_rules(key))
    return b"".join(parts)


@functools.cache
def _zone_rules(key: str) -> bytes:
    """The file zoneinfo reads for `key`: the first on its search path (PYTHONTZPATH, or the
    system's zoneinfo), else the tzdata package's."""
    for root in zoneinfo.TZPATH:
        path = os.path.join(root, key)
        if os.path.isfile(path):
            with open(path, "rb") as stream:
                return stream.read()
    try:
        return resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()
    except (ModuleNotFoundError, OSError):
        return b"?"


def _version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "?"


def fingerprint(project: Path, zones: Iterable[ZoneInfo] = ()) -> str:
    """A digest of everything besides the incidents that shapes the output."""
    digest = hashlib.blake2b(repr(_STAMP).encode())
    digest.update(environment(zones))
    for library in _LIBRARIES:
        digest.update(f"{library}={_version(library)}\0".encode())
    theme = Path(str(resources.files("statusgen") / "theme"))
    locale = Path(str(resources.files("statusgen") / "locale"))
    roots = [theme, locale, project / "templates", project / "locale"]
    for root in roots:
        if root.is_dir():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(root)).encode() + b"\0")
                digest.update(path.read_bytes())
    config = project / CONFIG_FILE
    digest.update(config.read_bytes() if config.is_file() else b"")
    return digest.hexdigest()


class Signatures:
    """Digests of what each output shows, for deciding what can be reused."""

    def __init__(self, fingerprint: str, now: datetime) -> None:
        self.fingerprint = fingerprint
        self.now = now.isoformat()
        # By the incident's identity, for the live signature and the content one; each entry
        # keeps its incident alive, so no identity is reused during the build.
        self._states: tuple[dict[int, tuple[str, IncidentState]], ...] = ({}, {})
        self._groups: dict[tuple[int, bool], tuple[str, Sequence[IncidentState]]] = {}

    def state(self, state: IncidentState) -> str:
        """An incident as shown at build time: its file, the updates visible so far, and the
        build time itself while it is open (durations, estimates and SLA clocks move)."""
        return self._signature(state, live=True)

    def content(self, state: IncidentState) -> str:
        """An incident's file and visible updates, without the build time: for outputs that
        show updates as they were posted, such as feeds."""
        return self._signature(state, live=False)

    def _signature(self, state: IncidentState, live: bool) -> str:
        known = self._states[live]
        found = known.get(id(state))
        if found is None:
            # The file's digest fixes its content; the count of updates shown so far fixes which
            # of them are visible (later ones are hidden) and which transitions happened.
            signature = (
                f"{state.id}:{state.incident.digest}:{len(state.updates)}:{state.status.value}"
            )
            if live and state.is_open:
                signature += f":{self.now}"
            found = known[id(state)] = (signature, state)
            if not state.is_open:  # a closed incident's two signatures are one
                self._states[not live][id(state)] = found
        return found[0]

    def everything(self, states: Sequence[IncidentState], live: bool = True) -> str:
        """One digest of all these incidents as shown, for outputs that draw on each of them."""
        found = self._groups.get((id(states), live))
        if found is None:
            signature = self.state if live else self.content
            digest = hashlib.blake2b("\n".join(map(signature, states)).encode(), digest_size=20)
            found = self._groups[(id(states), live)] = (digest.hexdigest(), states)
        return found[0]

    def key(self, *parts: Any) -> str:
        """The key of an output made from `parts` (strings, numbers and tuples of them)."""
        if all(type(part) is str for part in parts):  # the common case, made cheap
            text = "\x1f".join((self.fingerprint, *parts))
            return hashlib.blake2b(text.encode(), digest_size=20).hexdigest()
        return _digest((self.fingerprint, parts))


def _digest(parts: Any) -> str:
    return hashlib.blake2b("\x1f".join(_flat(parts)).encode(), digest_size=20).hexdigest()


def _flat(parts: Any) -> Iterator[str]:
    """Strings and numbers as they are, tuples opened with their length (so nesting counts)."""
    if isinstance(parts, tuple | list):
        yield f"({len(parts)}"
        for part in parts:
            yield from _flat(part)
    else:
        yield str(parts)
