"""The build cache against what a careless or hostile hand does to a project: every case here
once made a cached build differ from a cold one, hang, fail or run code of the project's."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from statusgen.build import build
from statusgen.cli import main
from statusgen.engine import store
from statusgen.engine.store import CACHE_DIR
from tests.conftest import COMPONENTS, NOW, TZ, incident
from tests.test_cache import files, make
from tests.test_engine import cold

MAINTENANCE = incident(
    "type: maintenance\ntitle: Upgrade\ncomponents: [web]\n"
    "scheduled_start: 2026-11-28 00:00\nscheduled_end: 2026-11-28 04:00",
    "## Completed 2026-11-28 05:00\nDone, an hour late.\n\n"
    "## Scheduled 2026-11-20 14:00\nPlanned.\n",
)


def cached_equals_cold(project: Path, tmp_path: Path, now: datetime) -> None:
    build(project, project / "site", now=now)
    twin = tmp_path / f"cold-{now:%H%M%S}"
    twin.mkdir()
    for path in [project / "components.yaml", *project.rglob("*.md")]:
        target = twin / path.relative_to(project)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    if (project / "templates").exists():  # links copied as what they hold
        shutil.copytree(project / "templates", twin / "templates")
    build(twin, twin / "site", now=now, use_cache=False)
    assert files(project / "site") == files(twin / "site")


def test_a_late_completion_replaces_the_automatic_one_in_a_cached_build(tmp_path: Path) -> None:
    project = make(tmp_path, "p")
    (project / "incidents/maint.md").write_text(MAINTENANCE)
    cached_equals_cold(project, tmp_path, datetime(2026, 11, 28, 4, 30, tzinfo=TZ))
    cached_equals_cold(project, tmp_path, datetime(2026, 11, 28, 6, 0, tzinfo=TZ))
    page = (project / "site/incidents/maint.html").read_text()
    assert "Done, an hour late." in page


def test_an_edit_that_keeps_the_size_and_time_of_a_file_is_seen(tmp_path: Path) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    path = project / "incidents/closed-3.md"
    before = path.stat()
    path.write_text(path.read_text().replace("Fixed 3.", "Fixed X."))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` would
    assert path.stat().st_size == before.st_size
    cached_equals_cold(project, tmp_path, NOW)
    assert "Fixed X." in (project / "site/incidents/closed-3.html").read_text()


def test_two_files_of_one_size_and_time_swapped_by_name_are_seen(tmp_path: Path) -> None:
    project = make(tmp_path, "p")
    one, two = project / "incidents/closed-1.md", project / "incidents/closed-2.md"
    stamp = 1_700_000_000_000_000_000
    for path in (one, two):
        os.utime(path, ns=(stamp, stamp))  # as an archive would leave them
    build(project, project / "site", now=NOW)
    one.rename(project / "incidents/tmp.md")
    two.rename(one)
    (project / "incidents/tmp.md").rename(two)
    cached_equals_cold(project, tmp_path, NOW)


def test_a_template_saved_during_the_build_keeps_nothing_for_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    footer = project / "templates/partials/custom_footer.html"
    footer.parent.mkdir(parents=True)
    from statusgen.engine import writing

    draw = writing.write_site

    def saved_meanwhile(*args: object, **kwargs: object) -> object:
        footer.write_text("<p>Saved while the pages were drawn</p>")
        return draw(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(writing, "write_site", saved_meanwhile)
    assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0
    assert "changed during the build; nothing was kept" in capsys.readouterr().err
    monkeypatch.undo()
    cached_equals_cold(project, tmp_path, NOW)


def test_a_template_in_a_linked_folder_is_followed(tmp_path: Path) -> None:
    project = make(tmp_path, "p")
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "custom_footer.html").write_text("<p>1111</p>")
    (project / "templates").mkdir()
    (project / "templates/partials").symlink_to(shared, target_is_directory=True)
    build(project, project / "site", now=NOW)
    (shared / "custom_footer.html").write_text("<p>2222</p>")
    cached_equals_cold(project, tmp_path, NOW)
    assert "2222" in (project / "site/index.html").read_text()


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_broken_template_no_page_uses_fails_no_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    project = tmp_path / "p"
    (project / "incidents").mkdir(parents=True)
    (project / "components.yaml").write_text(COMPONENTS)  # no SLA: no report page
    (project / "templates").mkdir()
    (project / "templates/sla.html").write_text("{{ 1|no_such_filter }}")
    monkeypatch.setenv("STATUSGEN_WORKERS", workers)
    assert main(["-C", str(project), "check", "-q"]) == 0
    assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0


def shard(project: Path) -> Path:
    return next((project / CACHE_DIR).glob("incidents-*.cache"))


@pytest.mark.parametrize("kind", ["pipe", "device", "link"])
def test_a_cache_file_that_is_not_a_file_is_left_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    target = shard(project)
    target.unlink()
    if kind == "pipe":
        os.mkfifo(target)  # reading it would wait for a writer forever
    elif kind == "device":
        target.symlink_to("/dev/zero")  # reading it would never end
    else:
        target.symlink_to(shard(project))
    assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "warning: the build cache" in err[0]
    assert files(project / "site") == cold(tmp_path)


class Exploit:
    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, ("touch pwned",))


def test_a_cache_that_would_run_code_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    # Whole, with a digest that matches: as a cache committed to a project could arrive.
    payload = pickle.dumps(({}, "", Exploit()))
    digest = hashlib.blake2b(payload, digest_size=20).digest()
    (project / CACHE_DIR / "build.cache").write_bytes(store._HEADER + digest + payload)
    monkeypatch.chdir(tmp_path)
    assert main(["-C", str(project), "check", "-q"]) == 0
    assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0
    assert not (tmp_path / "pwned").exists()
    assert "is damaged" in capsys.readouterr().err
    assert files(project / "site") == cold(tmp_path)


def test_a_cache_cut_short_in_its_first_line_is_said_to_be_damaged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    summary = project / CACHE_DIR / "build.cache"
    summary.write_bytes(summary.read_bytes()[:30])
    assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0
    assert "is damaged" in capsys.readouterr().err


def test_a_pipe_in_the_site_folder_does_not_stop_the_build(tmp_path: Path) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    page = project / "site/index.html"
    page.unlink()
    os.mkfifo(page)
    build(project, project / "site", now=NOW + timedelta(hours=1))
    assert (project / "site/index.html").is_file()
