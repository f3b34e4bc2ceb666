"""Who is told of each update: the `notifications` part of components.yaml, as typed values."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum

from statusgen.model.email_settings import EmailSettings

DEFAULT_HORIZON = timedelta(hours=24)


class ChannelType(Enum):
    SLACK = "slack"
    TEAMS = "teams"
    DISCORD = "discord"
    WEBHOOK = "webhook"  # JSON in Atlassian Statuspage's webhook shapes
    EMAIL = "email"

    @property
    def posts_to_url(self) -> bool:
        """Whether the channel is an address to post to, read from `url_env`."""
        return self is not ChannelType.EMAIL


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    name: str  # unique: what summaries and the delivery record call the channel
    type: ChannelType
    line: int  # where components.yaml configures it
    url_env: str | None = None  # the environment variable holding the address to post to
    components: frozenset[str] | None = None  # only updates touching one of these; None: all
    email: EmailSettings | None = None  # for `type: email`: its own settings


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    horizon: timedelta = DEFAULT_HORIZON  # updates older than this at the run's time are never sent
    channels: tuple[ChannelSettings, ...] = field(default=())

    @property
    def enabled(self) -> bool:
        return bool(self.channels)
