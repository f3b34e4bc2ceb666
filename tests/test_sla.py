"""SLA annotations from the support policies, encoded as configuration and checked by hand."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from statusgen.errors import BuildFailed
from statusgen.load import load_site
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]

# Seed 003: P1 answered in 2 h and resolved in 4 h, 24x7; P2 answered in 2 h and resolved in
# 2 business days, P3 in 2 and 4 business days, Monday to Friday 9:00-18:00 without holidays.
SEED_003 = """
calendars:
  business:
    days: [mon, tue, wed, thu, fri]
    hours: ["09:00-18:00"]
    holidays: {country: BR, subdivision: SP}
priorities:
  default: {critical: P1, major: P2, minor: P3, none: P3}
policies:
  default:
    P1: {first_response: 2h, resolution: 4h, calendar: 24x7}
    P2: {first_response: 2h, resolution: 2bd, calendar: business}
    P3: {first_response: 2bd, resolution: 4bd, calendar: business}
"""
# Seed 002: the same priority has different targets per feature tier (Core, Engagement, Admin).
SEED_002_TIERS = """
policies:
  core:
    P1: {first_response: 2h, resolution: 8h, calendar: business}
  engagement:
    P1: {first_response: 4h, resolution: 16h, calendar: business}
  default:
    P1: {first_response: 8h, resolution: 16h, calendar: business}
"""
# Seed 004: priority from urgency x impact.
SEED_004_MATRIX = """
priorities:
  matrix:
    high:   {critical: P1, major: P2, minor: P3, none: P3}
    medium: {critical: P2, major: P3, minor: P4, none: P4}
    low:    {critical: P3, major: P4, minor: P4, none: P4}
  default: {critical: P1, major: P2, minor: P3, none: P4}
"""


def project_with(make_project: MakeProject, sla: str, files: dict[str, str]) -> Path:
    return make_project(files, components=COMPONENTS + sla)


def sla_of(site: BuiltSite, incident_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((site.out / "api/sla.json").read_text())["incidents"][
        incident_id
    ]
    return data


def opened(
    at: str, impact: str = "major", components: str = "[db]", extra: str = "", body: str = ""
) -> str:
    return incident(
        f"title: T\nimpact: {impact}\ncomponents: {components}\nstarted: {at}\n{extra}",
        body or f"## Investigating {at}\nLooking.\n",
    )


def test_p2_opened_friday_evening_is_due_monday_morning(
    make_project: MakeProject, build_site: Build
) -> None:
    project = project_with(make_project, SEED_003, {"incidents/a.md": opened("2026-11-13 17:30")})
    site = build_site(project, now=datetime(2026, 11, 13, 18, 0, tzinfo=TZ))
    sla = sla_of(site, "a")
    assert (sla["priority"], sla["policy"], sla["calendar"]) == ("P2", "default P2", "business")
    first = sla["first_response"]
    assert first["due_at"] == "2026-11-16T13:30:00Z"  # Monday 10:30 in São Paulo
    assert (first["state"], first["at"], first["elapsed"]) == ("met", "2026-11-13T20:30:00Z", 0)
    resolution = sla["resolution"]
    # 2 business days = 18 working hours: 30 min Friday, 9 h Monday, 8 h 30 Tuesday.
    assert resolution["due_at"] == "2026-11-17T20:30:00Z"
    assert (resolution["state"], resolution["remaining"], resolution["overrun"]) == (
        "running",
        18 * 3600 - 1800,
        None,
    )


def test_a_national_holiday_is_not_a_working_day(
    make_project: MakeProject, build_site: Build
) -> None:
    project = project_with(
        make_project, SEED_003, {"incidents/a.md": opened("2026-11-20 10:00", impact="minor")}
    )
    site = build_site(project, now=datetime(2026, 11, 20, 12, 0, tzinfo=TZ))
    sla = sla_of(site, "a")
    # P3: first response within 2 business days; 20 November (Friday) is a holiday.
    assert sla["first_response"]["clock_start"] == "2026-11-23T12:00:00Z"  # Monday 09:00
    assert sla["resolution"]["due_at"] == "2026-11-26T21:00:00Z"  # Thursday 18:00
    text = site.text("incidents/a.html", "//section[@class='sla']")
    assert "Opened outside working hours: the clock started at 23 Nov 2026, 09:00 UTC-03:00" in text


def test_an_open_incident_runs_then_breaches(
    make_project: MakeProject, build_site: Build, tmp_path: Path
) -> None:
    files = {"incidents/a.md": opened("2026-11-10 03:00", impact="critical")}  # P1, 24x7
    project = project_with(make_project, SEED_003, files)
    early = build_site(project, now=datetime(2026, 11, 10, 6, 0, tzinfo=TZ), out=tmp_path / "early")
    late = build_site(project, now=datetime(2026, 11, 10, 7, 30, tzinfo=TZ), out=tmp_path / "late")
    assert sla_of(early, "a")["resolution"] | {"target": "4h"} == {
        "target": "4h",
        "calendar": "24x7",
        "clock_start": "2026-11-10T06:00:00Z",
        "due_at": "2026-11-10T10:00:00Z",
        "at": None,
        "state": "running",
        "elapsed": 3 * 3600,
        "remaining": 3600,
        "overrun": None,
    }
    breached = sla_of(late, "a")["resolution"]
    assert (breached["state"], breached["overrun"], breached["remaining"]) == (
        "breached",
        1800,
        None,
    )
    assert (
        "Resolution — target 4h (24x7), due 10 Nov 2026, 07:00 UTC-03:00: breached by 30 min"
        in late.text("incidents/a.html", "//section[@class='sla']")
    )
    marks = late.page("incidents/a.html").xpath(
        "//ol[@class='timeline']/li[contains(@class, 'sla-mark')]"
    )
    assert [" ".join(m.text_content().split()).split(" · ")[0] for m in marks] == [
        "Resolution deadline",
        "First-response deadline",
    ]


def test_resolution_is_met_or_breached_by_the_resolved_update(
    make_project: MakeProject, build_site: Build
) -> None:
    body = "## Resolved 2026-11-10 07:30\nFixed.\n## Investigating 2026-11-10 03:20\nLooking.\n"
    project = project_with(
        make_project,
        SEED_003,
        {"incidents/a.md": opened("2026-11-10 03:00", impact="critical", body=body)},
    )
    sla = sla_of(build_site(project), "a")
    assert sla["first_response"]["state"] == "met" and sla["first_response"]["elapsed"] == 20 * 60
    assert (sla["resolution"]["state"], sla["resolution"]["overrun"]) == ("breached", 30 * 60)


def test_a_multi_tier_incident_takes_the_strictest_policy(
    make_project: MakeProject, build_site: Build
) -> None:
    components = COMPONENTS.replace(
        "        name: Web app\n", "        name: Web app\n        tier: engagement\n"
    )
    files = {
        "incidents/a.md": opened(
            "2026-11-10 10:00", components="[web, api, db]", extra="priority: P1"
        )
    }
    project = make_project(
        files, components=components + SEED_003.split("policies:")[0] + SEED_002_TIERS
    )
    site = build_site(project, now=datetime(2026, 11, 10, 11, 0, tzinfo=TZ))
    sla = sla_of(site, "a")
    assert (sla["policy"], sla["tiers"]) == ("core P1", ["core", "default", "engagement"])
    assert sla["resolution"]["due_at"] == "2026-11-10T21:00:00Z"  # 8 business hours: Tuesday 18:00
    assert "the strictest policy applies" in site.text(
        "incidents/a.html", "//section[@class='sla']"
    )


@pytest.mark.parametrize(
    ("extra", "priority"),
    [
        ("urgency: high", "P2"),  # major impact, high urgency
        ("urgency: low", "P4"),
        ("", "P2"),  # no urgency: the default by impact
        ("urgency: low\npriority: P1", "P1"),  # explicit wins
    ],
)
def test_priority_from_the_urgency_impact_matrix(
    make_project: MakeProject, build_site: Build, extra: str, priority: str
) -> None:
    policies = "policies:\n  default:\n" + "".join(
        f"    P{n}: {{first_response: 1h}}\n" for n in range(1, 5)
    )
    project = project_with(
        make_project,
        SEED_004_MATRIX + policies,
        {"incidents/a.md": opened("2026-11-10 10:00", extra=extra)},
    )
    assert sla_of(build_site(project), "a")["priority"] == priority


@pytest.mark.parametrize(
    ("sla", "expected"),
    [
        (
            "policies:\n  default:\n    P1: {first_response: 2h, calendar: busines}\n",
            "components.yaml:19: unknown calendar 'busines' (allowed: 24x7)",
        ),
        (
            "policies:\n  default:\n    P1: {first_response: 2 hours}\n",
            "components.yaml:19: bad duration '2 hours' (use 30m, 2h, 1h30m, 2bd for business days, 7d for calendar days)",
        ),
        (
            "priorities:\n  matrix:\n    high: {critical: P1, major: P1, minor: P2}\n",
            "components.yaml:19: priority matrix: urgency 'high' has no priority for impact 'none'",
        ),
        (
            "calendars:\n  b:\n    days: [mon]\n    hours: ['09:00-18:00']\n    holidays: {country: XX}\n",
            "components.yaml:21: unknown holiday country 'XX'",
        ),
        (
            "calendars:\n  b:\n    days: [mon]\n    hours: ['18:00-09:00']\n",
            "components.yaml:20: working hours '18:00-09:00' must start before they end, within one day",
        ),
    ],
)
def test_configuration_errors_name_the_line(
    make_project: MakeProject, sla: str, expected: str
) -> None:
    with pytest.raises(BuildFailed) as failed:
        load_site(make_project(components=COMPONENTS + sla))
    assert any(str(e).startswith(expected) for e in failed.value.errors), [
        str(e) for e in failed.value.errors
    ]


def test_unknown_priority_and_urgency_in_an_incident(make_project: MakeProject) -> None:
    files = {"incidents/a.md": opened("2026-11-10 10:00", extra="priority: P9\nurgency: extreme")}
    with pytest.raises(BuildFailed) as failed:
        load_site(project_with(make_project, SEED_003, files))
    assert [str(e) for e in failed.value.errors] == [
        "incidents/a.md:6: unknown priority 'P9' (allowed: p1, p2, p3)",
        "incidents/a.md:7: unknown urgency 'extreme' (allowed: low, medium, high)",
    ]


def test_a_tier_without_its_own_policy_uses_the_default_tier(
    make_project: MakeProject, build_site: Build
) -> None:
    project = project_with(
        make_project, SEED_003, {"incidents/a.md": opened("2026-11-10 10:00", components="[api]")}
    )
    sla = sla_of(build_site(project), "a")
    assert (sla["tier"], sla["tiers"], sla["policy"]) == ("default", ["core"], "default P2")


def test_maintenance_has_no_deadlines(make_project: MakeProject, build_site: Build) -> None:
    maintenance = incident(
        "type: maintenance\ntitle: M\ncomponents: [db]\nscheduled_start: 2026-11-10 02:00\nscheduled_end: 2026-11-10 03:00",
        "",
    )
    site = build_site(project_with(make_project, SEED_003, {"incidents/m.md": maintenance}))
    assert json.loads((site.out / "api/sla.json").read_text()) == {
        "incidents": {},
        "maintenance": {},
    }
    assert not site.page("incidents/m.html").xpath("//section[@class='sla']")
