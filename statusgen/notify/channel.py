"""What every channel offers the notify command: who hears of a notice, delivering it once, and
what a dry run shows of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from statusgen.notify.notices import Notice


@dataclass(frozen=True, slots=True)
class Recipient:
    key: str  # stable, never secret, used in the delivery record: "-" for a webhook channel;
    # for e-mail a salted-free SHA-256 hex of the lower-cased address, first 16 chars
    shown: str  # what summaries and --dry-run print; never a secret (e-mail: a masked address)


class Channel(Protocol):
    name: str

    def recipients(self, notice: Notice) -> Sequence[Recipient]:
        """Who hears of this notice (component filters applied; [] = nobody)."""
        ...

    def deliver(self, notice: Notice, recipient: Recipient) -> None:
        """Send it once; raise DeliveryError on failure."""
        ...

    def preview(self, notice: Notice, recipient: Recipient) -> str:
        """What --dry-run prints for it: the message as it would go, secrets left out."""
        ...


class DeliveryError(Exception):
    def __init__(
        self,
        reason: str,
        *,
        temporary: bool,
        retry_after: float | None = None,
        channel_wide: bool = False,
    ) -> None:
        # reason: short, never a secret ("500 Internal Server Error", "connection refused",
        # "550 mailbox unavailable"); temporary: worth retrying (network, 5xx, 429, SMTP 4xx);
        # channel_wide: the channel itself failed, not this recipient (the mail server cannot be
        # reached or refuses the login): its other recipients are not tried in this run, so that
        # a thousand subscribers make neither a thousand failed logins nor an hour of retries.
        super().__init__(reason)
        self.reason = reason
        self.temporary = temporary
        self.retry_after = retry_after
        self.channel_wide = channel_wide
