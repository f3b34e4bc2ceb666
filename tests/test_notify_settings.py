"""The `notifications` settings as `statusgen check` reads them, and the notices a site's updates
make: one for each update, with what it means."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from statusgen.cli import main
from statusgen.derive import derive
from statusgen.load import load_site
from statusgen.model.notifications import ChannelType
from statusgen.notify.notices import Event, notices
from tests.conftest import COMPONENTS, TZ, MakeProject, incident

CHANNELS = """\
notifications:
  horizon: 90m
  channels:
    - name: ops
      type: slack
      url_env: SLACK_WEBHOOK_URL
      components: [api, web]
    - name: team
      type: teams
      url_env: TEAMS_URL
"""


def check(
    make_project: MakeProject, notifications: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    project = make_project(components=COMPONENTS + notifications)
    code = main(["-C", str(project), "check"])
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def test_the_settings_are_read(make_project: MakeProject) -> None:
    site = load_site(make_project(components=COMPONENTS + CHANNELS))
    settings = site.notifications
    assert settings.horizon == timedelta(minutes=90)
    ops, team = settings.channels
    assert (ops.name, ops.type, ops.url_env, ops.components, ops.line) == (
        "ops", ChannelType.SLACK, "SLACK_WEBHOOK_URL", frozenset({"api", "web"}), 20
    )  # fmt: skip
    assert (team.type, team.components) == (ChannelType.TEAMS, None)
    assert load_site(make_project(components=COMPONENTS)).notifications.enabled is False


def test_check_accepts_channels_whose_variables_are_not_set_here(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The variables are secrets that only the job sending notifications has: `check` runs
    without them (on pull requests, say), and `notify` names the one missing."""
    monkeypatch.delenv("SLACK_WEBHOOK_URL", raising=False)
    code, said = check(make_project, CHANNELS, capsys)
    assert code == 0 and "SLACK_WEBHOOK_URL" not in said and "warning" not in said


MISTAKES = [
    (
        "      components: [api, web]",
        "      components: [api, wbe]",
        "components.yaml:23: unknown component 'wbe' (did you mean 'web'?)",
    ),
    (
        "    - name: team",
        "    - name: ops",
        "components.yaml:24: duplicate channel name 'ops' (also on line 20; each channel needs "
        "a name of its own)",
    ),
    (
        "  horizon: 90m",
        "  horizon: 400d",
        "components.yaml:18: notifications horizon '400d' is too long (at most 366d)",
    ),
    (
        "      url_env: TEAMS_URL\n",
        "",
        "components.yaml:24: channel 'team': missing 'url_env' (the name of the environment "
        "variable that holds the webhook's address, e.g. SLACK_WEBHOOK_URL)",
    ),
    ("    - name: team\n", "    - \n", "components.yaml:25: channel: missing 'name'"),
    (
        "      type: teams",
        "      type: email",
        "components.yaml:26: unknown e-mail channel key 'url_env' (allowed: components, from, "
        "name, reply_to, smtp, subscribers_env, subscribers_file, type, unsubscribe)",
    ),
    (
        "  channels:\n",
        "  channel:\n",
        "unknown notifications key 'channel' (did you mean 'channels'?)",
    ),
    ("  horizon: 90m", "  horizon: [1h]", "notifications horizon '['1h']' is not a duration"),
    (
        "  horizon: 90m",
        "  horizon: 15m",
        "components.yaml:18: notifications horizon '15m' is too short (at least 1h: an update "
        "older than the horizon is never sent, and a late or failed run would leave some that old)",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), MISTAKES)
def test_each_mistake_is_reported_with_its_line(
    old: str, new: str, expected: str, make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    assert CHANNELS.count(old) == 1
    code, said = check(make_project, CHANNELS.replace(old, new), capsys)
    assert code == 1
    assert expected in said, said


def test_an_address_written_inline_is_refused_and_never_repeated(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
    for inline in (f"url: {secret}", f"url_env: {secret}", f"webhook_url: {secret}"):
        code, said = check(
            make_project, CHANNELS.replace("url_env: SLACK_WEBHOOK_URL", inline), capsys
        )
        assert code == 1 and "components.yaml:22: channel 'ops': " in said
        assert "XXXXsecretXXXX" not in said
        assert "unknown channel key" not in said  # one message, saying what to write instead


def test_notifications_must_be_a_mapping_with_a_list_of_channels(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        "'notifications' must be a mapping of horizon and channels"
        in check(make_project, "notifications: [ops]\n", capsys)[1]
    )
    assert (
        "notifications: missing 'channels'"
        in check(make_project, "notifications:\n  horizon: 1h\n", capsys)[1]
    )
    assert (
        "notifications channels must be a list of channels"
        in check(make_project, "notifications:\n  channels: ops\n", capsys)[1]
    )
    assert (
        "a channel must be a mapping with 'name' and 'type'"
        in check(make_project, "notifications:\n  channels: [ops]\n", capsys)[1]
    )


# -- notices -------------------------------------------------------------------------------------


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_each_kind_of_update_makes_its_event(make_project: MakeProject) -> None:
    project = make_project(
        {
            "incidents/2026/2026-11-20-api.md": incident(
                "title: API errors\nimpact: major\ncomponents: [api]\neta: 2026-11-20 15:00\n",
                """\
                ## Postmortem 2026-11-21 10:00
                What happened.

                ## Resolved 2026-11-20 16:00
                Fixed again.

                ## Identified 2026-11-20 15:30
                Back; cause known.

                ## Resolved 2026-11-20 14:30
                Fixed.

                ## Monitoring 2026-11-20 14:10
                Watching. Done by then, we hope.

                ## Investigating 2026-11-20 14:00
                Looking.
                """,
            ),
            "incidents/2026/2026-11-21-db.md": incident(
                "type: maintenance\ntitle: DB upgrade\ncomponents: [db]\n"
                "scheduled_start: 2026-11-22 01:00\nscheduled_end: 2026-11-22 03:00\n",
                """\
                ## Scheduled 2026-11-21 12:00
                Announced.

                ## Scheduled 2026-11-21 18:00
                Moved by nothing, but said again.
                """,
            ),
            "incidents/2026/2026-11-23-web.md": incident(
                "type: maintenance\ntitle: Web move\ncomponents: [web]\n"
                "scheduled_start: 2026-11-23 01:00\nscheduled_end: 2026-11-23 03:00\n",
                """\
                ## Cancelled 2026-11-22 09:00
                Not needed.

                ## Scheduled 2026-11-21 12:30
                Announced.
                """,
            ),
        }
    )
    site = load_site(project)
    found = notices(derive(site, at("2026-11-22 12:00")).snapshot, site.info)
    assert [(n.state.id[11:], n.event) for n in found] == [
        ("api", Event.INCIDENT_OPENED),
        ("api", Event.INCIDENT_UPDATED),
        ("api", Event.INCIDENT_RESOLVED),
        ("api", Event.INCIDENT_REOPENED),
        ("api", Event.INCIDENT_RESOLVED),
        ("api", Event.INCIDENT_POSTMORTEM),
        ("db", Event.MAINTENANCE_SCHEDULED),
        ("web", Event.MAINTENANCE_SCHEDULED),
        ("db", Event.MAINTENANCE_UPDATED),
        ("db", Event.MAINTENANCE_STARTED),  # on schedule, written by no one
        ("db", Event.MAINTENANCE_COMPLETED),
        ("web", Event.MAINTENANCE_CANCELLED),
    ]
    assert [n.at for n in found] == sorted(n.at for n in found)
    opened = found[0]
    assert opened.id == "2026-11-20-api-20261120T170000Z-investigating"
    assert opened.url == (
        "https://example.github.io/status/incidents/2026-11-20-api.html"
        "#update-20261120T170000Z-investigating"
    )
    assert opened.eta == at("2026-11-20 15:00") and found[2].eta is None
    assert opened.component_ids == frozenset({"api"})
    started = found[9]
    assert started.update.automatic and started.eta == at("2026-11-22 03:00")
    assert all(n.event.maintenance == n.state.is_maintenance for n in found)
    # A later build gives the same ids: they are what the delivery record remembers.
    later = notices(derive(site, at("2026-11-25 12:00")).snapshot, site.info)
    assert [n.id for n in later] == [n.id for n in found]
