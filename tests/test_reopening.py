"""A reopened incident: the resolution clock leaves out the time it stood resolved, the end and
`resolved_at` follow its last resolution, availability counts only the time it stood open.
Every due time is worked out by hand in the comments."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from statusgen.build import build
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject
from tests.test_sla import SEED_003, opened, project_with, sla_of

Build = Callable[..., BuiltSite]


def utc(local: str) -> str:
    """A São Paulo time as the JSON API writes it."""
    moment = datetime.fromisoformat(local).replace(tzinfo=TZ)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def api_incident(site: BuiltSite, incident_id: str) -> dict[str, Any]:
    incidents = json.loads((site.out / "api/v2/incidents.json").read_text())["incidents"]
    (found,) = (i for i in incidents if i["id"] == incident_id)
    data: dict[str, Any] = found
    return data


def timeline_heads(site: BuiltSite, incident_id: str) -> list[str]:
    heads = site.page(f"incidents/{incident_id}.html").xpath("//ol[@class='timeline']/li/h3")
    return [" ".join(h.text_content().split()) for h in heads]


def built(
    make_project: MakeProject, build_site: Build, started: str, body: str, now: str | None = None
) -> BuiltSite:
    """A site with one critical incident (P1 of seed 003: resolution within 4 h, 24x7) on db."""
    files = {"incidents/a.md": opened(started, impact="critical", body=body)}
    project = project_with(make_project, SEED_003, files)
    if now is None:
        return build_site(project)
    return build_site(project, now=datetime.fromisoformat(now).replace(tzinfo=TZ))


# P1 (critical) of seed 003: resolution within 4 h, 24x7. Opened Tuesday 10 November 03:00,
# resolved 05:00, reopened 06:00, resolved again 07:30: open 2 h + 1 h 30 min = 3 h 30 min.
def reopened_on_the_10th(last: str, back: str, fixed: str) -> str:
    """Updates of 10 November: investigating at 03:20, resolved at `fixed`, identified again at
    `back`, then `last` ("Resolved 07:30")."""
    return "".join(
        f"## {heading}\n{text}\n\n"
        for heading, text in (
            (last.replace(" ", " 2026-11-10 "), "Over."),
            (f"Identified 2026-11-10 {back}", "The errors are back."),
            (f"Resolved 2026-11-10 {fixed}", "Fixed."),
            ("Investigating 2026-11-10 03:20", "Looking."),
        )
    )


def on_the_10th(
    make_project: MakeProject, build_site: Build, body: str
) -> tuple[BuiltSite, dict[str, Any]]:
    """The site of a critical incident opened 10 November at 03:00, and its resolution."""
    site = built(make_project, build_site, "2026-11-10 03:00", body)
    resolution: dict[str, Any] = sla_of(site, "a")["resolution"]
    return site, resolution


REOPENED_24X7 = reopened_on_the_10th("Resolved 07:30", back="06:00", fixed="05:00")


def test_on_a_24x7_clock_the_resolved_hour_is_left_out(
    make_project: MakeProject, build_site: Build
) -> None:
    site, resolution = on_the_10th(make_project, build_site, REOPENED_24X7)
    # Due 07:00, pushed back by the hour it stood resolved (05:00-06:00): 08:00. Resolved at
    # 07:30, half an hour before it: met, where counting the resolved hour would miss it.
    assert resolution == {
        "target": "4h",
        "set_by": "policy",
        "policy": "default P1",
        "tier": "default",
        "calendar": "24x7",
        "clock_start": utc("2026-11-10 03:00"),
        "due_at": utc("2026-11-10 08:00"),
        "at": utc("2026-11-10 07:30"),
        "state": "met",
        "elapsed": 3 * 3600 + 1800,
        "remaining": None,
        "overrun": None,
        "late": None,
        "excluded": 3600,
    }
    # The first response is the first update after the start, as ever.
    assert sla_of(site, "a")["first_response"]["at"] == utc("2026-11-10 03:20")
    text = site.text("incidents/a.html", "//section[@class='sla']")
    assert (
        "We aim to resolve it within 4 hours. We resolved it 4 h 30 min after the incident "
        "began: on time"
    ) in text
    assert (
        "The incident was reopened after a resolution: its resolution time leaves out the 1 h "
        "it stood resolved."
    ) in text
    assert timeline_heads(site, "a") == [
        "Resolved",
        "Identified · Reopened",
        "Resolved",
        "Investigating",
    ]
    facts = site.text("incidents/a.html", "//dl[@class='facts']")
    # It stood open 3 h 30 min of the 4 h 30 min from its start to its last resolution.
    assert "Resolved 10 Nov 2026, 07:30 Duration 3 h 30 min" in facts
    api = api_incident(site, "a")
    assert (api["status"], api["resolved_at"]) == ("resolved", "2026-11-10T07:30:00.000-03:00")


# P2 (major) of seed 003: resolution within 2bd, two 9-hour business days (Mon-Fri 09:00-18:00).
# Opened Monday 23 November 10:00: 8 h on Monday, 9 h on Tuesday, the 18th at Wednesday 10:00.
# Resolved Monday 16:00 and reopened Tuesday 11:00: 2 h + 2 h of working time resolved, so due
# Wednesday 14:00. Open Monday 10-16 (6 h), Tuesday 11-18 (7 h), Wednesday from 09:00.
REOPENED_BUSINESS = """\
{last}## Investigating 2026-11-24 11:00
The errors are back.

## Resolved 2026-11-23 16:00
Fixed.

## Investigating 2026-11-23 10:00
Looking.
"""


@pytest.mark.parametrize(
    ("last", "now", "expected"),
    [
        # Resolved again Wednesday 13:00: 6 + 7 + 4 = 17 h open, an hour before the due time.
        (
            "## Resolved 2026-11-25 13:00\nFixed for good.\n\n",
            "2026-11-27 12:00",
            {
                "due_at": utc("2026-11-25 14:00"),
                "at": utc("2026-11-25 13:00"),
                "state": "met",
                "elapsed": 17 * 3600,
                "remaining": None,
                "overrun": None,
                "late": None,
            },
        ),
        # Still open at Wednesday 12:00: 16 h spent, 2 h left.
        (
            "",
            "2026-11-25 12:00",
            {
                "due_at": utc("2026-11-25 14:00"),
                "at": None,
                "state": "running",
                "elapsed": 16 * 3600,
                "remaining": 2 * 3600,
                "overrun": None,
                "late": None,
            },
        ),
        # Still open at Wednesday 15:00: an hour past the pushed-back due time.
        (
            "",
            "2026-11-25 15:00",
            {
                "due_at": utc("2026-11-25 14:00"),
                "at": None,
                "state": "breached",
                "elapsed": 19 * 3600,
                "remaining": None,
                "overrun": 3600,
                "late": 3600,
            },
        ),
    ],
)
def test_on_business_hours_the_resolved_working_time_is_left_out(
    make_project: MakeProject, build_site: Build, last: str, now: str, expected: dict[str, Any]
) -> None:
    body = REOPENED_BUSINESS.format(last=last)
    files = {"incidents/a.md": opened("2026-11-23 10:00", body=body)}
    site = build_site(
        project_with(make_project, SEED_003, files),
        now=datetime.fromisoformat(now).replace(tzinfo=TZ),
    )
    resolution = sla_of(site, "a")["resolution"]
    assert resolution == expected | {
        "target": "2bd",
        "set_by": "policy",
        "policy": "default P2",
        "tier": "default",
        "calendar": "business",
        "clock_start": utc("2026-11-23 10:00"),
        "excluded": 4 * 3600,
    }
    text = site.text("incidents/a.html", "//section[@class='sla']")
    assert ("its resolution time leaves out the 4 h of working time it stood resolved.") in text
    api = api_incident(site, "a")
    if last:
        assert (api["status"], api["resolved_at"]) == ("resolved", "2026-11-25T13:00:00.000-03:00")
    else:
        # Open again: on the home page, no resolution time, and its page says so.
        assert (api["status"], api["resolved_at"]) == ("investigating", None)
        assert "The errors are back." in site.text("index.html")
        assert "Investigating · Reopened" in timeline_heads(site, "a")


def test_a_resolution_missed_in_time_spent_open_is_breached(
    make_project: MakeProject, build_site: Build
) -> None:
    # Opened Monday 23 November 10:00, resolved at 12:00, reopened Thursday 10:00 after the
    # Wednesday 10:00 due time: the 25 working hours resolved (Monday 6, Tuesday 9, Wednesday 9,
    # Thursday 1) push it to Friday 17:00. Resolved Friday 17:30: 2 h + 16 h 30 min open.
    body = (
        "## Resolved 2026-11-27 17:30\nDone.\n\n## Investigating 2026-11-26 10:00\nBack.\n\n"
        "## Resolved 2026-11-23 12:00\nFixed.\n\n## Investigating 2026-11-23 10:00\nLooking.\n"
    )
    files = {"incidents/a.md": opened("2026-11-23 10:00", body=body)}
    site = build_site(
        project_with(make_project, SEED_003, files), now=datetime(2026, 11, 30, 12, tzinfo=TZ)
    )
    resolution = sla_of(site, "a")["resolution"]
    assert (resolution["due_at"], resolution["state"]) == (utc("2026-11-27 17:00"), "breached")
    assert (resolution["overrun"], resolution["late"]) == (1800, 1800)
    assert (resolution["elapsed"], resolution["excluded"]) == (18 * 3600 + 1800, 25 * 3600)


# Resolved 06:00, reopened 06:30, then a postmortem at 07:30 without a new resolution.
REOPENED_POSTMORTEM = reopened_on_the_10th("Postmortem 07:30", back="06:30", fixed="06:00")


def test_a_postmortem_after_a_reopening_resolves_it_at_its_own_time(
    make_project: MakeProject, build_site: Build
) -> None:
    site, resolution = on_the_10th(make_project, build_site, REOPENED_POSTMORTEM)
    # Due 07:00 pushed back by the half hour resolved: 07:30, the postmortem's time: met. The
    # old resolution (06:00) does not come back.
    assert (resolution["at"], resolution["due_at"]) == (utc("2026-11-10 07:30"),) * 2
    assert (resolution["state"], resolution["excluded"]) == ("met", 1800)
    api = api_incident(site, "a")
    assert (api["status"], api["resolved_at"]) == ("postmortem", "2026-11-10T07:30:00.000-03:00")
    # db stood in a major outage 03:00-06:00 and 06:30-07:30: 4 h of the day, not 4 h 30 min.
    row = site.text("components/db.html", "//tr[@id='day-2026-11-10']").split()
    assert row[3] == "83.33%"


def test_a_postmortem_after_a_resolution_keeps_its_time(
    make_project: MakeProject, build_site: Build
) -> None:
    body = (
        "## Postmortem 2026-11-12 10:00\nWhat happened.\n\n"
        "## Resolved 2026-11-10 06:00\nFixed.\n\n## Investigating 2026-11-10 03:20\nLooking.\n"
    )
    site = built(make_project, build_site, "2026-11-10 03:00", body)
    resolution = sla_of(site, "a")["resolution"]
    assert (resolution["at"], resolution["excluded"]) == (utc("2026-11-10 06:00"), 0)
    assert api_incident(site, "a")["resolved_at"] == "2026-11-10T06:00:00.000-03:00"
    assert "Reopened" not in " ".join(timeline_heads(site, "a"))
    assert "reopened" not in site.text("incidents/a.html", "//section[@class='sla']")


def test_availability_counts_the_reopened_time_not_the_resolved_days(
    make_project: MakeProject, build_site: Build
) -> None:
    # Resolved Monday 23 November 12:00, reopened Wednesday 25 06:00 until 12:00: Monday has
    # 2 h of outage (10:00-12:00), Tuesday none, Wednesday 6 h.
    body = (
        "## Resolved 2026-11-25 12:00\nDone.\n\n## Investigating 2026-11-25 06:00\nBack.\n\n"
        "## Resolved 2026-11-23 12:00\nFixed.\n\n## Investigating 2026-11-23 10:00\nLooking.\n"
    )
    site = built(make_project, build_site, "2026-11-23 10:00", body, now="2026-11-27 12:00")
    page = site.page("components/db.html")

    def row(day: str) -> list[str]:
        return site.text("components/db.html", f"//tr[@id='day-{day}']").split()

    assert row("2026-11-23")[3] == "91.66%"  # 22 h of 24, rounded down
    assert row("2026-11-25")[3] == "75.00%"
    # Tuesday it stood resolved all day: no outage, and the incident is not among its events.
    assert page.xpath("//tr[@id='day-2026-11-24']") == []
    assert len(page.xpath("//tr[@id='day-2026-11-25']//a")) == 1
    # Over the 90 days up to Friday 12:00 (89 x 24 h + 12 h = 2,148 h), 8 h of outage:
    # 99.627 %, shown rounded down.
    total = site.text("components/db.html", "//span[@class='uptime-total']")
    assert total == "99.62% uptime"


def test_a_reopened_incident_kept_from_the_last_build_reads_as_worked_out_anew(
    make_project: MakeProject, tmp_path: Path
) -> None:
    # A closed incident's annotation is kept for the next build: the time it stood resolved
    # must come back with it.
    files = {"incidents/a.md": opened("2026-11-10 03:00", impact="critical", body=REOPENED_24X7)}
    project = project_with(make_project, SEED_003, files)
    build(project, tmp_path / "first", now=datetime(2026, 11, 20, 12, tzinfo=TZ))
    # Into another folder: every page is drawn again, from the annotations kept.
    build(project, tmp_path / "warm", now=datetime(2026, 11, 21, 12, tzinfo=TZ))
    build(project, tmp_path / "cold", now=datetime(2026, 11, 21, 12, tzinfo=TZ), use_cache=False)
    assert site_files(tmp_path / "warm") == site_files(tmp_path / "cold")
    month = json.loads((tmp_path / "warm/api/sla/2026-11.json").read_text())
    assert month["incidents"]["a"]["resolution"]["excluded"] == 3600


def site_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("language", "head", "sentence"),
    [
        (
            "pt-BR",
            "Identificado · Reaberto",
            "O incidente foi reaberto depois de resolvido: o tempo de resolução desconta 1 h em "
            "que ficou resolvido.",
        ),
        (
            "es",
            "Identificado · Reabierto",
            "El incidente se reabrió después de resuelto: el tiempo de resolución descuenta 1 h "
            "en que estuvo resuelto.",
        ),
    ],
)
def test_the_reopening_reads_in_the_site_s_language(
    make_project: MakeProject, build_site: Build, language: str, head: str, sentence: str
) -> None:
    files = {"incidents/a.md": opened("2026-11-10 03:00", impact="critical", body=REOPENED_24X7)}
    components = COMPONENTS.replace(
        "  timezone: America/Sao_Paulo\n",
        f"  timezone: America/Sao_Paulo\n  language: {language}\n",
    )
    site = build_site(make_project(files, components=components + SEED_003))
    assert timeline_heads(site, "a")[1] == head
    assert sentence in site.text("incidents/a.html", "//section[@class='sla']")


def test_where_only_outcomes_are_published_the_reopening_is_still_told(
    make_project: MakeProject, build_site: Build
) -> None:
    files = {"incidents/a.md": opened("2026-11-10 03:00", impact="critical", body=REOPENED_24X7)}
    site = build_site(project_with(make_project, SEED_003 + "sla:\n  public: summary\n", files))
    text = site.text("incidents/a.html", "//section[@class='sla']")
    assert (
        "Resolution: on time (reopened after a resolution; the time it stood resolved is not "
        "counted)"
    ) in text
    assert "1 h" not in text  # no times where only outcomes are published
    assert sla_of(site, "a") == {"first_response": {"state": "met"}, "resolution": {"state": "met"}}
