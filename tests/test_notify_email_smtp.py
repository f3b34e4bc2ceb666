"""The e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1): what subscribers receive,
read back with the `email` package, and how the channel fares when the server refuses."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import aiosmtpd.controller as aiosmtpd_controller
import aiosmtpd.smtp as aiosmtpd_smtp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import html

from statusgen.derive import derive
from statusgen.load import load_site
from statusgen.model.email_settings import EmailSettings, Security, SmtpSettings
from statusgen.notify.channel import DeliveryError, Recipient
from statusgen.notify.email import CA_FILE_ENV, EmailChannel
from statusgen.notify.notices import Notice, notices
from tests.conftest import COMPONENTS, TZ, incident

PASSWORD = "s3cret-Pa55word!"
USERNAME = "status-mailer"


# -- The server --------------------------------------------------------------------------------


@dataclass
class Inbox:
    """What the server received, and how it answers: `refuse` maps a recipient to its reply."""

    received: list[Any] = field(default_factory=list)  # aiosmtpd envelopes
    sessions: list[Any] = field(default_factory=list)  # one per connection that sent mail
    refuse: dict[str, str] = field(default_factory=dict)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(envelope)
        if not any(seen is session for seen in self.sessions):
            self.sessions.append(session)
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> Any:
        self.logins.append((auth_data.login, auth_data.password))
        ok = auth_data.login == USERNAME.encode() and auth_data.password == PASSWORD.encode()
        return aiosmtpd_smtp.AuthResult(success=ok, handled=False)  # the server answers 535

    def messages(self) -> list[EmailMessage]:
        found = []
        for envelope in self.received:
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found

    def to(self) -> list[list[str]]:
        return [list(envelope.rcpt_tos) for envelope in self.received]


class BoundController(aiosmtpd_controller.Controller):
    """A controller on a port the system chose: aiosmtpd cannot be given port 0 (it connects to
    the port it was given to check that it started), so the socket is bound first."""

    def __init__(self, handler: Any, **kwargs: Any) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        super().__init__(handler, hostname="127.0.0.1", port=port, **kwargs)

    def _create_server(self) -> Any:
        return self.loop.create_server(
            self._factory_invoker, sock=self._socket, ssl=self.ssl_context
        )


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    server: ssl.SSLContext


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway CA and a certificate it signed for 127.0.0.1, made for these tests."""
    folder = tmp_path_factory.mktemp("tls")
    now = datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "statusgen test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    (folder / "ca.pem").write_bytes(ca.public_bytes(pem))
    (folder / "server.pem").write_bytes(leaf.public_bytes(pem))
    (folder / "server.key").write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(folder / "server.pem", folder / "server.key")
    return Certificates(folder / "ca.pem", server)


Server = Callable[..., tuple[Inbox, int]]


@pytest.fixture
def smtp_server(certificates: Certificates) -> Iterator[Server]:
    """start(mode) runs a server: "starttls" (STARTTLS and AUTH required, as a submission port
    asks), "tls" (TLS from the first byte, AUTH required), "plain" (no TLS, no AUTH)."""
    running: list[Any] = []

    def start(mode: str = "starttls", **options: Any) -> tuple[Inbox, int]:
        inbox = Inbox()
        settings: dict[str, Any] = {"authenticator": inbox.authenticate}
        if mode == "starttls":
            settings.update(
                tls_context=certificates.server, require_starttls=True, auth_required=True
            )
        elif mode == "tls":
            settings.update(
                ssl_context=certificates.server, auth_required=True, auth_require_tls=False
            )
        settings.update(options)
        controller = BoundController(inbox, **settings)
        controller.start()
        running.append(controller)
        return inbox, controller.port

    yield start
    for controller in running:
        controller.stop()


# -- The site and its life ---------------------------------------------------------------------

SUBSCRIBERS = """\
# Everyone at Example Corp hears of everything.
ops@example.com
ana@example.org: api
db-team@example.net: db
"""


def settings(port: int, security: Security = Security.STARTTLS, **changes: Any) -> EmailSettings:
    values: dict[str, Any] = {
        "name": "customers",
        "smtp": SmtpSettings("127.0.0.1", port, security, "SMTP_USERNAME", "SMTP_PASSWORD"),
        "sender": "Example Status <status@example.com>",
        "unsubscribe": "mailto:status-unsubscribe@example.com?subject=unsubscribe",
        "reply_to": "support@example.com",
        "subscribers_env": "STATUS_SUBSCRIBERS",
        "path": "components.yaml",
        "line": 40,
    }
    values.update(changes)
    return EmailSettings(**values)


def environment(certificates: Certificates, subscribers: str = SUBSCRIBERS) -> dict[str, str]:
    return {
        "SMTP_USERNAME": USERNAME,
        "SMTP_PASSWORD": PASSWORD,
        "STATUS_SUBSCRIBERS": subscribers,
        CA_FILE_ENV: str(certificates.ca_file),
    }


OPENED = datetime(2026, 11, 20, 14, 2, tzinfo=TZ)

UPDATES = [
    ("Investigating", OPENED, "Requests to the API fail for some customers."),
    (
        "Identified",
        OPENED + timedelta(minutes=40),
        "A misconfigured *rate limiter* rejects requests.\n\nETA: 2026-11-20 18:00",
    ),
    (
        "Resolved",
        OPENED + timedelta(hours=2),
        "Requests succeed again. [Details](https://example.com/pm)",
    ),
]


def incident_file(count: int) -> str:
    """The API incident as posted after its first `count` updates, newest first."""
    blocks = []
    for status, at, text in reversed(UPDATES[:count]):
        eta = ""
        if text.endswith("ETA: 2026-11-20 18:00"):
            text, eta = text.removesuffix("\n\nETA: 2026-11-20 18:00"), "ETA: 2026-11-20 18:00\n"
        blocks.append(f"## {status} {at:%Y-%m-%d %H:%M}\n{eta}{text}\n")
    return incident(
        """
        title: Elevated error rates on the public API
        impact: major
        components:
          api: partial_outage
        """,
        "\n".join(blocks),
    )


def write_project(root: Path, components: str = COMPONENTS) -> Path:
    (root / "incidents").mkdir(parents=True)
    (root / "components.yaml").write_text(components, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


def post(project: Path, count: int) -> list[Notice]:
    """The API incident after its first `count` updates: every notice, five minutes later."""
    (project / "incidents" / "2026-11-20-api-errors.md").write_text(incident_file(count))
    return notices_at(project, UPDATES[count - 1][1] + timedelta(minutes=5))


def notices_at(project: Path, now: datetime) -> list[Notice]:
    site = load_site(project)
    return list(notices(derive(site, now).snapshot, site.info))


def channel(
    project: Path, config: EmailSettings, environ: dict[str, str], **kwargs: Any
) -> EmailChannel:
    return EmailChannel(config, environ, site=load_site(project), project=project, **kwargs)


def deliver_all(mailer: EmailChannel, found: list[Notice], told: set[str]) -> None:
    """What the notify command does: each notice not yet told, to each of its recipients."""
    for notice in found:
        if notice.id in told:
            continue
        for recipient in mailer.recipients(notice):
            mailer.deliver(notice, recipient)
        told.add(notice.id)


def live_through_the_incident(
    project: Path, config: EmailSettings, environ: dict[str, str]
) -> None:
    """Three builds and three runs: opened, identified, resolved, each run telling what is new."""
    told: set[str] = set()
    for count in (1, 2, 3):
        found = post(project, count)
        mailer = channel(project, config, environ)
        try:
            deliver_all(mailer, found, told)
        finally:
            mailer.close()


def plain_part(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")  # as it came over SMTP


def html_part(message: EmailMessage) -> Any:
    part = message.get_body(("html",))
    assert part is not None
    return html.fromstring(str(part.get_content()))


# -- What subscribers receive ------------------------------------------------------------------


def test_one_message_per_update_per_subscriber_each_to_them_alone(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    live_through_the_incident(project, settings(port), environment(certificates))

    # The incident touches the API: ops hears of everything, ana of the API, db-team of nothing.
    messages = inbox.messages()
    assert inbox.to() == [["ops@example.com"], ["ana@example.org"]] * 3
    assert [m["To"] for m in messages] == ["ops@example.com", "ana@example.org"] * 3
    assert all(m["Cc"] is None and m["Bcc"] is None for m in messages)
    assert [m["Subject"] for m in messages[::2]] == [
        "[Investigating] Elevated error rates on the public API",
        "[Identified] Elevated error rates on the public API",
        "[Resolved] Elevated error rates on the public API",
    ]
    for message in messages:
        assert message.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
        assert message["From"] == "Example Status <status@example.com>"
        assert message["Reply-To"] == "support@example.com"
        assert message["List-Unsubscribe"] == (
            "<mailto:status-unsubscribe@example.com?subject=unsubscribe>"
        )
        assert message["List-Unsubscribe-Post"] is None  # one-click needs https
        assert message["List-Id"] == '"Example Status" <customers.example.github.io>'
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Precedence"] == "bulk"
    # Each message is dated when its update was posted.
    dates = [email.utils.parsedate_to_datetime(m["Date"]) for m in messages[::2]]
    assert dates == [at for _, at, _ in UPDATES]


def test_the_messages_of_one_incident_form_one_conversation(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    live_through_the_incident(project, settings(port), environment(certificates))

    for address in ("ops@example.com", "ana@example.org"):
        thread = [m for m in inbox.messages() if m["To"] == address]
        ids = [m["Message-ID"] for m in thread]
        assert len(set(ids)) == 3
        assert all(
            i.startswith("<2026-11-20-api-errors-") and i.endswith("@example.github.io>")
            for i in ids
        )
        first = ids[0]
        assert thread[0]["In-Reply-To"] is None and thread[0]["References"] is None
        assert [m["In-Reply-To"] for m in thread[1:]] == [first, first]
        assert [m["References"] for m in thread[1:]] == [first, first]
    # Two subscribers never share an id, so neither's client takes the other's for a copy.
    ops, ana = (
        {m["Message-ID"] for m in inbox.messages() if m["To"] == address}
        for address in ("ops@example.com", "ana@example.org")
    )
    assert not ops & ana


def test_the_message_ids_are_the_same_at_every_run(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    (project / "incidents" / "2026-11-20-api-errors.md").write_text(incident_file(3))
    now = OPENED + timedelta(hours=3)
    for _ in range(2):
        mailer = channel(project, settings(port), environment(certificates, "ops@example.com"))
        deliver_all(mailer, notices_at(project, now), set())
        mailer.close()
    ids = [m["Message-ID"] for m in inbox.messages()]
    assert ids[:3] == ids[3:] and len(set(ids)) == 3


def test_the_message_shows_the_update_its_components_estimate_and_links(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    live_through_the_incident(project, settings(port), environment(certificates))
    identified = [m for m in inbox.messages() if m["To"] == "ops@example.com"][1]

    text = plain_part(identified)
    assert text.startswith("Identified: Elevated error rates on the public API\n")
    assert "A misconfigured rate limiter rejects requests." in text  # Markdown as plain text
    assert "Affected components: Public API\n" in text
    assert "Estimated resolution: 20 Nov 2026, 18:00 UTC-03:00\n" in text
    link = (
        "https://example.github.io/status/incidents/2026-11-20-api-errors.html"
        "#update-20261120T174200Z-identified"
    )
    assert f"Read this update on the status page: {link}\n" in text
    assert "Example Status: https://example.github.io/status/\n" in text
    assert "To unsubscribe: mailto:status-unsubscribe@example.com?subject=unsubscribe" in text

    page = html_part(identified)
    assert page.get("lang") == "en"
    assert page.xpath("//h1")[0].text_content() == "Elevated error rates on the public API"
    assert page.xpath("//em")[0].text_content() == "rate limiter"  # the update's own HTML
    assert link in page.xpath("//a/@href")
    assert "mailto:status-unsubscribe@example.com?subject=unsubscribe" in page.xpath("//a/@href")
    assert "Estimated resolution: 20 Nov 2026, 18:00 UTC-03:00" in " ".join(
        page.text_content().split()
    )

    resolved = [m for m in inbox.messages() if m["To"] == "ops@example.com"][2]
    text = plain_part(resolved)
    assert "Requests succeed again. Details (https://example.com/pm)" in text
    assert "Estimated resolution" not in text  # over: no estimate


def test_a_site_in_portuguese_writes_in_portuguese(
    tmp_path: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    components = COMPONENTS.replace(
        "  timezone: America/Sao_Paulo\n",
        "  timezone: America/Sao_Paulo\n  language: pt-BR\n  title: Status da Trilha\n",
    ).replace("  title: Example Status\n", "")
    project = write_project(tmp_path / "project", components)
    live_through_the_incident(project, settings(port), environment(certificates, "ops@example.com"))
    messages = inbox.messages()
    assert [m["Subject"] for m in messages] == [
        "[Investigando] Elevated error rates on the public API",
        "[Identificado] Elevated error rates on the public API",
        "[Resolvido] Elevated error rates on the public API",
    ]
    text = plain_part(messages[1])
    assert "Componentes afetados: Public API" in text
    assert "Previsão de resolução: 20 nov. 2026, 18:00 UTC-03:00" in text
    assert "Leia esta atualização na página de status: https://" in text
    assert "Você recebe esta mensagem porque assinou as atualizações de Status da Trilha." in text
    assert "Para cancelar a inscrição: mailto:" in text
    for english in ("Read this update", "You receive", "unsubscribe:", "Affected"):
        assert english not in text
    page = html_part(messages[1])
    assert page.get("lang") == "pt-BR"
    assert "Cancelar inscrição" in [a.text_content() for a in page.xpath("//a")]


def test_a_maintenance_says_when_it_ends_and_is_told_on_schedule(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    (project / "incidents" / "2026-11-24-db-upgrade.md").write_text(
        incident(
            """
            type: maintenance
            title: Database upgrade
            components: [db]
            scheduled_start: 2026-11-24 22:00
            scheduled_end: 2026-11-25 02:00
            """,
            "## Scheduled 2026-11-20 10:00\nThe database moves to a new version.\n",
        )
    )
    mailer = channel(project, settings(port), environment(certificates))
    deliver_all(mailer, notices_at(project, datetime(2026, 11, 25, 3, 0, tzinfo=TZ)), set())
    mailer.close()
    # Only the db team hears of it (ops hears of all); scheduled, started, completed on schedule.
    assert inbox.to() == [["ops@example.com"], ["db-team@example.net"]] * 3
    ops = [m for m in inbox.messages() if m["To"] == "ops@example.com"]
    assert [m["Subject"] for m in ops] == [
        "[Scheduled] Database upgrade",
        "[In progress] Database upgrade",
        "[Completed] Database upgrade",
    ]
    assert "Scheduled until 25 Nov 2026, 02:00 UTC-03:00" in plain_part(ops[0])
    assert "The scheduled maintenance has started." in plain_part(ops[1])
    assert ops[1]["In-Reply-To"] == ops[0]["Message-ID"] == ops[2]["References"]


def test_the_channel_components_filter_comes_before_the_subscribers_own(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    found = post(project, 1)
    for components, heard in (
        (("db",), []),
        (("web", "api"), [["ops@example.com"], ["ana@example.org"]]),
    ):
        inbox.received.clear()
        mailer = channel(project, settings(port, components=components), environment(certificates))
        deliver_all(mailer, found, set())
        mailer.close()
        assert inbox.to() == heard


def test_duplicate_addresses_are_merged_into_one_subscriber(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    found = post(project, 1)
    listed = "ana@example.org: db\nANA@example.org: api\nbob@example.org: db\nbob@example.org\n"
    mailer = channel(project, settings(port), environment(certificates, listed))
    recipients = mailer.recipients(found[0])
    # ana hears of db and api (her lines' union); bob of everything (one line had no filter).
    assert [r.shown for r in recipients] == ["a***@example.org", "b***@example.org"]
    deliver_all(mailer, found, set())
    assert inbox.to() == [["ana@example.org"], ["bob@example.org"]]


def test_a_subscribers_file_outside_the_project(
    tmp_path: Path, project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "subscribers.txt").write_text("ops@example.com\n")
    found = post(project, 1)
    config = settings(port, subscribers_env=None, subscribers_file="../private/subscribers.txt")
    mailer = channel(project, config, environment(certificates, ""))
    deliver_all(mailer, found, set())
    assert inbox.to() == [["ops@example.com"]]


# -- The connection ------------------------------------------------------------------------------


def test_one_connection_serves_a_run_and_a_dropped_one_is_made_again(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls", timeout=1.0)  # the server drops idle connections
    live_through_the_incident(project, settings(port), environment(certificates))
    assert len(inbox.received) == 6 and len(inbox.sessions) == 3  # one connection per run

    (project / "incidents" / "2026-11-20-api-errors.md").write_text(incident_file(3))
    found = notices_at(project, OPENED + timedelta(hours=3))
    mailer = channel(project, settings(port), environment(certificates, "ops@example.com"))
    mailer.deliver(found[0], mailer.recipients(found[0])[0])
    time.sleep(1.6)
    mailer.deliver(found[1], mailer.recipients(found[1])[0])
    mailer.close()
    assert len(inbox.received) == 8 and len(inbox.sessions) == 5


# TLS from the first byte: aiosmtpd warns of AUTH without STARTTLS, which it cannot tell apart.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_implicit_tls(project: Path, smtp_server: Server, certificates: Certificates) -> None:
    inbox, port = smtp_server("tls")
    found = post(project, 1)
    mailer = channel(project, settings(port, Security.TLS), environment(certificates))
    deliver_all(mailer, found, set())
    mailer.close()
    assert inbox.to() == [["ops@example.com"], ["ana@example.org"]]
    assert inbox.logins == [(USERNAME.encode(), PASSWORD.encode())]


def test_an_untrusted_certificate_is_refused(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    (project / "incidents" / "2026-11-20-api-errors.md").write_text(incident_file(1))
    environ = environment(certificates)
    del environ[CA_FILE_ENV]  # the system's CAs, which never signed the test certificate
    mailer = channel(project, settings(port), environ)
    notice = notices_at(project, OPENED + timedelta(minutes=5))[0]
    with pytest.raises(DeliveryError) as failed:
        mailer.deliver(notice, mailer.recipients(notice)[0])
    assert not failed.value.temporary
    assert failed.value.reason.startswith("the server's TLS certificate is not trusted")
    assert inbox.logins == [] and inbox.received == []


def test_credentials_are_never_sent_without_tls(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("plain", auth_require_tls=False)  # offers AUTH, no STARTTLS
    notice = post(project, 1)[0]
    mailer = channel(project, settings(port), environment(certificates))
    with pytest.raises(DeliveryError) as failed:
        mailer.deliver(notice, mailer.recipients(notice)[0])
    assert not failed.value.temporary
    assert "STARTTLS" in failed.value.reason
    assert inbox.logins == [] and inbox.received == []

    # Unless the configuration says so, for a relay on a trusted network.
    mailer = channel(project, settings(port, Security.NONE), environment(certificates))
    mailer.deliver(notice, mailer.recipients(notice)[0])
    mailer.close()
    assert inbox.logins == [(USERNAME.encode(), PASSWORD.encode())]
    assert inbox.to() == [["ops@example.com"]]


def test_no_credentials_no_login(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("plain")
    notice = post(project, 1)[0]
    plain = SmtpSettings("127.0.0.1", port, Security.NONE)
    mailer = channel(project, settings(port, smtp=plain), environment(certificates))
    mailer.deliver(notice, mailer.recipients(notice)[0])
    mailer.close()
    assert inbox.logins == [] and inbox.to() == [["ops@example.com"]]


# -- Failures ------------------------------------------------------------------------------------


def failure(mailer: EmailChannel, notice: Notice, recipient: Recipient) -> DeliveryError:
    with pytest.raises(DeliveryError) as failed:
        mailer.deliver(notice, recipient)
    return failed.value


def test_server_replies_decide_whether_to_try_again(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    inbox, port = smtp_server("starttls")
    inbox.refuse["ops@example.com"] = "451 4.3.0 Try again later"
    inbox.refuse["ana@example.org"] = "550 5.1.1 <ana@example.org>: mailbox unavailable"
    notice = post(project, 1)[0]
    mailer = channel(project, settings(port), environment(certificates))
    ops, ana = mailer.recipients(notice)

    later = failure(mailer, notice, ops)
    assert later.temporary and later.reason == "451 4.3.0 Try again later"
    never = failure(mailer, notice, ana)
    assert not never.temporary
    assert never.reason == "550 5.1.1 <a***@example.org>: mailbox unavailable"
    assert inbox.received == []

    del inbox.refuse["ops@example.com"]  # the next try goes through
    mailer.deliver(notice, ops)
    mailer.close()
    assert inbox.to() == [["ops@example.com"]]


def test_connection_refused_is_worth_retrying(project: Path, certificates: Certificates) -> None:
    with socket.socket() as unused:  # bound but not listening: connections are refused
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        notice = post(project, 1)[0]
        mailer = channel(project, settings(port), environment(certificates))
        refused = failure(mailer, notice, mailer.recipients(notice)[0])
    assert refused.temporary and refused.reason == "connection refused"


def test_the_password_never_shows(
    project: Path,
    smtp_server: Server,
    certificates: Certificates,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, port = smtp_server("starttls")
    notice = post(project, 1)[0]
    shown: list[str] = []

    wrong = {**environment(certificates), "SMTP_PASSWORD": PASSWORD[::-1]}
    mailer = channel(project, settings(port), wrong)
    recipient = mailer.recipients(notice)[0]
    refused = failure(mailer, notice, recipient)
    assert not refused.temporary and refused.reason.startswith("535 ")
    shown += [refused.reason, str(refused), repr(refused), repr(mailer)]
    assert set(inbox.logins) == {(USERNAME.encode(), PASSWORD[::-1].encode())}  # PLAIN, LOGIN

    accented = {**environment(certificates), "SMTP_PASSWORD": "pässwörd-" + PASSWORD}
    unsendable = failure(channel(project, settings(port), accented), notice, recipient)
    assert not unsendable.temporary and "other than ASCII" in unsendable.reason
    shown += [unsendable.reason, repr(unsendable)]

    missing = {k: v for k, v in environment(certificates).items() if k != "SMTP_PASSWORD"}
    unset = failure(channel(project, settings(port), missing), notice, recipient)
    assert not unset.temporary
    assert unset.reason == (
        "the environment variable SMTP_PASSWORD is not set (the SMTP credentials)"
    )

    mailer = channel(project, settings(port), environment(certificates))
    mailer.deliver(notice, recipient)
    shown += [mailer.preview(notice, r) for r in mailer.recipients(notice)]
    shown += [repr(mailer), repr(mailer.recipients(notice)), repr(mailer._subscribers)]
    mailer.close()
    out, err = capsys.readouterr()
    shown += [out, err, caplog.text]
    for text in shown:  # what a summary, a log or a traceback could show
        assert "ops@example.com" not in text and "ana@example.org" not in text
    for text in [*shown, *(m.as_string() for m in inbox.messages())]:
        assert PASSWORD not in text and PASSWORD[::-1] not in text


def test_the_dry_run_preview_masks_the_address(project: Path, certificates: Certificates) -> None:
    (project / "incidents" / "2026-11-20-api-errors.md").write_text(incident_file(2))
    notice = notices_at(project, OPENED + timedelta(hours=1))[1]
    mailer = channel(project, settings(25), environment(certificates))
    previews = [mailer.preview(notice, r) for r in mailer.recipients(notice)]
    assert previews[1].splitlines()[:4] == [
        "From: Example Status <status@example.com>",
        "To: a***@example.org",
        "Reply-To: support@example.com",
        "Subject: [Identified] Elevated error rates on the public API",
    ]
    assert "In-Reply-To: <2026-11-20-api-errors-20261120T170200Z-investigating." in previews[1]
    assert "\n\nIdentified: Elevated error rates on the public API\n" in previews[1]
    assert "Content-Type" not in previews[1]  # its boundary would differ at every run
    for preview in previews:
        assert "ops@example.com" not in preview and "ana@example.org" not in preview


# -- Through `statusgen notify`, run after run ---------------------------------------------------


def email_channel_config(port: int) -> str:
    return f"""
notifications:
  channels:
    - name: customers
      type: email
      smtp: {{host: 127.0.0.1, port: {port}, security: starttls,
             username_env: SMTP_USERNAME, password_env: SMTP_PASSWORD}}
      from: "Example Status <status@example.com>"
      unsubscribe: "mailto:status-unsubscribe@example.com?subject=unsubscribe"
      subscribers_env: STATUS_SUBSCRIBERS
"""


def test_the_notify_command_mails_each_update_once_to_each_subscriber_and_keeps_the_backlog(
    tmp_path: Path,
    smtp_server: Server,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from statusgen.cli import main
    from statusgen.notify import run as notify_run

    monkeypatch.setattr(notify_run, "pause", lambda seconds: None)
    for name, value in environment(certificates).items():
        monkeypatch.setenv(name, value)
    inbox, port = smtp_server("starttls")
    # A port where nothing listens: the server "down" for one run.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        down = closed.getsockname()[1]
    project = write_project(tmp_path / "project", COMPONENTS + email_channel_config(down))

    def notify(count: int, minutes: int) -> int:
        (project / "incidents" / "2026-11-20-api-errors.md").write_text(incident_file(count))
        at = UPDATES[count - 1][1] + timedelta(minutes=minutes)
        return main(["-C", str(project), "notify", "--now", f"{at:%Y-%m-%d %H:%M}"])

    # Opened while the mail server is unreachable: nothing delivered, exit 1, the reason said.
    assert notify(1, 5) == 1
    out, err = capsys.readouterr()
    assert "failed" in out + err and inbox.received == []

    # Back up: the backlog goes out, then each new update, once per subscriber whose filter
    # lets it through (db-team@example.net hears only of the database: nothing here).
    (project / "components.yaml").write_text(COMPONENTS + email_channel_config(port))
    assert notify(1, 10) == 0
    assert sorted(address for to in inbox.to() for address in to) == [
        "ana@example.org",
        "ops@example.com",
    ]
    assert notify(1, 15) == 0  # a rerun: nothing
    assert notify(2, 5) == 0
    assert notify(3, 5) == 0
    assert notify(3, 30) == 0  # and again
    messages = inbox.messages()
    assert len(messages) == 6
    for to in inbox.to():
        assert len(to) == 1  # each message to one subscriber only
    by_subscriber: dict[str, list[EmailMessage]] = {}
    for message in messages:
        by_subscriber.setdefault(str(message["To"]), []).append(message)
    for thread in by_subscriber.values():
        subjects = [str(m["Subject"]) for m in thread]
        assert [s.split("]")[0] for s in subjects] == ["[Investigating", "[Identified", "[Resolved"]
        first = thread[0]["Message-ID"]
        assert all(m["In-Reply-To"] == first for m in thread[1:])
    # The password and the full list are in no output and not in the delivery record.
    out, err = capsys.readouterr()
    record = "".join(p.read_text() for p in (project / ".statusgen-notify").glob("*.json"))
    assert record.count('"customers"') == 6  # one entry per message delivered
    for text in (out, err, record):
        assert PASSWORD not in text
        assert "ana@example.org" not in text and "ops@example.com" not in text


def test_a_refused_login_is_tried_once_per_run_not_once_per_subscriber(
    smtp_server: Server,
    certificates: Certificates,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A wrong password, said once: a login refused for each of a thousand subscribers would
    lock the account at many providers, and fill the log with their masked addresses."""
    from statusgen.cli import main

    subscribers = "".join(f"subscriber{n}@example.com\n" for n in range(20))
    for name, value in environment(certificates, subscribers).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SMTP_PASSWORD", "not-the-password")
    inbox, port = smtp_server("starttls")
    project = write_project(tmp_path / "project", COMPONENTS + email_channel_config(port))
    (project / "incidents" / "2026-11-20-api-errors.md").write_text(incident_file(2))
    at = UPDATES[1][1] + timedelta(minutes=5)
    assert main(["-C", str(project), "notify", "--now", f"{at:%Y-%m-%d %H:%M}"]) == 1
    out, err = capsys.readouterr()
    # One login, in which smtplib tries each mechanism the server offers (PLAIN, then LOGIN).
    assert len(inbox.logins) == 2 and inbox.received == []
    assert err.strip().splitlines()[-1].startswith("sent 0, failed 40: customers (s")
    assert err.count("535") == 2  # the failure, and the summary
    assert "customers: nothing more is tried on it in this run" in err
    assert "not-the-password" not in out + err and "subscriber1@" not in out + err


def test_a_mail_server_that_is_down_is_tried_once_per_run(
    tmp_path: Path,
    certificates: Certificates,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Three attempts, then the other subscribers wait for the next run: not three attempts
    and two pauses for each of them."""
    from statusgen.notify import run as notify_run

    waited: list[float] = []
    monkeypatch.setattr(notify_run, "pause", waited.append)
    subscribers = "".join(f"subscriber{n}@example.com\n" for n in range(20))
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        down = closed.getsockname()[1]
    project = write_project(tmp_path / "project", COMPONENTS + email_channel_config(down))
    (project / "incidents" / "2026-11-20-api-errors.md").write_text(incident_file(1))
    summary = notify_run.notify(
        project,
        load_site(project),
        UPDATES[0][1] + timedelta(minutes=5),
        tmp_path / "record.json",
        environ=environment(certificates, subscribers),
    )
    assert waited == [2.0, 4.0]
    assert (summary.sent, len(summary.failures), summary.held) == (0, 1, 19)
    assert summary.failures[0].reason == "connection refused"


def test_a_title_with_a_line_break_is_one_line_of_the_subject(
    project: Path, smtp_server: Server, certificates: Certificates
) -> None:
    """`check` lets a quoted title hold a line break; a header cannot (nor be split by one)."""
    yaml = COMPONENTS.replace("title: Example Status", 'title: "Example\\nStatus"')
    (project / "components.yaml").write_text(yaml)
    text = incident_file(1).replace(
        "title: Elevated error rates on the public API",
        'title: "Elevated errors\\r\\nBcc: everyone@example.com"',
    )
    (project / "incidents" / "2026-11-20-api-errors.md").write_text(text)
    inbox, port = smtp_server("starttls")
    mailer = channel(project, settings(port), environment(certificates))
    notice = notices_at(project, OPENED + timedelta(minutes=5))[0]
    assert "Bcc: everyone@example.com" in mailer.preview(notice, mailer.recipients(notice)[0])
    mailer.deliver(notice, mailer.recipients(notice)[0])
    mailer.close()
    (message,) = inbox.messages()
    assert message["Subject"] == "[Investigating] Elevated errors Bcc: everyone@example.com"
    assert message["Bcc"] is None and message["List-Id"].startswith('"Example Status" <')
    assert inbox.to() == [["ops@example.com"]]
