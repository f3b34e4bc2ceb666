"""Writing content files safely: one writer at a time, each file replaced whole."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from statusgen.errors import AuthoringError

# The loader's own patterns (ETA_LINE, FENCE, HEADING), so that a message is refused for
# exactly what it would read as structure, and for nothing else.
from statusgen.load.listing import INCIDENTS_DIR

LOCK_WAIT = 30.0  # seconds; the lock is held only to read, check and write one file


# `.<file name>.<random>.tmp`: hidden, so the loader, the preview and `git add` skip it.
TEMPORARY = re.compile(r"\..+\.md\.[0-9a-f]{16}\.tmp")


@contextmanager
def locked(project: Path) -> Iterator[None]:
    """Hold the authoring lock: an advisory lock on the project's incidents/ folder.

    `new`, `update` and `resolve` each read, check and write under it, one after another."""
    folder = project / INCIDENTS_DIR
    folder.mkdir(exist_ok=True)
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AuthoringError(
                        f"another new, update or resolve has held {INCIDENTS_DIR}/ for "
                        f"{LOCK_WAIT:.0f} s; nothing was written: try again"
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(descriptor)  # which releases the lock


def replace_file(path: Path, data: bytes) -> None:
    """Put `data` in the place of the file at `path`, whole: a reader, or a crash, sees the old
    text or the new one, never a part. The file keeps its permission bits."""
    target = path.resolve()  # through a symbolic link, to the file it names
    mode = stat.S_IMODE(os.stat(target).st_mode)
    temporary = write_temporary(target, data, mode)
    try:
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    sync_folder(target.parent)


def write_new(path: Path, rel: str, data: bytes) -> None:
    """Create the file at `path` with `data`, whole, and only if no file has that name."""
    temporary = write_temporary(path, data, None)
    try:
        os.link(temporary, path)  # unlike a rename, refuses to replace a file
    except FileExistsError:
        raise AuthoringError(f"{rel} was created meanwhile by another program: try again") from None
    finally:
        temporary.unlink(missing_ok=True)
    sync_folder(path.parent)


def write_temporary(target: Path, data: bytes, mode: int | None) -> Path:
    """A hidden file beside `target` holding `data`, on disk; `mode` None leaves the umask's."""
    folder = target.parent
    # Only a writer that was killed leaves one behind, as every writer holds the lock while its
    # file exists: those of the target's folder are removed, so `git add` never commits them.
    for name in os.listdir(folder):
        if TEMPORARY.fullmatch(name):
            (folder / name).unlink(missing_ok=True)
    temporary = folder / f".{target.name}.{secrets.token_hex(8)}.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            if mode is not None:
                os.fchmod(file.fileno(), mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def sync_folder(folder: Path) -> None:
    """Make the folder's new entry_of durable: a file swapped in survives a power cut."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    except OSError as error:
        # Some file systems cannot sync a folder; the file is in place all the same, and saying
        # the command failed would be wrong.
        if error.errno not in (errno.EINVAL, errno.ENOTSUP):
            raise
    finally:
        os.close(descriptor)


def remove_if_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: another file arrived, the folder is in use
        folder.rmdir()
