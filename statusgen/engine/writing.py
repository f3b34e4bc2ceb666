"""The write step, fast: a file whose key is the one it had in the previous build is linked
from the previous site instead of drawn, and the rest are drawn over every core."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from statusgen import write
from statusgen.engine.keys import Keys
from statusgen.engine.parallel import map_forked
from statusgen.engine.store import FileRecord, read_regular
from statusgen.outputs.base import Output

PARALLEL_DRAW = 200  # files; fewer are drawn faster than a process starts


def write_site(
    outputs: Sequence[Output], out: Path, keys: Keys, previous: Mapping[str, FileRecord]
) -> dict[str, FileRecord]:
    """write.write_site, reusing the files of `previous` (the records of the site now in
    `out`) that are still intact; the records of the files written."""
    write.check_paths(outputs)
    records: dict[str, FileRecord] = {}

    def fill(staging: Path) -> dict[str, str]:
        made: set[str] = set()
        old_root = f"{out}{os.sep}"
        todo: list[tuple[Output, str, str, str]] = []
        for output in outputs:
            target = write.target(staging, output.path, made)
            old = old_root + output.path.replace("/", os.sep)
            key = keys.of(output) or ""
            record = previous.get(output.path) if key else None
            if record is not None and record[0] == key and _link_intact(old, target, record):
                records[output.path] = record
            else:
                todo.append((output, key, target, old))
        # What shows more incidents takes longer to draw: drawn first, no process is left with
        # a long one when the others have nothing left to take.
        todo.sort(key=lambda job: -len(job[0].shows.incidents) if job[0].shows else 0)
        for (output, key, _, _), drawn in zip(
            todo, map_forked(_draw, todo, minimum=PARALLEL_DRAW), strict=True
        ):
            records[output.path] = (key, *drawn)
        return {path: record[1] for path, record in records.items()}

    write.publish(out, fill)
    return records


def _draw(job: tuple[Output, str, str, str]) -> tuple[str, int, int, int]:
    """Draw and write one file: its content digest, size, inode and modification time."""
    output, _, target, old = job
    data = output.draw()
    if not (_same_bytes(old, data) and _link(old, target)):
        with open(target, "wb") as stream:
            stream.write(data)
    status = os.stat(target)
    return write.content_digest(data), status.st_size, status.st_ino, status.st_mtime_ns


def _same_bytes(path: str, data: bytes) -> bool:
    """Whether the previous build's file has exactly these bytes (then it is linked, not
    written: unchanged files cost no new blocks, and retiring the old site costs no freeing)."""
    try:
        return read_regular(path) == data
    except OSError:  # none, or not a file to read (a pipe would block)
        return False


def _link_intact(source: str, target: str, record: FileRecord) -> bool:
    """Link the previous build's file if it is the very file that build wrote, untouched since."""
    try:
        status = os.stat(source)
    except OSError:
        return False
    if (status.st_size, status.st_ino, status.st_mtime_ns) != record[2:]:
        return False
    return _link(source, target)


def _link(source: str, target: str) -> bool:
    try:
        os.link(source, target)
    except OSError:  # gone, or a file system without hard links: write it afresh
        return False
    return True
