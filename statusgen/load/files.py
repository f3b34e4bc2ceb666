"""Reading content files: regular files only, of bounded size, as UTF-8 text."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from statusgen.errors import SourceError, SourceRef
from statusgen.load.nodes import (
    CONTROL,
)

MAX_FILE_BYTES = 1024 * 1024  # a content file; the longest real incident is a few kilobytes


def read_regular_file(path: Path, rel: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES, or a SourceError saying why not.

    A FIFO would block the build for ever and a device would feed it without end: opened without
    blocking, anything but a regular file (a link to one included) is refused before it is read."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise SourceError(SourceRef(rel, 1), f"cannot be read ({error.strerror})") from None
    try:
        # Asked before a stream is made of it: Python refuses to make one of a folder.
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise SourceError(
                SourceRef(rel, 1),
                f"is not a regular file but {_file_kind(mode)} (content files must be plain files)",
            )
        with os.fdopen(descriptor, "rb", closefd=False) as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    finally:
        os.close(descriptor)
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(
            SourceRef(rel, 1), f"file is larger than {MAX_FILE_BYTES // 1024:,} KB (the limit)"
        )
    return data


def _file_kind(mode: int) -> str:
    kinds = [
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a folder"),
    ]
    return next((name for test, name in kinds if test(mode)), "a special file")


def decode_text(raw: bytes, rel: str) -> str:
    """UTF-8 text without a byte-order mark, or a SourceError naming the first bad line."""
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start]
        raise SourceError(
            SourceRef(rel, line), f"file is not UTF-8 (byte 0x{byte:02x}); save it as UTF-8"
        ) from None
    control = CONTROL.search(text)
    if control is not None:
        line = text.count("\n", 0, control.start()) + 1
        column = control.start() - text.rfind("\n", 0, control.start())
        raise SourceError(
            SourceRef(rel, line),
            f"control character U+{ord(control.group()):04X} in column {column} (remove it: "
            "text may hold tabs and line breaks, but no terminal colour codes or other controls)",
        )
    return text
