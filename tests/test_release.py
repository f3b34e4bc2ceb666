"""A release as the package index and its users get it: one version, a wheel and a source
distribution that pass `twine check`, a changelog section, and a workflow that publishes by
trusted publishing."""

from __future__ import annotations

import email
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from statusgen import __version__
from tests.conftest import REPO

PACKAGE_DATA = sorted(
    path.relative_to(REPO).as_posix()
    for path in (REPO / "statusgen").rglob("*")
    if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts
)


def tracked_copy(destination: Path) -> Path:
    """The project as a fresh clone would have it: the files git tracks or would track (not
    ignored), nothing built or cached."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if (REPO / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, destination / name)
    return destination


@pytest.fixture(scope="module")
def distributions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The wheel and the sdist `python -m build` makes (the wheel from the sdist, as it does)."""
    root = tmp_path_factory.mktemp("release")
    source = tracked_copy(root / "source")
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    return wheel, sdist


def test_both_pass_twine_check(distributions: tuple[Path, Path]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, distributions)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2


def test_the_version_is_written_once(distributions: tuple[Path, Path]) -> None:
    wheel, sdist = distributions
    assert wheel.name == f"statusgen-{__version__}-py3-none-any.whl"
    assert sdist.name == f"statusgen-{__version__}.tar.gz"
    with zipfile.ZipFile(wheel) as archive:
        metadata = email.message_from_bytes(
            archive.read(f"statusgen-{__version__}.dist-info/METADATA")
        )
    assert metadata["Version"] == __version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.11"
    # pyproject.toml reads it from the package, and writes it nowhere itself.
    assert "version =" not in (REPO / "pyproject.toml").read_text().split("[project.urls]")[0]


def test_the_wheel_holds_every_template_catalog_and_asset(distributions: tuple[Path, Path]) -> None:
    wheel, _ = distributions
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "statusgen"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    missing = [name for name in tracked if name in PACKAGE_DATA and name not in names]
    assert len(tracked) > 50
    assert not missing, missing
    assert f"statusgen-{__version__}.dist-info/licenses/LICENSE" in names


def test_the_sdist_is_the_whole_project(distributions: tuple[Path, Path]) -> None:
    # From it, the README's commands build the example and run the tests.
    _, sdist = distributions
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in (
        "README.md", "LICENSE", "CHANGELOG.md", "components.yaml", "action.yml",
        "examples/pt-BR/components.yaml", "tests/conftest.py", "bench/bench.py",
        "action/run.sh", "docs/architecture.md",
    ):  # fmt: skip
        assert needed in names, needed
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert any(name.startswith("incidents/") and name.endswith(".md") for name in names)


# The release check the workflow runs before it builds.


def release_tree(tmp_path: Path, changelog_heading: str) -> Path:
    (tmp_path / ".ci").mkdir(parents=True)
    (tmp_path / "statusgen").mkdir()
    shutil.copy2(REPO / ".ci/release-check", tmp_path / ".ci/release-check")
    shutil.copy2(REPO / "statusgen/__init__.py", tmp_path / "statusgen/__init__.py")
    (tmp_path / "CHANGELOG.md").write_text(
        f"# Changelog\n\n{changelog_heading}\n\n### Added\n- Plans.\n\n## 0.0.9 — 2026-01-01\n\n- Old.\n"
    )
    return tmp_path


def release_check(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(tree / ".ci/release-check"), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_release_needs_its_tag_and_a_dated_changelog_section(tmp_path: Path) -> None:
    dated = release_tree(tmp_path / "dated", f"## {__version__} — 2027-01-15")
    assert release_check(dated, f"v{__version__}").returncode == 0
    notes = release_check(dated, f"v{__version__}", "--notes")
    assert notes.stdout.strip() == "### Added\n- Plans."

    wrong_tag = release_check(dated, "v9.9.9")
    assert wrong_tag.returncode == 1
    assert f"tag v9.9.9 does not match the version {__version__}" in wrong_tag.stdout

    unreleased = release_tree(tmp_path / "unreleased", f"## {__version__} — unreleased")
    refused = release_check(unreleased, f"v{__version__}")
    assert refused.returncode == 1
    assert "still says unreleased" in refused.stdout

    twice = release_tree(
        tmp_path / "twice", f"## {__version__} — 2027-01-15\n\n## {__version__} — 2027-01-16"
    )
    doubled = release_check(twice, f"v{__version__}")
    assert doubled.returncode == 1
    assert f"two sections for {__version__}" in doubled.stdout

    # A heading is matched as text: the dots of the version are dots.
    lookalike = release_tree(
        tmp_path / "lookalike", "## " + __version__.replace(".", "x") + " — 2027-01-15"
    )
    assert release_check(lookalike, f"v{__version__}").returncode == 1

    absent = release_tree(tmp_path / "absent", "## 0.0.10 — 2027-01-15")
    missing = release_check(absent, f"v{__version__}")
    assert missing.returncode == 1
    assert f"no section '## {__version__} — <date>'" in missing.stdout


def test_the_changelog_tells_the_current_version() -> None:
    headings = [
        line for line in (REPO / "CHANGELOG.md").read_text().splitlines() if line.startswith("## ")
    ]
    assert headings and headings[0].startswith(f"## {__version__} — ")


def test_the_release_workflow_publishes_by_trusted_publishing() -> None:
    workflow = yaml.safe_load((REPO / ".github/workflows/release.yml").read_text())
    assert workflow[True] == {"push": {"tags": ["v*"]}}  # YAML 1.1 reads `on` as true
    assert workflow["permissions"] == {"contents": "read"}
    publish = workflow["jobs"]["publish"]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    (step,) = [
        s for s in publish["steps"] if s.get("uses", "").startswith("pypa/gh-action-pypi-publish@")
    ]
    assert "with" not in step  # no password, no token: the OpenID Connect identity alone
    build_steps = " ".join(s.get("run", "") for s in workflow["jobs"]["build"]["steps"])
    assert ".ci/release-check" in build_steps and "twine check --strict" in build_steps
