"""Service levels as customers read them: plain sentences built from the configuration, and a
site's choice of how much of them to publish (`sla.public`), read back from real builds."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import html

from statusgen.build import build
from statusgen.cli import main
from statusgen.engine.store import CACHE_DIR
from statusgen.errors import BuildFailed
from statusgen.load import load_site
from statusgen.load.holidays import subdivision_name
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]
R = "\N{EN DASH}"  # between the ends of a range of days or hours

SLA = """
calendars:
  business:
    {label: business hours, days: [mon, tue, wed, thu, fri], hours: ["09:00-18:00"],
     holidays: {country: BR, subdivision: SP}}
priorities:
  default: {critical: P1, major: P2, minor: P2, none: P2}
policies:
  core:
    P1: {label: Critical support, first_response: 2h, resolution: 8h, calendar: 24x7}
    P2: {label: Standard support, first_response: 4h, resolution: 16h, calendar: business}
    maintenance:
      label: Planned work
      notice: 2bd
      calendar: business
      windows: ["sat-sun 00:00-06:00"]
  default:
    P2: {first_response: 4h, resolution: 16h, calendar: business}
"""

# Sunday 22 November 2026, noon in São Paulo.
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=TZ)

FILES = {
    # Monday 16 November: answered after 18 minutes, resolved after 5 hours (P2, core).
    "incidents/answered.md": incident(
        "title: Answered\nimpact: major\ncomponents: [api]\nstarted: 2026-11-16 10:00",
        "## Resolved 2026-11-16 15:00\nFixed.\n\n## Investigating 2026-11-16 10:18\nLooking.\n",
    ),
    # Saturday night: answered at once, but the clock only starts on Monday at 09:00.
    "incidents/weekend.md": incident(
        "title: Weekend\nimpact: major\ncomponents: [api]\nstarted: 2026-11-21 21:40",
        "## Investigating 2026-11-21 22:52\nLooking.\n",
    ),
    # Tuesday 3 November, still open: the resolution was due Wednesday 4 November at 17:00.
    "incidents/overdue.md": incident(
        "title: Overdue\nimpact: major\ncomponents: [api]\nstarted: 2026-11-03 10:00",
        "## Investigating 2026-11-03 10:05\nLooking.\n",
    ),
    # P1 on a 24x7 clock, with a postmortem.
    "incidents/outage.md": incident(
        "title: Outage\nimpact: critical\ncomponents: [api]\nstarted: 2026-11-10 03:00",
        "## Postmortem 2026-11-12 10:00\nA full account of the outage.\n\n"
        "## Resolved 2026-11-10 05:00\nFixed.\n\n## Investigating 2026-11-10 03:10\nLooking.\n",
    ),
    # A tier without a label of its own: the default tier's policy.
    "incidents/plain.md": incident(
        "title: Plain\nimpact: major\ncomponents: [db]\nstarted: 2026-11-16 10:00",
        "## Resolved 2026-11-16 11:00\nFixed.\n\n## Investigating 2026-11-16 10:30\nLooking.\n",
    ),
    # Announced on Monday for the next Saturday night.
    "incidents/upgrade.md": incident(
        "type: maintenance\ntitle: Upgrade\ncomponents: [api]\n"
        "scheduled_start: 2026-11-28 01:00\nscheduled_end: 2026-11-28 03:00",
        "## Scheduled 2026-11-16 10:00\nPlanned.\n",
    ),
}


def project(make_project: MakeProject, extra: str = "", files: dict[str, str] = FILES) -> Path:
    return make_project(dict(files), components=COMPONENTS + SLA + extra)


def panel(site: BuiltSite, incident_id: str) -> str:
    return site.text(f"incidents/{incident_id}.html", "//section[@class='sla']")


def timeline_marks(site: BuiltSite, incident_id: str) -> list[str]:
    marks = site.page(f"incidents/{incident_id}.html").xpath(
        "//ol[@class='timeline']/li[contains(@class, 'sla-mark')]"
    )
    return [" ".join(mark.text_content().split()) for mark in marks]


def feed_texts(site: BuiltSite, path: str = "history.atom") -> list[str]:
    entries = feedparser.parse(str(site.out / path)).entries
    # Atom entries hold their HTML as content, RSS items as the description.
    bodies = [e.content[0].value if "content" in e else e.description for e in entries]
    return [" ".join(html.fromstring(body).text_content().split()) for body in bodies]


def api_objects(out: Path) -> Iterator[dict[str, Any]]:
    """Every incident and maintenance object of the Statuspage API."""
    for path in sorted((out / "api/v2").rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for key in ("incidents", "scheduled_maintenances"):
            yield from data.get(key, [])


def test_what_was_promised_and_what_happened_read_as_sentences(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(project(make_project), now=NOW)
    text = panel(site, "answered")
    assert text.startswith("Service level Priority P2, under the policy “Standard support”.")
    assert (
        "We aim to respond within 4 working hours. "
        "We responded 18 min after the incident began (18 min of working time): on time "
        f"The clock runs in business hours (Mon{R}Fri 09:00{R}18:00, public holidays in Brazil (São Paulo) "
        "excluded)."
    ) in text
    assert (
        "We aim to resolve it within 16 working hours. "
        "We resolved it 5 h after the incident began (5 h of working time): on time"
    ) in text
    # Configuration ids and duration codes stay out of the customer's sight.
    for jargon in ("core", "4h", "16h", "(business)", "24x7"):
        assert jargon not in text
    # A 24x7 target says so plainly.
    outage = panel(site, "outage")
    assert "under the policy “Critical support”" in outage
    assert (
        "We aim to respond within 2 hours. We responded 10 min after the incident began: on time"
    ) in outage
    assert outage.count("The clock runs around the clock, every day of the year.") == 2


def test_a_clock_not_started_says_when_it_starts_and_future_deadlines_stay_out_of_the_timeline(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(project(make_project), now=NOW)
    text = panel(site, "weekend")
    assert "We responded before the clock started: on time" in text
    assert (
        "Resolution target: by Tue 24 Nov, 16:00: clock not started yet "
        f"The clock runs in business hours (Mon{R}Fri 09:00{R}18:00, public holidays in Brazil (São Paulo) "
        "excluded) and starts Mon 23 Nov, 09:00."
    ) in text
    assert "running" not in text and "in progress" not in text
    states = site.page("incidents/weekend.html").xpath(
        "//section[@class='sla']//span[starts-with(@class, 'sla-state ')]/@class"
    )
    assert states == ["sla-state sla-state-met", "sla-state sla-state-waiting"]
    # Both deadlines are still to come (Monday 13:00, Tuesday 16:00): not in what happened.
    assert timeline_marks(site, "weekend") == []
    sla = json.loads((site.out / "api/sla.json").read_text())["incidents"]["weekend"]
    assert sla["resolution"]["state"] == "waiting"
    assert sla["resolution"]["clock_start"] == "2026-11-23T12:00:00Z"
    # The feed tells the state as it stood when the update was posted.
    [entry] = [t for t in feed_texts(site) if t.startswith("Looking.") and "Tue 24 Nov" in t]
    assert "Resolution (within 16 working hours, by Tue 24 Nov, 16:00 UTC-03:00): " in entry
    assert entry.endswith("clock not started yet.")
    # Once Monday comes, the clock runs.
    monday = build_site(
        project(make_project), now=datetime(2026, 11, 23, 10, 0, tzinfo=TZ), out=site.out / "m"
    )
    assert "in progress, 15 h of working time left" in panel(monday, "weekend")
    assert "the incident began outside them, so it started Mon 23 Nov, 09:00" in panel(
        monday, "weekend"
    )


def test_an_overrun_is_told_in_calendar_time_and_in_working_time(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(
        project(make_project), now=datetime(2026, 11, 12, 17, 0, tzinfo=TZ)
    )  # Thursday
    text = panel(site, "overdue")
    # Due Wednesday 4 November at 17:00; eight days later: 1 h that Wednesday, 9 h on each of
    # the five working days between, and 8 h on Thursday 12 November.
    assert ("Resolution target: by Wed 4 Nov, 17:00: 8 d late (54 h of working time)") in text
    # A deadline that has passed is part of what happened.
    assert timeline_marks(site, "overdue")[0] == (
        "Resolution deadline · 4 Nov 2026, 17:00 · 8 d late (54 h of working time)"
    )
    sla = json.loads((site.out / "api/sla.json").read_text())["incidents"]["overdue"]
    assert (sla["resolution"]["late"], sla["resolution"]["overrun"]) == (8 * 86400, 54 * 3600)


def test_labels_name_policies_and_calendars_and_without_them_words_do(
    make_project: MakeProject, build_site: Build
) -> None:
    bare = SLA.replace("{label: business hours, ", "{")
    site = build_site(make_project(dict(FILES), components=COMPONENTS + bare), now=NOW)
    text = panel(site, "plain")
    assert "Priority P2, under the policy “Default”." in text
    assert f"The clock runs in working hours (Mon{R}Fri 09:00{R}18:00" in text
    report = site.page("sla/index.html")
    rows = [r.xpath("string(th)") for r in report.xpath("//table[@class='sla-report']/tbody/tr")]
    assert "Standard support" in rows and "Default" in rows and "Critical support" in rows
    assert "core" not in rows and "default" not in rows


def test_a_calendar_is_described_from_its_configuration(
    make_project: MakeProject, build_site: Build
) -> None:
    lisbon = """
calendars:
  office:
    label: office hours
    timezone: Europe/Lisbon
    days: [mon, tue, wed, thu, fri, sat]
    hours: ["09:00-12:00", "13:00-18:00"]
    holidays: {country: PT}
    extra_dates:
      2026-12-24: "09:00-13:00"
      2026-12-31: closed
priorities:
  default: {critical: P2, major: P2, minor: P2, none: P2}
policies:
  default:
    P2: {first_response: 1h30m, resolution: 2bd, calendar: office}
    maintenance: {notice: 7d, windows: ["fri-mon 22:00-24:00"]}
"""
    files = {"incidents/answered.md": FILES["incidents/answered.md"]}
    site = build_site(make_project(files, components=COMPONENTS + lisbon), now=NOW)
    text = panel(site, "answered")
    assert "We aim to respond within 1 h 30 min of working time." in text
    assert "We aim to resolve it within 2 business days." in text
    assert (
        f"The clock runs in office hours (Mon{R}Sat 09:00{R}12:00 and 13:00{R}18:00, public holidays in "
        f"Portugal excluded, other hours on 24 Dec 2026 (09:00{R}13:00) and 31 Dec 2026 (closed), "
        "Europe/Lisbon time)."
    ) in text
    upgrade = incident(
        "type: maintenance\ntitle: Upgrade\ncomponents: [api]\n"
        "scheduled_start: 2026-11-28 01:00\nscheduled_end: 2026-11-28 03:00",
        "## Scheduled 2026-11-16 10:00\nPlanned.\n",
    )
    site = build_site(
        make_project({"incidents/upgrade.md": upgrade}, components=COMPONENTS + lisbon),
        now=NOW,
        out=site.out.parent / "maintenance",
    )
    text = panel(site, "upgrade")
    assert "We announce maintenance at least 7 days ahead." in text
    assert f"We carry out maintenance only Fri{R}Mon 22:00{R}24:00." in text
    portuguese = COMPONENTS.replace(
        "timezone: America/Sao_Paulo", "timezone: America/Sao_Paulo\n  language: pt-BR"
    )
    site = build_site(
        make_project(files, components=portuguese + lisbon),
        now=NOW,
        out=site.out.parent / "portuguese",
    )
    assert "31 dez. 2026 (fechado)" in panel(site, "answered")


def test_the_calendar_words_are_in_the_sites_language(
    make_project: MakeProject, build_site: Build
) -> None:
    components = COMPONENTS.replace(
        "timezone: America/Sao_Paulo", "timezone: America/Sao_Paulo\n  language: pt-BR"
    )
    site = build_site(make_project(dict(FILES), components=components + SLA), now=NOW)
    text = panel(site, "weekend")
    assert f"seg.{R}sex. 09:00{R}18:00" in text
    assert "exceto feriados oficiais: Brasil (São Paulo)" in text  # not "de Brasil"
    assert "ter. 24 nov., 16:00" in text


def test_upcoming_maintenance_starts_and_ends_and_past_maintenance_started_and_ended(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(project(make_project), now=NOW)
    facts = site.page("incidents/upgrade.html").xpath("//dl[@class='facts']/dt/text()")
    assert facts[1:] == ["Starts", "Ends"]
    after = build_site(
        project(make_project), now=datetime(2026, 11, 29, 12, 0, tzinfo=TZ), out=site.out / "a"
    )
    facts = after.page("incidents/upgrade.html").xpath("//dl[@class='facts']/dt/text()")
    assert facts[1:3] == ["Started", "Ended"]
    text = site.text("incidents/upgrade.html", "//main")
    assert "planned" not in text
    policy = panel(site, "upgrade")
    assert policy.startswith("Maintenance policy Under the policy “Planned work”.")
    # From Monday 16 November, 10:00, to the start: 8 h that day, 9 h on each of the next
    # three, none on Friday 20 November (a holiday in São Paulo), then 5 x 9 h: 80 h.
    assert (
        "We announce maintenance at least 2 business days ahead. This one was announced "
        "Mon 16 Nov, 10:00, 80 h of working time ahead: kept"
    ) in policy
    assert (
        f"We carry out maintenance only Sat{R}Sun 00:00{R}06:00. This maintenance's hours: kept"
    ) in policy


def test_a_postmortem_is_a_section_of_its_own(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(project(make_project), now=NOW)
    page = site.page("incidents/outage.html")
    [section] = page.xpath("//section[@class='postmortem']")
    assert section.xpath("string(h2)") == "Postmortem"
    assert "A full account of the outage." in section.text_content()
    statuses = page.xpath("//ol[@class='timeline']/li[contains(@class, 'update')]/h3")
    assert [" ".join(h.text_content().split()) for h in statuses] == ["Resolved", "Investigating"]
    # The feed's link to the postmortem still lands on it.
    links = [e.link for e in feedparser.parse(str(site.out / "history.atom")).entries]
    [postmortem] = [link for link in links if "outage" in link and "postmortem" in link]
    assert section.xpath("div/@id") == [postmortem.split("#")[1]]


SUMMARY = "\nsla:\n  public: summary\n"
NONE = "\nsla:\n  public: none\n"


def test_a_summary_tells_outcomes_without_internals(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(project(make_project, SUMMARY), now=NOW)
    assert panel(site, "weekend") == "Service level First response: on time Resolution: in progress"
    assert panel(site, "answered") == "Service level First response: on time Resolution: on time"
    rules = site.page("incidents/upgrade.html").xpath("//section[@class='sla']//li")
    assert [" ".join(li.text_content().split()) for li in rules] == [
        "Advance notice: kept",
        "Maintenance hours: kept",
    ]
    internals = ("P2", "Priority", "Standard support", "working", f"Mon{R}Fri", "clock", "target")
    for incident_id in ("answered", "weekend", "overdue", "outage", "upgrade"):
        page = site.text(f"incidents/{incident_id}.html")
        assert not [word for word in internals if word in page], incident_id
        assert timeline_marks(site, incident_id) == []
    for entry in feed_texts(site) + feed_texts(site, "components/api.atom"):
        assert not [word for word in internals if word in entry]
    weekend = [t for t in feed_texts(site) if "Resolution" in t]
    assert weekend[0].endswith("Service level: First response: on time; Resolution: in progress.")
    # The API tells only states; a clock not started is running.
    objects = {o["id"]: o for o in api_objects(site.out)}
    assert objects["weekend"]["sla"] == {
        "first_response": {"state": "met"},
        "resolution": {"state": "running"},
    }
    assert objects["upgrade"]["maintenance_policy"] == {
        "notice": {"met": True},
        "window": {"met": True},
        "work": None,  # not begun
        "honoured": True,
    }
    index = json.loads((site.out / "api/sla.json").read_text())
    assert index["incidents"]["overdue"] == {
        "first_response": {"state": "met"},
        "resolution": {"state": "breached"},
    }
    assert index["maintenance"]["upgrade"] == objects["upgrade"]["maintenance_policy"]
    # The report counts outcomes per month, without policies, priorities or times.
    report = site.page("sla/index.html")
    assert report.xpath("//table[@class='sla-report']//th/text()") == [
        "Incidents",
        "First responses on time",
        "Resolutions on time",
    ]
    november = [
        " ".join(td.text_content().split())
        for td in report.xpath("//section[1]//table[@class='sla-report']/tbody/tr/td")
    ]
    # Resolved on time: answered, outage, plain; late: overdue; in progress: weekend.
    assert november == ["5", "5 of 5", "3 of 4 (1 in progress)"]
    assert "P2" not in site.text("sla/index.html")


def test_none_publishes_nothing_about_service_levels(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(project(make_project, NONE), now=NOW)
    assert not (site.out / "sla/index.html").exists()
    assert not (site.out / "api/sla.json").exists()
    for page in sorted(site.out.rglob("*.html")):
        tree = site.page(page.relative_to(site.out).as_posix())
        assert tree.xpath("//section[@class='sla']") == [], page
        assert tree.xpath("//a[contains(@href, 'sla/')]") == [], page
        assert tree.xpath("//li[contains(@class, 'sla-mark')]") == [], page
    for feed in ("history.atom", "history.rss", "components/api.atom"):
        assert not [t for t in feed_texts(site, feed) if "Service level" in t]
    items = json.loads((site.out / "feed.json").read_text())["items"]
    assert items and not [i for i in items if "Service level" in i["content_html"]]
    objects = list(api_objects(site.out))
    assert objects
    assert not [o for o in objects if "sla" in o or "maintenance_policy" in o]
    # The content is still there: only the service levels are left out.
    assert "A full account of the outage." in site.text("incidents/outage.html")


@pytest.mark.parametrize(
    ("extra", "below", "expected"),
    [
        (
            "\nsla:\n  public: everything\n",
            3,
            "unknown sla.public 'everything' (allowed: full, summary, none)",
        ),
        ("\nsla: summary\n", 2, "'sla' must be a mapping such as {public: full}"),
        ("\nsla:\n  publish: none\n", 3, "unknown sla key 'publish' (did you mean 'public'?)"),
    ],
)
def test_a_bad_sla_setting_is_an_error_with_its_line(
    make_project: MakeProject, extra: str, below: int, expected: str
) -> None:
    given = project(make_project, extra)
    line = len((COMPONENTS + SLA).splitlines()) + below
    with pytest.raises(BuildFailed) as failed:
        load_site(given)
    assert [str(e) for e in failed.value.errors] == [f"components.yaml:{line}: {expected}"]


def test_an_empty_label_is_an_error(make_project: MakeProject) -> None:
    given = make_project(
        dict(FILES), components=COMPONENTS + SLA.replace("label: Planned work", "label: ''")
    )
    with pytest.raises(BuildFailed) as failed:
        load_site(given)
    line = (COMPONENTS + SLA).splitlines().index("      label: Planned work") + 1
    assert [str(e) for e in failed.value.errors] == [
        f"components.yaml:{line}: 'label' must not be empty"
    ]


def files_of(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@pytest.mark.parametrize(("before", "after"), [("", SUMMARY), (SUMMARY, NONE), (NONE, "")])
def test_a_cached_build_after_a_change_of_level_writes_the_bytes_of_a_cold_one(
    tmp_path: Path, before: str, after: str
) -> None:
    def make(name: str, extra: str) -> Path:
        root = tmp_path / name
        for rel, text in {**FILES, "components.yaml": COMPONENTS + SLA + extra}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        return root

    warm = make("warm", before)
    build(warm, warm / "site", now=NOW)
    (warm / "components.yaml").write_text(COMPONENTS + SLA + after, encoding="utf-8")
    build(warm, warm / "site", now=NOW)
    cold = make("cold", after)
    build(cold, cold / "site", now=NOW, use_cache=False)
    assert not (cold / CACHE_DIR).exists()
    assert files_of(warm / "site") == files_of(cold / "site")


def test_a_closed_incident_page_stays_the_same_when_its_deadlines_pass(
    tmp_path: Path, make_project: MakeProject
) -> None:
    # "answered" was resolved on Monday 16 November at 15:00, before its resolution was due on
    # Tuesday at 17:00: rebuilt after that, its page is the same, cached or cold.
    given = project(make_project)
    monday = datetime(2026, 11, 16, 16, 0, tzinfo=TZ)
    build(given, tmp_path / "site", now=monday)
    before = (tmp_path / "site/incidents/answered.html").read_bytes()
    build(given, tmp_path / "site", now=NOW)
    cold = tmp_path / "cold"
    build(given, cold, now=NOW, use_cache=False)
    after = (tmp_path / "site/incidents/answered.html").read_bytes()
    assert after == before == (cold / "incidents/answered.html").read_bytes()
    assert files_of(tmp_path / "site") == files_of(cold)


def in_language(language: str) -> str:
    return COMPONENTS.replace(
        "timezone: America/Sao_Paulo", f"timezone: America/Sao_Paulo\n  language: {language}"
    )


# Tuesday 24 November: a P1 outage on the 24x7 clock, its resolution due at 16:00.
DOWN = incident(
    "title: Down\nimpact: critical\ncomponents: [api]\nstarted: 2026-11-24 08:00",
    "## Investigating 2026-11-24 08:05\nLooking.\n",
)


@pytest.mark.parametrize(
    ("language", "one_left", "more_left"),
    [
        (
            "pt-BR",
            ("em andamento, falta 1 h", "em andamento, falta 1 h útil"),
            ("em andamento, faltam 1 h 20 min", "em andamento, faltam 1 h 20 min úteis"),
        ),
        (
            "es",
            ("en curso, queda 1 h", "en curso, queda 1 h hábil"),
            ("en curso, quedan 1 h 20 min", "en curso, quedan 1 h 20 min hábiles"),
        ),
    ],
)
def test_the_time_left_agrees_with_its_number(
    make_project: MakeProject,
    build_site: Build,
    language: str,
    one_left: tuple[str, str],
    more_left: tuple[str, str],
) -> None:
    files = {"incidents/weekend.md": FILES["incidents/weekend.md"], "incidents/down.md": DOWN}
    given = make_project(files, components=in_language(language) + SLA)
    # Both resolutions fall due at 16:00: the outage's on the 24x7 clock, the weekend's after
    # 16 working hours from Monday 09:00.
    for now, (wall_clock, working) in [
        (datetime(2026, 11, 24, 15, 0, tzinfo=TZ), one_left),
        (datetime(2026, 11, 24, 14, 40, tzinfo=TZ), more_left),
    ]:
        site = build_site(given, now=now, out=given / f"site-{now:%H%M}")
        [down] = [words for state, words in deadline_badges(site, "down") if state == "running"]
        [weekend] = [
            words for state, words in deadline_badges(site, "weekend") if state == "running"
        ]
        assert (down, weekend) == (wall_clock, working)
    monday = build_site(given, now=datetime(2026, 11, 23, 10, 0, tzinfo=TZ), out=given / "m")
    plural = {"pt-BR": "em andamento, faltam 15 h úteis", "es": "en curso, quedan 15 h hábiles"}
    assert ("running", plural[language]) in deadline_badges(monday, "weekend")


def deadline_badges(site: BuiltSite, incident_id: str) -> list[tuple[str, str]]:
    """The state and the words of each deadline in the incident's SLA panel."""
    spans = site.page(f"incidents/{incident_id}.html").xpath(
        "//section[@class='sla']//span[starts-with(@class, 'sla-state ')]"
    )
    return [
        (span.get("class").split("-")[-1], " ".join(span.text_content().split())) for span in spans
    ]


BARE = SLA.replace("{label: business hours, ", "{").replace("      label: Planned work\n", "")


@pytest.mark.parametrize(("language", "generic"), [("pt-BR", "Padrão"), ("es", "Estándar")])
def test_the_default_tiers_policy_without_a_label_is_named_in_the_sites_language(
    make_project: MakeProject, build_site: Build, language: str, generic: str
) -> None:
    maintenance = "    maintenance: {notice: 48h}\n"
    backup = incident(
        "type: maintenance\ntitle: Backup\ncomponents: [web]\n"
        "scheduled_start: 2026-11-28 01:00\nscheduled_end: 2026-11-28 03:00",
        "## Scheduled 2026-11-16 10:00\nPlanned.\n",
    )
    files = {**FILES, "incidents/backup.md": backup}
    given = make_project(files, components=in_language(language) + BARE + maintenance)
    site = build_site(given, now=NOW)
    assert f"“{generic}”" in panel(site, "plain")
    assert f"“{generic}”" in panel(site, "backup")
    report = site.page("sla/index.html")
    rows = [r.xpath("string(th)") for r in report.xpath("//table[@class='sla-report']/tbody/tr")]
    assert generic in rows and "Standard support" in rows
    # A tier the team named reads as its id in words; the default tier's never as "Default".
    assert "“Core”" in panel(site, "upgrade")
    for page in sorted(site.out.rglob("*.html")):
        assert "Default" not in page.read_text(encoding="utf-8"), page
    assert not [t for t in feed_texts(site) if "Default" in t]


def label_warnings(capsys: pytest.CaptureFixture[str], given: Path, *options: str) -> list[str]:
    assert main(["-C", str(given), "check", *options]) == 0
    captured = capsys.readouterr()
    lines = captured.err.splitlines() + captured.out.splitlines()
    return [line for line in lines if "has no 'label'" in line]


def test_check_warns_of_each_policy_and_calendar_without_a_label_on_a_translated_site(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    components = in_language("pt-BR") + BARE
    lines = components.splitlines()

    def line_of(text: str) -> int:
        return next(n for n, line in enumerate(lines, 1) if line.lstrip().startswith(text))

    given = make_project(dict(FILES), components=components)
    assert label_warnings(capsys, given) == [
        f"components.yaml:{line_of('business:')}: warning: calendar 'business' has no 'label', "
        "so pages call it by a generic name, 'working hours' in the site's language; give it a "
        "label in the site's language (pt-BR)",
        f"components.yaml:{line_of('maintenance:')}: warning: policy 'core maintenance' has no "
        "'label', so pages call it 'Core', its tier as words; give it a label in the site's "
        "language (pt-BR)",
        f"components.yaml:{line_of('P2: {first_response')}: warning: policy 'default P2' has no "
        "'label', so pages call it by a generic name, 'Default' in the site's language; give it "
        "a label in the site's language (pt-BR)",
    ]
    github = label_warnings(capsys, given, "--format", "github")
    assert github[0] == (
        f"::warning file={os.path.relpath(given / 'components.yaml')},line={line_of('business:')}"
        "::calendar 'business' has no 'label', so pages call it by a generic name, "
        "'working hours' in the site's language; give it a label in the site's language (pt-BR)"
    )
    # Labelled, in English, or where pages name no policy: nothing to say.
    labelled = in_language("pt-BR") + SLA.replace(
        "  default:\n    P2: {", "  default:\n    P2: {label: Suporte padrão, "
    )
    for components in (labelled, COMPONENTS + BARE, in_language("es") + BARE + SUMMARY):
        given = make_project(dict(FILES), components=components)
        assert label_warnings(capsys, given) == [], components


def test_check_warns_of_each_declared_plan_without_a_label_on_a_translated_site(
    make_project: MakeProject, capsys: pytest.CaptureFixture[str]
) -> None:
    plans = "plans:\n  standard: {label: Padrão}\n  premium: {}\n  internal: {public: false}\n"
    components = in_language("pt-BR") + SLA + plans
    line = components.splitlines().index("  premium: {}") + 1
    given = make_project(dict(FILES), components=components)
    assert [w for w in label_warnings(capsys, given) if "plan" in w] == [
        f"components.yaml:{line}: warning: plan 'premium' has no 'label', so pages call it "
        "'Premium', its id as words; give it a label in the site's language (pt-BR)"
    ]  # the labelled one and the internal one (never shown) are not named


@pytest.mark.parametrize(
    ("language", "holidays", "place"),
    [
        ("pt-BR", "{country: BR, subdivision: SP}", "Brasil (São Paulo)"),
        ("en", "{country: BR, subdivision: sp}", "Brazil (São Paulo)"),
        # The package knows Guadeloupe as "GP" and "GUA" too: its name, not another code.
        ("es", "{country: FR, subdivision: '971'}", "Francia (Guadeloupe)"),
        ("es", "{country: BR}", "Brasil"),
    ],
)
def test_a_holiday_subdivision_is_named(
    make_project: MakeProject, build_site: Build, language: str, holidays: str, place: str
) -> None:
    sla = SLA.replace("{country: BR, subdivision: SP}", holidays)
    files = {"incidents/answered.md": FILES["incidents/answered.md"]}
    site = build_site(make_project(files, components=in_language(language) + sla), now=NOW)
    clock = site.text("incidents/answered.html", "//section[@class='sla']//p[@class='sla-clock']")
    # The whole place: nothing after it but the end of the phrase.
    assert re.search(f" {re.escape(place)}( excluded|[),])", clock), clock


def test_a_subdivision_the_holidays_package_does_not_name_keeps_its_code() -> None:
    aliases = {"Guadeloupe": "971", "GP": "971", "GUA": "971", "MQ": "972"}
    assert subdivision_name(aliases, "971") == "Guadeloupe"
    assert subdivision_name(aliases, "972") is None
    assert subdivision_name(aliases, None) is None


def test_a_subdivision_named_from_the_build_cache_reads_as_in_a_cold_build(
    tmp_path: Path,
) -> None:
    def make(name: str, sla: str) -> Path:
        root = tmp_path / name
        for rel, text in {**FILES, "components.yaml": COMPONENTS + sla}.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8")
        return root

    # The second build takes the holidays, and the subdivision's name, from the cache.
    renamed = SLA.replace("label: business hours", "label: office hours")
    warm = make("warm", SLA)
    build(warm, warm / "site", now=NOW)
    (warm / "components.yaml").write_text(COMPONENTS + renamed, encoding="utf-8")
    build(warm, warm / "site", now=NOW)
    cold = make("cold", renamed)
    build(cold, cold / "site", now=NOW, use_cache=False)
    assert files_of(warm / "site") == files_of(cold / "site")
    page = (warm / "site/incidents/answered.html").read_text(encoding="utf-8")
    assert "office hours" in page and "Brazil (São Paulo)" in page


@pytest.mark.parametrize(
    ("language", "notice", "hours"),
    [
        (
            "pt-BR",
            "Anunciamos as manutenções com pelo menos 2 dias úteis de antecedência.",
            f"Só realizamos manutenções nestes horários: sáb.{R}dom. 00:00{R}06:00 e seg., "
            f"qua. 22:00{R}24:00.",
        ),
        (
            "es",
            "Anunciamos los mantenimientos con al menos 2 días hábiles de anticipación.",
            f"Solo realizamos mantenimientos en este horario: sáb{R}dom 00:00{R}06:00 y lun, "
            f"mié 22:00{R}24:00.",
        ),
    ],
)
def test_maintenance_windows_and_notice_are_worded_in_the_sites_language(
    make_project: MakeProject, build_site: Build, language: str, notice: str, hours: str
) -> None:
    sla = SLA.replace('["sat-sun 00:00-06:00"]', '["sat-sun 00:00-06:00", "mon,wed 22:00-24:00"]')
    site = build_site(make_project(dict(FILES), components=in_language(language) + sla), now=NOW)
    promises = site.page("incidents/upgrade.html").xpath(
        "//section[@class='sla']//p[@class='sla-promise']"
    )
    assert [" ".join(p.text_content().split()) for p in promises] == [notice, hours]


# Announced on Friday 13 November at 17:00 for that night: one working hour of notice.
HURRIED = incident(
    "type: maintenance\ntitle: Hurried\ncomponents: [api]\n"
    "scheduled_start: 2026-11-14 01:00\nscheduled_end: 2026-11-14 02:00",
    "## Scheduled 2026-11-13 17:00\nTonight.\n",
)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "pt-BR",
            [
                "Resolvemos o incidente 1 h após o seu início (1 h útil)",
                "Respondemos 18 min após o início do incidente (18 min úteis)",
                "16 h de atraso (1 h útil)",
                "com 1 h útil de antecedência",
                "com 80 h úteis de antecedência",
            ],
        ),
        (
            "es",
            [
                "Resolvimos el incidente 1 h después de su inicio (1 h hábil)",
                "Respondimos 18 min después del inicio del incidente (18 min hábiles)",
                "16 h de retraso (1 h hábil)",
                "con 1 h hábil de anticipación",
                "con 80 h hábiles de anticipación",
            ],
        ),
    ],
)
def test_working_time_agrees_with_its_number(
    make_project: MakeProject, build_site: Build, language: str, expected: list[str]
) -> None:
    files = {**FILES, "incidents/hurried.md": HURRIED}
    given = make_project(files, components=in_language(language) + SLA)
    site = build_site(given, now=NOW)
    # Overdue since Wednesday 4 November at 17:00: 16 hours, one of working time, on Thursday at
    # 09:00.
    late = build_site(given, now=datetime(2026, 11, 5, 9, 0, tzinfo=TZ), out=given / "late")
    panels = [panel(site, name) for name in ("plain", "answered", "hurried", "upgrade")]
    text = " ".join([*panels, panel(late, "overdue")])
    assert [phrase for phrase in expected if phrase not in text] == []
