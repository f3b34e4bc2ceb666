"""SLA plans, the strictest target of several tiers, and targets an incident sets itself: built
into real sites and read back from their pages and JSON, the deadlines computed by hand."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from statusgen.build import build
from statusgen.errors import BuildFailed
from statusgen.load import load_site
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]

# Seed 004's two plans: Standard in business hours (Mon-Fri 08:00-17:00), Premium around the
# clock; and a plan for partners that is not published.
PLANS = """
calendars:
  business:
    label: business hours
    days: [mon, tue, wed, thu, fri]
    hours: ["08:00-17:00"]
priorities:
  default: {critical: P1, major: P2, minor: P3, none: P4}
policies:
  default:
    P1: {first_response: 1h, resolution: 8h, calendar: business}
    P2: {first_response: 3h, resolution: 24h, calendar: business}
plans:
  standard: {label: Standard}
  premium:
    label: Premium
    policies:
      default:
        P1: {first_response: 15m, resolution: 4h}
        P2: {first_response: 60m, resolution: 8h}
  partner:
    label: Partner
    public: false
    policies:
      default:
        P2: {first_response: 5m, resolution: 1h}
"""

# Tuesday 10 November 2026, São Paulo (UTC-3).
CLOSED = incident(
    "title: Slow queries\nimpact: major\ncomponents: [db]\nstarted: 2026-11-10 10:00",
    "## Resolved 2026-11-10 16:00\nFixed.\n\n## Investigating 2026-11-10 10:20\nLooking.\n",
)
LATER = datetime(2026, 11, 22, 12, 0, tzinfo=TZ)


def json_of(site: BuiltSite, path: str) -> Any:
    return json.loads((site.out / path).read_text(encoding="utf-8"))


def api_incident(site: BuiltSite, incident_id: str) -> dict[str, Any]:
    found = json_of(site, "api/v2/incidents.json")["incidents"]
    return next(i for i in found if i["id"] == incident_id)


def errors_of(project: Path) -> list[str]:
    with pytest.raises(BuildFailed) as failed:
        load_site(project)
    return [str(e) for e in failed.value.errors]


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of components.yaml (COMPONENTS + text) that holds `fragment`."""
    lines = (COMPONENTS + text).split("\n")
    return next(n for n, line in enumerate(lines, 1) if fragment in line)


# -- plans -----------------------------------------------------------------------------------


def test_each_published_plan_has_its_deadlines_the_default_plan_first(
    make_project: MakeProject, build_site: Build
) -> None:
    project = make_project({"incidents/a.md": CLOSED}, components=COMPONENTS + PLANS)
    site = build_site(project, now=LATER)
    data = api_incident(site, "a")
    # `sla` is the default plan's, as a site without plans has it: P2, 3 h and 24 h of
    # business hours from Tuesday 10:00 (Tuesday 13:00, and Thursday 16:00 after 7 + 9 + 8 h).
    assert data["sla"]["policy"] == "default P2"
    assert data["sla"]["first_response"]["due_at"] == "2026-11-10T16:00:00Z"
    assert data["sla"]["resolution"]["due_at"] == "2026-11-12T19:00:00Z"
    by_plan = data["sla_by_plan"]
    assert list(by_plan) == ["standard", "premium"]  # the partner plan is internal
    assert by_plan["standard"] == data["sla"]
    premium = by_plan["premium"]  # 60 min and 8 h around the clock
    assert premium["first_response"]["due_at"] == "2026-11-10T14:00:00Z"
    assert premium["resolution"]["due_at"] == "2026-11-10T21:00:00Z"
    assert (premium["resolution"]["state"], premium["resolution"]["calendar"]) == ("met", "24x7")
    # The SLA files carry each plan's too.
    index = json_of(site, "api/sla.json")
    month = json_of(site, "api/sla/2026-11.json")
    for document in (index, month):
        assert document["incidents"]["a"] == data["sla"]
        assert document["sla_by_plan"] == {"a": by_plan}
    # The page shows a panel per published plan, the default first.
    page = site.page("incidents/a.html")
    headings = [
        " ".join(h.text_content().split()) for h in page.xpath("//div[@class='sla-plans']//h3")
    ]
    assert headings == ["Plan Standard", "Plan Premium"]
    panels = page.xpath("//section[@class='sla-plan']")
    assert "within 3 working hours" in " ".join(panels[0].text_content().split())
    assert "respond within 1 hour." in " ".join(panels[1].text_content().split())
    assert "Partner" not in site.text("incidents/a.html", "//html")
    # The report has a section per published plan.
    report = site.page("sla/index.html")
    assert [" ".join(h.text_content().split()) for h in report.xpath("//main//h2")] == [
        "Plan Standard",
        "Plan Premium",
    ]
    assert "Partner" not in site.text("sla/index.html", "//html")
    # Feeds carry the default plan's service level.
    atom = (site.out / "history.atom").read_text(encoding="utf-8")
    assert "default P2" not in atom and "Partner" not in atom


def test_a_plan_that_says_default_comes_first_and_fills_sla(
    make_project: MakeProject, build_site: Build
) -> None:
    config = PLANS.replace("    label: Premium\n", "    label: Premium\n    default: true\n")
    project = make_project({"incidents/a.md": CLOSED}, components=COMPONENTS + config)
    site = build_site(project, now=LATER)
    data = api_incident(site, "a")
    assert list(data["sla_by_plan"]) == ["premium", "standard"]
    assert data["sla"] == data["sla_by_plan"]["premium"]
    assert data["sla"]["resolution"]["due_at"] == "2026-11-10T21:00:00Z"


def test_a_site_without_plans_has_no_sla_by_plan(
    make_project: MakeProject, build_site: Build
) -> None:
    config = PLANS.split("plans:")[0]
    project = make_project({"incidents/a.md": CLOSED}, components=COMPONENTS + config)
    site = build_site(project, now=LATER)
    assert "sla_by_plan" not in api_incident(site, "a")
    assert "sla_by_plan" not in json_of(site, "api/sla.json")
    assert not site.page("incidents/a.html").xpath("//*[@class='sla-plans']")
    assert not site.page("sla/index.html").xpath("//*[@class='sla-plan-report']")


def test_a_plan_inherits_what_it_does_not_set_on_its_own_calendars(
    make_project: MakeProject, build_site: Build
) -> None:
    # A plan that only widens the business calendar to every day keeps the site's policies.
    config = PLANS.split("plans:")[0] + (
        "plans:\n"
        "  standard:\n"
        "  weekend:\n"
        "    calendars:\n"
        "      business: {days: [mon, tue, wed, thu, fri, sat, sun], hours: ['08:00-17:00']}\n"
    )
    friday = incident(
        "title: T\nimpact: major\ncomponents: [db]\nstarted: 2026-11-13 16:00",
        "## Investigating 2026-11-13 16:05\nLooking.\n",
    )
    project = make_project({"incidents/a.md": friday}, components=COMPONENTS + config)
    site = build_site(project, now=datetime(2026, 11, 13, 16, 30, tzinfo=TZ))
    by_plan = api_incident(site, "a")["sla_by_plan"]
    # 3 working hours from Friday 16:00: 1 h on Friday, then Monday 10:00, or Saturday 10:00.
    assert by_plan["standard"]["first_response"]["due_at"] == "2026-11-16T13:00:00Z"
    assert by_plan["weekend"]["first_response"]["due_at"] == "2026-11-14T13:00:00Z"
    assert by_plan["weekend"]["policy"] == "default P2"


def test_a_cached_build_after_a_plan_changes_is_a_cold_one(tmp_path: Path) -> None:
    files = {"incidents/a.md": CLOSED, "incidents/b.md": CLOSED.replace("Slow", "Fast")}
    changed = PLANS.replace(
        "P2: {first_response: 60m, resolution: 8h}", "P2: {first_response: 30m, resolution: 6h}"
    )
    sites = {}
    for name, use_cache in (("warm", True), ("cold", False)):
        project = tmp_path / name
        (project / "incidents").mkdir(parents=True)
        (project / "components.yaml").write_text(COMPONENTS + PLANS, encoding="utf-8")
        for path, text in files.items():
            (project / path).write_text(text, encoding="utf-8")
        if use_cache:
            build(project, project / "site", now=LATER)
            build(project, project / "site", now=LATER + timedelta(hours=1))  # reuses the kept
        (project / "components.yaml").write_text(COMPONENTS + changed, encoding="utf-8")
        build(project, project / "site", now=LATER + timedelta(hours=2), use_cache=use_cache)
        sites[name] = {
            str(p.relative_to(project / "site")): p.read_bytes()
            for p in sorted((project / "site").rglob("*"))
            if p.is_file()
        }
    assert sites["warm"] == sites["cold"]
    premium = json.loads(sites["cold"]["api/v2/incidents.json"])["incidents"][0]["sla_by_plan"]
    assert premium["premium"]["resolution"]["target"] == "6h"
    shutil.rmtree(tmp_path / "warm" / "site")


@pytest.mark.parametrize(
    ("plans", "fragment", "message"),
    [
        ("  premium: {label: P, prices: 3}\n", "prices", "unknown plan key 'prices'"),
        (
            "  premium:\n    policies:\n      default:\n        P1: {first_response: 1h, calendar: weekends}\n",
            "weekends",
            "unknown calendar 'weekends'",
        ),
        (
            "  standard: {default: true}\n  premium: {default: true}\n",
            "premium: {default",
            "two plans say 'default: true'",
        ),
        ("  Premium Plus: {label: P}\n", "Premium Plus", "bad plan id 'Premium Plus'"),
        (
            "  standard: {public: false}\n  premium: {}\n",
            "standard:",
            "the default plan 'standard' cannot be 'public: false'",
        ),
        ("  standard: {public: maybe}\n", "maybe", "'public' must be true or false"),
        (
            "  premium:\n    policies:\n      default:\n        maintenance: {notice: 2h}\n",
            "maintenance:",
            "maintenance rules (tier 'default') are the site's",
        ),
    ],
)
def test_a_mistake_in_a_plan_is_told_with_its_line(
    make_project: MakeProject, plans: str, fragment: str, message: str
) -> None:
    config = PLANS.split("plans:")[0] + "plans:\n" + plans
    errors = errors_of(make_project({}, components=COMPONENTS + config))
    config_lines = (COMPONENTS + config).split("\n")
    line = max(n for n, text in enumerate(config_lines, 1) if fragment in text)
    assert any(e.startswith(f"components.yaml:{line}: ") and message in e for e in errors), errors


# -- the strictest target of several tiers ---------------------------------------------------

TIERS = """\
site:
  title: Tiers
  url: https://example.github.io/status/
  timezone: America/Sao_Paulo
groups:
  - name: G
    components:
      - {id: a, name: A, tier: fast}
      - {id: b, name: B, tier: slow}
priorities:
  default: {critical: P1, major: P1, minor: P1, none: P1}
policies:
  fast:
    P1: {label: Fast, first_response: 1h, resolution: 7d}
  slow:
    P1: {label: Slow, first_response: 8h, resolution: 16h}
"""


def tiers_site(make_project: MakeProject, build_site: Build, components: str) -> BuiltSite:
    """A site of tiers fast and slow, with one incident on `components`, open since 10:00."""
    files = {
        "incidents/x.md": incident(
            f"title: T\nimpact: major\ncomponents: {components}\nstarted: 2026-11-10 10:00",
            "## Investigating 2026-11-10 10:30\nLooking.\n",
        )
    }
    project = make_project(files, components=TIERS)
    return build_site(project, now=datetime(2026, 11, 10, 12, 0, tzinfo=TZ))


def test_each_target_is_the_strictest_of_the_tiers_and_names_its_policy(
    make_project: MakeProject, build_site: Build
) -> None:
    site = tiers_site(make_project, build_site, "[a, b]")
    sla = api_incident(site, "x")["sla"]
    first, resolution = sla["first_response"], sla["resolution"]
    assert (first["target"], first["due_at"], first["policy"], first["tier"]) == (
        "1h",
        "2026-11-10T14:00:00Z",
        "fast P1",
        "fast",
    )
    assert (resolution["target"], resolution["due_at"], resolution["policy"]) == (
        "16h",
        "2026-11-11T05:00:00Z",
        "slow P1",
    )
    # The incident is measured under the policy that set its resolution.
    assert (sla["policy"], sla["tier"], sla["tiers"]) == ("slow P1", "slow", ["fast", "slow"])
    promises = [
        " ".join(p.text_content().split())
        for p in site.page("incidents/x.html").xpath("//p[@class='sla-promise']")
    ]
    assert promises == [
        "We aim to respond within 1 hour. (Fast)",
        "We aim to resolve it within 16 hours. (Slow)",
    ]
    report = site.page("sla/index.html").xpath("//table[@class='sla-report']//tbody/tr")
    assert [" ".join(c.text_content().split()) for c in report[0]][:3] == ["Slow", "P1", "1"]


def test_one_tier_names_no_policy_beside_its_targets(
    make_project: MakeProject, build_site: Build
) -> None:
    site = tiers_site(make_project, build_site, "[a]")
    assert not site.page("incidents/x.html").xpath("//span[@class='sla-source']")


# -- a target the incident sets itself -------------------------------------------------------

# Seed 002: the first response is promised, the resolution communicated during the case.
CASE = """
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["08:00-17:00"]}
priorities:
  default: {critical: P1, major: P1, minor: P1, none: P1}
policies:
  default:
    P1: {first_response: 2h, calendar: business}
"""


def case_incident(front: str = "", updates: str = "") -> str:
    return incident(
        f"title: T\nimpact: major\ncomponents: [db]\nstarted: 2026-11-10 10:00\n{front}",
        f"{updates}## Investigating 2026-11-10 10:30\nLooking.\n",
    )


def test_a_resolution_target_set_in_the_front_matter_gives_a_deadline(
    make_project: MakeProject, build_site: Build
) -> None:
    files = {"incidents/x.md": case_incident("sla: {resolution: 3bd}")}
    project = make_project(files, components=COMPONENTS + CASE)
    site = build_site(project, now=datetime(2026, 11, 10, 12, 0, tzinfo=TZ))
    sla = api_incident(site, "x")["sla"]
    # 3 business days of 9 h on the policy's calendar from Tuesday 10:00: 7 + 9 + 9 + 2 h,
    # Friday 10:00.
    resolution = sla["resolution"]
    assert (resolution["target"], resolution["calendar"], resolution["set_by"]) == (
        "3bd",
        "business",
        "incident",
    )
    assert resolution["due_at"] == "2026-11-13T13:00:00Z"
    assert sla["first_response"]["set_by"] == "policy"
    promise = site.text("incidents/x.html", "//ul[@class='sla-targets']/li[2]/p[1]")
    assert promise == "We aim to resolve it within 3 business days. (communicated during the case)"


def test_a_later_update_replaces_the_target_measured_from_the_start(
    make_project: MakeProject, build_site: Build
) -> None:
    updates = (
        "## Identified 2026-11-10 15:00\nSLA resolution: 8h on 24x7\nWe found it.\n\n"
        "## Identified 2026-11-10 11:00\nSLA resolution: 3bd\nSLA first response: 30m\n"
        "A disk.\n\n"
    )
    files = {"incidents/x.md": case_incident(updates=updates)}
    project = make_project(files, components=COMPONENTS + CASE)
    site = build_site(project, now=datetime(2026, 11, 10, 16, 0, tzinfo=TZ))
    sla = api_incident(site, "x")["sla"]
    assert (sla["resolution"]["due_at"], sla["resolution"]["calendar"]) == (
        "2026-11-10T21:00:00Z",  # 8 h from 10:00, around the clock
        "24x7",
    )
    first = sla["first_response"]  # 30 working minutes from 10:00, answered at 10:30
    assert (first["due_at"], first["state"], first["set_by"]) == (
        "2026-11-10T13:30:00Z",
        "met",
        "incident",
    )
    # The lines that set targets are not part of the update's text.
    bodies = [u["body"] for u in api_incident(site, "x")["incident_updates"]]
    assert bodies[:2] == ["We found it.", "A disk."]


def test_a_case_target_is_translated(make_project: MakeProject, build_site: Build) -> None:
    config = COMPONENTS.replace(
        "timezone: America/Sao_Paulo", "timezone: America/Sao_Paulo\n  language: pt-BR"
    )
    files = {"incidents/x.md": case_incident("sla: {resolution: 3bd}")}
    site = build_site(
        make_project(files, components=config + CASE), now=datetime(2026, 11, 10, 12, 0, tzinfo=TZ)
    )
    assert "(comunicado durante o atendimento)" in site.text("incidents/x.html")


@pytest.mark.parametrize(
    ("front", "updates", "fragment", "message"),
    [
        ("sla: {resolution: soon}", "", "sla:", "bad SLA resolution target 'soon'"),
        (
            "sla: {resolution: {target: 3bd, calendar: nope}}",
            "",
            "sla:",
            "unknown calendar 'nope'",
        ),
        ("sla: {response: 1h}", "", "sla:", "unknown sla key 'response'"),
        ("sla: 3bd", "", "sla:", "'sla' must be a mapping"),
        (
            "",
            "## Identified 2026-11-10 11:00\nSLA resolution: 2x\nA.\n\n",
            "SLA resolution",
            "bad SLA resolution target '2x'",
        ),
        (
            "",
            "## Identified 2026-11-10 11:00\nSLA reply: 2h\nA.\n\n",
            "SLA reply",
            "unknown target 'reply'",
        ),
        (
            "",
            "## Identified 2026-11-10 11:00\nSLA resolution: 2h on nope\nA.\n\n",
            "SLA resolution",
            "unknown calendar 'nope'",
        ),
    ],
)
def test_a_mistake_in_a_case_target_is_told_with_its_line(
    make_project: MakeProject, front: str, updates: str, fragment: str, message: str
) -> None:
    text = case_incident(front, updates)
    errors = errors_of(make_project({"incidents/x.md": text}, components=COMPONENTS + CASE))
    line = next(n for n, content in enumerate(text.split("\n"), 1) if fragment in content)
    assert any(e.startswith(f"incidents/x.md:{line}: ") and message in e for e in errors), errors
