"""Edges of the service-level configuration that a random project seldom reaches: each read back
from what a real build wrote, or from the errors `check` gives."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from statusgen.build import check
from statusgen.errors import BuildFailed
from tests.conftest import TZ, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]

SITE = """\
site:
  title: Example Status
  url: https://example.github.io/status/
  timezone: America/Sao_Paulo
attributes:
  environment: [prod, test]
groups:
  - name: Platform
    components:
      - {id: api, name: Public API, tier: core, attributes: {environment: prod}}
      - {id: sandbox, name: Sandbox, tier: core, attributes: {environment: test}}
"""


def api_incident(site: BuiltSite, incident_id: str) -> dict[str, Any]:
    listed = json.loads((site.out / "api/v2/incidents.json").read_text())["incidents"]
    found: dict[str, Any] = next(entry for entry in listed if entry["id"] == incident_id)
    return found


def errors_of(project: Path) -> list[str]:
    with pytest.raises(BuildFailed) as failed:
        check(project)
    return [str(error) for error in failed.value.errors]


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def opened(impact: str, components: str, extra: str = "") -> str:
    return incident(
        f"title: T\nimpact: {impact}\ncomponents: {components}\nstarted: 2026-11-20 10:00\n{extra}",
        "## Investigating 2026-11-20 10:05\nLooking.\n",
    )


def test_a_workaround_condition_takes_a_list_like_any_other(
    make_project: MakeProject, build_site: Build
) -> None:
    # A condition takes one value or a list of them, any of which will do: workaround too.
    config = SITE + (
        "priorities:\n"
        "  rules:\n"
        "    - {when: {environment: test, workaround: [true, false]}, priority: P3}\n"
        "  default: {critical: P1, major: P2, minor: P2, none: P2}\n"
        "policies:\n"
        "  core:\n"
        "    P2: {first_response: 1h, resolution: 8h}\n"
        "    P3: {first_response: 4h, resolution: 2d}\n"
    )
    files = {
        "incidents/with.md": opened("major", "[sandbox]", "workaround: true"),
        "incidents/without.md": opened("major", "[sandbox]", "workaround: false"),
        "incidents/prod.md": opened("major", "[api]", "workaround: true"),
    }
    site = build_site(make_project(files, components=config))
    priorities = {name: api_incident(site, name)["sla"]["priority"] for name in files_ids(files)}
    assert priorities == {"with": "P3", "without": "P3", "prod": "P2"}


def test_a_workaround_condition_refuses_a_list_with_anything_but_true_or_false(
    make_project: MakeProject,
) -> None:
    config = SITE + (
        "priorities:\n"
        "  rules:\n"
        "    - {when: {workaround: [true, maybe]}, priority: P3}\n"
        "    - {when: {workaround: []}, priority: P3}\n"
        "  default: {critical: P1, major: P2, minor: P2, none: P2}\n"
    )
    assert errors_of(make_project({}, components=config)) == [
        f"components.yaml:{line_of(config, 'maybe')}: condition 'workaround' must be true or "
        "false, not 'maybe'",
        f"components.yaml:{line_of(config, '[]')}: condition 'workaround' lists no value "
        "(allowed: true, false)",
    ]


def files_ids(files: dict[str, str]) -> list[str]:
    return [Path(name).stem for name in files]


# A plan that narrows the business calendar of the site's policies it inherits.
NARROWED = """\
calendars:
  business:
    days: [mon, tue, wed, thu, fri]
    hours: ["09:00-18:00"]
priorities:
  default: {critical: P1, major: P2, minor: P2, none: P2}
policies:
  core:
    P1: {first_response: 1h, resolution: 8h}
    P2: {first_response: 4h, resolution: 2352h, calendar: business}
plans:
  standard:
  saturday:
    calendars:
      business: {days: [sat], hours: ["09:00-10:00"]}
"""


def test_a_target_a_plans_calendar_stretches_past_a_year_is_an_error_naming_the_plan(
    make_project: MakeProject,
) -> None:
    # 2352 working hours are a year of Monday to Friday 09:00-18:00, but 45 years of one hour
    # on Saturdays: the plan would have lost the policy without a word.
    config = SITE + NARROWED
    assert errors_of(make_project({}, components=config)) == [
        f"components.yaml:{line_of(config, '2352h')}: plan 'saturday', on its own calendars: "
        "target '2352h' is longer than a year (at most 366d, or 52h or 52bd of working time on "
        "calendar 'business')"
    ]


def test_a_year_shorter_than_an_hour_is_said_in_minutes(make_project: MakeProject) -> None:
    config = SITE + NARROWED.replace('["09:00-10:00"]', '["09:00-09:01"]').replace("2352h", "2bd")
    assert errors_of(make_project({}, components=config)) == [
        f"components.yaml:{line_of(config, '2bd')}: plan 'saturday', on its own calendars: "
        "target '4h' is longer than a year (at most 366d, or 52m or 52bd of working time on "
        "calendar 'business')"
    ]


MAINTENANCE = """\
---
type: maintenance
title: Upgrade
components: [api]
scheduled_start: 2026-11-28 01:00
scheduled_end: 2026-11-28 03:00
---
## In progress 2026-11-28 01:00
{in_progress}
Started.

## Scheduled 2026-11-16 10:00
{scheduled}
Planned.
"""


@pytest.mark.parametrize(
    ("scheduled", "in_progress", "fragment", "message"),
    [
        (
            "SLA resolution: 2h",
            "",
            "SLA resolution",
            "SLA line: a maintenance has no service-level targets (SLA lines are for "
            "incidents; maintenance rules are the tier's, under 'policies')",
        ),
        (
            "",
            "Window: 2026-11-29 01:00 - 2026-11-29 03:00",
            "Window:",
            "Window line: only the first line of a maintenance's '## Scheduled' update moves "
            "its window",
        ),
        (
            "Window: 2026-11-29 01:00 - 2026-11-29 03:00\n"
            "Window: 2026-11-30 01:00 - 2026-11-30 03:00",
            "",
            "2026-11-30 01:00",
            "Window line: only the first line of a maintenance's '## Scheduled' update moves "
            "its window",
        ),
    ],
)
def test_a_line_that_would_do_nothing_in_a_maintenance_is_an_error(
    make_project: MakeProject, scheduled: str, in_progress: str, fragment: str, message: str
) -> None:
    text = MAINTENANCE.format(scheduled=scheduled, in_progress=in_progress)
    project = make_project({"incidents/m.md": text}, components=SITE)
    assert errors_of(project) == [f"incidents/m.md:{line_of(text, fragment)}: {message}"]


def test_a_window_line_in_an_incident_is_an_error(make_project: MakeProject) -> None:
    text = incident(
        "title: T\nimpact: major\ncomponents: [api]",
        "## Investigating 2026-11-20 10:05\nWindow: 2026-11-20 10:00 - 2026-11-20 12:00\nOops.\n",
    )
    project = make_project({"incidents/i.md": text}, components=SITE)
    assert errors_of(project) == [
        f"incidents/i.md:{line_of(text, 'Window:')}: Window line: only the first line of a "
        "maintenance's '## Scheduled' update moves its window"
    ]


BUSINESS = """\
calendars:
  business:
    days: [mon, tue, wed, thu, fri]
    hours: ["09:00-18:00"]
priorities:
  default: {critical: P1, major: P2, minor: P2, none: P2}
policies:
  core:
    P2: {first_response: 4h, resolution: 16h, calendar: business}
"""


@pytest.mark.parametrize("language", ["en", "pt-BR", "es"])
def test_a_reopening_while_closed_for_the_weekend_leaves_nothing_out_and_says_so(
    make_project: MakeProject, build_site: Build, language: str
) -> None:
    # Resolved Friday night, reopened Saturday, resolved Monday: no working time stood resolved.
    # Written out of order, the reopening above the resolution it follows.
    text = incident(
        "title: T\nimpact: major\ncomponents: [api]\nstarted: 2026-11-20 10:00",
        "## Investigating 2026-11-21 11:00\nBack.\n\n## Resolved 2026-11-23 10:00\nFixed.\n\n"
        "## Resolved 2026-11-20 19:00\nFixed.\n\n## Investigating 2026-11-20 10:30\nLooking.\n",
    )
    config = SITE.replace("  timezone:", f"  language: {language}\n  timezone:") + BUSINESS
    site = build_site(
        make_project({"incidents/i.md": text}, components=config),
        now=datetime(2026, 11, 24, 12, 0, tzinfo=TZ),
    )
    resolution = api_incident(site, "i")["sla"]["resolution"]
    # Open Friday 10:00-18:00 (8 h) and Monday 09:00-10:00 (1 h): 9 h of working time.
    assert (resolution["excluded"], resolution["elapsed"], resolution["state"]) == (
        0,
        9 * 3600,
        "met",
    )
    said = site.text("incidents/i.html", "//*[@class='sla-reopened']")
    assert (
        said
        == {
            "en": "The incident was reopened after a resolution; it stood resolved only outside "
            "working hours, so its resolution time leaves nothing out.",
            "pt-BR": "O incidente foi reaberto depois de resolvido; ficou resolvido só fora do "
            "horário útil, então o tempo de resolução não desconta nada.",
            "es": "El incidente se reabrió después de resolverse; quedó resuelto solo fuera del "
            "horario hábil, así que el tiempo de resolución no descuenta nada.",
        }[language]
    )


NOTICE = """\
policies:
  core:
    maintenance: {notice: 48h, windows: ["sat-sun 00:00-06:00"]}
"""


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "This one was announced Mon 23 Nov, 10:00, once its window had already begun"),
        ("pt-BR", "Esta manutenção foi anunciada em seg. 23 nov., 10:00, quando a janela já tinha"),
        ("es", "Este mantenimiento se anunció el lun 23 nov, 10:00, cuando la ventana ya había"),
    ],
)
def test_a_window_moved_into_the_past_says_it_was_announced_after_it_began(
    make_project: MakeProject, build_site: Build, language: str, said: str
) -> None:
    # Not "0 min ahead": the update that moved the window came after the window it gives.
    text = (
        "---\ntype: maintenance\ntitle: Upgrade\ncomponents: [api]\n"
        "scheduled_start: 2026-11-28 01:00\nscheduled_end: 2026-11-28 03:00\n---\n"
        "## Scheduled 2026-11-23 10:00\nWindow: 2026-11-21 01:00 - 2026-11-21 03:00\nMoved.\n\n"
        "## Scheduled 2026-11-16 10:00\nPlanned.\n"
    )
    config = SITE.replace("  timezone:", f"  language: {language}\n  timezone:") + NOTICE
    site = build_site(
        make_project({"incidents/m.md": text}, components=config),
        now=datetime(2026, 11, 24, 12, 0, tzinfo=TZ),
    )
    outcome = site.text("incidents/m.html", "//*[contains(@class, 'sla-outcome')]")
    assert said in outcome
    checks = api_maintenance(site, "m")
    assert (checks["notice"]["met"], checks["window_moved"]) == (False, True)


def api_maintenance(site: BuiltSite, maintenance_id: str) -> dict[str, Any]:
    listed = json.loads((site.out / "api/v2/scheduled-maintenances.json").read_text())
    found: dict[str, Any] = next(
        entry for entry in listed["scheduled_maintenances"] if entry["id"] == maintenance_id
    )
    return found["maintenance_policy"]  # type: ignore[no-any-return]


THIN = """\
calendars:
  thin:
    timezone: America/Sao_Paulo
    hours: {mon: ["09:00-10:00"]}
"""


def test_a_target_the_incident_sets_is_held_to_a_year_of_the_calendar_it_counts_on(
    make_project: MakeProject,
) -> None:
    # A policy's resolution counts on a one-hour-a-week calendar: a year of it is 52 h, so a
    # target of 100 h the incident sets without naming a calendar would fall due past 9999.
    config = (
        SITE
        + THIN
        + (
            "priorities:\n  default: {critical: P1, major: P1, minor: P1, none: P1}\n"
            "policies:\n  core:\n    P1: {first_response: 1h, resolution: 2h, calendar: thin}\n"
        )
    )
    text = opened("major", "[api]", "sla: {resolution: 100h}")
    errors = errors_of(make_project({"incidents/a.md": text}, components=config))
    assert errors == [
        f"incidents/a.md:{line_of(text, 'sla:')}: SLA target '100h' is longer than a year on "
        "calendar 'thin', which the policies' resolution counts on"
    ]
    # The same on the 24x7 clock it names is well within a year.
    named = opened("major", "[api]", "sla: {resolution: {target: 100h, calendar: 24x7}}")
    check(make_project({"incidents/a.md": named}, components=config))


def test_a_target_naming_a_calendar_a_plan_redefines_is_held_to_the_plans_too(
    make_project: MakeProject,
) -> None:
    config = (
        SITE
        + THIN.replace("thin:", "work:").replace('mon: ["09:00-10:00"]', 'mon-fri: ["09:00-18:00"]')
        + (
            "priorities:\n  default: {critical: P1, major: P1, minor: P1, none: P1}\n"
            "policies:\n  core:\n    P1: {first_response: 1h, resolution: 8h, calendar: work}\n"
            "plans:\n  standard: {}\n"
            "  weekly:\n    calendars:\n      work:\n        timezone: America/Sao_Paulo\n"
            '        hours: {mon: ["09:00-10:00"]}\n'
        )
    )
    text = opened("major", "[api]", "").replace(
        "## Investigating 2026-11-20 10:05\n",
        "## Investigating 2026-11-20 10:05\nSLA resolution: 100h on work\n",
    )
    errors = errors_of(make_project({"incidents/a.md": text}, components=config))
    assert errors == [
        f"incidents/a.md:{line_of(text, 'SLA resolution')}: SLA target '100h' is longer than a "
        "year on calendar 'work' in plan 'weekly'"
    ]
