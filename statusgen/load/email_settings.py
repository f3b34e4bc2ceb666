"""One e-mail channel of `notifications.channels` in components.yaml: its SMTP server, sender and
unsubscribe address, and where its private list of subscribers is read from."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Collection
from email.utils import getaddresses
from typing import TypeVar
from urllib.parse import unquote

from statusgen.errors import SourceError
from statusgen.load.nodes import Located, check_keys, located_choice, located_text, suggest
from statusgen.model.email_settings import EmailSettings, Security, SmtpSettings

# Every channel has these; the other keys are the e-mail channel's own.
CHANNEL_KEYS = ("name", "type", "components")
EMAIL_KEYS = (
    *CHANNEL_KEYS,
    "smtp",
    "from",
    "reply_to",
    "unsubscribe",
    "subscribers_env",
    "subscribers_file",
)
SMTP_KEYS = ("host", "port", "security", "username_env", "password_env")
SECURITIES = tuple(security.value for security in Security)

# The folders whose files end up public: the site the build writes (its default place) and the
# content. A list kept there would be published with them.
PUBLISHED_FOLDERS = ("site", "incidents")

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# An address as an SMTP server takes it without extensions: ASCII, a dotted domain.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS = re.compile(rf"{_LOCAL}@{_LABEL}(?:\.{_LABEL})+")
ADDRESS_FORM = "like name@example.com"
T = TypeVar("T")
_SECRET_KEYS = frozenset({"password", "pass", "passwd", "secret", "smtp_password"})


def is_address(text: str) -> bool:
    return len(text) <= 254 and ADDRESS.fullmatch(text) is not None


def email_settings(
    node: Located, errors: list[SourceError], *, components: Collection[str] | None = None
) -> EmailSettings | None:
    """The channel configured in `node`, or None with every mistake appended to `errors`.

    `components`, when given, are the site's component ids, which the channel's own filter is
    checked against."""
    if not node.is_mapping:
        errors.append(node.error("an e-mail channel must be a mapping of settings"))
        return None
    found: list[SourceError] = []
    found.extend(_known_keys(node, check_keys(node, EMAIL_KEYS, "e-mail channel")))
    fields = node.fields()
    name = _required_text(node, fields, "name", found, "e-mail channel")
    if "type" in fields:
        _read(lambda: located_choice(fields["type"], "channel type", ("email",)), found)
    smtp = _smtp(node, fields.get("smtp"), found)
    sender = _address_field(node, fields, "from", found, required=True)
    reply_to = _address_field(node, fields, "reply_to", found, required=False)
    unsubscribe = _unsubscribe(node, fields.get("unsubscribe"), found)
    subscribers_env, subscribers_file = _subscribers(node, fields, found)
    filtered = _components(fields.get("components"), components, found)
    errors.extend(found)
    if found or name is None or smtp is None or sender is None or unsubscribe is None:
        return None
    return EmailSettings(
        name=name,
        smtp=smtp,
        sender=sender,
        unsubscribe=unsubscribe,
        reply_to=reply_to,
        subscribers_env=subscribers_env,
        subscribers_file=subscribers_file,
        components=filtered,
        path=node.where.path,
        line=node.where.line,
    )


_INLINE_SECRET = (
    "a password is never written in components.yaml, which anyone who can read the repository "
    "reads: keep it in a secret of the CI and name its environment variable with "
    "'password_env' in 'smtp'"
)


def _known_keys(mapping: Located, unknown: list[SourceError]) -> list[SourceError]:
    """The unknown keys of a channel, a password written in the file (at the channel's level or
    in `smtp`) told as such instead: its value is never repeated."""
    secrets = [key.error(_INLINE_SECRET) for key, _ in mapping.items() if _secret(key)]
    for key, value in mapping.items():
        if key.node.value == "smtp" and value.is_mapping:
            secrets.extend(
                inner.error(_INLINE_SECRET) for inner, _ in value.items() if _secret(inner)
            )
    told = {error.where for error in secrets}
    return secrets + [error for error in unknown if error.where not in told]


def _secret(key: Located) -> bool:
    return str(key.node.value).lower() in _SECRET_KEYS


def _read(read: Callable[[], T], found: list[SourceError]) -> T | None:
    try:
        return read()
    except SourceError as error:
        found.append(error)
        return None


def _required_text(
    node: Located, fields: dict[str, Located], name: str, found: list[SourceError], what: str
) -> str | None:
    if name not in fields:
        found.append(node.error(f"{what} has no '{name}'"))
        return None
    return _read(lambda: located_text(fields[name], name), found)


def _smtp(node: Located, smtp: Located | None, found: list[SourceError]) -> SmtpSettings | None:
    """`smtp: {host, port, security, username_env, password_env}`."""
    if smtp is None:
        found.append(node.error("e-mail channel has no 'smtp' (its server: host, port, security)"))
        return None
    if not smtp.is_mapping:
        found.append(smtp.error("'smtp' must be a mapping of host, port, security, ..."))
        return None
    errors = check_keys(smtp, SMTP_KEYS, "smtp")
    fields = smtp.fields()
    host = _required_text(smtp, fields, "host", errors, "smtp")
    if host is not None and not re.fullmatch(r"[A-Za-z0-9.:\[\]-]+", host):
        errors.append(fields["host"].error(f"smtp host '{host}' is not a host name or address"))
    security = Security.STARTTLS
    if "security" in fields:
        chosen = _read(lambda: located_choice(fields["security"], "security", SECURITIES), errors)
        security = Security(chosen) if chosen is not None else security
    port = _port(fields["port"], errors) if "port" in fields else security.default_port
    username_env = _env_name(fields.get("username_env"), "username_env", errors)
    password_env = _env_name(fields.get("password_env"), "password_env", errors)
    secret_lines = {key.where for key, _ in smtp.items() if _secret(key)}
    paired = (username_env is None) == (password_env is None)
    if not paired and not errors and not secret_lines:
        given, missing = (
            ("username_env", "password_env")
            if password_env is None
            else ("password_env", "username_env")
        )
        errors.append(
            fields[given].error(f"'{given}' is set but '{missing}' is not (give both, or neither)")
        )
    found.extend(error for error in errors if error.where not in secret_lines)
    if errors or host is None or port is None:
        return None
    return SmtpSettings(host, port, security, username_env, password_env)


def _port(field: Located, errors: list[SourceError]) -> int | None:
    value = field.value
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return value
    errors.append(
        field.error(
            f"smtp port '{value}' is not a port number (1 to 65535: usually 587 with "
            "starttls, 465 with tls)"
        )
    )
    return None


def _env_name(field: Located | None, name: str, errors: list[SourceError]) -> str | None:
    """The name of an environment variable. A value that is not one is not repeated: it may be
    the secret itself, written where its variable's name belongs."""
    if field is None:
        return None
    value = field.value
    if isinstance(value, str) and ENV_NAME.fullmatch(value.strip()):
        return value.strip()
    errors.append(
        field.error(
            f"'{name}' must name an environment variable (letters, digits and _, like "
            "SMTP_PASSWORD), never hold the secret itself"
        )
    )
    return None


def _address_field(
    node: Located,
    fields: dict[str, Located],
    name: str,
    found: list[SourceError],
    *,
    required: bool,
) -> str | None:
    """A single address, with or without a name: `Example status <status@example.com>`."""
    if name not in fields:
        if required:
            found.append(
                node.error(
                    f"e-mail channel has no '{name}' (the sender, like "
                    "'Example status <status@example.com>')"
                )
            )
        return None
    text = _read(lambda: located_text(fields[name], name), found)
    if text is None:
        return None
    pairs = getaddresses([text])
    if "\n" in text or len(pairs) != 1 or not is_address(pairs[0][1]):
        found.append(
            fields[name].error(
                f"'{name}' is not an e-mail address ({ADDRESS_FORM}, or 'Name <name@example.com>')"
            )
        )
        return None
    return text


def _unsubscribe(node: Located, field: Located | None, found: list[SourceError]) -> str | None:
    form = "like mailto:status-unsubscribe@example.com?subject=unsubscribe"
    if field is None:
        found.append(
            node.error(
                "e-mail channel has no 'unsubscribe': every message says how to stop them "
                f"(a mailto: link, {form})"
            )
        )
        return None
    text = _read(lambda: located_text(field, "unsubscribe"), found)
    if text is None:
        return None
    address = unquote(text[len("mailto:") :].partition("?")[0])
    if (
        not text.lower().startswith("mailto:")
        or not is_address(address)
        or re.search(r"[\s<>\"]", text)
    ):
        found.append(
            field.error(
                f"'unsubscribe' must be a mailto: link ({form}); an https link would need a "
                "server to receive it, which a static site does not have"
            )
        )
        return None
    return text


def _subscribers(
    node: Located, fields: dict[str, Located], found: list[SourceError]
) -> tuple[str | None, str | None]:
    """(subscribers_env, subscribers_file): exactly one of them."""
    has_env, has_file = "subscribers_env" in fields, "subscribers_file" in fields
    if has_env == has_file:
        found.append(
            node.error(
                "e-mail channel needs one of 'subscribers_env' (an environment variable "
                "holding the list) or 'subscribers_file' (a file outside the site), "
                + ("not both" if has_env else "and has neither")
            )
        )
        return None, None
    if has_env:
        return _env_name(fields["subscribers_env"], "subscribers_env", found), None
    field = fields["subscribers_file"]
    text = _read(lambda: located_text(field, "subscribers_file"), found)
    if text is None:
        return None, None
    folder = published_folder(text)
    if folder is not None:
        found.append(
            field.error(
                f"subscribers_file '{text}' is inside {folder}/, which is published: keep the "
                "list outside the project (like ../private/subscribers.txt) or in an "
                "environment variable with subscribers_env"
            )
        )
        return None, None
    return None, text


def published_folder(path: str) -> str | None:
    """Which of the published folders a path written relative to the project lies in."""
    parts = posixpath.normpath(path.replace("\\", "/")).split("/")
    return parts[0] if parts[0] in PUBLISHED_FOLDERS else None


def _components(
    field: Located | None, known: Collection[str] | None, found: list[SourceError]
) -> tuple[str, ...]:
    if field is None:
        return ()
    if not field.is_sequence or not field.elements():
        found.append(field.error("'components' must be a list of component ids, like [api]"))
        return ()
    ids: list[str] = []
    for element in field.elements():
        cid = element.value
        if not isinstance(cid, str) or (known is not None and cid not in known):
            found.append(
                element.error(f"unknown component '{cid}'{suggest(str(cid), known or ())}")
            )
        elif cid not in ids:
            ids.append(cid)
    return tuple(ids)
