"""The settings of an e-mail channel: the SMTP server, the sender, and where the private list of
subscribers is read from. Secrets are never here, only the names of the environment variables
that hold them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Security(Enum):
    STARTTLS = "starttls"  # plain connection upgraded to TLS before anything is sent (port 587)
    TLS = "tls"  # TLS from the first byte (port 465)
    NONE = "none"  # no encryption at all: only for a relay on the same host or network

    @property
    def default_port(self) -> int:
        return {Security.STARTTLS: 587, Security.TLS: 465, Security.NONE: 25}[self]


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int
    security: Security
    username_env: str | None = None  # the environment variables holding the credentials
    password_env: str | None = None


@dataclass(frozen=True, slots=True)
class EmailSettings:
    name: str  # the channel's name, as summaries and the delivery record call it
    smtp: SmtpSettings
    sender: str  # the From header as written: "Example status <status@example.com>"
    unsubscribe: str  # a mailto: URI
    reply_to: str | None = None
    subscribers_env: str | None = None  # exactly one of these two says where the list is
    subscribers_file: str | None = None  # as written, relative to the project
    components: tuple[str, ...] = ()  # only updates touching one of these; () = every update
    path: str = ""  # where the channel is configured, for the messages about it
    line: int = 0
