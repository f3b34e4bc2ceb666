"""Writing the site: every output is checked, written to a fresh folder, then swapped in whole."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import OutputError


@dataclass(frozen=True, slots=True)
class Output:
    """One file of the site: a relative POSIX path and its bytes."""

    path: str
    data: bytes


def write_site(outputs: Iterable[Output], out: Path) -> int:
    """Write every output into a temporary folder beside `out`, then replace `out` with it.

    A build that fails part-way leaves the previous site untouched. Returns the file count."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-new-", dir=out.parent))
    try:
        count = _write_all(outputs, staging)
        staging.chmod(0o755)
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


def _write_all(outputs: Iterable[Output], root: Path) -> int:
    seen: set[str] = set()
    made: set[Path] = {root}
    for output in outputs:
        relative = PurePosixPath(output.path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise OutputError(f"refusing to write outside the site: {output.path}")
        key = relative.as_posix().lower()  # case-insensitive file systems would merge these
        if key in seen:
            raise OutputError(f"two outputs would be written to {output.path}")
        seen.add(key)
        target = root.joinpath(*relative.parts)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(output.data)
    return len(seen)


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
