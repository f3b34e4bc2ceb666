"""The e-mail channel's settings as components.yaml writes them, and its private list of
subscribers: every mistake named with its line and what is allowed, no address or secret
repeated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from statusgen.errors import BuildFailed, SourceError
from statusgen.load import load_site
from statusgen.load.email_settings import email_settings
from statusgen.load.nodes import parse_yaml
from statusgen.model.email_settings import EmailSettings, Security, SmtpSettings
from statusgen.notify.email import EmailChannel, mask_addresses, masked, recipient_key
from tests.conftest import REPO, MakeProject

# Lines 3 to 15 of components.yaml: one e-mail channel, every setting given.
CHANNEL = """\
notifications:
  channels:
    - name: customers
      type: email
      smtp:
        host: smtp.example.com
        port: 2525
        security: tls
        username_env: SMTP_USERNAME
        password_env: SMTP_PASSWORD
      from: "Example Status <status@example.com>"
      reply_to: support@example.com
      unsubscribe: "mailto:status-unsubscribe@example.com?subject=unsubscribe"
      subscribers_env: STATUS_SUBSCRIBERS
      components: [api, web]
"""

SITE_COMPONENTS = ("api", "web", "db")
SMTP = CHANNEL[CHANNEL.index("      smtp:") : CHANNEL.index("      from:")]


def read(text: str) -> tuple[EmailSettings | None, list[SourceError]]:
    errors: list[SourceError] = []
    document = parse_yaml(text, "components.yaml", 1, errors)
    assert document is not None and not errors
    node = document.fields()["notifications"].fields()["channels"].elements()[0]
    return email_settings(node, errors, components=SITE_COMPONENTS), errors


def changed(line: int, replacement: str | None) -> str:
    """CHANNEL with its line `line` (1-based) replaced, or removed when `replacement` is None."""
    lines = CHANNEL.splitlines()
    lines[line - 1 : line] = [] if replacement is None else replacement.split("\n")
    return "\n".join(lines) + "\n"


def messages(errors: list[SourceError]) -> list[str]:
    return [str(error) for error in errors]


def test_every_setting_is_read() -> None:
    settings, errors = read(CHANNEL)
    assert errors == []
    assert settings == EmailSettings(
        name="customers",
        smtp=SmtpSettings("smtp.example.com", 2525, Security.TLS, "SMTP_USERNAME", "SMTP_PASSWORD"),
        sender="Example Status <status@example.com>",
        unsubscribe="mailto:status-unsubscribe@example.com?subject=unsubscribe",
        reply_to="support@example.com",
        subscribers_env="STATUS_SUBSCRIBERS",
        subscribers_file=None,
        components=("api", "web"),
        path="components.yaml",
        line=3,
    )


@pytest.mark.parametrize(
    ("security", "port"), [("starttls", 587), ("tls", 465), ("none", 25), (None, 587)]
)
def test_the_port_follows_the_security_unless_given(security: str | None, port: int) -> None:
    text = changed(7, None)
    text = text.replace(
        "        security: tls\n", f"        security: {security}\n" if security else ""
    )
    settings, errors = read(text)
    assert errors == [] and settings is not None
    assert settings.smtp.port == port
    assert settings.smtp.security is Security(security or "starttls")


def test_a_file_of_subscribers_and_no_credentials() -> None:
    text = changed(14, "      subscribers_file: ../private/subscribers.txt")
    text = text.replace(
        "        username_env: SMTP_USERNAME\n        password_env: SMTP_PASSWORD\n", ""
    )
    settings, errors = read(text.replace("      reply_to: support@example.com\n", ""))
    assert errors == [] and settings is not None
    assert settings.subscribers_file == "../private/subscribers.txt"
    assert settings.subscribers_env is None and settings.reply_to is None
    assert settings.smtp.username_env is None and settings.smtp.password_env is None


MISTAKES = [
    (changed(4, "      typ: email"), 4, "unknown e-mail channel key 'typ' (did you mean 'type'?)"),
    (changed(4, "      type: slack"), 4, "unknown channel type 'slack' (allowed: email)"),
    (changed(3, "    -"), 4, "e-mail channel has no 'name'"),
    (changed(6, "        host: smtp.example.com\n        hots: smtp2.example.com"), 7, "unknown smtp key 'hots' (did you mean 'host'?)"),
    (changed(6, "        host: smtp example com"), 6, "smtp host 'smtp example com' is not a host name or address"),
    (changed(7, "        port: 70000"), 7, "smtp port '70000' is not a port number (1 to 65535: usually 587 with starttls, 465 with tls)"),
    (changed(7, "        port: submission"), 7, "smtp port 'submission' is not a port number"),
    (changed(8, "        security: ssl"), 8, "unknown security 'ssl' (allowed: starttls, tls, none)"),
    (changed(10, None), 9, "'username_env' is set but 'password_env' is not (give both, or neither)"),
    (changed(9, "        username_env: smtp-user"), 9, "'username_env' must name an environment variable (letters, digits and _, like SMTP_PASSWORD), never hold the secret itself"),
    (changed(11, '      from: "Example Status"'), 11, "'from' is not an e-mail address (like name@example.com, or 'Name <name@example.com>')"),
    (changed(11, "      from: a@example.com, b@example.com"), 11, "'from' is not an e-mail address"),
    (changed(11, None), 3, "e-mail channel has no 'from' (the sender, like 'Example status <status@example.com>')"),
    (changed(12, "      reply_to: support"), 12, "'reply_to' is not an e-mail address"),
    (changed(13, "      unsubscribe: https://example.com/unsubscribe"), 13, "'unsubscribe' must be a mailto: link (like mailto:status-unsubscribe@example.com?subject=unsubscribe); an https link would need a server to receive it, which a static site does not have"),
    (changed(13, "      unsubscribe: mailto:nobody"), 13, "'unsubscribe' must be a mailto: link"),
    (changed(13, None), 3, "e-mail channel has no 'unsubscribe': every message says how to stop them"),
    (changed(14, None), 3, "e-mail channel needs one of 'subscribers_env' (an environment variable holding the list) or 'subscribers_file' (a file outside the site), and has neither"),
    (changed(14, "      subscribers_env: A\n      subscribers_file: ../subscribers.txt"), 3, "e-mail channel needs one of 'subscribers_env' (an environment variable holding the list) or 'subscribers_file' (a file outside the site), not both"),
    (changed(14, "      subscribers_file: site/subscribers.txt"), 14, "subscribers_file 'site/subscribers.txt' is inside site/, which is published: keep the list outside the project (like ../private/subscribers.txt) or in an environment variable with subscribers_env"),
    (changed(14, "      subscribers_file: ./templates/../incidents/list.txt"), 14, "subscribers_file './templates/../incidents/list.txt' is inside incidents/, which is published"),
    (changed(15, "      components: [api, wbe]"), 15, "unknown component 'wbe' (did you mean 'web'?)"),
    (changed(15, "      components: api"), 15, "'components' must be a list of component ids, like [api]"),
    (CHANNEL.replace(SMTP, "      smtp: smtp.example.com\n"), 5, "'smtp' must be a mapping of host, port, security, ..."),
    (CHANNEL.replace(SMTP, ""), 3, "e-mail channel has no 'smtp' (its server: host, port, security)"),
    (changed(6, None), 6, "smtp has no 'host'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "message"), MISTAKES)
def test_each_mistake_is_named_with_its_line(text: str, line: int, message: str) -> None:
    settings, errors = read(text)
    assert settings is None
    assert len(errors) == 1, messages(errors)
    assert errors[0].where.line == line
    assert str(errors[0]).startswith(f"components.yaml:{line}: {message}")


def test_every_mistake_of_a_channel_is_told_at_once() -> None:
    text = changed(7, "        port: 0").replace("security: tls", "security: ssl")
    text = text.replace("reply_to: support@example.com", "reply_to: nobody")
    settings, errors = read(text)
    assert settings is None
    assert sorted(error.where.line for error in errors) == [7, 8, 12]


# What the schema cannot know: whether a text is an address, where a path leads once its '..'
# are followed, the site's component ids.
BEYOND_THE_SCHEMA = ("is not an e-mail address", "is inside incidents/", "unknown component")


def schema_accepts(text: str) -> bool:
    schema = json.loads((REPO / "statusgen/schemas/components.schema.json").read_text())
    validator = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/email_channel"})
    return validator.is_valid(yaml.safe_load(text)["notifications"]["channels"][0])


def test_the_schema_accepts_what_the_loader_reads() -> None:
    assert schema_accepts(CHANNEL)
    assert schema_accepts(changed(14, "      subscribers_file: ../private/subscribers.txt"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (text, message)
        for text, _, message in MISTAKES
        if not any(beyond in message for beyond in BEYOND_THE_SCHEMA)
    ],
)
def test_the_schema_refuses_what_the_loader_refuses(text: str, message: str) -> None:
    assert not schema_accepts(text)


SECRET = "hunter2 is-my-password"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (changed(10, f"        password: {SECRET}"), 10),
        (changed(10, f"        password_env: {SECRET}"), 10),
        (changed(10, f"        password_env: SMTP_PASSWORD\n        passwd: {SECRET}"), 11),
        (changed(15, f"      password: {SECRET}"), 15),
    ],
)
def test_a_password_written_in_the_file_is_refused_and_not_repeated(text: str, line: int) -> None:
    settings, errors = read(text)
    assert settings is None
    assert [error.where.line for error in errors] == [line]
    assert "password" in errors[0].message and "environment variable" in errors[0].message
    assert "unknown" not in errors[0].message
    assert "hunter2" not in str(errors[0])
    assert not schema_accepts(text)


# -- The list of subscribers ---------------------------------------------------------------------


def settings_for(**changes: object) -> EmailSettings:
    values: dict[str, object] = {
        "name": "customers",
        "smtp": SmtpSettings("smtp.example.com", 587, Security.STARTTLS),
        "sender": "Example Status <status@example.com>",
        "unsubscribe": "mailto:status-unsubscribe@example.com",
        "subscribers_env": "STATUS_SUBSCRIBERS",
        "path": "components.yaml",
        "line": 40,
    }
    values.update(changes)
    return EmailSettings(**values)  # type: ignore[arg-type]


def made(project: Path, environ: dict[str, str], **changes: object) -> EmailChannel:
    return EmailChannel(settings_for(**changes), environ, site=load_site(project), project=project)


def refused(project: Path, environ: dict[str, str], **changes: object) -> list[str]:
    with pytest.raises(BuildFailed) as failed:
        made(project, environ, **changes)
    return [str(error) for error in failed.value.errors]


LIST = """\
# The customers who asked to hear of outages.
ops@example.com

ana@example.org: api, web
carla@example,org
dan@example.net: apii
eve@example.com:
fay@example.com: db, nope
"""


def test_each_bad_line_is_named_and_no_address_is_repeated(make_project: MakeProject) -> None:
    project = make_project()
    errors = refused(project, {"STATUS_SUBSCRIBERS": LIST})
    assert errors == [
        "$STATUS_SUBSCRIBERS:5: not an e-mail address (one address a line, like "
        "name@example.com, optionally followed by ': ' and the ids of the components it hears of)",
        "$STATUS_SUBSCRIBERS:6: unknown component 'apii' (did you mean 'api'?)",
        "$STATUS_SUBSCRIBERS:7: no component ids after ':' (like ': api, web')",
        "$STATUS_SUBSCRIBERS:8: unknown component 'nope' (allowed: api, db, web)",
    ]
    for address in ("ops@", "ana@", "carla@", "dan@", "eve@", "fay@"):
        assert all(address not in error for error in errors)


def test_a_file_names_its_own_lines(make_project: MakeProject, tmp_path: Path) -> None:
    project = make_project()
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "subscribers.txt").write_text(LIST)
    errors = refused(
        project, {}, subscribers_env=None, subscribers_file="../private/subscribers.txt"
    )
    assert [error.split(": ")[0] for error in errors] == [
        f"../private/subscribers.txt:{line}" for line in (5, 6, 7, 8)
    ]


def test_a_list_that_is_missing_is_an_error(make_project: MakeProject, tmp_path: Path) -> None:
    project = make_project()
    assert refused(project, {}) == [
        "components.yaml:40: e-mail channel 'customers': the environment variable "
        "STATUS_SUBSCRIBERS is not set (it holds the subscribers, one address a line; a CI "
        "secret that does not exist reads as empty)"
    ]
    assert "STATUS_SUBSCRIBERS is empty" in refused(project, {"STATUS_SUBSCRIBERS": " \n"})[0]
    missing = refused(project, {}, subscribers_env=None, subscribers_file="../nowhere.txt")
    assert missing == ["../nowhere.txt:1: cannot be read (No such file or directory)"]


def test_a_list_in_a_published_folder_is_refused_where_it_really_is(
    make_project: MakeProject, tmp_path: Path
) -> None:
    """The loader refuses site/ and incidents/ as written; the channel also refuses the folder
    the site is really written to, and a path that reaches a published one another way."""
    project = make_project()
    out = tmp_path / "public"
    out.mkdir()
    (out / "list.txt").write_text("ops@example.com\n")
    (project / "incidents" / "list.txt").write_text("ops@example.com\n")
    (project / "private").symlink_to(project / "incidents")
    environ: dict[str, str] = {}
    site = load_site(project)
    for written, folder in (("../public/list.txt", "public"), ("private/list.txt", "incidents")):
        with pytest.raises(BuildFailed) as failed:
            EmailChannel(
                settings_for(subscribers_env=None, subscribers_file=written),
                environ,
                site=site,
                project=project,
                out=out,
            )
        assert [str(error) for error in failed.value.errors] == [
            f"components.yaml:40: e-mail channel 'customers': subscribers_file '{written}' is "
            f"inside {folder}/, which is published (keep it outside the project)"
        ]


def test_recipients_are_keyed_and_shown_without_their_address(make_project: MakeProject) -> None:
    project = make_project()
    mailer = made(project, {"STATUS_SUBSCRIBERS": "Ops@Example.com\nana@example.org: api\n"})
    assert repr(mailer) == "EmailChannel('customers', 2 subscribers)"
    assert recipient_key("Ops@Example.com") == recipient_key("ops@example.com")
    assert len(recipient_key("ops@example.com")) == 16
    assert masked("ops@example.com") == "o***@example.com"
    assert (
        mask_addresses("550 <ana@example.org>: no such user")
        == "550 <a***@example.org>: no such user"
    )
