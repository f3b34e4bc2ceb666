"""Build real sites and read them as a customer would."""

from __future__ import annotations

import filecmp
import itertools
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import html

from statusgen.build import build
from statusgen.errors import BuildFailed, TemplateFailed
from tests.conftest import COMPONENTS, NOW, TZ, BuiltSite, MakeProject, copy_example, incident

COMPONENTS_PT = COMPONENTS.replace(
    "timezone: America/Sao_Paulo", "timezone: America/Sao_Paulo\n  language: pt-BR"
)

Build = Callable[..., BuiltSite]

OPEN_INCIDENT = incident(
    """
    title: Elevated error rates on the public API
    impact: major
    components:
      api: partial_outage
      web: degraded_performance
    started: 2026-11-22 09:00
    eta: 2026-11-22 11:00
    """,
    """
    ## Monitoring 2026-11-22 11:30
    A fix is deployed; we are watching error rates.

    ## Identified 2026-11-22 10:00
    ETA: 2026-11-22 13:00
    A bad deploy. Rolling back.

    ## Investigating 2026-11-22 09:10
    We are investigating.
    """,
)
RESOLVED_INCIDENT = incident(
    "title: Database slow\nimpact: minor\ncomponents: [db]",
    """
    ## Resolved 2026-11-18 16:30
    All good.

    ## Investigating 2026-11-18 14:00
    Queries are slow.
    """,
)
MAINTENANCE = incident(
    """
    type: maintenance
    title: Database upgrade
    components: [db]
    scheduled_start: 2026-11-25 02:00
    scheduled_end: 2026-11-25 05:00
    """,
    """
    We upgrade the database.

    ## Scheduled 2026-11-20 10:00
    Announced a week ahead.
    """,
)


def component_status(site: BuiltSite, page: str, name: str) -> str:
    (row,) = site.page(page).xpath(f"//ul[@class='components']/li[a[normalize-space()='{name}']]")
    return " ".join(row.xpath(".//span[starts-with(@class, 'status ')]")[0].text_content().split())


def banner(site: BuiltSite) -> str:
    return site.text("index.html", "//section[contains(@class, 'banner')]//h1")


def test_home_page_shows_open_incident_with_eta_and_component_statuses(
    make_project: MakeProject, build_site: Build
) -> None:
    project = make_project(
        {"incidents/api-errors.md": OPEN_INCIDENT, "incidents/db-slow.md": RESOLVED_INCIDENT}
    )
    site = build_site(project, now=datetime(2026, 11, 22, 12, 0, tzinfo=TZ))
    assert banner(site) == "Partial System Outage"
    assert component_status(site, "index.html", "Public API") == "Partial outage"
    assert component_status(site, "index.html", "Web app") == "Degraded performance"
    assert component_status(site, "index.html", "Database") == "Operational"
    (card,) = site.page("index.html").xpath("//article[contains(@class, 'incident-card')]")
    text = " ".join(card.text_content().split())
    assert "Elevated error rates on the public API" in text
    assert "Monitoring" in text and "A fix is deployed" in text  # the latest update
    assert "ongoing for 3 h" in text
    # The ETA of the update wins; the zone is named in the footer, not after the time.
    assert card.xpath("string(.//p[@class='eta'])") == "Estimated resolution: 22 Nov 2026, 13:00"
    # The resolved incident is listed among the past days, not as active.
    recent = site.text("index.html", "//section[@aria-labelledby='recent']")
    assert "Database slow" in recent and "lasted 2 h 30 min" in recent


def test_overdue_eta_is_said(make_project: MakeProject, build_site: Build) -> None:
    project = make_project({"incidents/api-errors.md": OPEN_INCIDENT})
    site = build_site(project, now=datetime(2026, 11, 22, 14, 0, tzinfo=TZ))
    assert "Overdue: estimated resolution was 22 Nov 2026, 13:00" in site.text("index.html")
    facts = site.text("incidents/api-errors.html", "//dl[@class='facts']")
    assert "(overdue: this estimate has passed)" in facts


def test_incident_page_timeline_newest_first_with_anchors(
    make_project: MakeProject, build_site: Build
) -> None:
    project = make_project({"incidents/api-errors.md": OPEN_INCIDENT})
    site = build_site(project)
    page = site.page("incidents/api-errors.html")
    items = page.xpath("//ol[@class='timeline']/li")
    assert [i.xpath("string(h3)").strip() for i in items] == [
        "Monitoring",
        "Identified",
        "Investigating",
    ]
    assert items[0].get("id") == "update-20261122T143000Z-monitoring"
    assert items[0].xpath("string(.//time/@datetime)") == "2026-11-22T14:30:00Z"
    facts = site.text("incidents/api-errors.html", "//dl[@class='facts']")
    assert "Started 22 Nov 2026, 09:00" in facts
    assert "Ongoing for 3 h" in facts
    affected = site.text("incidents/api-errors.html", "//section[@aria-labelledby='affected']")
    assert "Public API: Partial outage" in affected


def test_updates_after_now_are_not_shown_yet(make_project: MakeProject, build_site: Build) -> None:
    project = make_project({"incidents/api-errors.md": OPEN_INCIDENT})
    site = build_site(project, now=datetime(2026, 11, 22, 9, 30, tzinfo=TZ))
    items = site.page("incidents/api-errors.html").xpath("//ol[@class='timeline']/li/h3")
    assert [" ".join(i.text_content().split()) for i in items] == ["Investigating"]
    early = build_site(
        project, now=datetime(2026, 11, 22, 8, 0, tzinfo=TZ), out=site.out.parent / "early"
    )
    assert not (early.out / "incidents/api-errors.html").exists()
    assert banner(early) == "All Systems Operational"


def test_resolved_incident_shows_resolution_and_duration(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project({"incidents/db-slow.md": RESOLVED_INCIDENT}))
    facts = site.text("incidents/db-slow.html", "//dl[@class='facts']")
    assert "Resolved 18 Nov 2026, 16:30" in facts
    assert "Duration 2 h 30 min" in facts
    assert banner(site) == "All Systems Operational"


@pytest.mark.parametrize(
    ("now", "state", "db_status", "overall", "listed"),
    [
        (
            datetime(2026, 11, 24, 12, 0, tzinfo=TZ),
            "Scheduled",
            "Operational",
            "All Systems Operational",
            True,
        ),
        (
            datetime(2026, 11, 25, 2, 0, tzinfo=TZ),
            "In progress",
            "Under maintenance",
            "Service Under Maintenance",
            True,
        ),
        (
            datetime(2026, 11, 25, 4, 59, tzinfo=TZ),
            "In progress",
            "Under maintenance",
            "Service Under Maintenance",
            True,
        ),
        (
            datetime(2026, 11, 25, 5, 0, tzinfo=TZ),
            "Completed",
            "Operational",
            "All Systems Operational",
            False,
        ),
    ],
)
def test_maintenance_follows_the_clock(
    make_project: MakeProject,
    build_site: Build,
    now: datetime,
    state: str,
    db_status: str,
    overall: str,
    listed: bool,
) -> None:
    site = build_site(make_project({"incidents/db-upgrade.md": MAINTENANCE}), now=now)
    assert component_status(site, "index.html", "Database") == db_status
    assert banner(site) == overall
    maintenance = site.text("index.html", "//section[@aria-labelledby='maintenance']")
    assert ("Database upgrade" in maintenance) is listed
    page_state = site.text("incidents/db-upgrade.html", "//span[starts-with(@class, 'state ')]")
    assert page_state == state


def test_explicit_maintenance_updates_win_over_the_clock(
    make_project: MakeProject, build_site: Build
) -> None:
    early_end = MAINTENANCE + "\n## Completed 2026-11-25 03:15\nDone early.\n"
    site = build_site(
        make_project({"incidents/db-upgrade.md": early_end}),
        now=datetime(2026, 11, 25, 3, 30, tzinfo=TZ),
    )
    assert component_status(site, "index.html", "Database") == "Operational"
    timeline = site.page("incidents/db-upgrade.html").xpath("//ol[@class='timeline']/li/h3")
    assert [" ".join(h.text_content().split()) for h in timeline] == [
        "Completed",
        "In progress",
        "Scheduled",
    ]
    assert "Done early." in site.text("incidents/db-upgrade.html")
    assert "automatic, from the schedule" in site.text("incidents/db-upgrade.html", "//ol/li[2]")


@pytest.mark.parametrize(("status", "end"), [("Completed", "Ended"), ("Cancelled", "Cancelled")])
@pytest.mark.parametrize(
    "now", [NOW, datetime(2026, 11, 25, 3, 0, tzinfo=TZ), datetime(2026, 11, 26, tzinfo=TZ)]
)
def test_maintenance_ended_before_its_window_never_ran(
    make_project: MakeProject, build_site: Build, status: str, end: str, now: datetime
) -> None:
    ended = MAINTENANCE + f"\n## {status} 2026-11-22 10:00\nNot needed after all.\n"
    site = build_site(make_project({"incidents/db-upgrade.md": ended}), now=now)
    facts = site.text("incidents/db-upgrade.html", "//dl[@class='facts']")
    assert "Started 22 Nov 2026, 10:00" in facts
    assert f"{end} 22 Nov 2026, 10:00" in facts
    assert component_status(site, "index.html", "Database") == "Operational"
    assert "Database upgrade" not in site.text(
        "index.html", "//section[@aria-labelledby='maintenance']"
    )
    # It took no time from the database's availability, on its own day or in its window.
    assert not site.page("components/db.html").xpath("//tr[starts-with(@id, 'day-')]")
    api = json.loads((site.out / "api/v2/scheduled-maintenances.json").read_text())
    (maintenance,) = api["scheduled_maintenances"]
    assert maintenance["started_at"] == maintenance["resolved_at"]


def test_maintenance_verifying_before_its_window_is_under_way(
    make_project: MakeProject, build_site: Build
) -> None:
    early = MAINTENANCE + "\n## Verifying 2026-11-22 10:00\nDone ahead of time; checking.\n"
    site = build_site(make_project({"incidents/db-upgrade.md": early}))
    assert component_status(site, "index.html", "Database") == "Under maintenance"
    facts = site.text("incidents/db-upgrade.html", "//dl[@class='facts']")
    assert "Started 22 Nov 2026, 10:00 Ongoing for 2 h" in facts


def test_component_page_lists_its_history(make_project: MakeProject, build_site: Build) -> None:
    project = make_project(
        {"incidents/api-errors.md": OPEN_INCIDENT, "incidents/db-slow.md": RESOLVED_INCIDENT}
    )
    site = build_site(project)
    assert "Current status: Partial outage" in site.text("components/api.html")
    titles = site.page("components/db.html").xpath("//li[@class='incident-row']/a/text()")
    assert titles == ["Database slow"]
    assert site.page("components/web.html").xpath("//h2[starts-with(@id, 'month-')]/text()") == [
        "November 2026"
    ]


def test_history_is_paginated_newest_first(make_project: MakeProject, build_site: Build) -> None:
    files = {}
    for n in range(120):
        at = datetime(2026, 1, 1, 10, 0, tzinfo=TZ) + timedelta(days=2 * n)
        files[f"incidents/i-{n:03d}.md"] = incident(
            f"title: Incident {n:03d}\nimpact: minor\ncomponents: [web]",
            f"## Resolved {at + timedelta(hours=1):%Y-%m-%d %H:%M}\nok\n## Investigating {at:%Y-%m-%d %H:%M}\nhm\n",
        )
    site = build_site(make_project(files), now=datetime(2026, 11, 30, tzinfo=TZ))
    pages = ["history/index.html", "history/2.html", "history/3.html"]
    titles = [site.page(p).xpath("//li[@class='incident-row']/a/text()") for p in pages]
    assert [len(t) for t in titles] == [50, 50, 20]
    flat = [t for page in titles for t in page]
    assert flat == [f"Incident {n:03d}" for n in reversed(range(120))]
    assert not (site.out / "history/4.html").exists()
    second = site.page("history/2.html")
    assert second.xpath("//a[@rel='prev']/@href") == ["../history/index.html"]
    assert second.xpath("//a[@rel='next']/@href") == ["../history/3.html"]
    assert "Page 2 of 3" in site.text("history/2.html")
    assert (site.out / "components/web-3.html").exists()


def test_every_relative_link_resolves_and_404_links_are_absolute(
    build_site: Build, example: Path
) -> None:
    site = build_site(example, now=datetime(2026, 11, 22, 1, 0, tzinfo=TZ))
    pages = sorted(site.out.rglob("*.html"))
    assert len(pages) > 25
    for page in pages:
        rel = page.relative_to(site.out).as_posix()
        tree = site.page(rel)
        for link in tree.xpath("//a/@href | //link/@href"):
            if rel == "404.html":  # served at any depth by static hosts: no relative link
                assert link.startswith(("https://", "mailto:", "data:image/", "#")), link
                continue
            if link.startswith(("https://", "http://", "mailto:", "#")):
                continue
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file(), f"{rel}: broken link {link}"


def test_markdown_is_sanitized(make_project: MakeProject, build_site: Build) -> None:
    body = """
    ## Investigating 2026-11-22 09:10
    Hello <script>alert(1)</script> <img src=x onerror="alert(2)">
    [click](javascript:alert(3)) <a href="https://ok.example" onclick="alert(4)">ok</a>
    <iframe src="https://evil.example"></iframe> **bold**
    """
    site = build_site(make_project({"incidents/xss.md": incident("title: X\nimpact: minor", body)}))
    raw = (site.out / "incidents/xss.html").read_text()
    tree = site.page("incidents/xss.html")
    assert not tree.xpath("//script | //iframe | //img")
    assert not [a for el in tree.iter() for a in el.attrib if a.startswith("on")]
    assert not [h for h in tree.xpath("//@href") if h.strip().lower().startswith("javascript:")]
    assert "alert(4)" not in raw and "alert(2)" not in raw
    assert tree.xpath("//ol[@class='timeline']//strong/text()") == ["bold"]
    assert tree.xpath("//a[text()='ok']/@href") == ["https://ok.example"]


def test_same_content_and_now_give_identical_bytes(build_site: Build, tmp_path: Path) -> None:
    # Two cold builds, of two copies: neither can borrow from the other's cache.
    first = build_site(copy_example(tmp_path / "a"), now=NOW, out=tmp_path / "one")
    second = build_site(copy_example(tmp_path / "b"), now=NOW, out=tmp_path / "two")
    comparison = filecmp.dircmp(first.out, second.out)
    files = sorted(p.relative_to(first.out) for p in first.out.rglob("*") if p.is_file())
    match, mismatch, errors = filecmp.cmpfiles(first.out, second.out, files, shallow=False)
    assert not mismatch and not errors and not comparison.left_only and not comparison.right_only
    assert len(match) == len(files) > 25


def test_a_failed_build_leaves_the_previous_site_untouched(
    make_project: MakeProject, tmp_path: Path
) -> None:
    project = make_project({"incidents/db-slow.md": RESOLVED_INCIDENT})
    out = project / "site"
    build(project, out, now=NOW)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (project / "incidents/broken.md").write_text("---\ntitle: [\n---\n")
    (project / "incidents/db-slow.md").write_text(
        RESOLVED_INCIDENT.replace("Database slow", "Changed")
    )
    with pytest.raises(BuildFailed):
        build(project, out, now=NOW)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in project.iterdir()) == [
        ".statusgen-cache",
        "components.yaml",
        "incidents",
        "site",
    ]


def test_site_templates_override_and_extend_the_default_theme(
    make_project: MakeProject, build_site: Build
) -> None:
    project = make_project(
        {
            "incidents/db-slow.md": RESOLVED_INCIDENT,
            "templates/base.html": """\
                {% extends "default/base.html" %}
                {% block footer_extra %}<p class="contact">Call 555-0100</p>{% endblock %}
            """,
            "templates/partials/custom_head.html": '<meta name="theme-color" content="#123456">\n',
            "templates/partials/custom_footer.html": '<p class="where">{{ page_path }}</p>',
        }
    )
    site = build_site(project)
    for page in (
        "index.html",
        "incidents/db-slow.html",
        "history/index.html",
        "components/db.html",
    ):
        tree = site.page(page)
        assert tree.xpath("//footer//p[@class='contact']/text()") == ["Call 555-0100"]
        assert tree.xpath("//meta[@name='theme-color']/@content") == ["#123456"]
        assert tree.xpath("//footer//p[@class='where']/text()") == [page]  # with the page's context
        # The rest of the default footer stays.
        assert "Times are shown in Brasilia Time (America/Sao_Paulo)" in site.text(page, "//footer")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "base.html",
            '{% extends "default/base.html" %}\n\n{% block footer_extra %}{{ 1/0 }}{% endblock %}\n',
            "templates/base.html:3: template error in index.html: "
            "ZeroDivisionError: division by zero (while making index.html)",
        ),
        (
            "index.html",
            '{% extends "default/index.html" %}\n{% block recent %}\n<p>{{ site.owner.name }}</p>\n'
            "{% endblock %}\n",
            "templates/index.html:3: template error in index.html: "
            "'statusgen.model.content.SiteInfo object' has no attribute 'owner' (while making index.html)",
        ),
        (  # a filter given what it cannot take fails inside statusgen, at the template's line
            "index.html",
            '{% extends "default/index.html" %}\n{% block recent %}{{ site.title|local_time }}'
            "{% endblock %}\n",
            "templates/index.html:2: template error in index.html: AttributeError: "
            "'str' object has no attribute 'astimezone' (while making index.html)",
        ),
    ],
)
def test_a_site_template_failing_at_render_time_names_its_file_and_line(
    make_project: MakeProject,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    text: str,
    expected: str,
) -> None:
    project = make_project({f"templates/{name}": text})
    monkeypatch.chdir(project)  # paths are shown relative to the current folder
    monkeypatch.setenv("STATUSGEN_WORKERS", "1")  # index.html is then the first page made
    with pytest.raises(TemplateFailed) as failed:
        build(project, tmp_path / "site", now=NOW)
    assert str(failed.value) == expected
    assert not (tmp_path / "site").exists()


def test_times_are_local_and_offer_utc_and_the_footer_names_the_zone(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project({"incidents/db-slow.md": RESOLVED_INCIDENT}))
    (time,) = site.page("incidents/db-slow.html").xpath("//dl[@class='facts']/dd[1]/time")
    assert time.text == "18 Nov 2026, 14:00"
    assert time.get("datetime") == "2026-11-18T17:00:00Z"
    assert time.get("title") == "2026-11-18 17:00 UTC"
    whens = site.page("incidents/db-slow.html").xpath("//ol[@class='timeline']/li/p[@class='when']")
    # No UTC after an update's time: it is on hover, as everywhere.
    assert [w.text_content() for w in whens] == ["18 Nov 2026, 16:30", "18 Nov 2026, 14:00"]
    for page in (
        "index.html",
        "history/index.html",
        "components/db.html",
        "incidents/db-slow.html",
    ):
        footer = site.text(page, "//footer")
        assert (
            "Times are shown in Brasilia Time (America/Sao_Paulo). Hover over a time to see it in UTC."
        ) in footer
        times = site.page(page).xpath("//main//time | //footer//time")
        assert times, page
        assert [t.text for t in times if "UTC" in t.text or "-03" in t.text] == [], page
        assert all(t.get("title").endswith(" UTC") for t in times)
    row = site.text("history/index.html", "//li[@class='incident-row']")
    assert "18 Nov 2026, 14:00 · Resolved" in row
    footer = site.text("index.html", "//footer")
    assert footer.endswith("Generated 22 Nov 2026, 12:00.")


# How the example's zone, São Paulo's, can be named: by its name in each language, its key, its
# abbreviations and offset (what a time followed by its zone would show).
SAO_PAULO = {"en": "Brasilia Time", "pt-BR": "Horário de Brasília", "es": "hora de Brasilia"}
SAO_PAULO_MARKS = ("America/Sao_Paulo", "UTC-03:00", "UTC-3", "GMT-3", "GMT-03:00", "BRT")


@pytest.mark.parametrize("language", ["en", "pt-BR", "es"])
def test_every_page_names_its_time_zone_once_in_its_footer(tmp_path: Path, language: str) -> None:
    from tests.test_translations import example_in

    example = tmp_path / "example"
    project = copy_example(example) if language == "en" else example_in(language, example)
    out = tmp_path / "site"
    build(project, out, now=NOW)
    name = SAO_PAULO[language].casefold()
    pages_with_times, seen = 0, set()
    for path in sorted(out.rglob("*.html")):
        page = path.relative_to(out).as_posix()
        tree = html.fromstring(path.read_bytes())
        shown = " ".join(tree.body.text_content().split()).casefold()
        (footer,) = tree.xpath("//footer[@class='site-footer']")
        in_footer = " ".join(footer.text_content().split()).casefold()
        assert shown.count(name) == 1 and name in in_footer, page
        assert shown.count("america/sao_paulo") == 1 and "america/sao_paulo" in in_footer, page
        for mark in SAO_PAULO_MARKS[1:]:
            assert mark.casefold() not in shown, (page, mark)
        times = tree.xpath("//time")
        pages_with_times += bool(times)
        assert all(t.get("title").endswith(" UTC") for t in times), page  # UTC on hover
        # Where the times the zone used to follow stand: an estimate, an SLA sentence, an update.
        for where, xpath in (
            ("estimate", "//*[contains(@class, 'eta') or @class='facts']//time"),
            ("sla", "//section[@class='sla']//time"),
            ("update", "//ol[@class='timeline']//p[@class='when']/time"),
        ):
            if tree.xpath(xpath):
                seen.add(where)
    assert pages_with_times >= 20
    assert seen == {"estimate", "sla", "update"}


@pytest.mark.parametrize(
    ("zone", "language", "note"),
    [
        (
            "America/Sao_Paulo",
            "pt-BR",
            "Todos os horários estão no Horário de Brasília (America/Sao_Paulo). "
            "Passe o cursor sobre um horário para vê-lo em UTC.",
        ),
        (
            "Europe/Lisbon",
            "pt-BR",
            "Todos os horários estão no Horário da Europa Ocidental (Europe/Lisbon). "
            "Passe o cursor sobre um horário para vê-lo em UTC.",
        ),
        ("UTC", "pt-BR", "Todos os horários estão em UTC."),
        (
            "Etc/GMT+3",  # three hours behind UTC, whatever its name says
            "pt-BR",
            "Todos os horários estão no fuso horário UTC-03:00. "
            "Passe o cursor sobre um horário para vê-lo em UTC.",
        ),
        (
            "America/Mexico_City",
            "es",
            "Todos los horarios corresponden a la hora central (America/Mexico_City). "
            "Pasa el cursor sobre una hora para verla en UTC.",
        ),
        (
            "America/Argentina/Buenos_Aires",
            "es",
            "Todos los horarios corresponden a la hora de Argentina "
            "(America/Argentina/Buenos_Aires). Pasa el cursor sobre una hora para verla en UTC.",
        ),
        ("Etc/UTC", "es", "Todos los horarios están en UTC."),
        (
            "EST5EDT",  # a rule with no place to name
            "es",
            "Todos los horarios corresponden a la zona horaria EST5EDT. "
            "Pasa el cursor sobre una hora para verla en UTC.",
        ),
        (
            "Europe/Lisbon",
            "en",
            "Times are shown in Western European Time (Europe/Lisbon). "
            "Hover over a time to see it in UTC.",
        ),
        ("UTC", "en", "Times are shown in UTC."),
    ],
)
def test_the_footer_names_the_zone_as_each_language_reads_it(
    make_project: MakeProject, build_site: Build, zone: str, language: str, note: str
) -> None:
    components = COMPONENTS.replace(
        "timezone: America/Sao_Paulo", f"timezone: {zone}\n  language: {language}"
    )
    site = build_site(
        make_project({"incidents/db-slow.md": RESOLVED_INCIDENT}, components=components)
    )
    for page in ("index.html", "incidents/db-slow.html"):
        (shown,) = site.page(page).xpath("//footer//p[not(@class)][1]")
        assert " ".join(shown.text_content().split()) == note
        assert site.page(page).xpath("//main//time"), page
    if zone.endswith("UTC"):  # named once, and by no time on the page
        assert site.text("incidents/db-slow.html", "//body").count("UTC") == 1


def test_pages_are_accessible_by_structure(build_site: Build, example: Path) -> None:
    site = build_site(example, now=datetime(2026, 11, 22, 1, 0, tzinfo=TZ))
    for page in sorted(site.out.rglob("*.html")):
        tree = site.page(page.relative_to(site.out).as_posix())
        assert tree.get("lang") == "en"
        assert len(tree.xpath("//main")) == 1 and len(tree.xpath("//h1")) == 1
        levels = [int(h.tag[1]) for h in tree.iter("h1", "h2", "h3", "h4")]
        assert levels[0] == 1 or levels[0] == 2  # the footer's h2 may follow the h1 anywhere
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), page
        # Status is never told by colour alone: every status badge carries text.
        for badge in tree.xpath("//span[starts-with(@class, 'status ')]"):
            assert badge.text_content().strip()


def test_a_translation_catalog_translates_the_site_without_touching_templates(
    make_project: MakeProject, build_site: Build
) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="pt_BR")
    for english, portuguese in {
        "All Systems Operational": "Todos os sistemas operacionais",
        "Operational": "Operacional",
        "Past incidents": "Incidentes anteriores",
        "%(n)d h": "%(n)d h",
        "%(n)d min": "%(n)d min",
        "lasted %(d)s": "durou %(d)s",
    }.items():
        catalog.add(english, portuguese)
    project = make_project(
        {"incidents/db-slow.md": RESOLVED_INCIDENT},
        components=COMPONENTS_PT,
    )
    mo = project / "locale/pt_BR/LC_MESSAGES/statusgen.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as handle:
        write_mo(handle, catalog)
    site = build_site(project)
    assert site.page("index.html").get("lang") == "pt-BR"
    assert banner(site) == "Todos os sistemas operacionais"
    assert component_status(site, "index.html", "Database") == "Operacional"
    recent = site.text("index.html", "//section[@aria-labelledby='recent']")
    assert recent.startswith("Incidentes anteriores")
    assert "durou 2 h 30 min" in recent
    assert "18 nov. 2026" in recent  # dates follow the language too


def test_builds_of_one_process_reuse_compiled_templates_only_while_unchanged(
    make_project: MakeProject, tmp_path: Path
) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    project = make_project({"incidents/db-slow.md": RESOLVED_INCIDENT}, components=COMPONENTS_PT)
    footer = project / "templates/partials/custom_footer.html"
    mo = project / "locale/pt_BR/LC_MESSAGES/statusgen.mo"
    mo.parent.mkdir(parents=True)
    footer.parent.mkdir(parents=True)

    def built(words: str, operational: str) -> BuiltSite:
        footer.write_text(f"<p class='words'>{words}</p>")
        catalog = Catalog(locale="pt_BR")
        catalog.add("Operational", operational)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        out = tmp_path / f"site-{len(list(tmp_path.iterdir()))}"
        build(project, out, now=NOW, use_cache=False)
        return BuiltSite(out)

    for words, operational in [("one", "Operacional"), ("two", "Operacional"), ("two", "Ok")]:
        site = built(words, operational)
        assert site.text("index.html", "//p[@class='words']") == words
        assert component_status(site, "index.html", "Database") == operational
    # The same sources give the same bytes, compiled afresh (above: a new catalog) or not.
    again = built("two", "Ok")
    files = sorted(p.relative_to(site.out) for p in site.out.rglob("*") if p.is_file())
    assert filecmp.cmpfiles(site.out, again.out, files, shallow=False)[0] == files


def test_the_shipped_message_catalog_is_current() -> None:
    from statusgen.render import catalog

    assert catalog.template_path().read_bytes() == catalog.render_template(), (
        "a translatable string changed: run `python -m statusgen.render.catalog`"
    )


def test_only_pages_that_change_with_time_say_when_they_were_generated(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project({"incidents/db-slow.md": RESOLVED_INCIDENT}))
    generated = "Generated 22 Nov 2026, 12:00."
    assert generated in site.text("index.html", "//footer")
    assert generated in site.text("components/db.html", "//footer")  # the availability bar
    # A closed incident's page is the same whenever it is built.
    assert "Generated" not in site.text("incidents/db-slow.html", "//footer")
    assert "Generated" not in site.text("history/index.html", "//footer")


@pytest.mark.parametrize("language", ["en", "pt-BR", "de", "fr", "ja"])
def test_times_read_as_babel_writes_them(tmp_path: Path, language: str) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    from statusgen.model.content import SiteInfo
    from statusgen.render.environment import make_env
    from statusgen.render.filters import DAY_AND_TIME, _locale, _pattern

    tz = ZoneInfo("America/Sao_Paulo")
    env = make_env(tmp_path, SiteInfo("T", "https://x.example/", tz, "", language))
    fast = env.globals["format_local"]
    for month in range(1, 13):
        moment = datetime(2026, month, month + 9, month + 5, month * 4, tzinfo=tz)
        for pattern in ("medium", "short", "time", DAY_AND_TIME):
            expected = format_datetime(
                moment, _pattern(pattern), tzinfo=tz, locale=_locale(language)
            )
            assert fast(moment, pattern) == expected, (language, month, pattern)
