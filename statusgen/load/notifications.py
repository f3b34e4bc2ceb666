"""The `notifications` part of components.yaml: the horizon and the channels updates go to.

Nothing secret is written here: a webhook's address is read, when `statusgen notify` runs, from
the environment variable the channel names (`url_env`), and an address written inline is refused.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta

from statusgen.errors import SourceError
from statusgen.load.email_settings import email_settings
from statusgen.load.nodes import Located, check_keys, located_choice, located_text, suggest
from statusgen.model.calendars import parse_duration
from statusgen.model.content import Component
from statusgen.model.notifications import (
    DEFAULT_HORIZON,
    ChannelSettings,
    ChannelType,
    NotificationSettings,
)

NOTIFICATIONS_KEYS = ("horizon", "channels")
CHANNEL_KEYS = ("name", "type", "url_env", "components")
CHANNEL_TYPES = tuple(kind.value for kind in ChannelType)
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
HORIZON_FORMS = "minutes, hours or days such as 90m, 24h or 7d"
LONGEST_HORIZON_DAYS = 366
# Shorter, and a scheduled run that is late (GitHub delays them by many minutes when busy) or a
# deployment that fails once would leave updates older than the horizon: never sent.
SHORTEST_HORIZON_HOURS = 1


def load_notifications(
    node: Located, components: Mapping[str, Component], errors: list[SourceError]
) -> NotificationSettings:
    """`notifications: {horizon: 24h, channels: [...]}`, every mistake appended to `errors`."""
    if not node.is_mapping:
        errors.append(node.error("'notifications' must be a mapping of horizon and channels"))
        return NotificationSettings()
    errors.extend(check_keys(node, NOTIFICATIONS_KEYS, "notifications"))
    fields = node.fields()
    horizon = _horizon(fields["horizon"], errors) if "horizon" in fields else DEFAULT_HORIZON
    channels: list[ChannelSettings] = []
    listed = fields.get("channels")
    if listed is None:
        errors.append(node.error("notifications: missing 'channels' (a list of channels)"))
    elif not listed.is_sequence:
        errors.append(listed.error("notifications channels must be a list of channels"))
    else:
        first_line: dict[str, int] = {}
        for entry in listed.elements():
            channel = _channel(entry, components, errors)
            if channel is None:
                continue
            if channel.name in first_line:
                errors.append(
                    entry.error(
                        f"duplicate channel name '{channel.name}' (also on line "
                        f"{first_line[channel.name]}; each channel needs a name of its own)"
                    )
                )
                continue
            first_line[channel.name] = channel.line
            channels.append(channel)
    return NotificationSettings(horizon, tuple(channels))


def _horizon(field: Located, errors: list[SourceError]) -> timedelta:
    value = field.value
    duration = parse_duration(str(value)) if isinstance(value, str | int) else None
    if duration is None or duration.business_days:
        errors.append(
            field.error(f"notifications horizon '{value}' is not a duration ({HORIZON_FORMS})")
        )
        return DEFAULT_HORIZON
    horizon = duration.working + timedelta(days=duration.calendar_days)
    if horizon > timedelta(days=LONGEST_HORIZON_DAYS):
        errors.append(
            field.error(
                f"notifications horizon '{value}' is too long (at most {LONGEST_HORIZON_DAYS}d)"
            )
        )
        return DEFAULT_HORIZON
    if horizon < timedelta(hours=SHORTEST_HORIZON_HOURS):
        errors.append(
            field.error(
                f"notifications horizon '{value}' is too short (at least "
                f"{SHORTEST_HORIZON_HOURS}h: an update older than the horizon is never sent, and "
                "a late or failed run would leave some that old)"
            )
        )
        return DEFAULT_HORIZON
    return horizon


def _channel(
    entry: Located, components: Mapping[str, Component], errors: list[SourceError]
) -> ChannelSettings | None:
    if not entry.is_mapping:
        errors.append(entry.error("a channel must be a mapping with 'name' and 'type'"))
        return None
    fields = entry.fields()
    before = len(errors)
    name = _name(entry, fields, errors)
    kind = _type(entry, fields, errors)
    if kind is ChannelType.EMAIL:  # its own parser reads (and checks) every key of it
        email = email_settings(entry, errors, components=components)
        if len(errors) > before or name is None or email is None:
            return None
        chosen = frozenset(email.components) if email.components else None
        return ChannelSettings(name, kind, entry.where.line, None, chosen, email)
    # An address written inline gets its own message below, not "unknown key" as well.
    inline = tuple(f"key '{key}'" for key in _INLINE_SECRET_KEYS if key in fields)
    unknown = check_keys(entry, CHANNEL_KEYS, "channel")
    errors.extend(e for e in unknown if not any(shown in e.message for shown in inline))
    for key in _INLINE_SECRET_KEYS:
        if key in fields:
            errors.append(
                fields[key].error(
                    f"channel '{name or '?'}': a webhook address is a secret and must not be "
                    f"written here; keep it in an environment variable (a repository secret in "
                    f"CI) and name that variable with 'url_env: ...'"
                )
            )
    url_env = None
    if kind is not None and not inline:  # an address written inline was told what to write
        url_env = _env_name(entry, fields, "url_env", name, errors)
    chosen = _components(fields.get("components"), components, errors)
    if len(errors) > before or name is None or kind is None:
        return None
    return ChannelSettings(name, kind, entry.where.line, url_env, chosen)


# Keys under which people write a webhook's address itself: refused, with what to write instead.
_INLINE_SECRET_KEYS = ("url", "webhook", "webhook_url")


def _name(entry: Located, fields: dict[str, Located], errors: list[SourceError]) -> str | None:
    if "name" not in fields:
        errors.append(
            entry.error("channel: missing 'name' (what summaries and the record call it)")
        )
        return None
    try:
        name = located_text(fields["name"], "name")
    except SourceError as error:
        errors.append(error)
        return None
    if not CHANNEL_NAME.fullmatch(name):
        errors.append(
            fields["name"].error(
                f"channel name '{name[:60]}' may use only a-z, 0-9, '-' and '_' "
                "(at most 40 characters, starting with a letter or digit)"
            )
        )
        return None
    return name


def _type(
    entry: Located, fields: dict[str, Located], errors: list[SourceError]
) -> ChannelType | None:
    if "type" not in fields:
        errors.append(entry.error(f"channel: missing 'type' ({', '.join(CHANNEL_TYPES)})"))
        return None
    try:
        return ChannelType(located_choice(fields["type"], "channel type", CHANNEL_TYPES))
    except SourceError as error:
        errors.append(error)
        return None


def _env_name(
    entry: Located,
    fields: dict[str, Located],
    key: str,
    channel: str | None,
    errors: list[SourceError],
) -> str | None:
    """The name of an environment variable; its value is read only when notifications are sent."""
    shown = f"channel '{channel}'" if channel else "channel"
    if key not in fields:
        errors.append(
            entry.error(
                f"{shown}: missing '{key}' (the name of the environment variable that holds "
                "the webhook's address, e.g. SLACK_WEBHOOK_URL)"
            )
        )
        return None
    value = fields[key].value
    if isinstance(value, str) and "://" in value:
        # Never repeated in the message: it is the secret itself.
        errors.append(
            fields[key].error(
                f"{shown}: {key} holds an address; it must name the environment variable that "
                "holds it (e.g. SLACK_WEBHOOK_URL), and the address belongs in that variable, "
                "never in this file"
            )
        )
        return None
    if not isinstance(value, str) or not ENV_NAME.fullmatch(value):
        errors.append(
            fields[key].error(
                f"{shown}: {key} '{str(value)[:60]}' is not the name of an environment variable "
                "(letters, digits and '_', not starting with a digit)"
            )
        )
        return None
    return value


def _components(
    node: Located | None, known: Mapping[str, Component], errors: list[SourceError]
) -> frozenset[str] | None:
    if node is None:
        return None
    if not node.is_sequence or not node.elements():
        errors.append(node.error("channel components must be a non-empty list of component ids"))
        return None
    chosen: set[str] = set()
    for element in node.elements():
        try:
            cid = located_text(element, "component")
        except SourceError as error:
            errors.append(error)
            continue
        if cid not in known:
            errors.append(element.error(f"unknown component '{cid}'{suggest(cid, known)}"))
            continue
        chosen.add(cid)
    return frozenset(chosen)
