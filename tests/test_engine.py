"""The engine is invisible: the stages alone write the same bytes, and a cache that is stale,
damaged, unreadable or unwritable makes a build neither wrong nor failed."""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from statusgen import write
from statusgen.build import build
from statusgen.cli import main
from statusgen.derive import derive
from statusgen.engine import store
from statusgen.engine.store import CACHE_DIR
from statusgen.load import load_site
from statusgen.outputs import Inputs, site_outputs
from statusgen.render.environment import make_env
from tests.conftest import NOW
from tests.test_cache import files, make


def build_without_engine(project: Path, out: Path) -> None:
    """The pipeline of build.build, each stage called as it is, with nothing made fast."""
    with write.claim(project, out) as target:
        site = load_site(project)
        derived = derive(site, NOW)
        outputs = site_outputs(Inputs(site, derived, make_env(project, site.info)))
        write.write_site(outputs, target)


def built(tmp_path: Path) -> tuple[Path, Path]:
    """A project built once, with its cache: the project and its site."""
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    return project, project / "site"


def cold(tmp_path: Path) -> dict[str, bytes]:
    project = make(tmp_path, "cold")
    build(project, project / "site", now=NOW, use_cache=False)
    return files(project / "site")


def test_the_stages_alone_write_the_bytes_of_an_engine_build(tmp_path: Path) -> None:
    project = make(tmp_path, "p")
    build_without_engine(project, tmp_path / "plain")
    assert not (project / CACHE_DIR).exists()  # nothing was kept for later
    build(project, tmp_path / "engine", now=NOW)
    assert files(tmp_path / "plain") == files(tmp_path / "engine")


def same_size_edit(project: Path, old: str, new: str) -> None:
    path = project / "incidents/closed-3.md"
    text = path.read_text()
    assert old in text and len(old) == len(new)
    path.write_text(text.replace(old, new))


def test_an_edit_reverted_after_a_build_without_cache_shows_the_text_again(
    tmp_path: Path,
) -> None:
    project, site = built(tmp_path)
    same_size_edit(project, "Fixed 3.", "Fixed X.")
    build(project, site, now=NOW, use_cache=False)
    assert "Fixed X." in (site / "incidents/closed-3.html").read_text()
    same_size_edit(project, "Fixed X.", "Fixed 3.")
    build(project, site, now=NOW)
    page = (site / "incidents/closed-3.html").read_text()
    assert "Fixed 3." in page and "Fixed X." not in page
    assert files(site) == cold(tmp_path)


def test_a_file_edited_in_place_in_the_site_is_drawn_again(tmp_path: Path) -> None:
    project, site = built(tmp_path)
    page = site / "incidents/closed-1.html"
    data = page.read_bytes()
    with open(page, "r+b") as stream:  # same file, same size: only its content differs
        stream.write(data[:100].upper())
    build(project, site, now=NOW)
    assert page.read_bytes() == data
    assert files(site) == cold(tmp_path)


def flip_a_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x20
    path.write_bytes(bytes(data))


def shard_of(project: Path, incident_id: str) -> Path:
    for shard in sorted((project / CACHE_DIR).glob("incidents-*.cache")):
        if incident_id.encode() in shard.read_bytes():
            return shard
    raise AssertionError(f"{incident_id} is in no shard")


def test_a_flipped_byte_in_a_cached_incident_is_not_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project, site = built(tmp_path)
    shard = shard_of(project, "closed-3")
    data = shard.read_bytes()
    flip_a_byte(shard, data.index(b"Fixed 3.") + 6)  # "Fixed 3." would read "Fixed \x13."
    assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0
    err = capsys.readouterr().err
    assert "warning: the build cache" in err and "is damaged" in err and shard.name in err
    assert len(err.strip().splitlines()) == 1
    assert files(site) == cold(tmp_path)
    # The next build writes a cache that is whole again, and says nothing.
    assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0
    assert capsys.readouterr().err == ""


def compiled_templates(project: Path) -> list[Path]:
    found = sorted((Path(os.environ["XDG_CACHE_HOME"]) / "statusgen/templates").rglob("*.cache"))
    assert found, "no compiled template was kept"
    return found


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty"])
def test_a_damaged_compiled_template_is_compiled_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))  # damaged for this test only
    project, site = built(tmp_path)
    for path in compiled_templates(project):
        data = path.read_bytes()
        if damage == "truncated":
            path.write_bytes(data[: len(data) // 2])
        elif damage == "flipped":
            flip_a_byte(path, len(data) - 10)
        else:
            path.write_bytes(b"")
    for _ in range(2):  # the damage is repaired: the second build is as good as the first
        assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "compiled templates" in err[0] and "damaged" in err[0]
    assert files(site) == cold(tmp_path)


def test_a_cache_folder_that_is_a_file_leaves_the_build_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make(tmp_path, "p")
    (project / CACHE_DIR).write_text("not a folder")
    assert main(["-C", str(project), "build", "--now", NOW.isoformat()]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("built ")
    warnings = captured.err.strip().splitlines()
    assert len(warnings) == 1  # however many parts of the cache it fails
    assert warnings[0].startswith("statusgen: warning: the build cache")
    assert "Not a directory" in warnings[0]
    assert files(project / "site") == cold(tmp_path)
    assert (project / CACHE_DIR).read_text() == "not a folder"


def test_a_cache_that_cannot_be_written_warns_after_the_site_is_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, site = built(tmp_path)
    (project / "incidents/closed-3.md").write_text(
        (project / "incidents/closed-3.md").read_text().replace("Fixed 3.", "Fixed three.")
    )

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    # The cache's files are put in place last: as on a disk that fills up during the build.
    monkeypatch.setattr(store.os, "replace", disk_full)
    assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "warning: the build cache could not be written (No space left on device" in err[0]
    assert "Fixed three." in (site / "incidents/closed-3.html").read_text()
    assert not list((project / CACHE_DIR).glob(".write-*"))  # no half-written file is left


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not bind root")
def test_a_read_only_cache_folder_is_left_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW)
    folder = project / CACHE_DIR
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        assert main(["-C", str(project), "build", "-q", "--now", NOW.isoformat()]) == 0
    finally:
        folder.chmod(stat.S_IRWXU)
    assert "warning:" in capsys.readouterr().err
    assert files(project / "site") == cold(tmp_path)


def write_catalog(project: Path, translations: dict[str, str]) -> None:
    catalog = Catalog(locale="en")
    for source, target in translations.items():
        catalog.add(source, target)
    stream = io.BytesIO()
    write_mo(stream, catalog)
    folder = project / "locale/en/LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "statusgen.mo").write_bytes(stream.getvalue())


def test_a_new_catalog_is_not_served_from_the_cache(tmp_path: Path) -> None:
    project, site = built(tmp_path)
    write_catalog(project, {"Updates": "News"})
    build(project, site, now=NOW)
    twin = make(tmp_path, "twin")
    write_catalog(twin, {"Updates": "News"})
    build(twin, twin / "site", now=NOW, use_cache=False)
    assert files(site) == files(twin / "site")
    assert ">News<" in (site / "incidents/closed-3.html").read_text()
    write_catalog(project, {"Updates": "Log"})
    build(project, site, now=NOW)
    page = (site / "incidents/closed-3.html").read_text()
    assert ">Log<" in page and ">News<" not in page


def test_an_engine_build_words_each_time_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every page shows times, macros.html's included (incident rows, deadlines): each moment is
    # worded once per build, whichever template or macro shows it.
    from statusgen.render.filters import Filters

    worded: list[object] = []
    local_time = Filters.local_time

    def counted(self: Filters, moment: object, pattern: str = "medium") -> object:
        worded.append((moment, pattern))
        return local_time(self, moment, pattern)  # type: ignore[arg-type]

    monkeypatch.setattr(Filters, "local_time", counted)
    monkeypatch.setenv("STATUSGEN_WORKERS", "1")  # one process sees every call
    project = make(tmp_path, "p")
    build(project, project / "site", now=NOW, use_cache=False)
    shown = files(project / "site")
    assert sum(page.count(b"<time ") for page in shown.values()) > len(worded) > 0
    assert len(worded) == len(set(worded))
