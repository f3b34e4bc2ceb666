"""`statusgen notify` against a real HTTP server on 127.0.0.1: a life replayed over several runs
at increasing times, each channel's payload read as its platform reads it, the delivery record,
retries, failures and the horizon; and no secret in anything it writes."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from statusgen.cli import main
from statusgen.load import load_site
from statusgen.notify.run import notify
from tests.conftest import COMPONENTS, REPO, TZ, incident, write_files

WEBHOOK_SCHEMA = Draft202012Validator(
    json.loads((REPO / "tests" / "schemas" / "statuspage-webhook.schema.json").read_text()),
    format_checker=Draft202012Validator.FORMAT_CHECKER,
)

SECRET = "T0SECRET/B0SECRET/xoxb-do-not-print-me"  # in every address: a webhook's token

NOTIFICATIONS = """\
notifications:
  horizon: 24h
  channels:
    - name: ops
      type: slack
      url_env: OPS_SLACK_URL
    - name: teams
      type: teams
      url_env: TEAMS_URL
    - name: data-team
      type: discord
      url_env: DISCORD_URL
      components: [db]
    - name: hooks
      type: webhook
      url_env: HOOK_URL
      components: [api, web]
"""

PATHS = {"ops": "/slack", "teams": "/teams", "data-team": "/discord", "hooks": "/hook"}
VARIABLES = {
    "ops": "OPS_SLACK_URL",
    "teams": "TEAMS_URL",
    "data-team": "DISCORD_URL",
    "hooks": "HOOK_URL",
}


@dataclass
class Received:
    path: str
    query: str
    headers: dict[str, str]
    body: Any


@dataclass
class Receiver:
    """What the server was sent, and what it answers: `answers[path]` is a list of (status,
    headers) used up one per request, then 200."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    invalid: list[str] = field(default_factory=list)  # how webhooks broke Statuspage's schema

    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def to(self, channel: str) -> list[Any]:
        return [r.body for r in self.received if r.path == PATHS[channel]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            path, _, query = self.path.partition("?")
            path = path.removesuffix("/" + SECRET)
            body = json.loads(raw)
            with lock:
                if path == PATHS["hooks"]:  # every webhook any test receives
                    state.invalid.extend(e.message for e in WEBHOOK_SCHEMA.iter_errors(body))
                queued = state.answers.get(path) or []
                status, headers = queued.pop(0) if queued else (200, {})
                if status < 300:
                    state.received.append(Received(path, query, dict(self.headers.items()), body))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            answer = b"ok" if status < 300 else b"rollup_error"
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
    assert state.invalid == []


def environment(base: str) -> dict[str, str]:
    return {VARIABLES[name]: f"{base}{path}/{SECRET}" for name, path in PATHS.items()}


@pytest.fixture
def env(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = environment(receiver.base())
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waited: list[float] = []
    monkeypatch.setattr("statusgen.notify.run.pause", waited.append)
    return waited


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


API_INCIDENT = "incidents/2026/2026-11-22-api-errors.md"
FRONT = """\
    title: Elevated API errors
    impact: major
    components: [api]
    eta: 2026-11-22 13:00
"""
MAINTENANCE = "incidents/2026/2026-11-22-db-upgrade.md"
MAINTENANCE_FRONT = """\
    type: maintenance
    title: Database upgrade
    components: [db]
    scheduled_start: 2026-11-22 13:00
    scheduled_end: 2026-11-22 14:00
"""
SCHEDULED = "## Scheduled 2026-11-22 10:00\nThe database will be upgraded.\n"


def project_at(root: Path, updates: list[str], maintenance: bool = False) -> Path:
    files: dict[str, str | bytes] = {
        "components.yaml": COMPONENTS + NOTIFICATIONS,
        API_INCIDENT: incident(FRONT, "\n".join(reversed(updates))),
    }
    if maintenance:
        files[MAINTENANCE] = incident(MAINTENANCE_FRONT, SCHEDULED)
    (root / "incidents").mkdir(parents=True, exist_ok=True)
    write_files(root, files)
    return root


def run(project: Path, now: str, *extra: str) -> int:
    return main(["-C", str(project), "notify", "--now", now, *extra])


OPENED = "## Investigating 2026-11-22 11:00\nWe are looking into errors on the API.\n"
IDENTIFIED = "## Identified 2026-11-22 11:30\nA bad deploy; rolling back.\n"
RESOLVED = "## Resolved 2026-11-22 12:00\nThe errors stopped at 11:55.\n"
REOPENED = "## Investigating 2026-11-22 12:30\nThe errors are back.\n"


def statuses(bodies: list[Any], key: str = "text") -> list[str]:
    return [body[key].split(":")[0] for body in bodies]


# -- a life ---------------------------------------------------------------------------------------


def test_a_life_is_told_once_per_update_and_channel(
    tmp_path: Path,
    receiver: Receiver,
    env: dict[str, str],
    no_waiting: list[float],
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = tmp_path / "project"
    project_at(project, [OPENED], maintenance=True)
    assert run(project, "2026-11-22 11:05") == 0
    # The incident (api) and the maintenance announcement (db), oldest first.
    assert statuses(receiver.to("ops")) == ["Scheduled", "Investigating"]
    assert len(receiver.to("teams")) == 2
    assert len(receiver.to("data-team")) == 1  # db only
    assert len(receiver.to("hooks")) == 1  # api and web only
    out = capsys.readouterr().out
    assert "sent 6" in out.splitlines()[-1]

    # Nothing new: nothing sent, and it says so.
    assert run(project, "2026-11-22 11:10") == 0
    assert len(receiver.received) == 6
    assert "nothing to send: every update of the last 24h was delivered" in capsys.readouterr().out

    project_at(project, [OPENED, IDENTIFIED], maintenance=True)
    assert run(project, "2026-11-22 11:35") == 0
    assert statuses(receiver.to("ops")) == ["Scheduled", "Investigating", "Identified"]
    assert len(receiver.received) == 9

    # A build and its cache make no difference, nor does losing the cache.
    assert main(["-C", str(project), "build", "--now", "2026-11-22 11:36", "-q"]) == 0
    assert run(project, "2026-11-22 11:36") == 0
    shutil.rmtree(project / ".statusgen-cache")
    shutil.rmtree(project / "site")
    assert run(project, "2026-11-22 11:37") == 0
    assert len(receiver.received) == 9

    # The incident is resolved, then reopened; the maintenance begins and ends on schedule.
    project_at(project, [OPENED, IDENTIFIED, RESOLVED], maintenance=True)
    assert run(project, "2026-11-22 12:05") == 0
    project_at(project, [OPENED, IDENTIFIED, RESOLVED, REOPENED], maintenance=True)
    assert run(project, "2026-11-22 12:35") == 0
    assert run(project, "2026-11-22 13:05") == 0
    assert run(project, "2026-11-22 14:05") == 0
    assert statuses(receiver.to("ops")) == [
        "Scheduled",
        "Investigating",
        "Identified",
        "Resolved",
        "Investigating",
        "In progress",
        "Completed",
    ]
    discord = [embed["embeds"][0]["title"] for embed in receiver.to("data-team")]
    assert discord == [
        "Scheduled: Database upgrade",
        "In progress: Database upgrade",
        "Completed: Database upgrade",
    ]
    hooks = receiver.to("hooks")
    assert [h["incident"]["incident_updates"][0]["status"] for h in hooks] == [
        "investigating",
        "identified",
        "resolved",
        "investigating",
    ]
    # Each one as it stood when its update was posted; the last one sees the whole story.
    assert [len(h["incident"]["incident_updates"]) for h in hooks] == [1, 2, 3, 4]
    assert hooks[2]["incident"]["resolved_at"] == "2026-11-22T12:00:00.000-03:00"
    assert hooks[3]["incident"]["resolved_at"] is None
    # Exactly one of each (notice, channel), whatever the runs.
    ids = [(r.path, r.headers.get("X-Statusgen-Delivery")) for r in receiver.received]
    assert len(receiver.received) == 7 + 7 + 3 + 4
    record = json.loads((project / ".statusgen-notify" / "record.json").read_text())
    assert len(record["delivered"]) == len(receiver.received)
    assert len({h for p, h in ids if p == "/hook"}) == 4
    assert no_waiting == []


def test_a_run_that_cannot_reach_the_server_leaves_the_backlog_for_the_next(
    tmp_path: Path,
    receiver: Receiver,
    env: dict[str, str],
    no_waiting: list[float],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = project_at(tmp_path / "project", [OPENED])
    assert run(project, "2026-11-22 11:05") == 0
    project_at(project, [OPENED, IDENTIFIED, RESOLVED])
    capsys.readouterr()

    # A port nobody listens on: every connection is refused.
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        refused = closed.getsockname()[1]
    for name, value in environment(f"http://127.0.0.1:{refused}").items():
        monkeypatch.setenv(name, value)
    assert run(project, "2026-11-22 12:05") == 1
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert summary == (
        "sent 0, failed 6: ops — connection refused; teams — connection refused; "
        "hooks — connection refused (3 held back behind an update that could not be delivered)"
    )
    # Three attempts for the first update on each channel, waiting longer each time; the
    # incident's later update waits behind it instead of overtaking it.
    assert no_waiting == [2.0, 4.0] * 3

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert run(project, "2026-11-22 12:10") == 0
    assert statuses(receiver.to("ops")) == ["Investigating", "Identified", "Resolved"]
    assert "sent 6" in capsys.readouterr().out


def test_one_failing_channel_does_not_stop_the_others_and_429_waits_as_told(
    tmp_path: Path,
    receiver: Receiver,
    env: dict[str, str],
    no_waiting: list[float],
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = project_at(tmp_path / "project", [OPENED, IDENTIFIED])
    receiver.answers["/slack"] = [(500, {})] * 3
    receiver.answers["/teams"] = [(429, {"Retry-After": "7"})]
    receiver.answers["/hook"] = [(503, {}), (404, {})]
    assert run(project, "2026-11-22 11:35") == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        "sent 2, failed 4: ops — 500 Internal Server Error: rollup_error; "
        "hooks — 404 Not Found: rollup_error (2 held back behind an update that could not be "
        "delivered)"
    )
    assert statuses(receiver.to("ops")) == []
    assert len(receiver.to("teams")) == 2  # after waiting the 7 s it was told to
    assert no_waiting == [2.0, 4.0, 7.0, 2.0]  # ops: 500 thrice; teams: 429; hooks: 503, then 404
    # The next run delivers what failed, in order, and nothing twice.
    assert run(project, "2026-11-22 11:40") == 0
    assert statuses(receiver.to("ops")) == ["Investigating", "Identified"]
    assert len(receiver.to("teams")) == 2 and len(receiver.to("hooks")) == 2


def test_a_retry_after_date_is_honoured_and_a_long_one_waits_for_the_next_run(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], no_waiting: list[float]
) -> None:
    project = project_at(tmp_path / "project", [OPENED])
    receiver.answers["/slack"] = [(429, {"Retry-After": "3600"})]
    receiver.answers["/teams"] = [(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})]
    site = load_site(project)
    lines: list[str] = []
    summary = notify(
        project,
        site,
        at("2026-11-22 11:05"),
        tmp_path / "record.json",
        environ=env,
        warn=lines.append,
        sleep=no_waiting.append,
    )
    assert [f.reason for f in summary.failures] == [
        "429 Too Many Requests: rollup_error (asked to wait 3600 s; left for the next run)"
    ]
    assert no_waiting == [0.0]  # a date already past: at once
    assert len(receiver.to("teams")) == 1


# -- the horizon and the record ---------------------------------------------------------------------


def test_on_first_use_only_updates_within_the_horizon_are_sent(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_at(tmp_path / "project", [OPENED, IDENTIFIED])
    # A day later the first update is 24 h 05 min old, the second 23 h 35 min.
    assert run(project, "2026-11-23 11:05") == 0
    assert statuses(receiver.to("ops")) == ["Identified"]
    assert run(project, "2026-11-24 12:00") == 0
    assert "nothing to send: no update in the last 24h" in capsys.readouterr().out
    assert len(receiver.to("ops")) == 1
    record = json.loads((project / ".statusgen-notify" / "record.json").read_text())
    # Pruned: what the horizon keeps out is not remembered one by one.
    assert record["delivered"] == [] and record["settled_before"] == "2026-11-23T15:00:00Z"
    # Going back in time (a rerun of an older build) sends nothing pruned.
    assert run(project, "2026-11-23 11:05") == 0
    assert len(receiver.to("ops")) == 1


def test_a_dry_run_sends_nothing_and_leaves_the_record_alone(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_at(tmp_path / "project", [OPENED], maintenance=True)
    record = tmp_path / "kept" / "record.json"
    assert run(project, "2026-11-22 11:05", "--dry-run", "--record", str(record)) == 0
    out = capsys.readouterr().out
    assert receiver.received == [] and not record.exists()
    assert "would send 2026-11-22-api-errors-20261122T140000Z-investigating to ops:" in out
    assert "    Investigating: Elevated API errors" in out
    assert '"status_indicator": "major"' in out  # the webhook's JSON, as it would go
    assert out.strip().splitlines()[-1] == (
        "dry run: would send 6; nothing was sent and the delivery record was left as it was"
    )
    assert SECRET not in out
    # The record it was given decides what would be sent: after a real run, nothing.
    assert run(project, "2026-11-22 11:05", "--record", str(record)) == 0
    capsys.readouterr()
    assert run(project, "2026-11-22 11:05", "--dry-run", "--record", str(record)) == 0
    assert "would send 0" in capsys.readouterr().out


def test_no_secret_in_any_output(
    tmp_path: Path,
    receiver: Receiver,
    env: dict[str, str],
    no_waiting: list[float],
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    project = project_at(tmp_path / "project", [OPENED, IDENTIFIED])
    receiver.answers["/slack"] = [(500, {})] * 3
    assert main(["-C", str(project), "build", "--now", "2026-11-22 11:35"]) == 0
    assert run(project, "2026-11-22 11:35") == 1
    assert run(project, "2026-11-22 11:35", "--dry-run") == 0
    # An address that is not one, and a variable not set.
    monkeypatch.setenv("TEAMS_URL", f"ftp://{SECRET}")
    monkeypatch.delenv("HOOK_URL")
    project_at(project, [OPENED, IDENTIFIED, RESOLVED])
    assert run(project, "2026-11-22 12:05") == 1
    out, err = capfd.readouterr()
    assert "the environment variable TEAMS_URL does not hold an http(s) address" in err
    assert "the environment variable HOOK_URL is not set" in err
    written = [p for p in project.rglob("*") if p.is_file()]
    assert any(p.name == "record.json" for p in written)
    for text in (out, err, *(p.read_bytes().decode("utf-8", "replace") for p in written)):
        assert SECRET not in text and "SECRET" not in text


def test_without_channels_notify_says_so_and_succeeds(
    make_project: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make_project()
    assert main(["-C", str(project), "notify"]) == 0
    assert "no channels configured" in capsys.readouterr().err
    assert not (project / ".statusgen-notify").exists()


def test_a_damaged_record_stops_the_run_before_anything_is_sent(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_at(tmp_path / "project", [OPENED])
    record = project / ".statusgen-notify" / "record.json"
    record.parent.mkdir()
    record.write_text('{"version": 1, "delivered": [{"notice": 1}]}')
    assert run(project, "2026-11-22 11:05") == 1
    err = capsys.readouterr().err
    assert "not a delivery record statusgen can read" in err and "nothing was sent" in err
    assert receiver.received == []


# -- what each platform receives ---------------------------------------------------------------------

HOSTILE = (
    "## Investigating 2026-11-22 11:00\n"
    "Ping <!channel> and @everyone; [click here](https://evil.example/) or "
    "<https://evil.example/|docs> *bold* `code` <b>tag</b> & more.\n"
)


def test_each_platform_gets_its_shape_with_the_update_as_plain_text(
    tmp_path: Path, receiver: Receiver, env: dict[str, str]
) -> None:
    project = project_at(tmp_path / "project", [HOSTILE])
    components = (project / "components.yaml").read_text()
    (project / "components.yaml").write_text(
        components.replace("components: [db]", "components: [api]")
    )
    assert run(project, "2026-11-22 11:05") == 0
    url = "https://example.github.io/status/incidents/2026-11-22-api-errors.html#update-20261122T140000Z-investigating"

    (slack,) = receiver.to("ops")
    assert slack["blocks"][0] == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": "Investigating: Elevated API errors",
            "emoji": False,
        },
    }
    body = slack["blocks"][1]["text"]
    assert body["type"] == "plain_text"  # no mrkdwn: nothing in it is markup
    assert "<!channel>" not in json.dumps(slack).replace(body["text"], "")
    assert "&lt;!channel&gt;" in slack["text"]  # the fallback escapes Slack's controls
    fields = [f["text"] for f in slack["blocks"][2]["fields"]]
    assert fields == [
        "*Components*\nPublic API",
        "*Estimated resolution*\n22 Nov 2026, 13:00 UTC-03:00",
    ]
    assert (
        slack["blocks"][3]["elements"][0]["text"]
        == f"<{url}|View on the status page> · Example Status"
    )

    (teams,) = receiver.to("teams")
    assert teams["type"] == "message" and len(teams["attachments"]) == 1
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard" and card["content"]["version"] == "1.4"
    text = card["content"]["body"][1]["text"]
    assert "](" not in text  # a Markdown link would be a link
    assert card["content"]["actions"] == [
        {"type": "Action.OpenUrl", "title": "View on the status page", "url": url}
    ]
    facts = card["content"]["body"][2]["facts"]
    assert {"title": "Components", "value": "Public API"} in facts

    (discord,) = receiver.to("data-team")
    request = next(r for r in receiver.received if r.path == "/discord")
    assert request.query == "wait=true"
    assert discord["allowed_mentions"] == {"parse": []}
    embed = discord["embeds"][0]
    assert embed["title"] == "Investigating: Elevated API errors" and embed["url"] == url
    description = embed["description"]
    assert description.startswith("Ping \\<!channel\\> and \\@everyone; click here \\(https")
    assert "](" not in description

    (hook,) = receiver.to("hooks")
    assert list(WEBHOOK_SCHEMA.iter_errors(hook)) == []
    update = hook["incident"]["incident_updates"][0]
    assert update["body"].startswith(
        "Ping <!channel> and @everyone; click here (https://evil.example/)"
    )
    hook_request = next(r for r in receiver.received if r.path == "/hook")
    assert hook_request.headers["X-Statusgen-Delivery"] == (
        "hooks/2026-11-22-api-errors-20261122T140000Z-investigating"
    )
    assert hook_request.headers["User-Agent"].startswith("statusgen/")


def test_every_webhook_payload_of_a_life_meets_statuspages_schema(
    tmp_path: Path, receiver: Receiver, env: dict[str, str]
) -> None:
    project = project_at(tmp_path / "project", [OPENED, IDENTIFIED, RESOLVED], maintenance=True)
    text = (project / "components.yaml").read_text()
    (project / "components.yaml").write_text(text.replace("components: [api, web]\n", ""))
    assert run(project, "2026-11-22 14:05") == 0
    hooks = receiver.to("hooks")
    assert len(hooks) == 6
    for payload in hooks:
        assert list(WEBHOOK_SCHEMA.iter_errors(payload)) == [], payload
        updates = payload["incident"]["incident_updates"]
        assert payload["incident"]["status"] == updates[0]["status"]
        assert [u["created_at"] for u in updates] == sorted(
            (u["created_at"] for u in updates), reverse=True
        )
    maintenance = [h["incident"] for h in hooks if h["incident"]["impact"] == "maintenance"]
    assert [m["status"] for m in maintenance] == ["scheduled", "in_progress", "completed"]
    assert all(m["scheduled_for"] == "2026-11-22T13:00:00.000-03:00" for m in maintenance)
    # A payload the schema must refuse, so that the check above could fail.
    broken = json.loads(json.dumps(hooks[0]))
    del broken["meta"]["generated_at"]
    assert list(WEBHOOK_SCHEMA.iter_errors(broken))


def test_the_site_language_is_the_messages_language(
    tmp_path: Path, receiver: Receiver, env: dict[str, str]
) -> None:
    project = project_at(tmp_path / "project", [OPENED, IDENTIFIED])
    text = (project / "components.yaml").read_text()
    (project / "components.yaml").write_text(
        text.replace(
            "  timezone: America/Sao_Paulo\n", "  timezone: America/Sao_Paulo\n  language: pt-BR\n"
        )
    )
    assert run(project, "2026-11-22 11:35") == 0
    slack = receiver.to("ops")
    assert [s["blocks"][0]["text"]["text"] for s in slack] == [
        "Investigando: Elevated API errors",
        "Identificado: Elevated API errors",
    ]
    fields = [f["text"] for f in slack[0]["blocks"][2]["fields"]]
    assert fields[0] == "*Componentes*\nPublic API"
    assert fields[1] == "*Previsão de resolução*\n22 nov. 2026, 13:00 UTC-03:00"
    card = receiver.to("teams")[0]["attachments"][0]["content"]
    assert card["actions"][0]["title"] == "Ver na página de status"


def test_a_timeout_is_a_temporary_failure(
    tmp_path: Path, no_waiting: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that accepts the connection and never answers."""
    project = project_at(tmp_path / "project", [OPENED])
    monkeypatch.setattr("statusgen.notify.http.TIMEOUT", 0.2)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        environ = {"OPS_SLACK_URL": f"{base}/slack/{SECRET}"}
        summary = notify(
            project, load_site(project), at("2026-11-22 11:05"), tmp_path / "r.json",
            environ=environ, sleep=no_waiting.append,
        )  # fmt: skip
    reasons = {f.channel: f.reason for f in summary.failures}
    assert reasons["ops"] == "timed out"
    assert no_waiting == [2.0, 4.0]


def test_a_server_answering_a_byte_at_a_time_cannot_hold_the_run(
    tmp_path: Path,
    receiver: Receiver,
    env: dict[str, str],
    no_waiting: list[float],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each read comes in time, the answer never does: the request as a whole times out, and
    the channels after it deliver."""
    project = project_at(tmp_path / "project", [OPENED])
    monkeypatch.setattr("statusgen.notify.http.DEADLINE", 0.5)
    stop = threading.Event()

    def drip(listener: socket.socket) -> None:
        connection, _ = listener.accept()
        with connection, connection.makefile("rb") as request:
            length = 0
            while (line := request.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            request.read(length)
            connection.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(40):  # a header every 0.1 s, for 4 s; then a full answer
                if stop.wait(0.1):
                    return
                connection.sendall(b"X-Slow: 1\r\n")
            connection.sendall(b"Content-Length: 2\r\n\r\nok")

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        threading.Thread(target=drip, args=(listener,), daemon=True).start()
        environ = {**env, "OPS_SLACK_URL": f"http://127.0.0.1:{listener.getsockname()[1]}/"}
        summary = notify(
            project, load_site(project), at("2026-11-22 11:05"), tmp_path / "r.json",
            environ=environ, sleep=lambda _: None,
        )  # fmt: skip
        stop.set()
    assert [(f.channel, f.reason) for f in summary.failures] == [
        ("ops", "timed out (no full answer within 0.5 s)")
    ]
    assert summary.sent == 2 and len(receiver.received) == 2  # teams and hooks


def test_the_record_survives_a_kill_between_two_deliveries(
    tmp_path: Path, receiver: Receiver, env: dict[str, str]
) -> None:
    """Each delivery is on disk before the next is tried: a run stopped midway resends
    nothing it had sent."""
    project = project_at(tmp_path / "project", [OPENED, IDENTIFIED, RESOLVED])
    site = load_site(project)
    record = tmp_path / "record.json"
    sent = 0

    class Stopped(BaseException):
        pass

    def say(line: str) -> None:
        nonlocal sent
        sent += 1
        if sent == 3:
            raise Stopped  # as a cancelled job's signal would, after the third delivery

    with pytest.raises(Stopped):
        notify(project, site, at("2026-11-22 12:05"), record, environ=env, say=say)
    assert len(json.loads(record.read_text())["delivered"]) == 3
    before = len(receiver.received)
    summary = notify(project, site, at("2026-11-22 12:05"), record, environ=env)
    assert summary.sent == 3 * 3 - 3 and len(receiver.received) == before + summary.sent
    keys = [
        r.headers.get("X-Statusgen-Delivery") or r.path + json.dumps(r.body)
        for r in receiver.received
    ]
    assert len(keys) == len(set(keys))
    assert os.listdir(record.parent) == ["record.json"] or "record.json" in os.listdir(
        record.parent
    )


def test_the_time_defaults_to_the_clock(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(tz=TZ).replace(second=0, microsecond=0) - timedelta(minutes=5)
    recent = f"## Investigating {now:%Y-%m-%d %H:%M}\nSomething is wrong.\n"
    project = project_at(tmp_path / "project", [recent])
    assert main(["-C", str(project), "notify"]) == 0
    assert len(receiver.to("ops")) == 1


def test_a_dry_run_says_which_channels_could_not_send(
    tmp_path: Path,
    receiver: Receiver,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A dry run in the job that has the secrets checks them: a variable missing fails it."""
    project = project_at(tmp_path / "project", [OPENED])
    monkeypatch.delenv("TEAMS_URL")
    assert run(project, "2026-11-22 11:05", "--dry-run") == 1
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        "dry run: would send 2, could not send 1: teams — the environment variable TEAMS_URL "
        "is not set (it holds the webhook's address); nothing was sent and the delivery record "
        "was left as it was"
    )
    assert receiver.received == []


def test_two_runs_at_once_send_each_update_once(
    tmp_path: Path, receiver: Receiver, env: dict[str, str]
) -> None:
    project = project_at(tmp_path / "project", [OPENED, IDENTIFIED, RESOLVED], maintenance=True)
    site = load_site(project)
    record = tmp_path / "shared" / "record.json"
    results: list[int] = []

    def one_run() -> None:
        summary = notify(project, site, at("2026-11-22 12:05"), record, environ=env)
        results.append(summary.sent)

    runs = [threading.Thread(target=one_run) for _ in range(3)]
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    assert sorted(results) == [0, 0, 4 + 4 + 1 + 3]  # ops, teams, data-team, hooks
    assert len(receiver.received) == 12


def test_a_channel_that_is_down_is_tried_once_per_run(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], no_waiting: list[float]
) -> None:
    """Three attempts for its first update, then the rest wait for the next run: a service that
    is down is not hammered (Discord bans addresses that send it too many failing requests)."""
    project = project_at(tmp_path / "project", [OPENED], maintenance=True)
    receiver.answers["/slack"] = [(503, {})] * 3
    summary = notify(
        project, load_site(project), at("2026-11-22 11:05"), tmp_path / "r.json",
        environ=env, sleep=no_waiting.append,
    )  # fmt: skip
    assert no_waiting == [2.0, 4.0]
    assert (summary.sent, len(summary.failures), summary.held) == (4, 1, 1)
    assert summary.line(dry_run=False) == (
        "sent 4, failed 2: ops — 503 Service Unavailable: rollup_error (1 held back behind an "
        "update that could not be delivered)"
    )


def test_a_long_update_fits_each_platforms_limits(
    tmp_path: Path, receiver: Receiver, env: dict[str, str]
) -> None:
    words = " ".join(["call (555) 0100 @here"] * 900)  # 19,000 characters, a third escaped
    long_update = f"## Investigating 2026-11-22 11:00\n{words}\n"
    project = project_at(tmp_path / "project", [long_update])
    text = (project / "components.yaml").read_text()
    long_title = "A title that goes on " * 10
    (project / "components.yaml").write_text(text.replace("components: [db]", "components: [api]"))
    path = project / API_INCIDENT
    path.write_text(path.read_text().replace("Elevated API errors", long_title.strip()))
    assert run(project, "2026-11-22 11:05") == 0

    (slack,) = receiver.to("ops")
    assert len(slack["blocks"][0]["text"]["text"]) <= 150
    assert slack["blocks"][0]["text"]["text"].endswith("…")
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in slack["blocks"])
    (discord,) = receiver.to("data-team")
    embed = discord["embeds"][0]
    total = len(embed["title"]) + len(embed["description"]) + len(embed["footer"]["text"])
    total += sum(len(f["name"]) + len(f["value"]) for f in embed["fields"])
    assert len(embed["title"]) <= 256 and len(embed["description"]) <= 4096 and total <= 6000
    (teams,) = receiver.to("teams")
    assert len(json.dumps(teams).encode()) < 28_000


@pytest.mark.parametrize(
    "address",
    [
        "https://[::1/" + SECRET,  # an unclosed IPv6 host
        "https://[not-an-ip]/" + SECRET,
        "https://hooks.example:99999/" + SECRET,
        "https://hooks.example:port/" + SECRET,
        "https://hooks.example/" + SECRET + " trailing words",
        "https://hooks.example/" + SECRET + "\nhooks.example",  # two lines pasted as one
    ],
)
def test_a_malformed_address_fails_its_channel_at_once_without_repeating_it(
    address: str,
    tmp_path: Path,
    receiver: Receiver,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    no_waiting: list[float],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not a traceback, nor a network error tried again and again: the variable is named, its
    value is not, and the other channels deliver."""
    project = project_at(tmp_path / "project", [OPENED])
    monkeypatch.setenv("OPS_SLACK_URL", " " + address)
    assert run(project, "2026-11-22 11:05") == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err and no_waiting == []
    assert "ops — the environment variable OPS_SLACK_URL does not hold an http(s) address" in err
    assert SECRET not in out + err and "hooks.example" not in out + err
    assert len(receiver.to("teams")) == 1 and receiver.to("ops") == []


def test_a_record_that_cannot_be_written_stops_the_run_before_anything_is_sent(
    tmp_path: Path,
    receiver: Receiver,
    env: dict[str, str],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not after a first delivery it could not remember, which every later run would repeat."""
    project = project_at(tmp_path / "project", [OPENED])
    assert run(project, "2026-11-22 11:05") == 0
    project_at(project, [OPENED, IDENTIFIED])
    before = len(receiver.received)

    def refused(path: Path, data: bytes) -> None:  # as a read-only disk or folder answers
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("statusgen.notify.record.write_atomically", refused)
    capsys.readouterr()
    assert run(project, "2026-11-22 11:35") == 1
    err = capsys.readouterr().err
    assert "the delivery record cannot be written (Permission denied)" in err
    assert "Traceback" not in err and len(receiver.received) == before


def test_a_record_in_a_folder_that_cannot_be_made_is_an_error_that_says_so(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    project = project_at(tmp_path / "project", [OPENED])
    record = project / "components.yaml" / "record.json"  # below a file
    assert run(project, "2026-11-22 11:05", "--record", str(record)) == 1
    err = capsys.readouterr().err
    assert f"{record}: the delivery record cannot be kept in {record.parent}" in err
    assert "nothing was sent" in err and receiver.received == []


def test_a_run_as_of_a_later_time_is_warned_of_at_every_run_after_it(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A mistyped --now a year ahead settles every update posted before it: nothing is sent
    until then, and each run says why rather than 'nothing to send'."""
    project = project_at(tmp_path / "project", [OPENED])
    assert run(project, "2027-11-22 11:05") == 0  # the update is a year old then: not sent
    project_at(project, [OPENED, IDENTIFIED])
    capsys.readouterr()
    assert run(project, "2026-11-22 11:35") == 0
    err = capsys.readouterr().err
    assert receiver.received == []
    assert (
        "the delivery record counts every update posted before 2027-11-21 14:05 UTC as dealt "
        "with, later than this run's time 2026-11-22 14:35 UTC"
    ) in err


@pytest.mark.parametrize(
    "text",
    [
        '{"version": true, "delivered": []}',
        '{"version": 1.0, "delivered": []}',
        '{"version": 1, "delivered": {}}',
        '{"version": 1, "delivered": "nothing"}',
    ],
)
def test_a_record_of_another_shape_is_not_taken_for_an_empty_one(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], text: str
) -> None:
    project = project_at(tmp_path / "project", [OPENED])
    record = tmp_path / "record.json"
    record.write_text(text)
    assert run(project, "2026-11-22 11:05", "--record", str(record)) == 1
    assert receiver.received == [] and record.read_text() == text


def test_limits_hold_for_text_that_grows_when_escaped_or_encoded(
    tmp_path: Path, receiver: Receiver, env: dict[str, str]
) -> None:
    """Slack counts a field once escaped (`&` is `&amp;` there); Teams counts bytes (a
    character of Japanese takes three)."""
    names = [f"R&D <tools> & QA & ops {n}" for n in range(80)]
    components = "".join(
        f"      - id: c{n}\n        name: {name}\n" for n, name in enumerate(names)
    )
    yaml = COMPONENTS.replace("  - name: Data\n", f"  - name: Tools\n    components:\n{components}")
    yaml = yaml.replace(
        "    components:\n      - id: db", "  - name: Data\n    components:\n      - id: db"
    )
    words = "障害が発生しています。" * 1500  # 16,500 characters, 49,500 bytes
    project = project_at(tmp_path / "project", [f"## Investigating 2026-11-22 11:00\n{words}\n"])
    (project / "components.yaml").write_text(yaml + NOTIFICATIONS)
    path = project / API_INCIDENT
    ids = ", ".join(f"c{n}" for n in range(80))
    path.write_text(path.read_text().replace("components: [api]", f"components: [api, {ids}]"))
    assert run(project, "2026-11-22 11:05") == 0

    (slack,) = receiver.to("ops")
    (fields,) = [block["fields"] for block in slack["blocks"] if "fields" in block]
    assert all(len(field["text"]) <= 2000 for field in fields)
    assert "&amp;" in fields[0]["text"] and not re.search(r"&[a-z]{0,3}…", fields[0]["text"])
    (teams,) = receiver.to("teams")
    assert len(json.dumps(teams, ensure_ascii=False).encode()) < 28_000


MOVED = "## Scheduled 2026-11-22 12:00\nMoved to Sunday.\n"
CALLED_OFF = "## Cancelled 2026-11-22 12:00\nCalled off after all.\n"


@pytest.mark.parametrize("newest_at_top", [True, False])
def test_updates_of_one_minute_arrive_in_the_order_they_were_posted(
    tmp_path: Path, receiver: Receiver, env: dict[str, str], newest_at_top: bool
) -> None:
    """Not by their status's name: "Cancelled" then "Scheduled: moved" would read as back on."""
    posted = [SCHEDULED, MOVED, CALLED_OFF]
    project = project_at(tmp_path / "project", [OPENED], maintenance=True)
    body = "\n".join(reversed(posted) if newest_at_top else posted)
    (project / MAINTENANCE).write_text(incident(MAINTENANCE_FRONT, body))
    assert run(project, "2026-11-22 12:05") == 0
    assert [body["embeds"][0]["description"] for body in receiver.to("data-team")] == [
        "The database will be upgraded.",
        "Moved to Sunday.",
        "Called off after all.",
    ]
