"""Writing the site: every output is checked, written to a fresh folder, then swapped in whole.

The output folder is statusgen's alone. It may not be the project, hold it, or lie inside its
content, and a folder that is already there is replaced only if it is a site statusgen wrote:
each site carries a small marker file, `.statusgen-site`. Builds into one folder take turns (a
lock on the folder that holds it), and each build first clears away what builds cut short there
left behind."""

from __future__ import annotations

import ctypes
import errno
import functools
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from statusgen.errors import OutputError
from statusgen.outputs.base import Output

MARKER = ".statusgen-site"


_MARKER_TEXT = (
    b"A site written by statusgen: 'statusgen build' replaces this folder whole, and refuses to\n"
    b"replace a folder without this file. The line below identifies the files of this build.\n"
)


# What a site must not be written over or into, beside the project itself: its content, its
# cache and its history (the names of load.INCIDENTS_DIR, cache.CACHE_DIR and the others).
_PROTECTED = ("incidents", "templates", "locale", ".statusgen-cache", ".git")


# Every name at the top of a site written before sites carried the marker.
_EARLIER_LAYOUT = frozenset(
    {
        "404.html",
        "api",
        "badges",
        "components",
        "history",
        "history.atom",
        "history.rss",
        "incidents",
        "index.html",
        "maintenance.ics",
        "sla",
        "static",
    }
)


_SUMMARY_KEYS = {"page", "components", "incidents", "scheduled_maintenances", "status"}


FORCE_HINT = "use --force to replace it anyway"


def check_destination(
    project: Path, out: Path, *, force: bool = False, hint: str = FORCE_HINT
) -> Path:
    """`out` with every symlink followed, if a site may be written there; else OutputError.

    Never the project, a folder holding it or the current folder, nor anything inside the
    content, the cache or `.git`, nor a file; an existing folder that is not empty only if it is
    a statusgen site (or with `force`). `hint` says how to override the last rule."""
    target = Path(os.path.realpath(out))
    root = Path(os.path.realpath(project))
    refusal = f"refusing to write the site into {target}"
    if _within(root, target):
        if _within(target, root):
            raise OutputError(f"{refusal}: it is the project folder")
        raise OutputError(f"{refusal}: it holds the project folder {root}")
    try:
        here = Path.cwd().resolve()
    except OSError:  # a current folder deleted meanwhile holds nothing to protect
        here = None
    if here is not None and _within(here, target):
        raise OutputError(f"{refusal}: it holds the current folder {here}")
    for name in _PROTECTED:
        folder = Path(os.path.realpath(root / name))
        if _within(target, folder):
            where = "is" if _within(folder, target) else "is inside"
            raise OutputError(f"{refusal}: it {where} the project's {name}/")
        if _within(folder, target):  # the project's folder is a link into it
            raise OutputError(f"{refusal}: it holds the project's {name}/ (at {folder})")
    configuration = Path(os.path.realpath(root / "components.yaml"))
    if _within(configuration, target) and configuration != target:
        raise OutputError(f"{refusal}: it holds the project's components.yaml (at {configuration})")
    existing = next(p for p in (target, *target.parents) if os.path.lexists(p))
    if not os.path.isdir(existing):
        what = "it is" if existing == target else f"{existing} is"
        raise OutputError(f"{refusal}: {what} a file, not a folder")
    if not force and not _replaceable(target):
        raise OutputError(
            f"refusing to replace {target}: it is not a statusgen site (no {MARKER}); {hint}"
        )
    return target


@contextmanager
def claim(project: Path, out: Path, *, force: bool = False) -> Iterator[Path]:
    """Check `out` (see check_destination) and hold it for one build: yields its real path.

    A second build into the same folder waits here until the first is done. Once it is its
    turn, a build removes the staging folders and retired sites that builds cut short beside
    `out` left behind."""
    target = check_destination(project, out, force=force)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _turn(target.parent):
        # Checked again: the folder may have changed while this build waited.
        check_destination(project, target, force=force)
        _clear_leftovers(target)
        yield target


def holds(out: Path, digests: Mapping[str, str]) -> bool:
    """Whether `out` is the site whose files have these content digests, as its marker says.

    A build cut short after its swap, or one without the cache, leaves the cache describing a
    site that is no longer there; what it says of the files there must not be trusted."""
    try:
        with open(os.path.join(out, MARKER), "rb") as stream:
            return stream.read() == _MARKER_TEXT + listing_digest(digests)
    except OSError:
        return False


def write_site(outputs: Iterable[Output], out: Path) -> int:
    """Draw every output into a fresh folder beside `out`, then swap it with `out`; the number
    of files. `out` is a folder claimed with claim(). A build that fails part-way leaves the
    previous site untouched."""
    outputs = list(outputs)
    check_paths(outputs)

    def fill(staging: Path) -> dict[str, str]:
        made: set[str] = set()
        digests = {}
        for output in outputs:
            data = output.draw()
            with open(target(staging, output.path, made), "wb") as stream:
                stream.write(data)
            digests[output.path] = content_digest(data)
        return digests

    publish(out, fill)
    return len(outputs)


def publish(out: Path, fill: Callable[[Path], Mapping[str, str]]) -> None:
    """Have `fill` write a site into a temporary folder beside `out` (returning the content
    digest of each file by path), then swap that folder with `out`."""
    staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(out, "new"), dir=out.parent))
    try:
        # Marked from the start, so that what a build cut short leaves is known to be its own;
        # completed by appending, so that the mark is never missing, even for an instant.
        _write_marker(staging, _MARKER_TEXT)
        digests = fill(staging)
        with open(staging / MARKER, "ab") as stream:
            stream.write(listing_digest(digests))
        staging.chmod(0o755)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def target(root: Path, path: str, made: set[str]) -> str:
    """Where the output `path` goes in `root`, its folder made (`made` lists those made)."""
    native = path.replace("/", os.sep)
    folder = native.rpartition(os.sep)[0]
    if folder and folder not in made:
        os.makedirs(f"{root}{os.sep}{folder}", exist_ok=True)
        made.add(folder)
    return f"{root}{os.sep}{native}"  # joined by hand: a site has thousands of paths


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


def listing_digest(digests: Mapping[str, str]) -> bytes:
    """The marker's last line: a digest of every file's path and content."""
    listing = "\n".join(sorted([f"{path} {digest}" for path, digest in digests.items()]))
    return hashlib.sha256(listing.encode()).hexdigest().encode() + b"\n"


def _write_marker(folder: Path, data: bytes) -> None:
    with open(folder / MARKER, "wb") as stream:
        stream.write(data)


def check_paths(outputs: Iterable[Output]) -> None:
    """OutputError unless every output has a path of its own inside the site."""
    seen: set[str] = {MARKER}
    for output in outputs:
        # Read as PurePosixPath reads it (empty and "." parts dropped), without making one per
        # file: a large site has tens of thousands.
        parts = [part for part in output.path.split("/") if part not in ("", ".")]
        if output.path.startswith("/") or ".." in parts or not parts:
            raise OutputError(f"refusing to write outside the site: {output.path}")
        key = "/".join(parts).lower()  # case-insensitive file systems would merge these
        if key in seen:
            raise OutputError(f"two outputs would be written to {output.path}")
        seen.add(key)


def _swap(staging: Path, out: Path) -> None:
    """Put `staging` in the place of `out`, so that `out` is there, whole, at every instant."""
    if not os.path.lexists(out):
        os.rename(staging, out)  # one step; nothing is replaced
        return
    if _exchange(staging, out):
        retired = staging  # which now holds the previous site
    else:
        # Without an exchange, two renames: between them, for an instant, there is no `out`.
        retired = Path(tempfile.mkdtemp(prefix=_staging_prefix(out, "old"), dir=out.parent))
        retired.rmdir()
        os.rename(out, retired)
        try:
            os.rename(staging, out)
        except OSError:
            os.rename(retired, out)
            raise
    try:
        if not os.path.lexists(retired / MARKER):  # an earlier site's, or one replaced by force
            _write_marker(retired, _MARKER_TEXT)
        _discard(retired)
    except OSError:
        pass  # the next build removes what is left


_AT_FDCWD = -100


_RENAME_EXCHANGE = 2


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    """Linux's renameat2 (in glibc since 2.28), or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step; False where the system or the file system cannot."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
            return False
        raise OSError(code, os.strerror(code), str(second))
    return True


@contextmanager
def _turn(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on `folder` (where the site and its staging folders live).

    The folder itself is locked rather than a lock file in it, so nothing is left beside the
    site. Where it cannot be locked (no fcntl, or a file system without flock), builds run
    unserialised, as they always did there."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
        except OSError as error:
            if error.errno not in (errno.EBADF, errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL):
                raise
        yield
    finally:
        os.close(handle)  # which releases the lock


def _staging_prefix(out: Path, kind: str) -> str:
    return f".{out.name}-{kind}-"


def _clear_leftovers(out: Path) -> None:
    """Remove the staging folders and retired sites of `out` that earlier builds left.

    Only folders named as this writer names them (`.site-new-` or `.site-old-` and the eight
    characters tempfile adds), and only if they carry the marker, are empty, or hold nothing
    but the names of an earlier site: nothing else is ever deleted."""
    pattern = re.compile(rf"\.{re.escape(out.name)}-(?:new|old)-[a-z0-9_]{{8}}")
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry.name) or not entry.is_dir(follow_symlinks=False):
            continue
        folder = Path(entry.path)
        if _has_marker(folder) or _earlier_site(folder, complete=False):
            try:
                _discard(folder)
            except OSError:
                pass  # still in use by something else, or not ours to delete after all


def _discard(folder: Path) -> None:
    """Delete a retired or abandoned site, its marker last: a deletion cut short leaves a
    folder that the next build still recognises as its own."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.name == MARKER:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def _replaceable(folder: Path) -> bool:
    """Whether a site may replace `folder`: absent, empty, or a site statusgen wrote."""
    try:
        with os.scandir(folder) as entries:
            if next(entries, None) is None:
                return True
    except FileNotFoundError:
        return True
    return _has_marker(folder) or _earlier_site(folder, complete=True)


def _has_marker(folder: Path) -> bool:
    try:
        with open(folder / MARKER, "rb") as stream:
            return stream.read(len(_MARKER_TEXT)) == _MARKER_TEXT
    except OSError:
        return False


def _earlier_site(folder: Path, *, complete: bool) -> bool:
    """Whether `folder` is a site written before sites carried the marker: nothing at its top
    but the names statusgen wrote there; and when `complete`, its home page, style sheet and a
    summary.json with the keys of statusgen's API. (Not `complete`: part of one, or a staging
    folder whose marker a build killed at once left empty.)"""
    names = _EARLIER_LAYOUT if complete else _EARLIER_LAYOUT | {MARKER}
    try:
        with os.scandir(folder) as entries:
            if any(e.name not in names or e.is_symlink() for e in entries):
                return False
        if not complete:
            return True
        if not (folder / "index.html").is_file() or not (folder / "static/style.css").is_file():
            return False
        summary = json.loads((folder / "api/v2/summary.json").read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(summary, dict) and _SUMMARY_KEYS <= summary.keys()


def _within(path: Path, folder: Path) -> bool:
    """Whether `path` is `folder` or lies inside it, compared by path and by identity (a
    case-insensitive or bind-mounted path may be spelt differently)."""
    if path.is_relative_to(folder):
        return True
    wanted = _identity(folder)
    return wanted is not None and any(_identity(above) == wanted for above in (path, *path.parents))


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino
