"""Writing the site: every output is checked, written to a fresh folder, then swapped in whole."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import OutputError
from .parallel import map_forked


@dataclass(frozen=True, slots=True)
class Output:
    """One file of the site: a relative POSIX path and its bytes, or how to make them.

    With a `key` (a digest of everything the file shows), the writer may take the file from the
    previous build instead of calling `render`."""

    path: str
    data: bytes | None = None
    key: str | None = None
    render: Callable[[], bytes] | None = None

    def bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.render is not None, self.path
        return self.render()


Written = dict[str, tuple[str, int]]  # path → (key, size) of each keyed file written


def write_site(
    outputs: Iterable[Output], out: Path, previous: Written | None = None
) -> tuple[int, Written]:
    """Write every output into a temporary folder beside `out`, then replace `out` with it.

    A keyed output whose key and size match `previous` is hard-linked from the current `out`.
    A build that fails part-way leaves the previous site untouched. Returns the file count and
    the keys written."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        count, written = _write_all(outputs, staging, out, previous or {})
        staging.chmod(0o755)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count, written


def _write_all(
    outputs: Iterable[Output], root: Path, old: Path, previous: Written
) -> tuple[int, Written]:
    seen: set[str] = set()
    made: set[str] = {""}
    written: Written = {}
    todo: list[tuple[Output, str, str]] = []
    new_root, old_root = f"{root}{os.sep}", f"{old}{os.sep}"
    for output in outputs:
        relative = PurePosixPath(output.path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise OutputError(f"refusing to write outside the site: {output.path}")
        key = output.path.lower()  # case-insensitive file systems would merge these
        if key in seen:
            raise OutputError(f"two outputs would be written to {output.path}")
        seen.add(key)
        native = output.path.replace("/", os.sep)
        folder = os.path.dirname(native)
        if folder not in made:
            os.makedirs(new_root + folder, exist_ok=True)
            made.add(folder)
        target = new_root + native
        record = previous.get(output.path) if output.key is not None else None
        if (
            record is not None
            and record[0] == output.key
            and _link(old_root + native, target, record[1])
        ):
            written[output.path] = record
        else:
            todo.append((output, target, old_root + native))
    for (output, _, _), size in zip(todo, _render_all(todo), strict=True):
        if output.key is not None:
            written[output.path] = (output.key, size)
    return len(seen), written


def _render_one(job: tuple[Output, str, str]) -> int:
    output, target, old = job
    data = output.bytes()
    if not (_holds(old, data) and _link(old, target, len(data))):
        with open(target, "wb") as stream:
            stream.write(data)
    return len(data)


def _holds(path: str, data: bytes) -> bool:
    """Whether the previous build's file has exactly these bytes (then it is linked, not
    written: unchanged files cost no new blocks, and retiring the old site costs no freeing)."""
    try:
        with open(path, "rb") as stream:
            return os.fstat(stream.fileno()).st_size == len(data) and stream.read() == data
    except OSError:
        return False


def _render_all(todo: list[tuple[Output, str, str]]) -> list[int]:
    """Render and write every output, on every core for a large site; their sizes, in order."""
    return map_forked(_render_one, todo, minimum=200)


def _link(source: str, target: str, size: int) -> bool:
    """Link the previous build's file, made from the same inputs, if it is still intact."""
    try:
        if os.stat(source).st_size != size:
            return False
        os.link(source, target)
    except OSError:  # gone, or a file system without hard links: write it afresh
        return False
    return True


def _swap(staging: Path, out: Path) -> None:
    if not out.exists():
        os.replace(staging, out)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
    retired.rmdir()
    os.replace(out, retired)
    try:
        os.replace(staging, out)
    except OSError:
        os.replace(retired, out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
