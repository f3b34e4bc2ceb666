"""The delivery record: which notice each channel's recipient has been sent, so that nothing is
sent twice and nothing is forgotten.

One small JSON file, rewritten whole after each delivery (a temporary file beside it, flushed to
disk, then renamed over it: a reader sees the old record or the new one, never half of either).
It holds ids, channel names and recipient keys only, never an address or a secret.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from statusgen.errors import StatusgenError

VERSION = 1
_ABOUT = (
    "Written by 'statusgen notify': each notice delivered, to which channel and recipient, and "
    "when. Notices posted before 'settled_before' are never sent. Do not edit by hand while a "
    "run may be under way."
)


@dataclass(frozen=True, slots=True)
class Delivery:
    notice: str  # the notice's id (the update's id in the JSON API)
    channel: str
    recipient: str  # the recipient's key
    posted: datetime  # when the update was posted: entries are pruned by it
    sent: datetime  # when it was delivered

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.notice, self.channel, self.recipient)


class RecordError(StatusgenError):
    """The record cannot be read or written; nothing is sent without it."""


class Record:
    """The deliveries made so far, kept in the file at `path`."""

    def __init__(
        self, path: Path, deliveries: dict[tuple[str, str, str], Delivery], settled: datetime | None
    ) -> None:
        self.path = path
        self._deliveries = deliveries
        self.settled_before = settled  # notices posted earlier count as dealt with

    @classmethod
    def read(cls, path: Path) -> Record:
        """The record at `path`; an empty one if there is no file yet (first use)."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path, {}, None)
        except (OSError, UnicodeDecodeError) as error:
            raise RecordError(f"{path}: the delivery record cannot be read ({error})") from None
        try:
            data = json.loads(text)
            if type(data.get("version")) is not int or data["version"] != VERSION:
                raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
            settled = _time(data["settled_before"]) if data.get("settled_before") else None
            deliveries = {}
            if not isinstance(data["delivered"], list):
                raise ValueError("'delivered' is not a list")
            for entry in data["delivered"]:
                delivery = Delivery(
                    str(entry["notice"]),
                    str(entry["channel"]),
                    str(entry["recipient"]),
                    _time(entry["posted"]),
                    _time(entry["sent"]),
                )
                deliveries[delivery.key] = delivery
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise RecordError(
                f"{path}: not a delivery record statusgen can read ({error}); nothing was sent "
                "(fix or restore the file: deleting it would send again every update within "
                "the horizon)"
            ) from None
        return cls(path, deliveries, settled)

    def __contains__(self, key: tuple[str, str, str]) -> bool:
        return key in self._deliveries

    def __len__(self) -> int:
        return len(self._deliveries)

    def __iter__(self) -> Iterator[Delivery]:
        return iter(self._deliveries.values())

    def add(self, delivery: Delivery) -> None:
        """Record one delivery, on disk before this returns."""
        self._deliveries[delivery.key] = delivery
        self.save()

    def prune(self, before: datetime) -> None:
        """Forget the deliveries of notices posted before `before`, which the horizon keeps
        from being sent again anyway; remembered as `settled_before`, so that a later run with
        an earlier time or a longer horizon does not send them again either."""
        before = before.astimezone(UTC)
        if self.settled_before is not None and self.settled_before >= before:
            return
        self.settled_before = before
        self._deliveries = {
            key: delivery for key, delivery in self._deliveries.items() if delivery.posted >= before
        }

    def save(self) -> None:
        data: dict[str, Any] = {
            "version": VERSION,
            "about": _ABOUT,
            "settled_before": _text(self.settled_before) if self.settled_before else None,
            "delivered": [
                {
                    "notice": d.notice,
                    "channel": d.channel,
                    "recipient": d.recipient,
                    "posted": _text(d.posted),
                    "sent": _text(d.sent),
                }
                for d in sorted(self._deliveries.values(), key=lambda d: (d.posted, d.key))
            ],
        }
        text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
        try:
            write_atomically(self.path, text.encode("utf-8"))
        except OSError as error:
            raise RecordError(
                f"{self.path}: the delivery record cannot be written ({error.strerror or error})"
            ) from None


@contextmanager
def taking_turns(path: Path) -> Iterator[None]:
    """Runs on the record at `path` one at a time (the folder holding it locked), so that two
    runs started by hand at once cannot both send an update. In CI the workflow's concurrency
    group already runs one publish at a time. Where nothing can be locked, nothing waits."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on the systems CI runs
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError as error:
        raise RecordError(
            f"{path}: the delivery record cannot be kept in {path.parent} "
            f"({error.strerror or error}); nothing was sent"
        ) from None
    try:
        try:
            fcntl.flock(folder, fcntl.LOCK_EX)
        except OSError:  # a file system without locks: as if there were no fcntl
            pass
        yield
    finally:
        os.close(folder)  # which lets the next run go


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` whole: a crash leaves the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _time(text: object) -> datetime:
    moment = datetime.fromisoformat(str(text))
    if moment.tzinfo is None:
        raise ValueError(f"time without an offset: {text!r}")
    return moment.astimezone(UTC)
