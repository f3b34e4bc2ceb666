"""RSS/Atom feeds, iCalendar files and badges, read back with the parsers their clients use."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import icalendar
import pytest
from lxml import etree

from statusgen.outputs.feeds import FEED_LIMIT
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident
from tests.test_api import CONTENT, NOW
from tests.test_sla import SEED_003

Build = Callable[..., BuiltSite]
BASE = "https://example.github.io/status/"
ATOM = "{http://www.w3.org/2005/Atom}"


def parse(site: BuiltSite, path: str) -> feedparser.FeedParserDict:
    feed = feedparser.parse((site.out / path).read_bytes())
    assert not feed.bozo, (path, feed.get("bozo_exception"))
    return feed


def plain(html: str) -> str:
    """The text a reader shows: blocks apart, inline elements in line."""
    for block in ("</p>", "<br>"):
        html = html.replace(block, block + " ")
    return " ".join(etree.HTML(html).xpath("string()").split())


def test_site_feeds_have_one_entry_per_update(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    for path in ("history.rss", "history.atom"):
        feed = parse(site, path)
        titles = [e.title for e in feed.entries]
        assert titles == [
            "In progress: Network work",
            "Identified: Database down",
            "Investigating: Database down",
            "Scheduled: Upgrade",
            "Scheduled: Network work",
            "Resolved: Slow API",
            "Monitoring: Slow API",
            "Investigating: Slow API",
            "Completed: Old work",
            "In progress: Old work",
            "Scheduled: Old work",
        ], path
        first = feed.entries[1]
        assert first.link == f"{BASE}incidents/open.html#update-20261122T123000Z-identified"
        assert first.id == first.link
        assert first.published_parsed[:5] == (2026, 11, 22, 12, 30)  # 09:30 -03:00, in UTC
        assert feed.feed.link == f"{BASE}index.html"
        assert feed.feed.title == "Example Status"


def test_entry_content_names_components_eta_and_sla(
    make_project: MakeProject, build_site: Build
) -> None:
    files = {
        **CONTENT,
        "incidents/open.md": incident(
            "title: Database down\nimpact: critical\ncomponents:\n  db: major_outage\n"
            "started: 2026-11-22 09:00\neta: 2026-11-22 15:00",
            "## Identified 2026-11-22 09:30\nETA: 2026-11-22 16:00\nA disk.\n\n"
            "## Investigating 2026-11-22 09:05\nLooking.\n",
        ),
    }
    site = build_site(make_project(files, components=COMPONENTS + SEED_003), now=NOW)
    entries = {e.title: e for e in parse(site, "history.atom").entries}
    identified = entries["Identified: Database down"].content[0].value
    text = plain(identified)
    assert text.startswith("A disk. Affected components: Database (Major outage)")
    assert "Estimated resolution: 22 Nov 2026, 16:00 UTC-03:00" in text
    assert "Service level: priority P1, under the policy “Default”." in text
    # As it stood when posted: the first response (at 09:05) was met, resolution running, with
    # the time left at 09:30.
    assert "First response (within 2 hours, by Sun 22 Nov, 11:00 UTC-03:00): on time;" in text
    assert (
        "Resolution (within 4 hours, by Sun 22 Nov, 13:00 UTC-03:00): in progress, 3 h 30 min left."
    ) in text
    first = entries["Investigating: Database down"].content[0].value
    assert "Estimated resolution: 22 Nov 2026, 15:00" in plain(first)
    maintenance = entries["Scheduled: Upgrade"].content[0].value
    assert "Scheduled window" in maintenance and "Web app (Under maintenance)" in maintenance


def test_component_feeds_hold_only_their_incidents(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    web = parse(site, "components/web.rss")
    assert {e.title.split(": ", 1)[1] for e in web.entries} == {"Upgrade", "Old work"}
    assert web.feed.title == "Example Status: Web app"
    assert web.feed.link == f"{BASE}components/web.html"
    db = parse(site, "components/db.atom")
    assert {e.title.split(": ", 1)[1] for e in db.entries} == {"Database down", "Network work"}


def test_feeds_follow_the_w3c_validator_rules(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    for path in ("history.rss", "components/api.rss"):
        channel = etree.parse(str(site.out / path)).getroot().find("channel")
        assert channel is not None
        for required in ("title", "link", "description"):
            assert channel.findtext(required), (path, required)
        self_link = channel.find(f"{ATOM}link[@rel='self']")
        assert self_link is not None and self_link.get("href") == BASE + path
        for item in channel.iter("item"):
            guid = item.find("guid")
            assert guid is not None and guid.get("isPermaLink") in (None, "true")
            assert guid.text == item.findtext("link")
            pub = item.findtext("pubDate") or ""
            datetime.strptime(pub, "%a, %d %b %Y %H:%M:%S %z")  # RFC 822 with a zone
    for path in ("history.atom", "components/api.atom"):
        root = etree.parse(str(site.out / path)).getroot()
        for required in ("id", "title", "updated"):
            assert root.findtext(ATOM + required), (path, required)
        assert root.find(f"{ATOM}author/{ATOM}name") is not None
        assert root.find(f"{ATOM}link[@rel='self']").get("href") == BASE + path
        for entry in root.iter(ATOM + "entry"):
            assert urlsplit(entry.findtext(ATOM + "id")).scheme == "https"
            datetime.fromisoformat(entry.findtext(ATOM + "updated"))
            assert entry.find(ATOM + "link").get("href").startswith(BASE)


def test_entry_links_point_at_update_anchors(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    for entry in parse(site, "history.atom").entries:
        page, _, anchor = entry.link.removeprefix(BASE).partition("#")
        assert site.page(page).xpath(f"//*[@id='{anchor}']"), entry.link


def test_entry_ids_survive_rebuilds_and_other_edits(
    make_project: MakeProject, build_site: Build, tmp_path: Path
) -> None:
    project = make_project(CONTENT)
    before = build_site(project, now=NOW, out=tmp_path / "a")
    # Another incident is added and an unrelated one gets a new update; time moves on.
    (project / "incidents/new.md").write_text(
        incident(
            "title: New\nimpact: minor\ncomponents: [web]", "## Resolved 2026-11-23 08:00\nOk.\n"
        )
    )
    after = build_site(project, now=NOW + timedelta(days=2), out=tmp_path / "b")
    for path in ("history.atom", "history.rss", "components/db.atom"):
        old = {e.id: e.title for e in parse(before, path).entries}
        new = {e.id: e.title for e in parse(after, path).entries}
        assert all(new.get(i) == t for i, t in old.items() if i in new), path
        dropped = set(old) - set(new)
        assert not dropped, (path, dropped)
    assert (before.out / "history.rss").read_bytes() != (after.out / "history.rss").read_bytes()
    again = build_site(project, now=NOW + timedelta(days=2), out=tmp_path / "c")
    assert (again.out / "history.atom").read_bytes() == (after.out / "history.atom").read_bytes()


def daily_incidents(count: int) -> dict[str, str]:
    """`count` incidents of the API, one a day from 1 August 2026, each with two updates."""
    files = {}
    start = datetime(2026, 8, 1, 10, 0, tzinfo=TZ)
    for n in range(count):
        at = start + timedelta(days=n)
        files[f"incidents/i{n:02d}.md"] = incident(
            f"title: Incident {n}\nimpact: minor\ncomponents: [api]",
            f"## Resolved {at + timedelta(hours=1):%Y-%m-%d %H:%M}\nDone.\n\n"
            f"## Investigating {at:%Y-%m-%d %H:%M}\nLooking.\n",
        )
    return files


def test_feeds_are_bounded(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(daily_incidents(40)), now=NOW)
    feed = parse(site, "history.atom")
    assert len(feed.entries) == FEED_LIMIT
    assert feed.entries[0].title == "Resolved: Incident 39"
    assert feed.entries[-1].title == "Investigating: Incident 15"  # 80 updates, newest 50


def test_pages_link_their_feeds(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    home = site.page("index.html")
    assert home.xpath("//head/link[@rel='alternate'][@type='application/rss+xml']/@href") == [
        "history.rss"
    ]
    assert home.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href") == [
        "history.atom"
    ]
    component = site.page("components/db.html")
    assert component.xpath("//head/link[@rel='alternate']/@href") == [
        "../components/db.rss",
        "../components/db.atom",
        "../components/db.json",
        "../history.rss",
        "../history.atom",
        "../feed.json",
    ]
    visible = component.xpath("//main//p[@class='subscribe']/a/@href")
    assert visible == [
        "../components/db.rss",
        "../components/db.atom",
        "../components/db.ics",
        "../badges/components/db.svg",
    ]
    for href in visible + home.xpath("//footer//p[@class='subscribe']/a/@href"):
        assert (site.out / "components" / href).resolve().is_file() or (
            site.out / href
        ).is_file(), href


def events(site: BuiltSite, path: str) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical((site.out / path).read_bytes())
    assert calendar["version"] == "2.0" and calendar["prodid"]
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_maintenance_calendar(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    found = events(site, "maintenance.ics")
    assert set(found) == {
        "upcoming@example.github.io",
        "active@example.github.io",
        "done@example.github.io",
    }
    upgrade = found["upcoming@example.github.io"]
    assert upgrade.decoded("dtstart") == datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
    assert upgrade.decoded("dtend") == datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
    assert str(upgrade["summary"]) == "Maintenance: Upgrade"
    assert str(upgrade["url"]) == f"{BASE}incidents/upcoming.html"
    assert str(upgrade["status"]) == "CONFIRMED"
    assert "Affected components: Web app" in str(upgrade["description"])
    assert upgrade["sequence"] == 1
    assert found["done@example.github.io"]["sequence"] == 3  # scheduled, started, completed
    assert set(events(site, "components/web.ics")) == {
        "upcoming@example.github.io",
        "done@example.github.io",
    }
    assert events(site, "components/api.ics") == {}


def test_a_change_raises_the_sequence_and_cancelling_cancels(
    make_project: MakeProject, build_site: Build, tmp_path: Path
) -> None:
    project = make_project(CONTENT)
    before = events(build_site(project, now=NOW, out=tmp_path / "a"), "maintenance.ics")
    path = project / "incidents/upcoming.md"
    moved = path.read_text().replace("2026-11-28 01:00", "2026-11-29 01:00")
    moved = moved.replace("2026-11-28 03:00", "2026-11-29 03:00")
    path.write_text(moved + "\n## Scheduled 2026-11-22 11:00\nMoved to Sunday.\n")
    after = events(build_site(project, now=NOW, out=tmp_path / "b"), "maintenance.ics")
    uid = "upcoming@example.github.io"
    assert after[uid]["sequence"] > before[uid]["sequence"]
    assert after[uid].decoded("dtstart") == datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
    path.write_text(path.read_text() + "\n## Cancelled 2026-11-22 11:30\nNot needed after all.\n")
    site = build_site(project, now=NOW, out=tmp_path / "c")
    cancelled = events(site, "maintenance.ics")[uid]
    assert str(cancelled["status"]) == "CANCELLED"
    assert cancelled["sequence"] > after[uid]["sequence"]
    assert "Cancelled" in site.text("incidents/upcoming.html", "//dl[@class='facts']")
    upcoming = site.page("index.html").xpath("//section[@aria-labelledby='maintenance']//h3")
    assert [h.text_content() for h in upcoming] == ["Network work"]


@pytest.mark.parametrize(
    ("now", "text", "colour"),
    [
        (NOW, "status: major outage", "#b42318"),
        (datetime(2026, 11, 15, 12, 0, tzinfo=TZ), "status: all systems operational", "#2e7d32"),
        (
            datetime(2026, 11, 22, 12, 0, tzinfo=TZ) + timedelta(hours=9),
            "status: operational",
            None,
        ),
    ],
)
def test_badges(
    make_project: MakeProject, build_site: Build, now: datetime, text: str, colour: str | None
) -> None:
    files = dict(CONTENT)
    if colour is None:  # the open incident resolved: all calm again
        files["incidents/open.md"] += "\n## Resolved 2026-11-22 12:30\nFixed.\n"
        text, colour = "status: all systems operational", "#2e7d32"
    site = build_site(make_project(files), now=now)
    svg = etree.parse(str(site.out / "badges/status.svg")).getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert svg.findtext("svg:title", namespaces=ns) == text
    assert svg.get("aria-label") == text
    fills = svg.xpath("//svg:path/@fill", namespaces=ns)
    assert colour in fills
    texts = svg.xpath("//svg:text/text()", namespaces=ns)
    assert set(texts) == set(text.split(": "))
    component = etree.parse(str(site.out / "badges/components/web.svg")).getroot()
    assert component.findtext("svg:title", namespaces=ns) == "Web app: operational"
    assert int(component.get("width")) > 60


def test_badge_text_is_escaped(make_project: MakeProject, build_site: Build) -> None:
    config = COMPONENTS.replace("name: Web app", "name: Web <app> & co")
    site = build_site(make_project(CONTENT, components=config), now=NOW)
    svg = etree.parse(str(site.out / "badges/components/web.svg")).getroot()
    assert svg.findtext("{http://www.w3.org/2000/svg}title") == "Web <app> & co: operational"


# An update with inline markup, an entity and a link.
MARKED_UP = incident(
    "title: Database down\nimpact: critical\ncomponents: [db]",
    "## Identified 2026-11-22 09:30\nA <b>disk</b> & a [fix](https://example.com/).\n",
)


def shown(detail: feedparser.FeedParserDict) -> str:
    """What a feed reader displays of a text construct, as the type it declares tells it to."""
    return plain(detail.value) if detail.type == "text/html" else " ".join(detail.value.split())


def test_entries_are_html_and_readers_show_no_tags(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project({**CONTENT, "incidents/open.md": MARKED_UP}), now=NOW)
    atom = parse(site, "history.atom").entries[1]
    assert atom.title == "Identified: Database down"
    assert atom.content[0].type == "text/html"
    assert shown(atom.content[0]).startswith("A disk & a fix. Affected components: Database")
    rss = parse(site, "history.rss").entries[1]
    assert rss.summary_detail.type == "text/html"
    assert shown(rss.summary_detail).startswith("A disk & a fix. Affected components: Database")
    for entry in (atom, rss):
        assert all("<" not in shown(d) for d in (entry.get("content") or [entry.summary_detail]))
    # As written: Atom content declares its type; RSS's description holds escaped HTML once.
    root = etree.parse(str(site.out / "history.atom")).getroot()
    contents = root.findall(f"{ATOM}entry/{ATOM}content")
    assert contents and {c.get("type") for c in contents} == {"html"}
    assert etree.HTML(contents[1].text).xpath("string(//b)") == "disk"
    items = etree.parse(str(site.out / "history.rss")).getroot().findall("channel/item")
    assert etree.HTML(items[1].findtext("description")).xpath("string(//b)") == "disk"


def test_two_updates_of_one_status_in_one_minute_are_both_shown(
    make_project: MakeProject, build_site: Build, tmp_path: Path
) -> None:
    from statusgen.cli import main

    project = make_project(
        {
            "incidents/db.md": incident(
                "title: Database down\nimpact: major\ncomponents: [db]",
                "## Investigating 2026-11-22 09:05\nLooking.\n",
            )
        }
    )
    for message in ("First fix deployed.", "Second fix deployed."):
        update = ["update", "db", "monitoring", message, "--at", "2026-11-22 09:30"]
        assert main(["-C", str(project), "-q", *update]) == 0
    site = build_site(project, now=NOW)
    # Newest first, and within the minute in the order of the file: the later one on top.
    expected = ["Second fix deployed.", "First fix deployed.", "Looking."]
    for path in ("history.atom", "history.rss", "components/db.atom"):
        entries = parse(site, path).entries
        assert [plain(e.summary).split(" Affected")[0] for e in entries] == expected, path
        assert len({e.id for e in entries}) == 3, path
    ids = [e.id for e in parse(site, "history.atom").entries]
    assert ids[:2] == [
        f"{BASE}incidents/db.html#update-20261122T123000Z-monitoring-2",
        f"{BASE}incidents/db.html#update-20261122T123000Z-monitoring",
    ]
    timeline = site.page("incidents/db.html").xpath("//ol[@class='timeline']/li")
    assert [" ".join(li.xpath("string(p[not(@class)])").split()) for li in timeline] == expected
    # A third in the same minute renames neither, and a rebuild gives the same ids.
    update = ["update", "db", "monitoring", "Third.", "--at", "2026-11-22 09:30"]
    assert main(["-C", str(project), "-q", *update]) == 0
    again = [
        e.id
        for e in parse(build_site(project, now=NOW, out=tmp_path / "b"), "history.atom").entries
    ]
    assert again[0].endswith("-monitoring-3") and again[1:3] == ids[:2]


def test_each_feed_works_out_an_incidents_anchors_once(
    make_project: MakeProject, build_site: Build, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Anchors are worked out per incident, all its updates together: a feed listing several
    # updates of one incident asks for them once, not once per update listed.
    import statusgen.outputs.feeds as feeds

    asked: dict[str, int] = {}
    update_anchors = feeds.update_anchors

    def counted(state: feeds.IncidentState) -> tuple[str, ...]:
        asked[state.id] = asked.get(state.id, 0) + 1
        return update_anchors(state)

    monkeypatch.setattr(feeds, "update_anchors", counted)
    monkeypatch.setenv("STATUSGEN_WORKERS", "1")  # one process sees every call
    site = build_site(make_project(CONTENT), now=NOW)
    listing: dict[str, int] = {}
    for path in sorted(site.out.rglob("*.atom")):
        linked = {urlsplit(e.link).path.rsplit("/", 1)[-1] for e in parse(site, str(path)).entries}
        for page in linked:
            listing[page.removesuffix(".html")] = listing.get(page.removesuffix(".html"), 0) + 1
    assert len(parse(site, "history.atom").entries) > len(asked) > 0
    for incident_id, times in asked.items():
        assert times <= listing[incident_id], incident_id
