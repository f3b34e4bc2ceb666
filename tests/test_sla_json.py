"""The SLA data of the JSON API as a dashboard reads it: `api/sla.json`, an index of the recent
items and of the months, and one file per month with every item that started in it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from statusgen.build import build
from statusgen.outputs import sla_api
from tests.conftest import COMPONENTS, TZ, BuiltSite, MakeProject, incident
from tests.test_cache import files

Build = Callable[..., BuiltSite]
URL = "https://example.github.io/status/"
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=TZ)  # São Paulo: UTC-03:00 all year

SLA = """
calendars:
  comercial-são-paulo: {days: [mon, tue, wed, thu, fri], hours: ["09:00-18:00"]}
priorities:
  default: {critical: P1, major: P2, minor: P2, none: P4}
policies:
  default:
    P1: {first_response: 30m, resolution: 4h}
    P2: {first_response: 2h, resolution: 24h, calendar: comercial-são-paulo}
    maintenance: {notice: 48h}
"""


def closed(started: str, impact: str = "major") -> str:
    """Answered after five minutes, resolved after an hour."""
    begun = datetime.fromisoformat(started)
    return incident(
        f"title: Incident of {started}\nimpact: {impact}\ncomponents: [api]\nstarted: {started}",
        f"## Resolved {begun + timedelta(hours=1):%Y-%m-%d %H:%M}\nFixed.\n\n"
        f"## Investigating {begun + timedelta(minutes=5):%Y-%m-%d %H:%M}\nLooking.\n",
    )


def still_open(started: str) -> str:
    begun = datetime.fromisoformat(started)
    return incident(
        f"title: Open since {started}\nimpact: critical\ncomponents: [api]\nstarted: {started}",
        f"## Investigating {begun + timedelta(minutes=5):%Y-%m-%d %H:%M}\nLooking.\n",
    )


def planned(start: str, announced: str) -> str:
    begun = datetime.fromisoformat(start)
    return incident(
        f"type: maintenance\ntitle: Work of {start}\ncomponents: [web]\n"
        f"scheduled_start: {start}\nscheduled_end: {begun + timedelta(hours=2):%Y-%m-%d %H:%M}",
        f"## Scheduled {announced}\nPlanned.\n",
    )


FILES = {
    "incidents/2024/early.md": closed("2024-03-10 10:00"),
    # 22:30 in São Paulo is 01:30 the next day in UTC: the site's month, December, holds it.
    "incidents/2025/new-year.md": closed("2025-12-31 22:30"),
    "incidents/2026/january.md": closed("2026-01-05 10:00"),
    "incidents/2026/november.md": closed("2026-11-02 10:00"),
    "incidents/2026/session-drop.md": closed("2026-11-10 08:00"),
    "incidents/2026/ongoing.md": still_open("2026-11-20 10:00"),
    # P4, which no policy covers: no SLA object, so in no file.
    "incidents/2026/cosmetic.md": closed("2026-11-12 10:00", impact="none"),
    "incidents/2025/june-work.md": planned("2025-06-07 01:00", "2025-06-01 10:00"),
    "incidents/2026/next-work.md": planned("2026-11-28 01:00", "2026-11-16 10:00"),
}


def project(make_project: MakeProject, files: dict[str, str] = FILES, extra: str = "") -> Path:
    return make_project(dict(files), components=COMPONENTS + SLA + extra)


def read(out: Path, path: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / path).read_text(encoding="utf-8"))
    return data


def month_files(out: Path) -> dict[str, dict[str, Any]]:
    """Every file under api/sla/, by its path."""
    return {
        p.relative_to(out).as_posix(): read(out, p.relative_to(out).as_posix())
        for p in sorted((out / "api/sla").iterdir())
    }


def api_list(out: Path, path: str, key: str, field: str) -> dict[str, Any]:
    """The `field` of each object an `api/v2` list holds, by id."""
    return {o["id"]: o[field] for o in read(out, f"api/v2/{path}")[key]}


def test_the_index_lists_every_month_with_its_counts_and_newest_update(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(project(make_project), now=NOW)
    index = read(site.out, "api/sla.json")
    assert list(index) == ["incidents", "maintenance", "periods"]
    # Newest first; each month's newest update (or transition made on schedule), in UTC.
    assert index["periods"] == [
        {
            "period": "2026-11",
            "url": f"{URL}api/sla/2026-11.json",
            "incidents": 3,
            "maintenance": 1,
            "updated_at": "2026-11-20T13:05:00Z",  # ongoing's first update, 10:05 local
        },
        {
            "period": "2026-01",
            "url": f"{URL}api/sla/2026-01.json",
            "incidents": 1,
            "maintenance": 0,
            "updated_at": "2026-01-05T14:00:00Z",
        },
        {
            "period": "2025-12",
            "url": f"{URL}api/sla/2025-12.json",
            "incidents": 1,
            "maintenance": 0,
            "updated_at": "2026-01-01T02:30:00Z",  # resolved at 23:30 local on the 31st
        },
        {
            "period": "2025-06",
            "url": f"{URL}api/sla/2025-06.json",
            "incidents": 0,
            "maintenance": 1,
            "updated_at": "2025-06-07T06:00:00Z",  # completed on schedule at 03:00 local
        },
        {
            "period": "2024-03",
            "url": f"{URL}api/sla/2024-03.json",
            "incidents": 1,
            "maintenance": 0,
            "updated_at": "2024-03-10T14:00:00Z",
        },
    ]
    months = month_files(site.out)
    # Every URL is a file of the site, and there is no other.
    assert sorted(months) == sorted(p["url"].removeprefix(URL) for p in index["periods"])
    for period in index["periods"]:
        month = months[period["url"].removeprefix(URL)]
        assert list(month) == ["incidents", "maintenance"]
        assert (len(month["incidents"]), len(month["maintenance"])) == (
            period["incidents"],
            period["maintenance"],
        )
    assert list(months["api/sla/2026-11.json"]["incidents"]) == [
        "november",
        "ongoing",
        "session-drop",
    ]
    assert list(months["api/sla/2025-12.json"]["incidents"]) == ["new-year"]
    assert list(months["api/sla/2025-06.json"]["maintenance"]) == ["june-work"]


def test_every_sla_object_is_in_exactly_one_month_as_the_api_shows_it(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(project(make_project), now=NOW)
    months = month_files(site.out).values()
    listed = [i for month in months for i in month["incidents"].items()]
    checks = [m for month in months for m in month["maintenance"].items()]
    assert len({i for i, _ in listed}) == len(listed)
    assert len({m for m, _ in checks}) == len(checks)
    # The same objects as the Statuspage endpoints carry, for every incident that has one.
    slas = api_list(site.out, "incidents.json", "incidents", "sla")
    assert slas.pop("cosmetic") is None
    assert dict(listed) == slas
    policies = api_list(
        site.out, "scheduled-maintenances.json", "scheduled_maintenances", "maintenance_policy"
    )
    assert dict(checks) == policies
    assert dict(listed)["ongoing"]["resolution"]["state"] == "breached"  # P1: 4 h, 24x7
    # A few items: the index holds them all, as their months do.
    index = read(site.out, "api/sla.json")
    assert index["incidents"] == slas and index["maintenance"] == policies


def test_the_files_are_utf_8_in_a_fixed_order(
    make_project: MakeProject, build_site: Build, tmp_path: Path
) -> None:
    root = project(make_project)
    site = build_site(root, now=NOW, out=tmp_path / "a")
    raw = (site.out / "api/sla/2026-11.json").read_bytes()
    assert "comercial-são-paulo".encode() in raw and b"\\u" not in raw
    assert raw.endswith(b"}\n") and b"\n" not in raw[:-1]
    build(root, tmp_path / "b", now=NOW, use_cache=False)
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_the_index_holds_the_fifty_newest_and_every_older_open_incident(
    make_project: MakeProject, build_site: Build
) -> None:
    day = datetime(2026, 8, 1, 10, 0, tzinfo=TZ)
    newest_first = [f"i{n:02d}" for n in reversed(range(55))]
    content = {
        **{
            f"incidents/i{n:02d}.md": closed(f"{day + timedelta(days=n):%Y-%m-%d %H:%M}")
            for n in range(55)
        },
        "incidents/forgotten.md": still_open("2026-02-03 10:00"),
        **{
            f"incidents/m{n:02d}.md": planned(
                f"{day + timedelta(days=n, hours=15):%Y-%m-%d %H:%M}",
                f"{day + timedelta(days=n - 3):%Y-%m-%d %H:%M}",
            )
            for n in range(52)
        },
    }
    site = build_site(project(make_project, content), now=NOW)
    index = read(site.out, "api/sla.json")
    assert sorted(index["incidents"]) == sorted([*newest_first[:50], "forgotten"])
    assert sorted(index["maintenance"]) == sorted(f"m{n:02d}" for n in range(2, 52))
    # What the index holds is what the months hold, object for object.
    months = month_files(site.out).values()
    every_incident = {i: o for month in months for i, o in month["incidents"].items()}
    every_check = {m: o for month in months for m, o in month["maintenance"].items()}
    assert len(every_incident) == 56 and len(every_check) == 52
    for incident_id, sla in index["incidents"].items():
        assert every_incident[incident_id] == sla
    for maintenance_id, check in index["maintenance"].items():
        assert every_check[maintenance_id] == check
    assert [p["period"] for p in index["periods"]] == ["2026-09", "2026-08", "2026-02"]
    assert sum(p["incidents"] for p in index["periods"]) == 56
    assert sum(p["maintenance"] for p in index["periods"]) == 52


def test_a_summary_publishes_the_same_files_with_outcomes_only(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(project(make_project, extra="\nsla:\n  public: summary\n"), now=NOW)
    index = read(site.out, "api/sla.json")
    assert [p["period"] for p in index["periods"]] == [
        "2026-11",
        "2026-01",
        "2025-12",
        "2025-06",
        "2024-03",
    ]
    november = read(site.out, "api/sla/2026-11.json")
    assert november["incidents"]["ongoing"] == {
        "first_response": {"state": "met"},
        "resolution": {"state": "breached"},  # 4 h on a 24x7 clock, two days ago
    }
    assert november["maintenance"]["next-work"] == {
        "notice": {"met": True},
        "window": None,
        "work": None,  # not begun
        "honoured": True,
    }
    assert index["incidents"]["ongoing"] == november["incidents"]["ongoing"]
    assert index["maintenance"]["next-work"] == november["maintenance"]["next-work"]


def test_none_publishes_no_sla_file(make_project: MakeProject, build_site: Build) -> None:
    site = build_site(project(make_project, extra="\nsla:\n  public: none\n"), now=NOW)
    assert (site.out / "api/v2/incidents.json").exists()
    assert not (site.out / "api/sla.json").exists()
    assert not (site.out / "api/sla").exists()


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The SLA files drawn (not reused from the previous build), in this process."""
    paths: list[str] = []
    draw_month, draw_index = sla_api.period_file, sla_api.index_file

    def month(texts: sla_api.SlaTexts, period: sla_api.Period) -> bytes:
        paths.append(period.path)
        return draw_month(texts, period)

    def index(*arguments: Any) -> bytes:
        paths.append(sla_api.INDEX)
        return draw_index(*arguments)

    monkeypatch.setenv("STATUSGEN_WORKERS", "1")
    monkeypatch.setattr(sla_api, "period_file", month)
    monkeypatch.setattr(sla_api, "index_file", index)
    return paths


def edit(project: Path, path: str, old: str, new: str) -> None:
    file = project / path
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new))


def test_an_edit_redraws_only_its_months_file_and_the_index(
    make_project: MakeProject, tmp_path: Path, drawn: list[str]
) -> None:
    root = project(make_project)
    build(root, tmp_path / "site", now=NOW)
    assert len(drawn) == 6
    drawn.clear()
    build(root, tmp_path / "site", now=NOW)
    assert drawn == []
    edit(root, "incidents/2025/new-year.md", "Fixed.", "Fixed, at last.")
    build(root, tmp_path / "site", now=NOW)
    assert sorted(drawn) == ["api/sla.json", "api/sla/2025-12.json"]
    # Later, the open incident's clock has moved: its month is drawn again, the others are not.
    drawn.clear()
    build(root, tmp_path / "site", now=NOW + timedelta(hours=1))
    assert sorted(drawn) == ["api/sla.json", "api/sla/2026-11.json"]


def edited_in_2025(project: Path) -> None:
    edit(project, "incidents/2025/new-year.md", "Fixed.", "Fixed, at last.")


def moved_to_another_month(project: Path) -> None:
    # January's only incident now started in March 2024: January's file goes, March's grows.
    edit(project, "incidents/2026/january.md", "2026-01-05", "2024-03-05")


def last_of_its_month_deleted(project: Path) -> None:
    (project / "incidents/2024/early.md").unlink()


def maintenance_brought_forward(project: Path) -> None:
    # Its window now opens a day after it was announced: the notice is no longer kept.
    edit(project, "incidents/2026/next-work.md", "2026-11-28", "2026-11-17")


def maintenance_deleted(project: Path) -> None:
    (project / "incidents/2025/june-work.md").unlink()


@pytest.mark.parametrize(
    ("change", "gone"),
    [
        (edited_in_2025, None),
        (moved_to_another_month, "api/sla/2026-01.json"),
        (last_of_its_month_deleted, "api/sla/2024-03.json"),
        (maintenance_brought_forward, None),
        (maintenance_deleted, "api/sla/2025-06.json"),
    ],
)
def test_a_cached_build_after_a_change_writes_the_bytes_of_a_cold_one(
    make_project: MakeProject,
    tmp_path: Path,
    change: Callable[[Path], None],
    gone: str | None,
) -> None:
    root = project(make_project)
    build(root, tmp_path / "warm", now=NOW)
    change(root)
    build(root, tmp_path / "warm", now=NOW)
    build(root, tmp_path / "cold", now=NOW, use_cache=False)
    assert files(tmp_path / "warm") == files(tmp_path / "cold")
    index = read(tmp_path / "warm", "api/sla.json")
    listed = sorted(p["url"].removeprefix(URL) for p in index["periods"])
    assert sorted(month_files(tmp_path / "warm")) == listed
    if gone is not None:
        assert gone not in listed and not (tmp_path / "warm" / gone).exists()
    if change is maintenance_brought_forward:
        november = read(tmp_path / "warm", "api/sla/2026-11.json")
        assert november["maintenance"]["next-work"]["notice"]["met"] is False
