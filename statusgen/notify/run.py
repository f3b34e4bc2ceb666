"""`statusgen notify`: every update subscribers have not been told of yet, delivered to each
channel that wants it, oldest first, and recorded as each delivery is made.

What is due is worked out afresh from the content on every run (never from what changed since the
last one), so a run that is late, skipped, cancelled or failed only delays what it did not send:
the next run finds it still due. The delivery record (record.py) says what was sent, so nothing
is sent twice; the horizon keeps old updates from being sent when notifications are switched on
or after a long pause.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from statusgen.derive import derive
from statusgen.model.content import Site
from statusgen.notify.channel import Channel, DeliveryError, Recipient
from statusgen.notify.channels import UnusableChannel, make_channels
from statusgen.notify.chat import Post
from statusgen.notify.http import post_json
from statusgen.notify.notices import Notice, notices
from statusgen.notify.record import Delivery, Record, taking_turns
from statusgen.notify.wording import Phrasebook

ATTEMPTS = 3  # per delivery and run: a channel still failing after that waits for the next run
FIRST_WAIT = 2.0  # seconds before the second attempt; doubled before each one after
LONGEST_WAIT = 60.0  # a Retry-After longer than this leaves the delivery for the next run


@dataclass(frozen=True, slots=True)
class Failure:
    channel: str
    recipient: str  # as shown
    notice: str
    reason: str


@dataclass(slots=True)
class Summary:
    sent: int = 0
    would_send: int = 0  # in a dry run
    failures: list[Failure] = field(default_factory=list)
    held: int = 0  # not tried: behind an update of the same incident that failed on the channel,
    # or on a channel that failed with a temporary error earlier in the run
    due: int = 0  # notices within the horizon
    horizon: timedelta = timedelta(0)

    @property
    def failed(self) -> int:
        return len(self.failures) + self.held

    def line(self, dry_run: bool) -> str:
        """`sent 12, failed 1: ops — 500 Internal Server Error`."""
        if dry_run:
            text = f"dry run: would send {self.would_send}"
            if self.failures:
                text += f", could not send {len(self.failures)}: " + self._reasons()
            return text + "; nothing was sent and the delivery record was left as it was"
        if not self.sent and not self.failed:
            if not self.due:
                return f"nothing to send: no update in the last {_span(self.horizon)}"
            return f"nothing to send: every update of the last {_span(self.horizon)} was delivered"
        text = f"sent {self.sent}"
        if self.failed:
            text += f", failed {self.failed}: " + self._reasons()
            if self.held:
                text += f" ({self.held} held back behind an update that could not be delivered)"
        return text

    def _reasons(self) -> str:
        """Each channel (and recipient) that failed, with why: once each."""
        reasons: dict[str, None] = {}
        for failure in self.failures:
            who = failure.channel
            if failure.recipient not in ("-", "webhook"):
                who += f" ({failure.recipient})"
            reasons.setdefault(f"{who} — {failure.reason}")
        return "; ".join(reasons)


def _span(horizon: timedelta) -> str:
    minutes = int(horizon.total_seconds() // 60)
    if minutes % 1440 == 0 and minutes > 1440:
        return f"{minutes // 1440}d"
    if minutes % 60 == 0:
        return f"{minutes // 60}h"
    return f"{minutes}m"


Report = Callable[[str], None]


def pause(seconds: float) -> None:
    """How a run waits before trying again (tests wait for no one)."""
    time.sleep(seconds)


def notify(
    project: Path,
    site: Site,
    now: datetime,
    record_path: Path,
    *,
    environ: Mapping[str, str],
    dry_run: bool = False,
    say: Report = lambda _: None,
    warn: Report = lambda _: None,
    sleep: Callable[[float], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(tz=UTC),
    post: Post = post_json,
) -> Summary:
    """Deliver what is due at `now` to every channel of `site`; the record at `record_path`
    is read first and written after each delivery (never in a dry run)."""
    with nullcontext() if dry_run else taking_turns(record_path):
        record = Record.read(record_path)
        if record.settled_before is not None and record.settled_before > now:
            # A run as of a later time (a mistyped --now, a clock gone wrong) settled everything
            # posted up to a horizon before it: those updates are never sent. Said every run.
            warn(
                f"{record_path}: the delivery record counts every update posted before "
                f"{_utc(record.settled_before)} as dealt with, later than this run's time "
                f"{_utc(now)}: a run was made as of a later time, and no update posted before "
                "then will be sent (if that time was a mistake, set 'settled_before' in the "
                "record back to the last real run's)"
            )
        derived = derive(site, now)
        words = Phrasebook(project, site.info)
        channels = make_channels(site, project, derived, words, environ, post)
        horizon = site.notifications.horizon
        oldest = now - horizon
        due = [
            notice
            for notice in notices(derived.snapshot, site.info)
            if notice.at >= oldest
            and (record.settled_before is None or notice.at >= record.settled_before)
        ]
        if not dry_run:
            record.prune(oldest)
            # Written before anything is sent: a record that cannot be written stops the run
            # here, not after a delivery it could not remember (which the next run would repeat).
            record.save()
        summary = Summary(due=len(due), horizon=horizon)
        sender = _Sender(record, sleep or pause, clock, say, warn, dry_run, summary)
        for notice in due:
            for channel in channels:
                for recipient in channel.recipients(notice):
                    sender.send(channel, notice, recipient)
        for channel in channels:
            close = getattr(channel, "close", None)  # a channel holding a connection ends it
            if close is not None:
                close()
    return summary


@dataclass(slots=True)
class _Sender:
    record: Record
    sleep: Callable[[float], None]
    clock: Callable[[], datetime]
    say: Report
    warn: Report
    dry_run: bool
    summary: Summary
    # (channel, recipient key, incident id) whose update failed: its later updates wait, so
    # that no one reads "resolved" before the "investigating" that did not reach them.
    stalled: set[tuple[str, str, str]] = field(default_factory=set)
    # (channel, recipient key) still failing after every attempt with a temporary error: not
    # tried again in this run (a service that is down is not hammered; the next run tries).
    unreachable: set[tuple[str, str]] = field(default_factory=set)
    # Channels that failed as a whole (see DeliveryError.channel_wide): not tried again in this
    # run, for any recipient.
    down: set[str] = field(default_factory=set)

    def send(self, channel: Channel, notice: Notice, recipient: Recipient) -> None:
        key = (notice.id, channel.name, recipient.key)
        if key in self.record:
            return
        where = _where(channel, recipient)
        if self.dry_run and isinstance(channel, UnusableChannel):
            self.summary.failures.append(
                Failure(channel.name, recipient.shown, notice.id, channel.reason)
            )
            self.warn(f"cannot send {notice.id} to {where}: {channel.reason}")
            return
        if self.dry_run:
            self.summary.would_send += 1
            preview = channel.preview(notice, recipient)
            self.say(f"would send {notice.id} to {where}:\n{_indented(preview)}")
            return
        thread = (channel.name, recipient.key, notice.state.id)
        if channel.name in self.down:
            self.summary.held += 1  # told once, when the channel failed: not once a recipient
            return
        if thread in self.stalled or (channel.name, recipient.key) in self.unreachable:
            self.summary.held += 1
            self.warn(f"held back {notice.id} for {where}: an earlier update did not get there")
            return
        failure = self._attempt(channel, notice, recipient)
        if failure is None:
            self.record.add(Delivery(*key, notice.at, self.clock()))
            self.summary.sent += 1
            self.say(f"sent {notice.id} to {where}")
            return
        self.stalled.add(thread)
        if failure.temporary:
            self.unreachable.add((channel.name, recipient.key))
        self.summary.failures.append(
            Failure(channel.name, recipient.shown, notice.id, failure.reason)
        )
        self.warn(f"failed {notice.id} for {where}: {failure.reason}")
        if failure.channel_wide:
            self.down.add(channel.name)
            self.warn(f"{channel.name}: nothing more is tried on it in this run")

    def _attempt(
        self, channel: Channel, notice: Notice, recipient: Recipient
    ) -> DeliveryError | None:
        """Deliver, trying again after a temporary failure; the last failure, or None."""
        wait = FIRST_WAIT
        for attempt in range(1, ATTEMPTS + 1):
            try:
                channel.deliver(notice, recipient)
                return None
            except DeliveryError as error:
                if not error.temporary or attempt == ATTEMPTS:
                    return error
                pause = error.retry_after if error.retry_after is not None else wait
                if pause > LONGEST_WAIT:
                    return DeliveryError(
                        f"{error.reason} (asked to wait {pause:.0f} s; left for the next run)",
                        temporary=True,
                        channel_wide=error.channel_wide,
                    )
                self.warn(
                    f"{_where(channel, recipient)}: {error.reason}; trying again in {pause:g} s"
                )
                self.sleep(pause)
                wait *= 2
        return None  # not reached: the last attempt returns


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _where(channel: Channel, recipient: Recipient) -> str:
    return channel.name if recipient.key == "-" else f"{channel.name} ({recipient.shown})"


def _indented(text: str) -> str:
    return "\n".join(f"    {line}" if line else "" for line in text.splitlines())


def secrets_of(site: Site, environ: Mapping[str, str]) -> Sequence[str]:
    """The values of the variables the channels read their addresses from: what no output may
    contain."""
    names = [c.url_env for c in site.notifications.channels if c.url_env] + [
        c.email.smtp.password_env
        for c in site.notifications.channels
        if c.email is not None and c.email.smtp.password_env
    ]
    return [environ[name] for name in names if environ.get(name, "").strip()]
