"""Slack, Microsoft Teams and Discord: one message per notice, posted to the channel's webhook.

Each shows the status, the title, the update as plain text, the components, the estimate and a
link, in the site's language; each platform's markup in the update is escaped, so that an update
can neither mention (@channel, @everyone) nor link anything its words do not show.

The payloads follow the platforms' documentation: Slack's Block Kit
(https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks/, with a top-level
`text`, which mobile notifications show), Teams workflow webhooks with one Adaptive Card 1.4
attachment (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook),
and Discord's Execute Webhook with an embed
(https://discord.com/developers/docs/resources/webhook#execute-webhook).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from statusgen.notify.channel import Recipient
from statusgen.notify.http import post_json
from statusgen.notify.notices import Notice
from statusgen.notify.wording import Phrasebook, Wording

Post = Callable[[str, Any, dict[str, str]], bytes]  # url, payload, headers -> the answer's body
WEBHOOK = Recipient("-", "webhook")


class UrlChannel:
    """A channel that posts one JSON document per notice to one address."""

    platform = ""  # what the dry run calls it

    def __init__(
        self,
        name: str,
        url: str,
        words: Phrasebook,
        components: frozenset[str] | None = None,
        post: Post = post_json,
    ) -> None:
        self.name = name
        self._url = url
        self.words = words
        self.components = components
        self._post = post

    def __repr__(self) -> str:  # never the address: it is a secret
        return f"{type(self).__name__}({self.name!r})"

    def recipients(self, notice: Notice) -> Sequence[Recipient]:
        if not notice.touches(self.components):
            return []
        return [WEBHOOK]

    def deliver(self, notice: Notice, recipient: Recipient) -> None:
        self._post(self.address(), self.payload(notice), self.headers(notice))

    def preview(self, notice: Notice, recipient: Recipient) -> str:
        return f"{self.platform} message:\n{self.words.of(notice).as_text()}"

    def address(self) -> str:
        return self._url

    def headers(self, notice: Notice) -> dict[str, str]:
        return {}

    def payload(self, notice: Notice) -> dict[str, Any]:
        raise NotImplementedError


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cut_bytes(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, where a limit counts bytes (Teams: 28 KB a message):
    a character of Japanese text takes three."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", "ignore").rstrip() + "…"


# -- Slack --------------------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's three control characters as the entities it decodes: `<!channel>` and
    `<https://x|y>` then read as written, mentioning and linking nothing."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_cut(text: str, limit: int) -> str:
    """`text` escaped, then cut to `limit` as Slack counts it (escaped: `&` is five characters
    there), never inside an entity."""
    escaped = slack_escape(text)
    if len(escaped) <= limit:
        return escaped
    kept = escaped[: limit - 1]
    entity = kept.rfind("&")
    if entity > len(kept) - 4 and ";" not in kept[entity:]:
        kept = kept[:entity]
    return kept.rstrip() + "…"


class SlackChannel(UrlChannel):
    platform = "Slack"

    def payload(self, notice: Notice) -> dict[str, Any]:
        wording = self.words.of(notice)
        blocks: list[dict[str, Any]] = [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": _cut(wording.headline, 150), "emoji": False},
            }
        ]
        if wording.body:
            # plain_text: Slack reads no mrkdwn in it, so `*`, `_` and `<...>` stay as written.
            blocks.append(
                {
                    "type": "section",
                    "text": {
                        "type": "plain_text",
                        "text": _cut(wording.body, 2900),
                        "emoji": False,
                    },
                }
            )
        if wording.facts:
            blocks.append(
                {
                    "type": "section",
                    "fields": [
                        {
                            "type": "mrkdwn",
                            "text": f"*{_slack_cut(fact.label, 90)}*\n{_slack_cut(fact.value, 1900)}",
                        }
                        for fact in wording.facts[:10]
                    ],
                }
            )
        label = slack_escape(wording.link).replace("|", "¦")
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"<{_slack_url(wording.url)}|{label}> · {slack_escape(wording.site)}",
                    }
                ],
            }
        )
        return {"text": slack_escape(_fallback(wording)), "blocks": blocks}


def _slack_url(url: str) -> str:
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def _fallback(wording: Wording) -> str:
    """The one line a notification shows (and a screen reader reads)."""
    body = " ".join(wording.body.split())
    line = f"{wording.headline} — {body}" if body else wording.headline
    return f"{_cut(line, 300)} {wording.url}"


# -- Microsoft Teams -----------------------------------------------------------------------------

# Adaptive Cards read a subset of Markdown in a TextBlock; a link written [like](this) would be
# a link. A zero-width space after the bracket leaves the words as they were and links nothing.
_CARD_LINK = re.compile(r"\](?=\()")


def card_text(text: str) -> str:
    return _CARD_LINK.sub("]\u200b", text)


class TeamsChannel(UrlChannel):
    platform = "Microsoft Teams"

    def payload(self, notice: Notice) -> dict[str, Any]:
        wording = self.words.of(notice)
        body: list[dict[str, Any]] = [
            {
                "type": "TextBlock",
                "text": card_text(_cut_bytes(wording.headline, 1000)),
                "size": "Large",
                "weight": "Bolder",
                "wrap": True,
                "style": "heading",
            }
        ]
        if wording.body:
            body.append(
                {
                    "type": "TextBlock",
                    "text": card_text(_cut_bytes(wording.body, 15000)),
                    "wrap": True,
                }
            )
        if wording.facts:
            body.append(
                {
                    "type": "FactSet",
                    "facts": [
                        {
                            "title": card_text(_cut_bytes(fact.label, 200)),
                            "value": card_text(_cut_bytes(fact.value, 2000)),
                        }
                        for fact in wording.facts
                    ],
                }
            )
        card = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "msteams": {"width": "Full"},
            "body": body,
            "actions": [{"type": "Action.OpenUrl", "title": wording.link, "url": wording.url}],
        }
        # The workflow's template loops over `attachments`: exactly one, the card.
        return {
            "type": "message",
            "attachments": [
                {
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": None,
                    "content": card,
                }
            ],
        }


# -- Discord -------------------------------------------------------------------------------------

_DISCORD_MARKUP = re.compile(r"([\\*_~`|>#\[\]()<@-])")
# Colours of the embed's edge, by what the update means (Discord wants an integer).
_RED, _ORANGE, _BLUE, _GREEN = 0xD93025, 0xE67E22, 0x1A73E8, 0x188038


def discord_escape(text: str) -> str:
    """Every character Discord's Markdown gives a meaning, escaped with a backslash."""
    return _DISCORD_MARKUP.sub(r"\\\1", text)


class DiscordChannel(UrlChannel):
    platform = "Discord"

    def address(self) -> str:
        # wait=true: Discord answers once the message is saved, so a failure is an error here.
        parts = urlsplit(super().address())
        query = "&".join(p for p in (parts.query, "wait=true") if p and p != "wait=false")
        return urlunsplit(parts._replace(query=query))

    def payload(self, notice: Notice) -> dict[str, Any]:
        # Within Discord's limits: 4096 for the description, 1024 a field, 6000 in all.
        wording = self.words.of(notice)
        status = notice.update.status
        colour = (
            _GREEN
            if status.closes
            else _BLUE
            if notice.state.is_maintenance
            else _RED
            if notice.state.incident.impact.value in ("major", "critical")
            else _ORANGE
        )
        embed: dict[str, Any] = {
            "title": _cut(wording.headline, 256),
            "url": wording.url,
            "description": _cut(discord_escape(wording.body), 3000),
            "color": colour,
            "fields": [
                {
                    "name": _cut(fact.label, 256),
                    "value": _cut(discord_escape(fact.value), 700),
                    "inline": True,
                }
                for fact in wording.facts[:10]
            ],
            "timestamp": notice.at.isoformat(timespec="seconds"),
            "footer": {"text": _cut(f"{wording.site} · {wording.link}", 200)},
        }
        if not embed["description"]:
            del embed["description"]
        # No `username`: Discord refuses some words in one, and the webhook has a name already.
        return {
            "allowed_mentions": {"parse": []},
            "embeds": [embed],
        }
