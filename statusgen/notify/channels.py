"""The channels of a run, made from the settings and the environment it runs in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from statusgen.derive import Derived
from statusgen.errors import BuildFailed
from statusgen.model.content import Site
from statusgen.model.notifications import ChannelSettings, ChannelType
from statusgen.notify.channel import Channel, DeliveryError, Recipient
from statusgen.notify.chat import WEBHOOK, DiscordChannel, Post, SlackChannel, TeamsChannel
from statusgen.notify.email import EmailChannel
from statusgen.notify.http import post_json
from statusgen.notify.notices import Notice
from statusgen.notify.webhook import WebhookChannel
from statusgen.notify.wording import Phrasebook

_CHAT = {
    ChannelType.SLACK: SlackChannel,
    ChannelType.TEAMS: TeamsChannel,
    ChannelType.DISCORD: DiscordChannel,
}


class UnusableChannel:
    """A channel that cannot send in this run (its variable is not set, say): each notice for
    it fails with `reason`, and is left for a run where it can."""

    def __init__(self, settings: ChannelSettings, reason: str) -> None:
        self.name = settings.name
        self.components = settings.components
        self.reason = reason

    def recipients(self, notice: Notice) -> Sequence[Recipient]:
        if not notice.touches(self.components):
            return []
        return [WEBHOOK]

    def deliver(self, notice: Notice, recipient: Recipient) -> None:
        raise DeliveryError(self.reason, temporary=False)

    def preview(self, notice: Notice, recipient: Recipient) -> str:
        return f"(cannot be sent: {self.reason})"


def make_channels(
    site: Site,
    project: Path,
    derived: Derived,
    words: Phrasebook,
    environ: Mapping[str, str],
    post: Post = post_json,
) -> list[Channel]:
    """One channel per configured one, in the order of components.yaml."""
    made: list[Channel] = []
    for settings in site.notifications.channels:
        if settings.type is ChannelType.EMAIL:
            made.append(email_channel(settings, site, project, environ))
            continue
        assert settings.url_env is not None  # the loader requires it of these types
        url = environ.get(settings.url_env, "").strip()
        problem = _address_problem(settings.url_env, url)
        if problem:
            made.append(UnusableChannel(settings, problem))
        elif settings.type is ChannelType.WEBHOOK:
            made.append(
                WebhookChannel(settings.name, url, words, site, derived, settings.components, post)
            )
        else:
            made.append(_CHAT[settings.type](settings.name, url, words, settings.components, post))
    return made


def _address_problem(variable: str, url: str) -> str | None:
    """What is wrong with the address in `variable`, in words that never repeat it."""
    if not url:
        return f"the environment variable {variable} is not set (it holds the webhook's address)"
    invalid = f"the environment variable {variable} does not hold an http(s) address"
    if any(character.isspace() or not character.isprintable() for character in url):
        return invalid + " (it has a space or a control character)"
    try:  # each raises ValueError on a malformed host or port, quoting part of the address
        parts = urlsplit(url)
        host, _port = parts.hostname, parts.port
    except ValueError:
        return invalid + " (its host or port is malformed)"
    if parts.scheme not in ("http", "https") or not host:
        return invalid
    return None


def email_channel(
    settings: ChannelSettings, site: Site, project: Path, environ: Mapping[str, str]
) -> Channel:
    """The e-mail channel; one whose subscriber list has mistakes cannot send (each mistake is
    told with its line, never with an address), and the other channels go on."""
    assert settings.email is not None  # the loader sets it for `type: email`
    try:
        return EmailChannel(settings.email, environ, site=site, project=project)
    except BuildFailed as failed:
        told = "; ".join(str(error) for error in failed.errors[:3])
        more = len(failed.errors) - 3
        return UnusableChannel(
            settings, f"the subscriber list: {told}" + (f" (and {more} more)" if more > 0 else "")
        )
