"""The support policies shipped in examples/policies/, one per seed document: each loads into a
project as its README says, passes `check --strict`, and gives the deadlines worked out by hand
from the document (local times in São Paulo, UTC-3 all year: the zone has no DST since 2019)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from statusgen.cli import main
from tests.conftest import REPO, BuiltSite, MakeProject, copy_example, incident

Build = Callable[..., BuiltSite]
POLICIES = REPO / "examples" / "policies"
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
# After every case below, so that each deadline is decided.
LATER = datetime(2026, 12, 20, 12, 0, tzinfo=SAO_PAULO)

SITE = """\
site:
  title: Example Status
  url: https://example.github.io/status/
  timezone: America/Sao_Paulo
"""


def fragment(prefix: str) -> Path:
    (path,) = POLICIES.glob(f"{prefix}-*.yaml")
    return path


def project_with(
    make_project: MakeProject, prefix: str, components: str, files: dict[str, str]
) -> Path:
    """A project as a user makes one: a site, components of the tiers and attributes the
    fragment names, and the fragment's keys pasted in whole."""
    configuration = SITE + "groups:\n" + components + fragment(prefix).read_text("utf-8")
    return make_project(files, components=configuration)


def opened(name: str, started: str, answered: str, front: str, body: str = "") -> dict[str, str]:
    """An incident that started at `started` and was first answered at `answered`."""
    return {
        f"incidents/{name}.md": incident(
            f"title: {name}\nstarted: {started}\n{front}",
            f"{body}## Investigating {answered}\nLooking into it.\n",
        )
    }


def all_opened(cases: list[tuple[str, str, str, str]]) -> dict[str, str]:
    """Incidents from rows of name, start, first answer, front matter (`impact components`
    and any further `key: value` lines)."""
    files: dict[str, str] = {}
    for name, started, answered, said in cases:
        impact, components, *more = said.split(" ", 2)
        front = f"impact: {impact}\ncomponents: [{components}]\n" + "\n".join(more)
        files |= opened(name, started, answered, front)
    return files


def local(moment: str | None) -> str | None:
    """An API timestamp (UTC) as São Paulo's wall clock, as the arithmetic below is written."""
    if moment is None:
        return None
    parsed = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return parsed.astimezone(SAO_PAULO).strftime("%Y-%m-%d %H:%M")


def month_file(site: BuiltSite, month: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site.out / f"api/sla/{month}.json").read_text())
    return data


def deadlines(sla: dict[str, Any] | None) -> tuple[str | None, str | None]:
    """The due times of an SLA object's first response and resolution (None: no such target)."""
    assert sla is not None
    first, resolution = sla["first_response"], sla["resolution"]
    return (
        local(first["due_at"]) if first else None,
        local(resolution["due_at"]) if resolution else None,
    )


def assert_strict_check_passes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    code = main(["-C", str(project), "check", "--strict"])
    out, err = capsys.readouterr()
    assert (code, "warning" in out + err) == (0, False), out + err


def checked_and_built(
    make_project: MakeProject,
    build_site: Build,
    capsys: pytest.CaptureFixture[str],
    prefix: str,
    components: str,
    files: dict[str, str],
) -> BuiltSite:
    """The project of the fragment, checked under --strict (no gap left), then built."""
    project = project_with(make_project, prefix, components, files)
    assert_strict_check_passes(project, capsys)
    return build_site(project, now=LATER)


def test_every_seed_has_its_fragment_and_the_readme_names_them() -> None:
    fragments = sorted(path.name for path in POLICIES.glob("*.yaml"))
    assert [name[:3] for name in fragments] == ["000", "001", "002", "003", "004"]
    readme = (POLICIES / "README.md").read_text("utf-8")
    for name in fragments:
        assert name in readme
        # Each says what its document leaves open, and what was chosen.
        assert "What it leaves open, and what we chose" in (POLICIES / name).read_text("utf-8")


# Seed 000: one business day (9 h of Mon-Fri 09:00-18:00, Brazil's holidays) for the first
# contact, one level for every case, no resolution target.
COMPONENTS_000 = """\
  - name: Platform
    components:
      - {id: app, name: App}
"""


def test_seed_000_first_contact_within_one_business_day(
    make_project: MakeProject, build_site: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    files = all_opened(
        [
            ("friday-evening", "2026-11-13 17:30", "2026-11-16 17:00", "critical app"),
            ("holiday", "2026-11-20 10:00", "2026-11-23 18:30", "minor app"),
            ("weekend", "2026-11-27 11:00", "2026-11-30 10:00", "major app"),
            ("night", "2026-11-25 22:00", "2026-11-26 09:30", "none app"),
        ]
    )
    site = checked_and_built(make_project, build_site, capsys, "000", COMPONENTS_000, files)
    incidents = month_file(site, "2026-11")["incidents"]
    expected = {
        # Fri 17:30-18:00 is 30 min; the other 8 h 30 min on Monday from 09:00.
        "friday-evening": ("2026-11-16 17:30", None),
        # Fri 20 Nov is a national holiday (Consciência Negra): the clock starts Monday 09:00,
        # and 9 h later is Monday 18:00.
        "holiday": ("2026-11-23 18:00", None),
        # Fri 11:00-18:00 is 7 h; the other 2 h on Monday: 11:00.
        "weekend": ("2026-11-30 11:00", None),
        # Wednesday 22:00 is after hours: Thursday 09:00 + 9 h.
        "night": ("2026-11-26 18:00", None),
    }
    assert {name: deadlines(incidents[name]) for name in expected} == expected
    states = {name: incidents[name]["first_response"]["state"] for name in expected}
    # Answered Monday 18:30 to a deadline at 18:00: late; the others in time.
    assert states == {
        "friday-evening": "met",
        "holiday": "breached",
        "weekend": "met",
        "night": "met",
    }
    # One level for every case, whatever the impact, under the one policy.
    assert {incidents[name]["priority"] for name in expected} == {"normal"}
    page = site.text("incidents/weekend.html")
    assert "Priority normal, under the policy “Suporte técnico”." in page
    assert "P1" not in page


# Seed 001: priorities by environment, workaround and impact; the times are in another document.
COMPONENTS_001 = """\
  - name: Pipelines
    components:
      - {id: pipes, name: Pipelines, attributes: {environment: prod}}
      - {id: pipes-test, name: Pipelines (test), attributes: {environment: test}}
      - {id: docs, name: Documentation}
"""


def test_seed_001_priorities_from_environment_and_workaround(
    make_project: MakeProject, build_site: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        "total-prod": ("critical pipes", "P1"),
        "partial-prod": ("major pipes", "P2"),
        "slow-prod": ("minor pipes", "P2"),
        "worked-around": ("critical pipes workaround: true", "P3"),
        "test-down": ("critical pipes-test", "P3"),
        "both": ("critical pipes-test,pipes", "P1"),
        "question": ("none pipes", "P4"),
        "no-environment": ("critical docs", "P3"),
    }
    saturday_night = ("2026-11-21 22:00", "2026-11-21 22:20")
    files = all_opened([(name, *saturday_night, said) for name, (said, _) in cases.items()])
    # A target agreed in the case, counted on 24x7 (the document's hours): Sat 22:00 + 8 h is
    # Sunday 06:00.
    files |= all_opened([("agreed", *saturday_night, "major pipes sla: {resolution: 8h}")])
    site = checked_and_built(make_project, build_site, capsys, "001", COMPONENTS_001, files)
    incidents = month_file(site, "2026-11")["incidents"]
    assert {name: incidents[name]["priority"] for name in cases} == {
        name: priority for name, (_, priority) in cases.items()
    }
    # No times in the document, so no deadline: the priority alone.
    assert {deadlines(incidents[name]) for name in cases} == {(None, None)}
    assert deadlines(incidents["agreed"]) == (None, "2026-11-22 06:00")
    assert incidents["agreed"]["resolution"]["set_by"] == "incident"
    assert "Priority P3, under the policy “Média”." in site.text("incidents/test-down.html")


# Seed 002: three kinds of functionality, four levels; resolution hours are business hours.
COMPONENTS_002 = """\
  - name: Learning
    components:
      - {id: content, name: Content, tier: core}
      - {id: chatbot, name: Chatbot, tier: engagement}
      - {id: spaces, name: Spaces, tier: admin}
"""


def test_seed_002_targets_by_functionality_and_level(
    make_project: MakeProject, build_site: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    files = all_opened(
        [
            # Core, Urgente (P1), Friday 17:30: first response 2 h on 24x7, resolution 8 h úteis.
            ("core-urgent", "2026-11-13 17:30", "2026-11-13 17:50", "critical content"),
            # Core, Alto (P2), on the holiday of Fri 20 Nov.
            ("core-high-holiday", "2026-11-20 10:00", "2026-11-23 09:30", "major content"),
            # Engagement, Médio (P3), Thursday afternoon: 10 calendar days.
            ("engagement-medium", "2026-11-26 14:00", "2026-11-27 12:30", "minor chatbot"),
            # Admin, Urgente (P1), on a Saturday.
            ("admin-urgent", "2026-11-28 10:00", "2026-11-28 19:00", "critical spaces"),
        ]
    )
    # Core with a workaround: Baixo (P4), its resolution communicated in an update.
    files |= opened(
        "core-workaround",
        "2026-11-23 10:00",
        "2026-11-23 10:30",
        "impact: major\ncomponents: [content]\nworkaround: true",
        "## Identified 2026-11-23 15:00\nSLA resolution: 3bd\n\nWe will fix it this week.\n\n",
    )
    site = checked_and_built(make_project, build_site, capsys, "002", COMPONENTS_002, files)
    incidents = month_file(site, "2026-11")["incidents"]
    expected = {
        # 17:30 + 2 h = 19:30 the same Friday. Resolution: Fri 17:30-18:00 is 30 min, the other
        # 7 h 30 min on Monday from 09:00: 16:30 (the 8 h on 24x7 of before was Sat 01:30).
        "core-urgent": ("2026-11-13 19:30", "2026-11-16 16:30"),
        # The clock starts Monday 09:00: 4 h is 13:00; 16 h is Monday's 9 h and 7 h of Tuesday.
        "core-high-holiday": ("2026-11-23 13:00", "2026-11-24 16:00"),
        # 8 h: Thursday 14:00-18:00 and Friday 09:00-13:00. 10 d: the same time ten days later.
        "engagement-medium": ("2026-11-27 13:00", "2026-12-06 14:00"),
        # 8 h on 24x7 from Saturday 10:00: 18:00. 16 h úteis from Monday 09:00: Monday's 9 h,
        # then 7 h of Tuesday.
        "admin-urgent": ("2026-11-28 18:00", "2026-12-01 16:00"),
        # 16 h: Monday 10:00-18:00 is 8 h, Tuesday 8 h more: 17:00. 3bd communicated is 27 h
        # from the start: Monday 8, Tuesday 9, Wednesday 9 (26), Thursday 1: 10:00.
        "core-workaround": ("2026-11-24 17:00", "2026-11-26 10:00"),
    }
    assert {name: deadlines(incidents[name]) for name in expected} == expected
    assert [incidents[name]["priority"] for name in expected] == ["P1", "P2", "P3", "P1", "P4"]
    # Answered Saturday 19:00 to a deadline at 18:00: late. The others in time.
    assert [incidents[name]["first_response"]["state"] for name in expected] == [
        "met",
        "met",
        "met",
        "breached",
        "met",
    ]
    assert incidents["core-workaround"]["resolution"]["set_by"] == "incident"
    page = site.text("incidents/core-workaround.html")
    assert "Priority P4, under the policy “Funcionalidades core”." in page
    assert "communicated during the case" in page


def test_seed_002_several_kinds_take_the_strictest_target_of_each(
    make_project: MakeProject, build_site: Build
) -> None:
    files = opened(
        "core-and-engagement",
        "2026-11-23 10:00",
        "2026-11-23 10:30",
        "impact: major\ncomponents: [content, chatbot]",
    )
    site = build_site(project_with(make_project, "002", COMPONENTS_002, files), now=LATER)
    sla = month_file(site, "2026-11")["incidents"]["core-and-engagement"]
    # Alto (P2): core 4 h / 16 h úteis, engagement 8 h / 7 dias. First response: core's 4 h,
    # Monday 14:00. Resolution: core's 16 h (Monday 10:00-18:00 is 8 h, Tuesday 8 h: 17:00)
    # falls due before engagement's 7 days (Monday 30 Nov 10:00).
    assert deadlines(sla) == ("2026-11-23 14:00", "2026-11-24 17:00")
    assert (sla["first_response"]["tier"], sla["resolution"]["tier"]) == ("core", "core")


# Seed 003: critical functionality down is P1 on 24x7; the rest in business hours.
COMPONENTS_003 = """\
  - name: CRM
    components:
      - {id: sales, name: Sales app, attributes: {criticality: critical}}
      - {id: reports, name: Reports, attributes: {criticality: standard}}
      - {id: exports, name: Exports}
"""


def test_seed_003_priorities_and_deadlines(
    make_project: MakeProject, build_site: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    files = all_opened(
        [
            ("critical-down", "2026-11-28 23:00", "2026-11-29 00:30", "major sales"),
            ("standard-down", "2026-11-13 17:30", "2026-11-16 10:00", "critical reports"),
            ("critical-slow", "2026-11-19 14:00", "2026-11-23 09:30", "minor sales"),
            ("early", "2026-11-23 08:00", "2026-11-23 11:30", "minor reports"),
            ("both", "2026-11-24 12:00", "2026-11-24 12:30", "major sales,reports"),
            ("unsaid", "2026-11-24 12:00", "2026-11-24 12:30", "critical exports"),
        ]
    )
    site = checked_and_built(make_project, build_site, capsys, "003", COMPONENTS_003, files)
    incidents = month_file(site, "2026-11")["incidents"]
    expected = {
        # P1 on 24x7: Saturday 23:00 + 2 h and + 4 h.
        "critical-down": ("P1", "2026-11-29 01:00", "2026-11-29 03:00"),
        # P2: 2 h is Friday's last 30 min and 1 h 30 min of Monday: 10:30. 2bd = 18 h: Friday
        # 0.5, Monday 9, Tuesday 8.5: 17:30.
        "standard-down": ("P2", "2026-11-16 10:30", "2026-11-17 17:30"),
        # P3, the day before the holiday of Fri 20 Nov. 2bd = 18 h: Thursday 4, Monday 9,
        # Tuesday 5: 14:00. 4bd = 36 h: Thursday 4, Monday 9, Tuesday 9, Wednesday 9 (31),
        # Thursday 5: 14:00.
        "critical-slow": ("P3", "2026-11-24 14:00", "2026-11-26 14:00"),
        # P2 before hours: the clock starts 09:00; 2 h is 11:00; 18 h is Monday and Tuesday whole.
        "early": ("P2", "2026-11-23 11:00", "2026-11-24 18:00"),
        # A critical component with impact major: P1, on 24x7.
        "both": ("P1", "2026-11-24 14:00", "2026-11-24 16:00"),
        # No criticality said: P3. 2bd from Tuesday 12:00: Tuesday 6, Wednesday 9, Thursday 3:
        # 12:00. 4bd: ... Thursday 9 (24), Friday 9 (33), Monday 3: 12:00.
        "unsaid": ("P3", "2026-11-26 12:00", "2026-11-30 12:00"),
    }
    found = {name: (incidents[name]["priority"], *deadlines(incidents[name])) for name in expected}
    assert found == expected
    # Answered Monday 11:30 to a deadline at 11:00: late.
    assert incidents["early"]["first_response"]["state"] == "breached"
    assert incidents["critical-down"]["first_response"]["state"] == "met"


# Seed 004: Standard (Mon-Fri 08:00-17:00) and Premium (24x7), response times by priority.
COMPONENTS_004 = """\
  - name: Backup
    components:
      - {id: backup, name: Backup}
"""


def test_seed_004_each_plan_its_own_response_times(
    make_project: MakeProject, build_site: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    files = all_opened(
        [
            (
                "high-critical",
                "2026-11-13 16:30",
                "2026-11-16 08:20",
                "critical backup urgency: high",
            ),
            ("holiday", "2026-11-20 10:00", "2026-11-20 10:30", "minor backup urgency: medium"),
            ("friday-evening", "2026-11-27 17:30", "2026-11-30 08:30", "none backup urgency: low"),
            ("no-urgency", "2026-11-21 12:00", "2026-11-21 12:30", "major backup"),
            ("high-major", "2026-11-24 09:00", "2026-11-24 09:20", "major backup urgency: high"),
        ]
    )
    site = checked_and_built(make_project, build_site, capsys, "004", COMPONENTS_004, files)
    month = month_file(site, "2026-11")
    expected = {
        # High urgency, high impact: P1. Standard 1 h: Friday 16:30-17:00, then Monday 08:00-
        # 08:30. Premium 15 min on 24x7.
        "high-critical": ("P1", "2026-11-16 08:30", "2026-11-13 16:45"),
        # Medium, medium: P3. No holidays are named: Fri 20 Nov is a working day. Standard 8 h:
        # 10:00-17:00 is 7 h, then Monday 08:00-09:00. Premium 4 h: 14:00.
        "holiday": ("P3", "2026-11-23 09:00", "2026-11-20 14:00"),
        # Low, low: P4, after hours on Friday. Standard 24 h from Monday 08:00: Monday 9,
        # Tuesday 9, Wednesday 6: 14:00. Premium 8 h: Saturday 01:30.
        "friday-evening": ("P4", "2026-12-02 14:00", "2026-11-28 01:30"),
        # No urgency: impact major alone is P2 (Alto impacto). Standard 3 h from Monday 08:00;
        # Premium 60 min from Saturday 12:00.
        "no-urgency": ("P2", "2026-11-23 11:00", "2026-11-21 13:00"),
        # High urgency and a significant loss of function (Alto impacto, major): P1.
        "high-major": ("P1", "2026-11-24 10:00", "2026-11-24 09:15"),
    }
    found = {}
    for name in expected:
        standard, premium = (month["sla_by_plan"][name][plan] for plan in ("standard", "premium"))
        assert standard["priority"] == premium["priority"]
        # Response times only: no resolution target in either plan.
        assert deadlines(standard)[1] is None and deadlines(premium)[1] is None
        # The default plan is Standard: the `sla` readers of old see its deadlines.
        assert month["incidents"][name] == standard
        found[name] = (standard["priority"], deadlines(standard)[0], deadlines(premium)[0])
    assert found == expected
    by_plan = month["sla_by_plan"]
    # Answered Monday 08:20: inside Standard's hour, hours after Premium's 15 minutes.
    assert (
        by_plan["high-critical"]["standard"]["first_response"]["state"],
        by_plan["high-critical"]["premium"]["first_response"]["state"],
    ) == ("met", "breached")
    page = site.text("incidents/high-critical.html")
    assert "Plan Standard" in page and "Plan Premium" in page


def policies_as_targets(configuration: dict[str, Any]) -> tuple[Any, ...]:
    """A configuration's incident policies and priorities, as the fragment of seed 002 writes
    them: its tiers in order, named by position; its business calendar called `business`; labels
    (each site's own words) left out."""
    business = next(iter(configuration["calendars"]))
    tiers = [tier for tier in configuration["policies"] if tier != "default"]
    policies = []
    for tier in tiers:
        for priority, policy in configuration["policies"][tier].items():
            if priority == "maintenance":
                continue
            said = {key: value for key, value in policy.items() if key != "label"}
            text = json.dumps(said, sort_keys=True).replace(f'"{business}"', '"business"')
            policies.append((tiers.index(tier), priority, text))
    return configuration["priorities"], policies


@pytest.mark.parametrize("folder", ["", "examples/pt-BR"])
def test_the_example_sites_follow_seed_002_exactly(folder: str) -> None:
    seed = yaml.safe_load(fragment("002").read_text("utf-8"))
    site = yaml.safe_load((REPO / folder / "components.yaml").read_text("utf-8"))
    assert policies_as_targets(site) == policies_as_targets(seed)


def test_the_example_site_resolves_urgent_core_problems_in_business_hours(
    tmp_path: Path, build_site: Build
) -> None:
    site = build_site(copy_example(tmp_path / "example"), now=LATER)
    incidents = month_file(site, "2026-11")["incidents"]
    # Courses failed to load from Wed 4 Nov 10:31, impact critical on core components: Urgente.
    # First response 2 h on 24x7: 12:31. Resolution 8 h úteis: Wednesday 10:31-18:00 is 7 h 29
    # min, the other 31 min on Thursday from 09:00 (8 h on 24x7 would have been 18:31).
    assert deadlines(incidents["2026-11-04-content-outage"]) == (
        "2026-11-04 12:31",
        "2026-11-05 09:31",
    )
    june = month_file(site, "2026-06")["incidents"]
    # Sign-in failed from Wed 3 Jun 08:47, before hours: the resolution clock starts at 09:00,
    # and 8 h later is 17:00 (on 24x7 it was 16:47). The first response is 24x7: 10:47.
    assert deadlines(june["2026-06-03-login-outage"]) == ("2026-06-03 10:47", "2026-06-03 17:00")


def test_seed_004_across_a_dst_change_in_the_customers_zone(
    make_project: MakeProject, build_site: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    """The customer's "fuso horário local": New York, where clocks fall back on 1 November 2026."""
    configuration = SITE + "groups:\n" + COMPONENTS_004 + fragment("004").read_text("utf-8")
    configuration = configuration.replace("America/Sao_Paulo", "America/New_York")
    files = all_opened(
        [
            ("before-the-change", "2026-10-30 16:30", "2026-11-02 08:10", "critical backup"),
            ("during-the-night", "2026-10-31 22:00", "2026-11-01 04:30", "none backup"),
        ]
    )
    project = make_project(files, components=configuration)
    assert_strict_check_passes(project, capsys)
    by_plan = month_file(build_site(project, now=LATER), "2026-10")["sla_by_plan"]
    due = {
        name: tuple(by_plan[name][plan]["first_response"]["due_at"] for plan in by_plan[name])
        for name in by_plan
    }
    assert due == {
        # P1 (no urgency, impact critical). Standard 1 h: Friday 16:30-17:00 EDT, then Monday
        # 08:00-08:30 EST, 13:30 UTC (on EDT it would be 12:30). Premium 15 min: Friday 16:45
        # EDT, 20:45 UTC.
        "before-the-change": ("2026-11-02T13:30:00Z", "2026-10-30T20:45:00Z"),
        # P4 (impact none). Saturday 22:00 EDT is 02:00 UTC Sunday. Standard 24 h from Monday
        # 08:00 EST (13:00 UTC): Monday 9, Tuesday 9, Wednesday 6: 14:00 EST, 19:00 UTC.
        # Premium 8 h of real time, the repeated hour counted once: 10:00 UTC, 05:00 EST.
        "during-the-night": ("2026-11-04T19:00:00Z", "2026-11-01T10:00:00Z"),
    }
