"""The e-mail channel: one message per update per subscriber, over SMTP.

The list of subscribers is private. It is read when the channel is made, from an environment
variable or a file outside the site, and kept in memory only: no message, error, log line or
`repr()` shows an address in full, and no file is written from it. Each message goes to one
subscriber, whose address alone is in its `To`."""

from __future__ import annotations

import email.policy
import hashlib
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from email.headerregistry import HeaderRegistry, MessageIDHeader
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, quote
from pathlib import Path
from urllib.parse import urlsplit

from markupsafe import Markup

from statusgen.errors import BuildFailed, SourceError, SourceRef
from statusgen.load.email_settings import ADDRESS, ADDRESS_FORM, is_address
from statusgen.load.files import decode_text, read_regular_file
from statusgen.load.nodes import suggest
from statusgen.model.content import Component, Site, SiteInfo
from statusgen.model.email_settings import EmailSettings, Security
from statusgen.notify.channel import DeliveryError, Recipient
from statusgen.notify.notices import Notice
from statusgen.outputs.api import update_anchors, update_id
from statusgen.outputs.plain_text import plain_text
from statusgen.render.filters import Filters
from statusgen.render.i18n import load_translations

# A CA bundle to trust instead of the system's. Meant for tests, which run their own SMTP
# server with a throwaway certificate, and for a relay whose certificate a private CA signed;
# verification is never switched off.
CA_FILE_ENV = "STATUSGEN_SMTP_CA_FILE"
TIMEOUT = 30.0  # seconds for connecting and for each reply of the server
_REASON_LENGTH = 160

# The default policy (headers encoded as RFC 2047 and 6532 ask), but with the threading headers
# read as message ids: as unstructured text, one id longer than a line would be folded into an
# encoded word, which no mail client takes for an id.
# (The registry joins each class with BaseHeader itself; the stubs ask for the joined class.)
_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("in-reply-to", MessageIDHeader)  # type: ignore[arg-type]
_HEADERS.map_to_type("references", MessageIDHeader)  # type: ignore[arg-type]
POLICY = email.policy.default.clone(header_factory=_HEADERS)


# -- Subscribers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subscriber:
    address: str
    components: frozenset[str] | None  # only updates touching one of these; None = all
    recipient: Recipient

    def __repr__(self) -> str:  # the address stays out of logs and tracebacks
        return f"Subscriber({self.recipient.shown})"

    def hears_of(self, notice: Notice) -> bool:
        return self.components is None or bool(self.components & notice.component_ids)


def recipient_key(address: str) -> str:
    """What the delivery record calls a subscriber: never the address itself."""
    return hashlib.sha256(address.lower().encode()).hexdigest()[:16]


def masked(address: str) -> str:
    """`a***@example.com`: enough to tell subscribers apart in a summary, not to write to them."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


def mask_addresses(text: str) -> str:
    return ADDRESS.sub(lambda match: masked(match.group()), text)


def read_subscribers(
    text: str, source: str, components: Mapping[str, Component]
) -> tuple[list[Subscriber], list[SourceError]]:
    """The subscribers of a list (`address` or `address: api, web` a line, `#` comments), the
    same address written twice merged; and an error for each bad line, which names its line but
    repeats none of the addresses."""
    merged: dict[str, tuple[str, frozenset[str] | None]] = {}
    errors: list[SourceError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        address, colon, listed = (part.strip() for part in line.partition(":"))
        where = SourceRef(source, number)
        if not is_address(address):
            errors.append(
                SourceError(
                    where,
                    f"not an e-mail address (one address a line, {ADDRESS_FORM}, optionally "
                    "followed by ': ' and the ids of the components it hears of)",
                )
            )
            continue
        chosen = _listed_components(listed, where, components, errors) if colon else None
        if colon and not chosen:
            continue
        key = recipient_key(address)
        if key in merged:
            first, before = merged[key]
            chosen = None if before is None or chosen is None else before | chosen
            address = first
        merged[key] = (address, chosen)
    subscribers = [
        Subscriber(address, chosen, Recipient(key, masked(address)))
        for key, (address, chosen) in merged.items()
    ]
    return subscribers, errors


def _listed_components(
    listed: str, where: SourceRef, components: Mapping[str, Component], errors: list[SourceError]
) -> frozenset[str]:
    ids = [cid.strip() for cid in listed.split(",") if cid.strip()]
    if not ids:
        errors.append(SourceError(where, "no component ids after ':' (like ': api, web')"))
    unknown = [cid for cid in ids if cid not in components]
    errors.extend(
        SourceError(where, f"unknown component '{cid}'{suggest(cid, components)}")
        for cid in unknown
    )
    return frozenset() if unknown else frozenset(ids)


def _subscriber_list(
    settings: EmailSettings, environ: Mapping[str, str], project: Path, out: Path
) -> tuple[str, str]:
    """The list's text and the name its errors give it: `$VARIABLE` or the file's path."""
    configured = SourceRef(settings.path, settings.line)
    if settings.subscribers_env is not None:
        name = settings.subscribers_env
        text = environ.get(name, "")
        if not text.strip():
            raise BuildFailed(
                [
                    SourceError(
                        configured,
                        f"e-mail channel '{settings.name}': the environment variable {name} is "
                        f"{'empty' if name in environ else 'not set'} (it holds the subscribers, "
                        "one address a line; a CI secret that does not exist reads as empty)",
                    )
                ]
            )
        return text, f"${name}"
    assert settings.subscribers_file is not None
    written = settings.subscribers_file
    path = (project / written).resolve()
    for folder in (project / "incidents", out):
        if path.is_relative_to(folder.resolve()):
            raise BuildFailed(
                [
                    SourceError(
                        configured,
                        f"e-mail channel '{settings.name}': subscribers_file '{written}' is "
                        f"inside {folder.name}/, which is published (keep it outside the project)",
                    )
                ]
            )
    try:
        return decode_text(read_regular_file(path, written), written), written
    except SourceError as error:
        raise BuildFailed([error]) from None


# -- Messages ------------------------------------------------------------------------------------


class Mail:
    """The messages of one site, in its language."""

    def __init__(self, site: SiteInfo, project: Path, settings: EmailSettings) -> None:
        self.site = site
        self.settings = settings
        self.filters = Filters(site, load_translations(project, site.language))
        self.host = urlsplit(site.url).hostname or "localhost"
        label = re.sub(r"[^a-z0-9-]+", "-", settings.name.lower()).strip("-") or "status"
        self.list_id = f'"{quote(one_line(site.title))}" <{label}.{self.host}>'

    def message(self, notice: Notice, subscriber: Subscriber) -> EmailMessage:
        message = EmailMessage(policy=POLICY)
        message["From"] = self.settings.sender
        message["To"] = subscriber.address
        if self.settings.reply_to:
            message["Reply-To"] = self.settings.reply_to
        message["Subject"] = self.subject(notice)
        message["Date"] = format_datetime(notice.at.astimezone(UTC))
        own, first = (
            self.message_id(notice.id, subscriber),
            self.first_message_id(notice, subscriber),
        )
        message["Message-ID"] = own
        if first != own:  # one incident, one conversation: every later message answers the first
            message["In-Reply-To"] = first
            message["References"] = first
        message["List-Id"] = self.list_id
        # RFC 2369. A mailto: only, so no List-Unsubscribe-Post (RFC 8058): one-click
        # unsubscribing needs an https address that a server answers, which a static site lacks.
        message["List-Unsubscribe"] = f"<{self.settings.unsubscribe}>"
        message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
        # Older responders (and Exchange) heed these rather than Auto-Submitted: a thousand
        # out-of-office replies in the support inbox during an outage help nobody.
        message["Precedence"] = "bulk"
        message["X-Auto-Response-Suppress"] = "All"
        message.set_content(self.text(notice))
        message.add_alternative(self.html(notice), subtype="html")
        return message

    def message_id(self, notice_id: str, subscriber: Subscriber) -> str:
        # The same for a notice and a recipient at every run; the tag is salted with the site's
        # address so that two sites on one host never share an id, and tells nothing of it.
        tag = hashlib.sha256(f"{self.site.url}\n{subscriber.address.lower()}".encode())
        return f"<{notice_id}.{tag.hexdigest()[:16]}@{self.host}>"

    def first_message_id(self, notice: Notice, subscriber: Subscriber) -> str:
        state = notice.state
        anchors = update_anchors(state)
        first = min(range(len(state.updates)), key=lambda i: state.updates[i].at)
        return self.message_id(update_id(state, state.updates[first], anchors[first]), subscriber)

    def subject(self, notice: Notice) -> str:
        return f"[{self.status(notice)}] {one_line(notice.state.incident.title)}"

    def status(self, notice: Notice) -> str:
        return self.filters.words.label(notice.update.status)

    def body_text(self, notice: Notice) -> str:
        if notice.update.automatic:
            return self.filters.words.message(notice.update.status, "automatic") % {}
        return plain_text(notice.update.rendered)

    def facts(self, notice: Notice) -> list[tuple[str, str]]:
        """(label, value) lines: the components, and the estimate while there is one."""
        gettext = self.filters.translations.gettext
        facts = []
        if notice.affected:
            names = [component.name for component, _ in notice.affected]
            facts.append((gettext("Affected components:"), ", ".join(names)))
        if notice.eta is not None:
            local = notice.eta.astimezone(self.site.timezone)
            when = f"{self.filters.format_local(local, 'medium')} {self.filters.zone_label(local)}"
            if notice.state.is_maintenance:
                facts.append((gettext("Scheduled until"), when))
            else:
                facts.append((gettext("Estimated resolution:"), when))
        return facts

    def text(self, notice: Notice) -> str:
        gettext = self.filters.translations.gettext
        paragraphs = [
            f"{self.status(notice)}: {notice.state.incident.title}",
            self.body_text(notice),
            "\n".join(f"{label} {value}" for label, value in self.facts(notice)),
            gettext("Read this update on the status page: %(url)s") % {"url": notice.url}
            + f"\n{self.site.title}: {self.site.url}",
            "-- \n"  # the signature's separator: clients fold or dim what follows
            + self.why()
            + "\n"
            + gettext("To unsubscribe: %(link)s") % {"link": self.settings.unsubscribe},
        ]
        return "\n\n".join(paragraph for paragraph in paragraphs if paragraph) + "\n"

    def why(self) -> str:
        gettext = self.filters.translations.gettext
        return gettext(
            "You receive this message because you subscribed to the updates of %(site)s."
        ) % {"site": self.site.title}

    def html(self, notice: Notice) -> str:
        gettext = self.filters.translations.gettext
        if notice.update.automatic:
            body = Markup("<p>%s</p>") % self.body_text(notice)
        else:
            body = Markup(notice.update.rendered)  # sanitized when the file was read
        facts = Markup("").join(
            Markup("<p><strong>%s</strong> %s</p>\n") % (label, value)
            for label, value in self.facts(notice)
        )
        small = Markup(' style="font-size: 0.85em; color: #555555;"')
        return Markup(
            '<!DOCTYPE html>\n<html lang="%s">\n<head>\n<meta charset="utf-8">\n'
            "<title>%s</title>\n</head>\n"
            '<body style="font-family: sans-serif; line-height: 1.5; color: #1a1a1a;">\n'
            '<div style="max-width: 40em;">\n'
            '<p style="margin: 0; font-weight: bold;">%s</p>\n'
            '<h1 style="font-size: 1.4em; margin-top: 0.2em;">%s</h1>\n'
            "%s\n%s"
            '<p><a href="%s">%s</a></p>\n'
            '<hr style="border: 0; border-top: 1px solid #cccccc;">\n'
            '<p%s>%s <a href="%s">%s</a></p>\n'
            '<p%s><a href="%s">%s</a></p>\n'
            "</div>\n</body>\n</html>\n"
        ) % (
            self.site.language,
            self.subject(notice),
            self.status(notice),
            notice.state.incident.title,
            body,
            facts,
            notice.url,
            gettext("Read this update on the status page"),
            small,
            self.why(),
            self.site.url,
            self.site.title,
            small,
            self.settings.unsubscribe,
            gettext("Unsubscribe"),
        )


# -- Sending -------------------------------------------------------------------------------------


class EmailChannel:
    """Delivers notices by e-mail (the Channel of `statusgen.notify.channel`).

    Made from the channel's settings, the environment (the names of its variables are in the
    settings), the loaded site, the project folder and the folder the site is written to; the
    list of subscribers is read and checked here, and every mistake in it raised together as
    BuildFailed. One SMTP connection serves a run's messages; `close()` ends it."""

    def __init__(
        self,
        settings: EmailSettings,
        environ: Mapping[str, str],
        *,
        site: Site,
        project: Path,
        out: Path | None = None,
    ) -> None:
        self.name = settings.name
        self._settings = settings
        self._environ = environ
        text, source = _subscriber_list(settings, environ, project, out or project / "site")
        subscribers, errors = read_subscribers(text, source, site.components)
        if errors:
            raise BuildFailed(errors)
        self._subscribers = {s.recipient.key: s for s in subscribers}
        self._mail = Mail(site.info, project, settings)
        self._sender = getaddresses([settings.sender])[0][1]
        self._smtp: smtplib.SMTP | None = None

    def __repr__(self) -> str:
        return f"EmailChannel({self.name!r}, {len(self._subscribers)} subscribers)"

    def recipients(self, notice: Notice) -> Sequence[Recipient]:
        if not notice.touches(self._settings.components):
            return []
        return [s.recipient for s in self._subscribers.values() if s.hears_of(notice)]

    def message(self, notice: Notice, recipient: Recipient) -> EmailMessage:
        """The message as it goes to `recipient`."""
        return self._mail.message(notice, self._subscriber(recipient))

    def preview(self, notice: Notice, recipient: Recipient) -> str:
        message = self.message(notice, recipient)
        message.replace_header("To", recipient.shown)
        mime = {"mime-version", "content-type", "content-transfer-encoding"}
        headers = [
            f"{name}: {value}" for name, value in message.items() if name.lower() not in mime
        ]
        plain = message.get_body(("plain",))
        assert isinstance(plain, EmailMessage)
        return "\n".join(headers) + "\n\n" + str(plain.get_content())

    def deliver(self, notice: Notice, recipient: Recipient) -> None:
        subscriber = self._subscriber(recipient)
        message = self._mail.message(notice, subscriber)
        try:
            client = self._connection()
        except (smtplib.SMTPException, OSError, DeliveryError) as error:
            # Connecting, TLS and the login concern every subscriber alike.
            self.close()
            failure = error if isinstance(error, DeliveryError) else self._failure(error)
            raise DeliveryError(
                failure.reason, temporary=failure.temporary, channel_wide=True
            ) from None
        try:
            client.send_message(message, from_addr=self._sender, to_addrs=[subscriber.address])
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise self._failure(error) from None

    def close(self) -> None:
        client, self._smtp = self._smtp, None
        if client is not None:
            try:
                client.quit()
            except (smtplib.SMTPException, OSError):
                client.close()

    def _subscriber(self, recipient: Recipient) -> Subscriber:
        subscriber = self._subscribers.get(recipient.key)
        if subscriber is None:
            raise DeliveryError(f"{recipient.shown} is no longer subscribed", temporary=False)
        return subscriber

    def _connection(self) -> smtplib.SMTP:
        """The connection of earlier messages, if the server still answers on it; else a new one.
        (Asked before a message, not after a failed one: a message whose reply was lost may have
        been accepted, and sending it again could deliver it twice.)"""
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (smtplib.SMTPException, OSError):
                pass
            self.close()
        self._smtp = self._connect()
        return self._smtp

    def _connect(self) -> smtplib.SMTP:
        smtp = self._settings.smtp
        credentials = self._credentials()
        local = self._mail.host  # not the runner's name, whose lookup can take seconds
        client: smtplib.SMTP
        if smtp.security is Security.TLS:
            client = smtplib.SMTP_SSL(
                smtp.host, smtp.port, local, timeout=TIMEOUT, context=self._tls()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, local, timeout=TIMEOUT)
        try:
            if smtp.security is Security.STARTTLS:
                # Raises when the server offers no STARTTLS: the credentials are then never sent.
                client.starttls(context=self._tls())
            if credentials is not None:
                _login(client, *credentials)
        except BaseException:
            client.close()
            raise
        return client

    def _credentials(self) -> tuple[str, str] | None:
        smtp = self._settings.smtp
        if smtp.username_env is None or smtp.password_env is None:
            return None
        for name in (smtp.username_env, smtp.password_env):
            if not self._environ.get(name):
                raise DeliveryError(
                    f"the environment variable {name} is not set (the SMTP credentials)",
                    temporary=False,
                )
        return self._environ[smtp.username_env], self._environ[smtp.password_env]

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self._environ.get(CA_FILE_ENV) or None)

    def _failure(self, error: OSError) -> DeliveryError:
        """What went wrong, in a few words that name no secret and no other subscriber."""
        if isinstance(error, smtplib.SMTPException):
            return _smtp_failure(error)
        smtp = self._settings.smtp
        if isinstance(error, ssl.SSLCertVerificationError):
            detail = error.verify_message or error.reason
            return DeliveryError(
                f"the server's TLS certificate is not trusted ({detail})", temporary=False
            )
        if isinstance(error, ssl.SSLError):
            return DeliveryError(
                f"TLS failed ({error.reason}): does port {smtp.port} take security "
                f"'{smtp.security.value}'?",
                temporary=False,
            )
        if isinstance(error, ConnectionRefusedError):
            return DeliveryError("connection refused", temporary=True)
        if isinstance(error, TimeoutError):
            return DeliveryError("timed out", temporary=True)
        if isinstance(error, socket.gaierror):
            return DeliveryError(f"host {smtp.host} not found", temporary=True)
        return DeliveryError(_short(error.strerror or type(error).__name__), temporary=True)


def one_line(text: str) -> str:
    """A title as a header holds it: a line break in a quoted YAML title is no header's end."""
    return " ".join(text.split())


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    try:
        client.login(username, password)
    except UnicodeEncodeError:  # whose message would quote the text, the password included
        raise DeliveryError(
            "the SMTP user name or password has a character other than ASCII, which SMTP "
            "authentication cannot send",
            temporary=False,
        ) from None


def _smtp_failure(error: smtplib.SMTPException) -> DeliveryError:
    if isinstance(error, smtplib.SMTPRecipientsRefused) and error.recipients:
        code, reply = next(iter(error.recipients.values()))
        return _reply(code, reply)
    if isinstance(error, smtplib.SMTPResponseException):
        return _reply(error.smtp_code, error.smtp_error)
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return DeliveryError("the server closed the connection", temporary=True)
    # Not offered (STARTTLS, an authentication method the credentials can use): configuration.
    return DeliveryError(_short(str(error)), temporary=False)


def _reply(code: int, reply: bytes | str) -> DeliveryError:
    """An SMTP reply: 4xx is worth retrying, 5xx is not."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return DeliveryError(_short(f"{code} {text}"), temporary=not 500 <= code < 600)


def _short(text: str) -> str:
    text = mask_addresses(" ".join(text.split()))
    return (
        text
        if len(text) <= _REASON_LENGTH
        else text[: _REASON_LENGTH - 1] + "\N{HORIZONTAL ELLIPSIS}"
    )
