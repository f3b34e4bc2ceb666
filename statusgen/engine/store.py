"""The build cache"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from statusgen import __version__
from statusgen.engine.parallel import map_forked
from statusgen.errors import StatusgenError
from statusgen.model.content import Incident, Site

if TYPE_CHECKING:
    from statusgen.load import FileStamp
    from statusgen.load.holidays import HolidaysKey


CACHE_DIR = ".statusgen-cache"


_FILE = "build.pickle"


_FORMAT = 8


STAMP = (_FORMAT, __version__, sys.version_info[:2])


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
    if stamp != STAMP:
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
            pickle.dump((STAMP, data), stream, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise StatusgenError(f"cannot write the build cache {path}: {error.strerror}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_site_reusing_cache(project: Path) -> Site:
    """The site, parsing only files changed since the last build (the cache is only read):
    for `check` and the authoring commands, which must validate everything, quickly."""
    from statusgen.load import ParseCache, load_site

    cached = load_cache(project)
    return load_site(project, ParseCache(previous=cached.incidents, holidays=cached.holidays))
