"""JSON Feed 1.1: the Atom feeds' entries as JSON, checked against the spec and against them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from lxml import etree

from statusgen.build import build
from statusgen.outputs import json_feed
from statusgen.outputs.feeds import FEED_LIMIT
from tests.conftest import BuiltSite, MakeProject
from tests.test_api import CONTENT, NOW
from tests.test_feeds import MARKED_UP, daily_incidents

Build = Callable[..., BuiltSite]
BASE = "https://example.github.io/status/"
ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = json.loads((Path(__file__).parent / "schemas" / "json_feed_1_1.json").read_text())
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
# Each feed: its path, its title and the page it is the feed of.
FEEDS = {
    "feed.json": ("Example Status", f"{BASE}index.html"),
    "components/api.json": ("Example Status: Public API", f"{BASE}components/api.html"),
    "components/web.json": ("Example Status: Web app", f"{BASE}components/web.html"),
    "components/db.json": ("Example Status: Database", f"{BASE}components/db.html"),
}
ITEM_FIELDS = ("id", "url", "title", "content_html", "date_published", "date_modified")
# Nothing in these changes with time: no maintenance is due to start or end.
SETTLED = {
    name: text
    for name, text in CONTENT.items()
    if name not in ("incidents/upcoming.md", "incidents/active.md")
}


def load(site: BuiltSite | Path, path: str) -> Any:
    out = site if isinstance(site, Path) else site.out
    return json.loads((out / path).read_bytes().decode("utf-8"))


def feed_bytes(out: Path) -> dict[str, bytes]:
    return {path: (out / path).read_bytes() for path in FEEDS}


def atom_entries(site: BuiltSite, path: str) -> list[dict[str, str | None]]:
    """The Atom feed's entries, in the JSON Feed's names."""
    root = etree.parse(str(site.out / path)).getroot()
    return [
        {
            "id": entry.findtext(ATOM + "id"),
            "url": entry.find(ATOM + "link").get("href"),
            "title": entry.findtext(ATOM + "title"),
            "content_html": entry.findtext(ATOM + "content"),
            "date_published": entry.findtext(ATOM + "published"),
            "date_modified": entry.findtext(ATOM + "updated"),
        }
        for entry in root.iter(ATOM + "entry")
    ]


def test_feeds_are_json_feed_1_1(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    for path, (title, page) in FEEDS.items():
        data = (site.out / path).read_bytes()
        assert data.endswith(b"}\n"), path
        feed = json.loads(data)
        jsonschema.validate(feed, SCHEMA)
        assert next(iter(feed)) == "version"
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert feed["title"] == title
        assert feed["home_page_url"] == page
        assert feed["feed_url"] == BASE + path
        assert feed["description"] == title  # the site has no description of its own
        assert feed["language"] == "en"
        assert feed["authors"] == [{"name": "Example Status", "url": BASE}]
        assert isinstance(feed["items"], list) and feed["items"], path
        for item in feed["items"]:
            for field in ITEM_FIELDS:
                assert isinstance(item[field], str) and item[field], (path, field)
            assert item["id"] == item["url"]
            assert urlsplit(item["url"]).scheme == "https"
            for field in ("date_published", "date_modified"):
                assert RFC3339.fullmatch(item[field]), item[field]
            tags = item.get("tags")
            assert tags is None or (tags and all(isinstance(t, str) and t for t in tags))
        ids = [item["id"] for item in feed["items"]]
        assert len(set(ids)) == len(ids), path
        moments = [datetime.fromisoformat(item["date_published"]) for item in feed["items"]]
        assert moments == sorted(moments, reverse=True), path
    first = load(site, "feed.json")["items"][1]
    assert first["id"] == f"{BASE}incidents/open.html#update-20261122T123000Z-identified"
    assert first["title"] == "Identified: Database down"
    assert first["date_published"] == "2026-11-22T09:30:00-03:00"
    assert first["tags"] == ["Database", "Public API"]


def test_items_are_the_atom_entries(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    for path in FEEDS:
        atom = path.replace(".json", ".atom").replace("feed.atom", "history.atom")
        items = [{f: item[f] for f in ITEM_FIELDS} for item in load(site, path)["items"]]
        assert items == atom_entries(site, atom), path
    titles = [item["title"] for item in load(site, "components/web.json")["items"]]
    assert titles == [
        "Scheduled: Upgrade",
        "Completed: Old work",
        "In progress: Old work",
        "Scheduled: Old work",
    ]
    for item in load(site, "feed.json")["items"]:
        page, _, anchor = item["url"].removeprefix(BASE).partition("#")
        assert site.page(page).xpath(f"//*[@id='{anchor}']"), item["url"]


def test_content_is_the_html_of_the_atom_entry(
    make_project: MakeProject, build_site: Build
) -> None:
    title = "title: Banco de dados fora — São Paulo"
    files = {**CONTENT, "incidents/open.md": MARKED_UP.replace("title: Database down", title)}
    site = build_site(make_project(files), now=NOW)
    raw = (site.out / "feed.json").read_bytes()
    assert "fora — São Paulo".encode() in raw and b"\\u" not in raw  # UTF-8, not escapes
    item = load(site, "feed.json")["items"][1]
    assert item["title"] == "Identified: Banco de dados fora — São Paulo"
    assert item["content_html"] == atom_entries(site, "history.atom")[1]["content_html"]
    content = etree.HTML(item["content_html"])
    assert content.xpath("string(//b)") == "disk"
    assert content.xpath("//a/@href") == ["https://example.com/"]
    assert "A disk & a fix." in " ".join(content.xpath("string()").split())


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths of the JSON feeds drawn (not reused from the previous build), in this process."""
    paths: list[str] = []
    draw = json_feed.feed

    def counted(writer: Any, path: str, *rest: Any) -> bytes:
        paths.append(path)
        return draw(writer, path, *rest)

    monkeypatch.setenv("STATUSGEN_WORKERS", "1")
    monkeypatch.setattr(json_feed, "feed", counted)
    return paths


def test_rebuilds_give_the_same_ids_and_bytes(
    make_project: MakeProject, build_site: Build, tmp_path: Path, drawn: list[str]
) -> None:
    project = make_project(SETTLED)  # with an open incident
    out = tmp_path / "site"
    build_site(project, now=NOW, out=out)
    assert sorted(drawn) == sorted(FEEDS)
    before = feed_bytes(out)
    ids = [item["id"] for item in load(out, "feed.json")["items"]]
    # With the cache, at the same moment and later: the files are kept, not drawn again.
    for now in (NOW, NOW + timedelta(days=2)):
        drawn.clear()
        build_site(project, now=now, out=out)
        assert feed_bytes(out) == before, now
        assert drawn == [], now
    cold = tmp_path / "cold"
    build(project, cold, now=NOW + timedelta(days=2), use_cache=False)
    assert feed_bytes(cold) == before
    assert [item["id"] for item in load(cold, "feed.json")["items"]] == ids


def test_an_empty_feed(make_project: MakeProject, build_site: Build, tmp_path: Path) -> None:
    project = make_project()
    site = build_site(project, now=NOW, out=tmp_path / "a")
    feed = load(site, "feed.json")
    jsonschema.validate(feed, SCHEMA)
    assert feed["items"] == []
    later = build_site(project, now=NOW + timedelta(days=1), out=tmp_path / "b")
    assert feed_bytes(later.out) == feed_bytes(site.out)


def test_an_update_adds_one_item_at_the_top(
    make_project: MakeProject, build_site: Build, tmp_path: Path, drawn: list[str]
) -> None:
    from statusgen.cli import main

    project = make_project(CONTENT)
    out = tmp_path / "site"
    build_site(project, now=NOW, out=out)
    before = {path: load(out, path)["items"] for path in FEEDS}
    update = ["update", "open", "monitoring", "A fix is out.", "--at", "2026-11-22 11:30"]
    assert main(["-C", str(project), "-q", *update]) == 0
    drawn.clear()
    build_site(project, now=NOW, out=out)
    # Only the feeds that list the incident are drawn again.
    assert sorted(drawn) == ["components/api.json", "components/db.json", "feed.json"]
    for path in ("feed.json", "components/api.json", "components/db.json"):
        items = load(out, path)["items"]
        assert items[1:] == before[path], path
        assert items[0]["id"] == f"{BASE}incidents/open.html#update-20261122T143000Z-monitoring"
        assert items[0]["title"] == "Monitoring: Database down"
        assert items[0]["date_published"] == "2026-11-22T11:30:00-03:00"
    assert load(out, "components/web.json")["items"] == before["components/web.json"]


def test_feeds_are_bounded(make_project: MakeProject, build_site: Build, tmp_path: Path) -> None:
    project = make_project(daily_incidents(40))
    out = tmp_path / "site"
    site = build_site(project, now=NOW, out=out)
    before = load(site, "feed.json")["items"]
    assert len(before) == FEED_LIMIT
    assert [item["id"] for item in before] == [e["id"] for e in atom_entries(site, "history.atom")]
    assert before[0]["title"] == "Resolved: Incident 39"
    assert before[-1]["title"] == "Investigating: Incident 15"  # 80 updates, newest 50
    path = project / "incidents/i39.md"
    path.write_text(path.read_text() + "\n## Postmortem 2026-09-10 10:00\nWhat happened.\n")
    after = load(build_site(project, now=NOW, out=out), "feed.json")["items"]
    assert after[0]["title"] == "Postmortem: Incident 39"
    assert after[1:] == before[:-1]


@pytest.mark.parametrize("later", [timedelta(0), timedelta(hours=5)])
def test_a_cached_build_writes_the_bytes_of_a_cold_one_after_an_edit(
    make_project: MakeProject, tmp_path: Path, later: timedelta
) -> None:
    project = make_project(CONTENT)
    warm = tmp_path / "warm"
    build(project, warm, now=NOW)
    path = project / "incidents/open.md"
    edited = path.read_text().replace("A disk.", "A failed disk.")
    path.write_text(edited.replace("title: Database down", "title: Database unavailable"))
    build(project, warm, now=NOW + later)
    cold = tmp_path / "cold"
    build(project, cold, now=NOW + later, use_cache=False)
    assert feed_bytes(warm) == feed_bytes(cold)
    items = load(warm, "feed.json")["items"]
    identified = next(i for i in items if i["title"] == "Identified: Database unavailable")
    assert identified["content_html"].startswith("<p>A failed disk.</p>")
    if later:  # the maintenance under way ended at 13:00, on schedule
        assert items[0]["title"] == "Completed: Network work"


def test_pages_link_the_json_feeds(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    json_links = "//head/link[@rel='alternate'][@type='application/feed+json']"
    home = site.page("index.html").xpath(json_links)
    assert [(link.get("href"), link.get("title")) for link in home] == [
        ("feed.json", "Example Status (JSON Feed)")
    ]
    component = site.page("components/db.html").xpath(json_links)
    assert [(link.get("href"), link.get("title")) for link in component] == [
        ("../components/db.json", "Example Status: Database (JSON Feed)"),
        ("../feed.json", "Example Status (JSON Feed)"),
    ]
    # Every page names the site's feed, and each link leads to a feed of the site.
    out = site.out.resolve()
    for page in sorted(site.out.rglob("*.html")):
        hrefs = site.page(page.relative_to(site.out).as_posix()).xpath(f"{json_links}/@href")
        files = [  # 404.html links to site.url, wherever it is served
            site.out / href.removeprefix(BASE) if href.startswith(BASE) else page.parent / href
            for href in hrefs
        ]
        assert out / "feed.json" in [file.resolve() for file in files], page
        for file in files:
            assert file.resolve().relative_to(out).as_posix() in FEEDS, (page, file)
