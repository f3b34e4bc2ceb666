"""The build cache in `.statusgen-cache/`: what a build can reuse from the previous one.

It holds the incidents as parsed (by path, with the size and modification time of the file
they were read from), the SLA annotations of closed incidents, the public holidays read, and a
record of every file the last build wrote (its key, and the identity of the file on disk).

The cache is an optimisation only. Each file of it carries a digest of its content: a file
that is damaged, unreadable or of another version is not used, and one that cannot be written
is not written; either way the build goes on without it, after one warning line, and makes
the same bytes it would have made with it.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import pickle
import stat
import sys
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from statusgen import __version__
from statusgen.engine.parallel import map_forked
from statusgen.load.holidays import HolidaysSpec, PublicHolidays
from statusgen.model.content import Incident

CACHE_DIR = ".statusgen-cache"
_SUMMARY = "build.cache"
_FORMAT = 9
STAMP = (_FORMAT, __version__, sys.version_info[:2])
_HEADER = f"statusgen build cache {STAMP!r}\n".encode()
_DIGEST = 20

# A file's size, modification and change times (ns) and inode: any write to it, or another
# file moved in its place, changes one of them (the change time cannot be set back).
FileStamp = tuple[int, int, int, int]
# A file written: its key ("" for a file drawn every time), the digest of its content, then its
# size, inode and modification time (ns) once written. A file of the previous site is reused
# only while its key and all three of the last still hold.
FileRecord = tuple[str, str, int, int, int]
HolidaysKey = tuple[HolidaysSpec, str]  # and the version of the holidays package


@dataclass
class BuildCache:
    # By path: the file's stamp and parse key (see engine.loading), and the incident.
    incidents: dict[str, tuple[FileStamp, str, Incident]] = field(default_factory=dict)
    # Closed incidents' annotations by id: (signature, record, JSON text); see engine/annotating.py.
    annotations: dict[str, tuple[str, Any, str]] = field(default_factory=dict)
    outputs: dict[str, FileRecord] = field(default_factory=dict)  # by path
    out: str = ""  # the folder those outputs were written to
    holidays: dict[HolidaysKey, PublicHolidays] = field(default_factory=dict)


class Unusable(Exception):
    """A cache file that cannot be used: the warning says why."""


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


def _shard_name(number: int) -> str:
    return f"incidents-{number:02d}.cache"


def load_cache(project: Path, warn: Callable[[str], None]) -> BuildCache:
    """The previous build's cache; an empty one if there is none, or if it cannot be used
    (then `warn` is told why, once)."""
    folder = project / CACHE_DIR
    try:
        outputs, out, holidays = _read(folder / _SUMMARY)
        cache = BuildCache(outputs=outputs, out=out, holidays=holidays)
        for number in range(_SHARDS):
            incidents, annotations = _read(folder / _shard_name(number))
            cache.incidents.update(incidents)
            cache.annotations.update(annotations)
    except FileNotFoundError:  # none yet, or one cut short: nothing to say
        return BuildCache()
    except Unusable as problem:
        if str(problem):
            warn(f"the build cache in {folder} {problem}; building without it")
        return BuildCache()
    except (TypeError, ValueError, AttributeError):  # whole, yet not of the shape it should be
        warn(
            f"the build cache in {folder} is damaged (not of this version's shape); building without it"
        )
        return BuildCache()
    return cache


def read_regular(path: str | Path) -> bytes:
    """The bytes of a regular file, not through a link: OSError for anything else (a pipe
    would block, a device never end)."""
    handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(handle, "rb") as stream:
        if not stat.S_ISREG(os.fstat(handle).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return stream.read()


def _read(path: Path) -> Any:
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        raise
    except OSError as error:  # a file where the folder should be, say, or no permission
        raise Unusable(f"cannot be read ({error.strerror})") from None
    if not raw.startswith(_HEADER):
        line, newline, _ = raw.partition(b"\n")
        if newline and line.startswith(_HEADER.partition(b"(")[0]) and line.endswith(b")"):
            raise Unusable("")  # another version's: replaced without a word
        raise Unusable(f"is damaged ({path.name} is not a cache file)")
    digest, payload = raw[len(_HEADER) : len(_HEADER) + _DIGEST], raw[len(_HEADER) + _DIGEST :]
    if hashlib.blake2b(payload, digest_size=_DIGEST).digest() != digest:
        raise Unusable(f"is damaged ({path.name} does not match its digest)")
    try:
        return _Unpickler(io.BytesIO(payload)).load()
    except Exception:  # made by this version, yet not readable: as damaged
        raise Unusable(f"is damaged ({path.name} cannot be read back)") from None


class _Unpickler(pickle.Unpickler):
    """Reads back only the values a build keeps: a cache arrives with a project (a clone, an
    archive, a restored CI cache), and must not be able to call anything else."""

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("statusgen.model.") or module in _ALLOWED_MODULES:
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        if (module, name) in _ALLOWED_CALLS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a value the cache keeps")


_ALLOWED_MODULES = frozenset({"datetime", "statusgen.load.holidays"})
# What pickle calls to rebuild the values kept: time zones by name, and frozensets.
_ALLOWED_CALLS = frozenset(
    {
        ("zoneinfo", "ZoneInfo"),
        ("zoneinfo._zoneinfo", "ZoneInfo"),
        ("builtins", "frozenset"),
        ("builtins", "set"),
    }
)


def save_cache(
    project: Path, cache: BuildCache, previous: BuildCache, warn: Callable[[str], None]
) -> None:
    """Write what changed since `previous`; if the cache cannot be written, `warn` says so
    (the site is already in place by then, and the next build is only slower)."""
    folder = project / CACHE_DIR
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# statusgen's build cache: safe to delete, never commit it.\n*\n")
        before = _split(previous)
        todo = [
            (folder / _shard_name(number), shard)
            for number, shard in enumerate(_split(cache))
            if shard != before[number] or not (folder / _shard_name(number)).exists()
        ]
        # A first build of a large site writes every shard: on every core.
        map_forked(
            _write_job, todo, minimum=2 if len(cache.incidents) >= _PARALLEL_SAVE else _SHARDS + 1
        )
        summary = (cache.outputs, cache.out, cache.holidays)
        if summary != (previous.outputs, previous.out, previous.holidays) or todo:
            _write(folder / _SUMMARY, summary)
    except OSError as error:
        where = error.filename or folder
        warn(f"the build cache could not be written ({error.strerror}: {where}); the site is built")


_PARALLEL_SAVE = 2000  # incidents


def _write_job(job: tuple[Path, Any]) -> None:
    _write(*job)


def _write(path: Path, data: Any) -> None:
    payload = pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.blake2b(payload, digest_size=_DIGEST).digest()
    handle, temporary = tempfile.mkstemp(prefix=".write-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(_HEADER + digest + payload)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
