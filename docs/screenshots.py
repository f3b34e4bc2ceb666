"""Take the README's screenshots: the example site as built at a fixed moment, in Debian's
chromium, headless — its home page on a desktop in the light and the dark colour scheme, and the
Portuguese example's home page as a phone shows it. Each image is the first screen of the page.

Usage: python docs/screenshots.py [--out DIR]   (default: docs/images/)

It needs what the browser tests need: `chromium` and `chromium-driver` (Debian's packages) and
selenium (in the test extra). The sites are built in a temporary folder, from copies of the
examples, so that nothing is written into the checkout but the images.
"""

from __future__ import annotations

import argparse
import base64
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]  # this checkout's statusgen, and the browser set-up its tests use

from statusgen.build import build  # noqa: E402
from tests.browser import chromium, show, unavailable  # noqa: E402

# The moment the examples are written around: an incident open, a maintenance ahead.
NOW = datetime.fromisoformat("2026-11-22T12:00:00-03:00")
EXAMPLES = {"en": REPO, "pt-BR": REPO / "examples/pt-BR"}
PROJECT_PARTS = ("components.yaml", "incidents", "templates", "locale")


@dataclass(frozen=True)
class Shot:
    file: str
    example: str  # a key of EXAMPLES
    page: str
    width: int
    height: int
    scheme: str  # "light" or "dark"


SHOTS = (
    Shot("home-light.png", "en", "index.html", 1280, 800, "light"),
    Shot("home-dark.png", "en", "index.html", 1280, 800, "dark"),
    Shot("phone-pt-BR.png", "pt-BR", "index.html", 390, 844, "light"),
)


def built_examples(folder: Path) -> dict[str, Path]:
    """Each example copied into `folder` and built there at NOW: the folder of each site."""
    sites = {}
    for name, source in EXAMPLES.items():
        project = folder / name / "project"
        for part in PROJECT_PARTS:
            if (source / part).is_dir():
                shutil.copytree(source / part, project / part)
            elif (source / part).is_file():
                project.mkdir(parents=True, exist_ok=True)
                shutil.copy(source / part, project / part)
        sites[name] = folder / name / "site"
        build(project, sites[name], now=NOW)
    return sites


def take(shots: tuple[Shot, ...], sites: dict[str, Path], out: Path) -> list[Path]:
    """Each shot as a PNG in `out`, as the browser encodes it: the written files."""
    written = []
    with chromium() as driver:
        driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": True})
        for shot in shots:
            url = (sites[shot.example] / shot.page).as_uri()
            show(driver, url, shot.width, shot.scheme, height=shot.height)
            image = driver.execute_cdp_cmd(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": shot.width,
                        "height": shot.height,
                        "scale": 1,
                    },
                },
            )
            path = out / shot.file
            path.write_bytes(base64.b64decode(image["data"]))
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=REPO / "docs/images", help="default: %(default)s"
    )
    options = parser.parse_args(argv)
    missing = unavailable()
    if missing:
        sys.stderr.write(f"screenshots: the browser is missing: {missing}\n")
        return 1
    options.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="statusgen-screenshots-") as folder:
        for path in take(SHOTS, built_examples(Path(folder)), options.out):
            sys.stdout.write(f"{path} ({path.stat().st_size // 1024} kB)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
