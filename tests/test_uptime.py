"""Uptime bars and availability, computed by hand and read back from the built pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from statusgen.errors import BuildFailed
from statusgen.load import load_site
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident

Build = Callable[..., BuiltSite]
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=TZ)


def outage(start: str, end: str | None, status: str, component: str = "api") -> str:
    impact = {"major_outage": "critical", "partial_outage": "major"}.get(status, "minor")
    body = f"## Investigating {start}\nLooking.\n"
    if end:
        body = f"## Resolved {end}\nFixed.\n\n" + body
    return incident(
        f"title: {status} {start}\nimpact: {impact}\ncomponents:\n  {component}: {status}\nstarted: {start}",
        body,
    )


def maintenance(start: str, end: str, component: str = "api") -> str:
    return incident(
        f"type: maintenance\ntitle: Work {start}\ncomponents: [{component}]\n"
        f"scheduled_start: {start}\nscheduled_end: {end}",
        "## Scheduled 2026-11-01 10:00\nPlanned.\n",
    )


CONTENT = {
    # 2.4 h of a major outage: 10 % of the day.
    "incidents/a.md": outage("2026-11-20 10:00", "2026-11-20 12:24", "major_outage"),
    # 10 h of a partial outage at 30 %: 3 h of downtime.
    "incidents/b.md": outage("2026-11-19 08:00", "2026-11-19 18:00", "partial_outage"),
    # Degraded performance does not count.
    "incidents/c.md": outage("2026-11-18 08:00", "2026-11-18 20:00", "degraded_performance"),
    # Overlapping: 10:00-11:00 major (1 h), then 11:00-12:30 partial only (0.45 h).
    "incidents/d.md": outage("2026-11-17 10:00", "2026-11-17 11:00", "major_outage"),
    "incidents/e.md": outage("2026-11-17 10:30", "2026-11-17 12:30", "partial_outage"),
    # Maintenance 00:00-06:00 is left out; the outage counts only from 06:00 to 07:00.
    "incidents/f.md": maintenance("2026-11-16 00:00", "2026-11-16 06:00"),
    "incidents/g.md": outage("2026-11-16 05:00", "2026-11-16 07:00", "major_outage"),
    # Open since 09:00 today: 3 h down of the 12 h so far.
    "incidents/h.md": outage("2026-11-22 09:00", None, "major_outage"),
    # Across midnight into the window's first day (25 August): only 01:00 of it counts.
    "incidents/i.md": outage("2026-08-24 23:00", "2026-08-25 01:00", "major_outage"),
    # Entirely before the window: not shown, not counted.
    "incidents/j.md": outage("2026-08-01 10:00", "2026-08-01 11:00", "major_outage"),
}


def home_bar(site: BuiltSite, component: str) -> list[tuple[str, str]]:
    doc = site.page("index.html")
    item = doc.xpath(f"//ul[@class='components']/li[a[@href='components/{component}.html']]")[0]
    return [
        (
            cell.get("class").removeprefix("cell cell-"),
            " ".join(cell.xpath("string(.//span[@class='tip'])").split()),
        )
        for cell in item.xpath(".//ol[@class='uptime-bar']/li")
    ]


def tip(bar: list[tuple[str, str]], day: str) -> tuple[str, str]:
    found = [cell for cell in bar if cell[1].startswith(day)]
    assert len(found) == 1, day
    return found[0]


def test_daily_availability_weights_overlaps_and_maintenance(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    bar = home_bar(site, "api")
    assert len(bar) == 90
    assert bar[0][1].startswith("25 Aug 2026") and bar[-1][1].startswith("22 Nov 2026")
    assert tip(bar, "20 Nov 2026") == (
        "major_outage",
        "20 Nov 2026 90.00% available major_outage 2026-11-20 10:00 (Major outage)",
    )
    assert tip(bar, "19 Nov 2026")[:2] == ("partial_outage", tip(bar, "19 Nov 2026")[1])
    assert "87.50% available" in tip(bar, "19 Nov 2026")[1]
    assert tip(bar, "18 Nov 2026")[0] == "degraded_performance"
    assert "100.00% available" in tip(bar, "18 Nov 2026")[1]
    # 1 - 1.45 / 24 = 93.958 %, rounded down so downtime never shows as more uptime.
    assert "93.95% available" in tip(bar, "17 Nov 2026")[1]
    assert "94.44% available" in tip(bar, "16 Nov 2026")[1]  # 1 h down of 18 h measured
    assert tip(bar, "16 Nov 2026")[0] == "major_outage"
    assert "75.00% available" in tip(bar, "22 Nov 2026")[1]
    assert "95.83% available" in tip(bar, "25 Aug 2026")[1]  # 1 h of 24
    assert tip(bar, "21 Nov 2026") == ("operational", "21 Nov 2026 100.00% available")
    assert all("Aug 1," not in text for _, text in bar)
    # The whole window: 89 full days and 12 h, minus 6 h of maintenance.
    measured = 89 * 24 + 12 - 6
    down = 2.4 + 3 + 1.45 + 1 + 3 + 1
    expected = f"{int((1 - down / measured) * 10000) / 100:.2f}% uptime"
    doc = site.page("index.html")
    totals = doc.xpath(
        "//ul[@class='components']/li[a[@href='components/api.html']]//span[@class='uptime-total']"
    )
    assert " ".join(totals[0].text_content().split()) == expected
    # Other components are untouched.
    assert {cls for cls, _ in home_bar(site, "db")} == {"operational"}


def test_days_with_incidents_are_rows_linked_from_the_bar(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project(CONTENT), now=NOW)
    home = site.page("index.html")
    # A cell is too small to tap: the bar links to the table of its days instead.
    assert home.xpath("//ol[@class='uptime-bar']//a") == []
    links = home.xpath("//p[@class='uptime-details']/a/@href")
    assert links == ["components/api.html#days"]  # the other components had no incident
    component = site.page("components/api.html")
    (table,) = component.xpath("//table[@id='days']")
    days = [row.get("id") for row in table.xpath("tbody/tr")]
    eventful = [cell for cell in home_bar(site, "api") if "(" in cell[1]]
    assert len(days) == len(eventful) and "day-2026-11-20" in days
    row = component.xpath("//tr[@id='day-2026-11-17']")[0]
    text = " ".join(row.text_content().split())
    assert text.startswith("17 Nov 2026 93.95%")
    assert "major_outage 2026-11-17 10:00" in text and "partial_outage 2026-11-17 10:30" in text
    maintenance_row = " ".join(component.xpath("string(//tr[@id='day-2026-11-16'])").split())
    assert "Work 2026-11-16 00:00 · Under maintenance" in maintenance_row
    assert len(component.xpath("//ol[@class='uptime-bar']/li")) == 90
    weights = " ".join(
        component.xpath(
            "string(//section[@aria-labelledby='uptime-title']/p[@class='quiet'][last()])"
        ).split()
    )
    assert weights == (
        "How downtime counts: Major outage 100.00%, Partial outage 30.00%, "
        "Degraded performance 0.00%; maintenance windows are left out."
    )


def test_weights_and_days_are_configurable(make_project: MakeProject, build_site: Build) -> None:
    config = (
        COMPONENTS
        + "uptime:\n  days: 30\n  weights: {partial_outage: 1, degraded_performance: 0.5}\n"
    )
    site = build_site(make_project(CONTENT, components=config), now=NOW)
    bar = home_bar(site, "api")
    assert len(bar) == 30
    assert bar[0][1].startswith("24 Oct 2026")
    assert "58.33% available" in tip(bar, "19 Nov 2026")[1]  # 10 h of 24 count fully
    assert "75.00% available" in tip(bar, "18 Nov 2026")[1]  # 12 h at 50 %


def test_a_day_is_its_real_length_across_a_dst_change(
    make_project: MakeProject, build_site: Build
) -> None:
    berlin = COMPONENTS.replace("America/Sao_Paulo", "Europe/Berlin")
    files = {
        # 29 March 2026 has 23 hours in Berlin: 2.3 h is 10 % of it.
        "incidents/a.md": outage("2026-03-29 10:00", "2026-03-29 12:18", "major_outage"),
        # 25 October 2026 has 25 hours: 2.5 h is 10 %.
        "incidents/b.md": outage("2026-10-25 10:00", "2026-10-25 12:30", "major_outage"),
    }
    spring = build_site(
        make_project(files, components=berlin),
        now=datetime(2026, 4, 10, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),
    )
    assert "90.00% available" in tip(home_bar(spring, "api"), "29 Mar 2026")[1]
    autumn = build_site(
        make_project(files, components=berlin),
        now=datetime(2026, 11, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),
    )
    assert "90.00% available" in tip(home_bar(autumn, "api"), "25 Oct 2026")[1]


def test_future_days_and_all_day_maintenance_show_no_data(
    make_project: MakeProject, build_site: Build
) -> None:
    files = {"incidents/m.md": maintenance("2026-11-21 00:00", "2026-11-22 00:00")}
    site = build_site(make_project(files), now=NOW)
    cls, text = tip(home_bar(site, "api"), "21 Nov 2026")
    assert (cls, text) == (
        "under_maintenance",
        "21 Nov 2026 Under maintenance Work 2026-11-21 00:00 (Under maintenance)",
    )
    # Scheduled maintenance that has not begun excludes nothing yet.
    upcoming = {"incidents/m.md": maintenance("2026-11-23 00:00", "2026-11-23 06:00")}
    site = build_site(make_project(upcoming), now=NOW)
    assert {cls for cls, _ in home_bar(site, "api")} == {"operational"}


def test_uptime_is_deterministic_and_moves_with_now(
    make_project: MakeProject, build_site: Build, tmp_path
) -> None:
    project = make_project(CONTENT)
    first = build_site(project, now=NOW, out=tmp_path / "one")
    second = build_site(project, now=NOW, out=tmp_path / "two")
    assert (first.out / "index.html").read_bytes() == (second.out / "index.html").read_bytes()
    later = build_site(project, now=NOW + timedelta(days=1), out=tmp_path / "three")
    bar = home_bar(later, "api")
    assert bar[-1][1].startswith("23 Nov 2026") and bar[0][1].startswith("26 Aug 2026")


@pytest.mark.parametrize(
    ("uptime", "message"),
    [
        (
            "uptime:\n  days: 0\n",
            "components.yaml:18: uptime days '0' must be a whole number from 1 to 366",
        ),
        (
            "uptime:\n  weights: {major_outage: 2}\n",
            "components.yaml:18: uptime weight of major_outage '2' must be a number from 0 to 1",
        ),
        (
            "uptime:\n  weights: {outage: 1}\n",
            "components.yaml:18: unknown uptime weight key 'outage' (did you mean 'major_outage'?)",
        ),
        (
            "uptime:\n  weights: [1, 0.3]\n",
            "components.yaml:18: uptime weights must map major_outage, partial_outage, degraded_performance to a number",
        ),
        ("uptime: 90\n", "components.yaml:17: 'uptime' must be a mapping of days and weights"),
    ],
)
def test_uptime_configuration_errors(make_project: MakeProject, uptime: str, message: str) -> None:
    with pytest.raises(BuildFailed) as failure:
        load_site(make_project(components=COMPONENTS + uptime))
    assert [str(e) for e in failure.value.errors] == [message]
