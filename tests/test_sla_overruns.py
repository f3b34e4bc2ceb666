"""A missed deadline says by how much in calendar time, and in working time where the target
counts working time and the two differ: never "< 1 min" when the answer came hours later."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import html

from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]

SLA = """
calendars:
  business:
    {label: business hours, days: [mon, tue, wed, thu, fri], hours: ["09:00-18:00"]}
priorities:
  default: {critical: P1, major: P2, minor: P2, none: P2}
policies:
  default:
    P1: {first_response: 2h, resolution: 8h}
    P2: {first_response: 4h, resolution: 5bd, calendar: business}
"""

FILES = {
    # Monday 16 November 14:00: due at 18:00; answered Tuesday 08:10, before work began.
    "incidents/after-hours.md": incident(
        "title: After hours\nimpact: major\ncomponents: [web]\nstarted: 2026-11-16 14:00",
        "## Investigating 2026-11-17 08:10\nLooking.\n",
    ),
    # The same, answered Tuesday 10:10: 16 h 10 min late, 1 h 10 min of it working time.
    "incidents/next-morning.md": incident(
        "title: Next morning\nimpact: major\ncomponents: [web]\nstarted: 2026-11-16 14:00",
        "## Investigating 2026-11-17 10:10\nLooking.\n",
    ),
    # Within working hours alone: Tuesday 10:00, due 14:00, answered 14:30: 30 min either way.
    "incidents/in-hours.md": incident(
        "title: In hours\nimpact: major\ncomponents: [web]\nstarted: 2026-11-17 10:00",
        "## Investigating 2026-11-17 14:30\nLooking.\n",
    ),
    # P1 on 24x7: due 16:00, answered 18:00. Calendar time only.
    "incidents/around-the-clock.md": incident(
        "title: Around the clock\nimpact: critical\ncomponents: [web]\nstarted: 2026-11-18 14:00",
        "## Investigating 2026-11-18 18:00\nLooking.\n",
    ),
}

NOW = datetime(2026, 11, 19, 12, 0, tzinfo=TZ)

IN = {
    "en": (
        "14 h 10 min late (all of it outside working hours)",
        "16 h 10 min late (1 h 10 min of working time)",
        "30 min late",
        "2 h late",
    ),
    "pt-BR": (
        "14 h 10 min de atraso (todo fora do horário útil)",
        "16 h 10 min de atraso (1 h 10 min úteis)",
        "30 min de atraso",
        "2 h de atraso",
    ),
    "es": (
        "14 h 10 min de retraso (todo fuera del horario hábil)",
        "16 h 10 min de retraso (1 h 10 min hábiles)",
        "30 min de retraso",
        "2 h de retraso",
    ),
}


def build(make_project: MakeProject, build_site: Build, language: str = "en") -> BuiltSite:
    components = COMPONENTS.replace(
        "  timezone: America/Sao_Paulo\n",
        f"  timezone: America/Sao_Paulo\n  language: {language}\n",
    )
    return build_site(make_project(FILES, components=components + SLA), now=NOW)


def panel(site: BuiltSite, incident_id: str) -> str:
    return site.text(f"incidents/{incident_id}.html", "//section[@class='sla']")


def timeline_mark(site: BuiltSite, incident_id: str) -> str:
    marks = site.page(f"incidents/{incident_id}.html").xpath(
        "//ol[@class='timeline']/li[contains(@class, 'sla-mark')]"
    )
    return " ".join(" ".join(mark.text_content().split()) for mark in marks)


@pytest.mark.parametrize("language", IN)
def test_the_panel_and_the_timeline_state_calendar_time_and_working_time_where_they_differ(
    make_project: MakeProject, build_site: Build, language: str
) -> None:
    site = build(make_project, build_site, language)
    after_hours, next_morning, in_hours, around = IN[language]
    for incident_id, words in (
        ("after-hours", after_hours),
        ("next-morning", next_morning),
        ("in-hours", in_hours),
        ("around-the-clock", around),
    ):
        shown = panel(site, incident_id)
        assert words in shown, (incident_id, shown)
        assert "< 1 min" not in shown
        # Where both amounts are the same, the working time is not repeated.
        assert f"{words} (" not in shown
        assert words in timeline_mark(site, incident_id)


def test_the_sentence_in_english(make_project: MakeProject, build_site: Build) -> None:
    assert (
        "We responded 18 h 10 min after the incident began (4 h of working time): "
        "14 h 10 min late (all of it outside working hours)"
    ) in panel(build(make_project, build_site), "after-hours")


def sla_objects(out: Path) -> dict[str, Any]:
    month = json.loads((out / "api/sla/2026-11.json").read_text(encoding="utf-8"))
    incidents: dict[str, Any] = month["incidents"]
    return incidents


def test_the_json_object_holds_both_overruns(make_project: MakeProject, build_site: Build) -> None:
    objects = sla_objects(build(make_project, build_site).out)
    minutes = 60
    assert {
        name: (objects[name]["first_response"]["late"], objects[name]["first_response"]["overrun"])
        for name in objects
    } == {
        "after-hours": ((14 * 60 + 10) * minutes, 0),
        "next-morning": ((16 * 60 + 10) * minutes, 70 * minutes),
        "in-hours": (30 * minutes, 30 * minutes),
        "around-the-clock": (2 * 60 * minutes, 2 * 60 * minutes),
    }


def feed_entry(site: BuiltSite, title: str) -> str:
    entries = feedparser.parse(str(site.out / "history.atom")).entries
    (body,) = [e.content[0].value for e in entries if e.title == title]
    return " ".join(html.fromstring(body).text_content().split())


def test_a_feed_entry_states_the_overrun_as_it_stood_when_posted(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build(make_project, build_site)
    text = feed_entry(site, "Investigating: After hours")
    assert (
        "First response (within 4 working hours, by Mon 16 Nov, 18:00 UTC-03:00): "
        "14 h 10 min late (all of it outside working hours);"
    ) in text
    # The resolution was running then, with its working time left: 5 business days of 9 h
    # from Monday 14:00, less the 4 h to Monday's close.
    assert "in progress, 41 h of working time left." in text
