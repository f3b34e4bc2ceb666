"""The build cache: a cached build writes exactly the bytes of a cold one, and reuses what it can."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date, timedelta
from importlib import metadata, resources
from pathlib import Path

import pytest

import statusgen.engine.fingerprint as fingerprint
from statusgen.build import build
from statusgen.engine import loading
from statusgen.engine.store import CACHE_DIR
from statusgen.errors import StatusgenError
from statusgen.load.holidays import HolidaysSpec
from tests.conftest import COMPONENTS, NOW, REPO, incident

SLA = """
calendars:
  business: {days: [mon, tue, wed, thu, fri], hours: ["09:00-18:00"], holidays: {country: BR}}
priorities:
  default: {critical: P1, major: P2, minor: P3, none: P4}
policies:
  default:
    P1: {first_response: 30m, resolution: 4h}
    P2: {first_response: 2h, resolution: 2bd, calendar: business}
    P3: {first_response: 8h, resolution: none, calendar: business}
    P4: {first_response: 2bd, resolution: none, calendar: business}
    maintenance: {notice: 2bd, calendar: business, windows: ["sat-sun 00:00-06:00"]}
"""


def closed(n: int) -> str:
    return incident(
        f"title: Closed {n}\nimpact: major\ncomponents: [db]\nstarted: 2026-10-{n + 1:02d} 10:00",
        f"## Resolved 2026-10-{n + 1:02d} 12:00\nFixed {n}.\n\n"
        f"## Investigating 2026-10-{n + 1:02d} 10:05\nLooking {n}.\n",
    )


FILES = {
    **{f"incidents/closed-{n}.md": closed(n) for n in range(8)},
    "incidents/open.md": incident(
        "title: Open\nimpact: critical\ncomponents: [api]\nstarted: 2026-11-22 09:00",
        "## Identified 2026-11-22 09:30\nA disk.\n",
    ),
    "incidents/maint.md": incident(
        "type: maintenance\ntitle: Upgrade\ncomponents: [web]\n"
        "scheduled_start: 2026-11-28 01:00\nscheduled_end: 2026-11-28 03:00",
        "## Scheduled 2026-11-20 10:00\nPlanned.\n",
    ),
}


# The site's own images, which components.yaml names but does not hold.
BRAND = """  logo: brand/logo.svg
  favicon: brand/icon.png
  accent: "#0b57d0"
"""
LOGO = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'
)
ICON = b"\x89PNG\r\n\x1a\n" + bytes(24)


def make(tmp_path: Path, name: str, *, brand: bool = False) -> Path:
    """The project of these tests; with `brand`, a logo, favicon and accent too."""
    project = tmp_path / name
    project.mkdir()
    config = COMPONENTS
    if brand:
        config = config.replace(
            "  timezone: America/Sao_Paulo\n", f"  timezone: America/Sao_Paulo\n{BRAND}"
        )
        (project / "brand").mkdir()
        (project / "brand/logo.svg").write_bytes(LOGO)
        (project / "brand/icon.png").write_bytes(ICON)
    (project / "components.yaml").write_text(config + SLA)
    for rel, text in FILES.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    return project


def files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def inodes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}


def edit_content(project: Path) -> None:
    path = project / "incidents/closed-3.md"
    path.write_text(path.read_text().replace("Closed 3", "Closed three"))


def edit_template(project: Path) -> None:
    (project / "templates").mkdir()
    (project / "templates/base.html").write_text(
        '{% extends "default/base.html" %}{% block footer_extra %}<p>Hi</p>{% endblock %}'
    )


def edit_config(project: Path) -> None:
    path = project / "components.yaml"
    path.write_text(path.read_text().replace("Example Status", "Renamed Status"))


def edit_logo(project: Path) -> None:
    (project / "brand/logo.svg").write_bytes(LOGO.replace(b"<rect", b'<circle r="4"'))


def edit_favicon(project: Path) -> None:
    (project / "brand/icon.png").write_bytes(ICON + b"more")


def edit_accent(project: Path) -> None:
    path = project / "components.yaml"
    path.write_text(path.read_text().replace("#0b57d0", "#ffcc00"))


def delete(project: Path) -> None:
    (project / "incidents/closed-5.md").unlink()


def rename(project: Path) -> None:
    (project / "incidents/closed-2.md").rename(project / "incidents/renamed.md")


def nothing(project: Path) -> None:
    pass


@pytest.mark.parametrize(
    "change",
    [
        edit_content,
        edit_template,
        edit_config,
        edit_logo,
        edit_favicon,
        edit_accent,
        delete,
        rename,
        nothing,
    ],
)
@pytest.mark.parametrize("later", [timedelta(0), timedelta(hours=5)])
def test_a_cached_build_writes_the_bytes_of_a_cold_build(
    tmp_path: Path, change: Callable[[Path], None], later: timedelta
) -> None:
    warm = make(tmp_path, "warm", brand=True)
    build(warm, warm / "site", now=NOW)
    change(warm)
    build(warm, warm / "site", now=NOW + later)
    cold = make(tmp_path, "cold", brand=True)
    change(cold)
    build(cold, cold / "site", now=NOW + later, use_cache=False)
    assert not (cold / CACHE_DIR).exists()
    assert files(warm / "site") == files(cold / "site")
    assert files(warm / "site")["brand/logo.svg"] == (warm / "brand/logo.svg").read_bytes()


def test_an_unchanged_rebuild_reuses_every_page_that_does_not_change_with_time(
    tmp_path: Path,
) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    before = inodes(project / "site")
    build(project, project / "site", now=NOW + timedelta(hours=1))
    after = inodes(project / "site")
    reused = {path for path in before if before[path] == after.get(path)}
    assert "incidents/closed-3.html" in reused  # linked from the previous build
    assert "components/db-2.html" not in before  # (one page per component here)
    assert "history.atom" in reused and "maintenance.ics" in reused
    # What shows the build time or an open incident is made afresh.
    for fresh in ("index.html", "incidents/open.html", "components/api.html", "history/index.html"):
        assert fresh not in reused, fresh
    edit_content(project)
    build(project, project / "site", now=NOW + timedelta(hours=1))
    again = inodes(project / "site")
    assert again["incidents/closed-3.html"] != after["incidents/closed-3.html"]
    assert again["incidents/closed-4.html"] == after["incidents/closed-4.html"]


def test_a_build_without_cache_links_the_files_whose_bytes_did_not_change(
    tmp_path: Path,
) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW, use_cache=False)
    before = inodes(project / "site")
    edit_content(project)
    build(project, project / "site", now=NOW + timedelta(hours=1), use_cache=False)
    after = inodes(project / "site")
    assert after["incidents/closed-4.html"] == before["incidents/closed-4.html"]
    assert after["incidents/closed-3.html"] != before["incidents/closed-3.html"]
    assert after["index.html"] != before["index.html"]  # "as of" moved on
    cold = make(tmp_path, "cold")
    edit_content(cold)
    build(cold, cold / "site", now=NOW + timedelta(hours=1), use_cache=False)
    assert files(project / "site") == files(cold / "site")


def test_another_markdown_converter_parses_every_incident_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from statusgen.engine import fingerprint
    from statusgen.load import incident as incident_reading

    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    assert "Fixed 3." in (project / "site/incidents/closed-3.html").read_text()
    # What a new Markdown or sanitizer release would do: other HTML for the same text.
    monkeypatch.setattr(fingerprint, "CONVERTER", fingerprint.CONVERTER + " (newer)")
    monkeypatch.setattr(incident_reading, "markdown_to_html", lambda text: "<p>converted anew</p>")
    build(project, project / "site", now=NOW)
    page = (project / "site/incidents/closed-3.html").read_text()
    assert "converted anew" in page and "Fixed 3." not in page


def test_a_damaged_or_foreign_cache_is_ignored(tmp_path: Path) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    (project / CACHE_DIR / "build.cache").write_bytes(b"not a cache")
    build(project, project / "site", now=NOW)
    cold = make(tmp_path, "cold")
    build(cold, cold / "site", now=NOW, use_cache=False)
    assert files(project / "site") == files(cold / "site")
    # Building into another folder does not take files from the first one.
    build(project, tmp_path / "elsewhere", now=NOW)
    assert files(tmp_path / "elsewhere") == files(cold / "site")


def test_a_file_changed_in_the_site_folder_is_not_reused(tmp_path: Path) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    page = project / "site/incidents/closed-1.html"
    page.write_bytes(page.read_bytes() + b"<!-- edited by hand -->")
    build(project, project / "site", now=NOW)
    cold = make(tmp_path, "cold")
    build(cold, cold / "site", now=NOW, use_cache=False)
    assert files(project / "site") == files(cold / "site")


def test_the_example_site_builds_the_same_with_and_without_cache(tmp_path: Path) -> None:
    project = tmp_path / "example"
    shutil.copytree(REPO / "incidents", project / "incidents")
    shutil.copy(REPO / "components.yaml", project / "components.yaml")
    shutil.copytree(REPO / "templates", project / "templates")
    build(project, tmp_path / "a", now=NOW)
    build(project, tmp_path / "a", now=NOW + timedelta(days=1))
    build(project, tmp_path / "b", now=NOW + timedelta(days=1), use_cache=False)
    assert files(tmp_path / "a") == files(tmp_path / "b")


def many(count: int) -> dict[str, str]:
    return {
        f"incidents/i{n:03d}.md": incident(
            f"title: Incident {n}\nimpact: minor\ncomponents: [db]",
            f"## Resolved 2026-{n % 9 + 1:02d}-{n % 27 + 1:02d} 1{n % 10}:00\nDone {n}.\n",
        )
        for n in range(count)
    }


def test_rendering_on_several_processes_writes_the_same_bytes(
    make_project: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Enough files to be parsed, annotated and rendered on several processes.
    project = make_project(many(520), components=COMPONENTS + SLA)
    monkeypatch.setenv("STATUSGEN_WORKERS", "3")
    build(project, tmp_path / "parallel", now=NOW, use_cache=False)
    monkeypatch.setenv("STATUSGEN_WORKERS", "1")
    build(project, tmp_path / "serial", now=NOW, use_cache=False)
    assert files(tmp_path / "parallel") == files(tmp_path / "serial")
    assert len(files(tmp_path / "serial")) > 520
    assert b'"priority":"P3"' in files(tmp_path / "serial")["api/sla.json"]


@pytest.mark.parametrize("workers", ["1", "3"])
def test_a_broken_template_is_reported_by_name_and_line(
    make_project: Callable[..., Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    workers: str,
) -> None:
    project = make_project(
        {
            **many(260),
            "templates/incident.html": '{% extends "default/incident.html" %}\n'
            "{% block title %}{{ incident.no_such_field }}{% endblock %}\n",
        }
    )
    monkeypatch.setenv("STATUSGEN_WORKERS", workers)
    with pytest.raises(StatusgenError, match=r"template error in incident\.html: .*no_such_field"):
        build(project, tmp_path / "site", now=NOW)
    (project / "templates/incident.html").write_text("{% block title %\n")
    with pytest.raises(StatusgenError, match=r"templates/incident\.html:1: "):
        build(project, tmp_path / "site", now=NOW)
    assert not (tmp_path / "site").exists()


def test_parsing_on_several_processes_finds_the_same_site_and_errors(
    make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from statusgen.errors import BuildFailed
    from statusgen.load import load_site

    project = make_project(many(520))  # enough files to be shared out
    results = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("STATUSGEN_WORKERS", workers)
        results[workers] = load_site(project)
    assert results["1"] == results["2"]
    (project / "incidents/i007.md").write_text("---\ntitle: X\nimpact: huge\n---\n")
    (project / "incidents/i300.md").write_text("no front matter\n")
    messages = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("STATUSGEN_WORKERS", workers)
        with pytest.raises(BuildFailed) as failed:
            load_site(project)
        messages[workers] = [str(e) for e in failed.value.errors]
    assert messages["1"] == messages["2"]
    assert [m.split(":")[0] for m in messages["1"]] == ["incidents/i007.md", "incidents/i300.md"]


def test_a_cache_written_by_several_processes_is_read_back_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from statusgen.engine import store as cache

    monkeypatch.setattr(cache, "_PARALLEL_SAVE", 1)
    monkeypatch.setenv("STATUSGEN_WORKERS", "2")
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    warnings: list[str] = []
    kept = cache.load_cache(project, warnings.append)
    assert not warnings
    assert set(kept.incidents) == set(FILES)
    assert {f"closed-{n}" for n in range(8)} <= set(kept.annotations)
    assert not list((project / CACHE_DIR).glob(".write-*"))


def test_a_broken_macros_file_is_reported_after_the_content_errors(
    make_project: Callable[..., Path], tmp_path: Path
) -> None:
    project = make_project(
        {**many(3), "templates/macros.html": "{% macro icon(kind) %}\n{{ kind \n"}
    )
    with pytest.raises(StatusgenError, match=r"templates/macros\.html:2: "):
        build(project, tmp_path / "site", now=NOW)
    # A content error comes first: it is the one to fix before templates can be tried.
    (project / "incidents/i001.md").write_text("---\ntitle: X\nimpact: huge\n---\n")
    from statusgen.errors import BuildFailed

    with pytest.raises(BuildFailed):
        build(project, tmp_path / "site", now=NOW)
    assert not (tmp_path / "site").exists()


def test_holidays_are_read_again_only_for_another_country_or_package_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", "1")  # read here, where they can be counted
    project = make(tmp_path, "site")
    reads: list[str] = []
    read = loading.read_holidays

    def counted(spec: HolidaysSpec) -> object:
        reads.append(spec.country)
        return read(spec)

    monkeypatch.setattr(loading, "read_holidays", counted)
    build(project, project / "site", now=NOW)
    build(project, project / "site", now=NOW)
    assert reads == ["BR"]  # the second build took them from the cache
    config = project / "components.yaml"
    config.write_text(config.read_text().replace("country: BR", "country: PT"))
    build(project, project / "site", now=NOW)
    assert reads == ["BR", "PT"]
    monkeypatch.setattr(loading, "library_version", lambda library: "another")
    build(project, project / "site", now=NOW)
    assert reads == ["BR", "PT", "PT"]


def test_new_time_zone_rules_are_not_served_from_the_cache(tmp_path: Path) -> None:
    # The zone's rules as the system would ship them, then changed: São Paulo given Lisbon's.
    rules = tmp_path / "zoneinfo"
    (rules / "America").mkdir(parents=True)
    tzdata = Path(str(resources.files("tzdata.zoneinfo")))
    shutil.copy(tzdata / "America/Sao_Paulo", rules / "America/Sao_Paulo")
    env = {**os.environ, "PYTHONTZPATH": str(rules), "STATUSGEN_WORKERS": "1"}

    def run(project: Path, *extra: str) -> None:
        command = [sys.executable, "-m", "statusgen", "-C", str(project), "build", "-q"]
        result = subprocess.run(
            [*command, "--now", "2026-11-22T15:00Z", *extra],
            env={**env, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr

    warm = make(tmp_path, "warm")
    run(warm)
    before = files(warm / "site")
    shutil.copy(tzdata / "Europe/Lisbon", rules / "America/Sao_Paulo")
    run(warm)
    cold = make(tmp_path, "cold")
    run(cold, "--no-cache")
    assert files(warm / "site") == files(cold / "site")
    assert files(warm / "site") != before  # the new rules do show


def test_a_new_holiday_is_not_served_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warm = make(tmp_path, "warm")
    build(warm, warm / "site", now=NOW)
    before = files(warm / "site")
    # A later release of the holidays package declares Friday 2 October 2026 a holiday: the
    # resolution of an incident that day (2 business days) is due a working day later.
    import holidays

    real = holidays.country_holidays

    def with_a_new_holiday(country: str, **options: object) -> holidays.HolidayBase:
        found = real(country, **options)  # type: ignore[arg-type]
        found[date(2026, 10, 2)] = "A new holiday"
        return found

    monkeypatch.setattr(holidays, "country_holidays", with_a_new_holiday)
    # ... and is installed where Python looks first (its code stays this one).
    newer = tmp_path / "newer"
    (newer / "holidays-9999.1.dist-info").mkdir(parents=True)
    (newer / "holidays-9999.1.dist-info" / "METADATA").write_text(
        "Name: holidays\nVersion: 9999.1\n"
    )
    monkeypatch.syspath_prepend(str(newer))
    fingerprint.library_version.cache_clear()  # read once per process: as a new process would
    try:
        build(warm, warm / "site", now=NOW)
        cold = make(tmp_path, "cold")
        build(cold, cold / "site", now=NOW, use_cache=False)
    finally:
        fingerprint.library_version.cache_clear()
    assert files(warm / "site") == files(cold / "site")
    assert files(warm / "site") != before


def test_library_versions_are_those_python_would_import() -> None:
    for library in (*fingerprint.LIBRARIES, "tzdata"):
        assert fingerprint.library_version(library) == metadata.version(library)
    assert fingerprint.library_version("no-such-library-here") == "?"
