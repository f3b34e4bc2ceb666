"""The output folder is statusgen's alone: what `--out` may be, and a swap that loses nothing.

Data loss first: every place a site must never replace is tried through the real command line,
and the whole tree around the project is compared, file by file, before and after. Then builds
killed at chosen and at random moments, and builds running at once."""

from __future__ import annotations

import fcntl
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import statusgen.engine as engine
from statusgen import write as output
from statusgen.build import build
from statusgen.cli import main
from statusgen.errors import OutputError
from tests.conftest import COMPONENTS, NOW, incident, write_files

Sites = tuple[dict[str, str], dict[str, str]]  # every file of a site and its digest: NOW, LATER
LATER = NOW + timedelta(minutes=1)  # the open incident's pages differ, by as many bytes
MARKER = ".statusgen-site"
REFUSE_FOREIGN = "it is not a statusgen site (no .statusgen-site); use --force to replace it anyway"

OPEN = incident(
    "title: Checkout errors\nimpact: major\ncomponents: {api: partial_outage}",
    "## Identified 2026-11-22 09:40\nA bad deploy.\n\n## Investigating 2026-11-22 09:10\nHm.\n",
)
CLOSED = incident(
    "title: Slow database\nimpact: minor\ncomponents: [db]",
    "## Resolved 2026-11-20 15:00\nFixed.\n\n## Investigating 2026-11-20 14:10\nSlow.\n",
)


def tree(root: Path) -> dict[str, str]:
    """Every file, folder and symlink under `root` (hidden ones too), with a digest of each file."""
    found = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[rel] = f"-> {os.readlink(path)}"
            elif path.is_dir():
                found[rel] = "folder"
            else:
                found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def site_files(out: Path) -> dict[str, str]:
    return {k: v for k, v in tree(out).items() if v != "folder"}


def differences(files: dict[str, str], references: Sites) -> list[str]:
    """The files in neither of the references' versions (to show what went wrong)."""
    return sorted(
        k
        for k in files.keys() | references[0].keys()
        if files.get(k) not in (references[0].get(k), references[1].get(k))
    )


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}-"))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Sites]:
    """A project with every kind of content and a git folder; the sites at NOW and LATER."""
    root = tmp_path_factory.mktemp("pristine")
    project = root / "project"
    write_files(
        project,
        {
            "components.yaml": COMPONENTS,
            "incidents/2026/checkout.md": OPEN,
            "incidents/2026/db.md": CLOSED,
            "templates/partials/custom_footer.html": "<p>Support: help@example.com</p>",
            "locale/README.txt": "translations go here\n",
            ".git/HEAD": "ref: refs/heads/main\n",
            ".git/config": "[core]\n",
        },
    )
    build(project, project / "site", now=NOW)  # with nothing cached yet: made cold
    build(project, root / "ref-later", now=LATER, use_cache=False)
    now, later = site_files(project / "site"), site_files(root / "ref-later")
    assert now != later and len(now) == len(later) > 20
    return project, (now, later)


@pytest.fixture
def project(pristine: tuple[Path, Sites], tmp_path: Path) -> Path:
    """A copy of the pristine project, with its cache and its site (built at NOW)."""
    project = tmp_path / "project"
    shutil.copytree(pristine[0], project, symlinks=True)
    return project


@pytest.fixture
def references(pristine: tuple[Path, Sites]) -> Sites:
    """The complete sites at NOW and at LATER, built cold."""
    return pristine[1]


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(argv)
    return code, capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        (".", "it is the project folder"),
        ("..", "it holds the project folder"),
        ("incidents", "it is the project's incidents/"),
        ("incidents/2026", "it is inside the project's incidents/"),
        ("incidents/2027/new", "it is inside the project's incidents/"),
        ("templates", "it is the project's templates/"),
        ("locale", "it is the project's locale/"),
        (".statusgen-cache", "it is the project's .statusgen-cache/"),
        (".git", "it is the project's .git/"),
        ("components.yaml", "it is a file, not a folder"),
        ("../link-to-project", "it is the project folder"),
        ("../link-to-incidents", "it is the project's incidents/"),
        ("../link-to-components", "it is a file, not a folder"),
    ],
)
def test_build_refuses_the_project_its_ancestors_its_content_and_files(
    project: Path,
    tmp_path: Path,
    out: str,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "link-to-project").symlink_to(project)
    (tmp_path / "link-to-incidents").symlink_to(project / "incidents")
    (tmp_path / "link-to-components").symlink_to(project / "components.yaml")
    monkeypatch.chdir(project)
    before = tree(tmp_path)
    for force in ([], ["--force"]):  # --force never overrides these
        code, err = run_cli(["build", "--out", out, *force], capsys)
        assert code == 1
        assert len(err) == 1 and err[0].startswith("statusgen: refusing to write the site into ")
        assert reason in err[0]
    assert tree(tmp_path) == before


@pytest.mark.parametrize(
    ("linked", "what"), [("incidents", "incidents/"), ("components.yaml", "components.yaml")]
)
def test_build_refuses_a_folder_holding_content_the_project_links_to(
    project: Path, tmp_path: Path, linked: str, what: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path.resolve() / "shared"
    shared.mkdir()
    (project / linked).rename(shared / linked)
    (project / linked).symlink_to(shared / linked)
    before = tree(tmp_path)
    for force in ([], ["--force"]):  # --force never overrides this
        code, err = run_cli(["-C", str(project), "build", "--out", str(shared), *force], capsys)
        assert (code, err) == (
            1,
            [
                f"statusgen: refusing to write the site into {shared}: it holds the project's "
                f"{what} (at {shared / linked})"
            ],
        )
    assert tree(tmp_path) == before


def test_build_refuses_a_folder_holding_the_current_one(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "work/deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work/deep")
    tmp_path = tmp_path.resolve()
    before = tree(tmp_path)
    code, err = run_cli(["-C", str(project), "build", "--force", "--out", ".."], capsys)
    assert (code, err) == (
        1,
        [
            f"statusgen: refusing to write the site into {tmp_path / 'work'}: "
            f"it holds the current folder {tmp_path / 'work/deep'}"
        ],
    )
    assert tree(tmp_path) == before


def test_a_foreign_folder_is_replaced_only_with_force(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path.resolve() / "docs"
    (docs / "guide").mkdir(parents=True)
    (docs / "guide/intro.md").write_text("# Intro\n")
    (docs / ".hidden").write_text("mine\n")
    project_before, docs_before = tree(project), tree(docs)
    code, err = run_cli(["-C", str(project), "build", "--out", str(docs)], capsys)
    assert (code, err) == (1, [f"statusgen: refusing to replace {docs}: {REFUSE_FOREIGN}"])
    assert tree(docs) == docs_before
    argv = ["-C", str(project), "build", "--no-cache", "--force", "--out", str(docs)]
    assert run_cli(argv, capsys)[0] == 0
    assert (docs / "index.html").is_file() and (docs / MARKER).is_file()
    assert not (docs / "guide").exists() and not (docs / ".hidden").exists()
    assert tree(project) == project_before
    assert leftovers(docs) == []
    # Now a statusgen site: replaced without --force from then on.
    assert run_cli(["-C", str(project), "build", "--out", str(docs)], capsys)[0] == 0


def test_the_library_refuses_too(project: Path, tmp_path: Path) -> None:
    (tmp_path / "public").mkdir()
    (tmp_path / "public/keep.txt").write_text("keep\n")
    with pytest.raises(OutputError, match="it is the project folder"):
        build(project, project, now=NOW)
    with pytest.raises(OutputError, match="not a statusgen site"):
        build(project, tmp_path / "public", now=NOW)
    assert (tmp_path / "public/keep.txt").read_text() == "keep\n"
    build(project, tmp_path / "public", now=NOW, force=True)
    assert not (tmp_path / "public/keep.txt").exists()


def test_the_previous_site_an_empty_folder_and_a_new_one_are_replaced(
    project: Path,
    tmp_path: Path,
    references: Sites,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = project / "site"
    argv = ["-C", str(project), "build", "-q", "--now", LATER.isoformat()]
    assert run_cli(argv, capsys) == (0, [])
    assert site_files(site) == references[1]
    (tmp_path / "empty").mkdir()
    for out in (tmp_path / "empty", tmp_path / "new/deeper"):
        assert run_cli([*argv, "--out", str(out)], capsys) == (0, [])
        assert site_files(out) == references[1]
    assert leftovers(site) == []


def test_a_site_written_before_the_marker_is_recognised_by_its_layout(
    project: Path, references: Sites
) -> None:
    site = project / "site"
    (site / MARKER).unlink()  # as every site was before sites carried it
    for later in (site / "feed.json", *site.glob("components/*.json"), site / "favicon.ico"):
        later.unlink()  # nor had those sites JSON feeds or an icon at the top, which came later
    build(project, site, now=LATER)
    assert site_files(site) == references[1]
    (site / MARKER).unlink()
    (site / "notes.txt").write_text("not something statusgen writes\n")
    with pytest.raises(OutputError, match="not a statusgen site"):
        build(project, site, now=NOW)
    assert (site / "notes.txt").is_file()


def test_serve_refuses_at_start_up(project: Path, tmp_path: Path) -> None:
    before = tree(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "statusgen", "serve", "--port", "0", "--out", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,  # a preview that started would serve until stopped
        check=False,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"statusgen: refusing to write the site into {project.resolve()}: it is the project folder"
    ]
    assert tree(tmp_path) == before


def test_serve_refuses_a_foreign_folder_and_says_how_to_replace_it(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    docs = tmp_path.resolve() / "docs"
    docs.mkdir()
    (docs / "readme.txt").write_text("mine\n")
    before = tree(tmp_path)

    def started(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the preview started")

    monkeypatch.setattr("statusgen.serve.Observer", started)
    code, err = run_cli(["-C", str(project), "serve", "--port", "0", "--out", str(docs)], capsys)
    assert (code, err) == (
        1,
        [
            f"statusgen: refusing to replace {docs}: it is not a statusgen site (no "
            f".statusgen-site); replace it once with 'statusgen build --force --out {docs}'"
        ],
    )
    assert tree(tmp_path) == before


def test_leftovers_are_removed_only_if_they_are_statusgen_s(project: Path) -> None:
    site = project / "site"
    ours = project / ".site-new-k2j4h5g6"  # a build killed while writing (marked, unfinished)
    (ours / "incidents").mkdir(parents=True)
    (ours / MARKER).write_bytes(b"".join((site / MARKER).read_bytes().splitlines(True)[:-1]))
    (ours / "incidents/half.html").write_text("<p>half")
    (ours / "feeds-of-a-later-version").mkdir()
    (project / ".site-new-0emptyab").mkdir()  # killed as it made its folder
    (project / ".site-new-0emptyab" / MARKER).touch()  # or as it began its marker
    earlier = project / ".site-old-a1b2c3d4"  # a retired site from before the marker
    (earlier / "api").mkdir(parents=True)
    (earlier / "index.html").write_text("<!DOCTYPE html>")
    foreign = project / ".site-new-zzzzzzzz"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("mine\n")
    (project / ".site-old-linklink").symlink_to(site)
    (project / ".site-new-toolong123").mkdir()
    build(project, site, now=NOW)
    assert leftovers(site) == [".site-new-toolong123", ".site-new-zzzzzzzz", ".site-old-linklink"]
    assert (foreign / "precious.txt").read_text() == "mine\n"


def test_the_cache_is_not_trusted_for_a_site_it_did_not_write(
    project: Path, references: Sites
) -> None:
    # A build without the cache replaces the site but leaves the cache describing the one before:
    # its keys would take the open incident's pages (of the same size) from the wrong site.
    site = project / "site"
    build(project, site, now=NOW)  # the cache now describes this site
    build(project, site, now=LATER, use_cache=False)
    build(project, site, now=NOW)
    assert site_files(site) == references[0]


def test_two_renames_where_no_exchange_is_possible(
    project: Path,
    references: Sites,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(output, "_exchange", lambda first, second: False)
    build(project, project / "site", now=LATER)
    assert site_files(project / "site") == references[1]
    assert leftovers(project / "site") == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_this_file_system_exchanges_folders_in_one_step(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a/one").write_text("a")
    assert output._exchange(tmp_path / "a", tmp_path / "b")
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["one"]
    assert list((tmp_path / "a").iterdir()) == []


# Builds cut short: each runs in a forked process, which is killed (SIGKILL, no cleanup at all).


def in_child(work: Callable[[], object]) -> int:
    """Fork; do `work` in the child; its wait status."""
    pid = os.fork()
    if pid == 0:
        try:
            work()
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    return os.waitpid(pid, 0)[1]


def die(*args: Any, **kwargs: Any) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def killed(status: int) -> bool:
    return os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL


def kill_before(target: Any, name: str) -> Callable[[], None]:
    def patch() -> None:
        setattr(target, name, die)

    return patch


def kill_after(target: Any, name: str, calls: int = 1) -> Callable[[], None]:
    def patch() -> None:
        original = getattr(target, name)
        done = []

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = original(*args, **kwargs)
            done.append(1)
            if len(done) == calls:
                die()
            return result

        setattr(target, name, wrapper)

    return patch


@pytest.mark.parametrize(
    ("where", "patch", "expected", "left"),
    [
        ("before the exchange", kill_before(output, "_exchange"), 0, True),
        ("just after the exchange", kill_after(output, "_exchange"), 1, True),
        ("deleting the old site", kill_after(output.shutil, "rmtree", calls=2), 1, True),
        ("before the cache is saved", kill_before(engine, "save_cache"), 1, False),
    ],
)
def test_a_build_killed_during_the_swap_leaves_a_whole_site(
    project: Path,
    references: Sites,
    where: str,
    patch: Callable[[], None],
    expected: int,
    left: bool,
) -> None:
    site = project / "site"
    build(project, site, now=NOW)  # the cache now describes this site
    status = in_child(lambda: (patch(), build(project, site, now=LATER)))
    assert killed(status), where
    assert site_files(site) == references[expected], where
    assert bool(leftovers(site)) == left, where
    build(project, site, now=NOW)  # the next build clears up and trusts nothing stale
    assert site_files(site) == references[0], where
    assert leftovers(site) == []


def test_builds_killed_at_random_moments_leave_the_old_or_the_new_site(
    project: Path, references: Sites
) -> None:
    site = project / "site"
    started = time.perf_counter()
    build(project, site, now=LATER)
    cycle = time.perf_counter() - started
    moments = random.Random(20261122)

    def build_forever() -> None:
        for round_ in range(1000):
            build(project, site, now=(NOW, LATER)[round_ % 2])

    for round_ in range(12):
        pid = os.fork()
        if pid == 0:
            try:
                build_forever()
            except BaseException:
                traceback.print_exc()
            os._exit(1)
        time.sleep(moments.uniform(0, 2 * cycle))
        os.kill(pid, signal.SIGKILL)
        assert killed(os.waitpid(pid, 0)[1]), f"round {round_}: the build failed by itself"
        files = site_files(site)
        assert files in references, (round_, leftovers(site), differences(files, references))
    build(project, site, now=NOW)
    assert site_files(site) == references[0]
    assert leftovers(site) == []


def test_concurrent_builds_into_one_folder_take_turns(project: Path, references: Sites) -> None:
    site = project / "site"
    reader, writer = os.pipe()  # the children start together, when the parent closes `writer`
    pids = []
    try:
        for number in range(3):
            pid = os.fork()
            if pid == 0:
                try:
                    os.close(writer)
                    os.read(reader, 1)
                    build(project, site, now=(NOW, LATER)[number % 2], use_cache=number != 2)
                except BaseException:
                    traceback.print_exc()
                    os._exit(1)
                os._exit(0)
            pids.append(pid)
    finally:
        os.close(writer)
        os.close(reader)
    assert [os.waitpid(pid, 0)[1] for pid in pids] == [0, 0, 0]
    assert site_files(site) in references
    assert leftovers(site) == []
    build(project, site, now=LATER)
    assert site_files(site) == references[1]


def test_a_second_build_waits_for_the_first(project: Path, references: Sites) -> None:
    site = project / "site"
    holder = os.open(project, os.O_RDONLY)  # the folder that holds the site is the lock
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)
        pid = os.fork()
        if pid == 0:
            os.close(holder)  # a copy of the parent's, which would hold the lock for the child
            try:
                build(project, site, now=LATER)
            finally:
                os._exit(0)
        time.sleep(0.5)
        assert os.waitpid(pid, os.WNOHANG) == (0, 0)  # still waiting
        assert site_files(site) == references[0]
    finally:
        os.close(holder)
    assert os.waitpid(pid, 0)[1] == 0
    assert site_files(site) == references[1]


@pytest.mark.parametrize(
    ("paths", "refused"),
    [
        (["/etc/passwd"], "refusing to write outside the site: /etc/passwd"),
        (["../escape.html"], "refusing to write outside the site: ../escape.html"),
        (["a/./../../b.html"], "refusing to write outside the site: a/./../../b.html"),
        ([""], "refusing to write outside the site: "),
        (["./"], "refusing to write outside the site: ./"),
        (["a.html", "A.html"], "two outputs would be written to A.html"),
        (["x//a.html", "x/./a.html"], "two outputs would be written to x/./a.html"),
        (["x//a.html", ".//b/./c.html", "index.html"], None),
    ],
)
def test_only_paths_inside_the_site_are_written(paths: list[str], refused: str | None) -> None:
    from statusgen.outputs.base import Output

    outputs = [Output(path, lambda: b"") for path in paths]
    if refused is None:
        output.check_paths(outputs)
        return
    with pytest.raises(output.OutputError) as error:
        output.check_paths(outputs)
    assert str(error.value) == refused
