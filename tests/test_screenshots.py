"""The README's screenshots: the script that takes them, run for real in the browser, and the
images the README shows.

The PNGs are read with the standard library (zlib): no imaging library is a dependency."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from html.parser import HTMLParser
from pathlib import Path

from tests.browser import skip_unless_required, unavailable
from tests.conftest import REPO

SCRIPT = REPO / "docs/screenshots.py"
# What the script writes: each image's pixel size and the colour scheme it is in.
EXPECTED = {
    "home-light.png": (1280, 800),
    "home-dark.png": (1280, 800),
    "phone-pt-BR.png": (390, 844),
}
LARGEST = 150 * 1024  # bytes: the README loads every image on a phone too


class Png:
    """An 8-bit RGB or RGBA PNG, not interlaced, as browsers write screenshots."""

    def __init__(self, data: bytes) -> None:
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        chunks: dict[bytes, bytes] = {}
        position = 8
        while position < len(data):
            (length,) = struct.unpack(">I", data[position : position + 4])
            kind = data[position + 4 : position + 8]
            chunks[kind] = chunks.get(kind, b"") + data[position + 8 : position + 8 + length]
            position += 12 + length
        width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
        assert depth == 8 and colour in (2, 6) and interlace == 0, (depth, colour, interlace)
        self.width: int = width
        self.height: int = height
        self.channels = 3 if colour == 2 else 4
        self.pixels = self._unfiltered(zlib.decompress(chunks[b"IDAT"]))

    def _unfiltered(self, raw: bytes) -> bytes:
        """The rows of pixels, each row's PNG filter undone (RFC 2083, section 6)."""
        step, stride = self.channels, self.width * self.channels
        rows: list[bytes] = []
        previous = bytearray(stride)
        for y in range(self.height):
            start = y * (stride + 1)
            kind, row = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
            if kind == 1:
                for i in range(step, stride):
                    row[i] = (row[i] + row[i - step]) & 0xFF
            elif kind == 2:
                row = bytearray((a + b) & 0xFF for a, b in zip(row, previous, strict=True))
            elif kind == 3:
                for i in range(stride):
                    left = row[i - step] if i >= step else 0
                    row[i] = (row[i] + (left + previous[i]) // 2) & 0xFF
            elif kind == 4:
                for i in range(stride):
                    left = row[i - step] if i >= step else 0
                    corner = previous[i - step] if i >= step else 0
                    estimate = left + previous[i] - corner
                    distances = (abs(estimate - left), abs(estimate - previous[i]))
                    nearest = min(*distances, abs(estimate - corner))
                    predictor = (
                        left
                        if nearest == distances[0]
                        else previous[i]
                        if nearest == distances[1]
                        else corner
                    )
                    row[i] = (row[i] + predictor) & 0xFF
            else:
                assert kind == 0, f"unknown filter {kind}"
            rows.append(bytes(row))
            previous = row
        return b"".join(rows)

    def mean_luminance(self) -> float:
        """The mean relative luminance of its pixels (Rec. 709 weights), from 0 to 255."""
        pixels = self.pixels
        red = sum(pixels[0 :: self.channels])
        green = sum(pixels[1 :: self.channels])
        blue = sum(pixels[2 :: self.channels])
        return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / (self.width * self.height)


def test_the_script_takes_each_screenshot_into_the_folder_it_is_given(tmp_path: Path) -> None:
    missing = unavailable()
    if missing:
        skip_unless_required(f"the screenshots need {missing}")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path / "images")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = {path.name: Png(path.read_bytes()) for path in (tmp_path / "images").iterdir()}
    assert {name: (png.width, png.height) for name, png in written.items()} == EXPECTED
    assert result.stdout.count(str(tmp_path / "images")) == len(EXPECTED)
    light = written["home-light.png"].mean_luminance()
    dark = written["home-dark.png"].mean_luminance()
    assert dark < light / 2, (dark, light)  # a dark page, not the light one a shade darker
    assert written["phone-pt-BR.png"].mean_luminance() > dark  # the phone's is in light


def test_the_script_says_what_is_missing_without_a_browser(tmp_path: Path) -> None:
    """Where no browser can be driven, it says so and writes nothing."""
    result = subprocess.run(
        [sys.executable, "-c", _WITHOUT_BROWSER, str(SCRIPT), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "screenshots: the browser is missing: /nonexistent/chromium and /usr/bin/chromedriver"
        " (apt-get install chromium chromium-driver)\n"
    )
    assert not (tmp_path / "out").exists()


# The script run as itself, on a machine where the browser is not where Debian puts it.
_WITHOUT_BROWSER = """
import runpy, sys
from pathlib import Path
sys.path.insert(0, str(Path(sys.argv[1]).resolve().parent.parent))
import tests.browser
tests.browser.BROWSER = Path("/nonexistent/chromium")
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


class _Images(HTMLParser):
    """The images of a Markdown text written as HTML: their addresses and alt texts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.alt: dict[str, str] = {}
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            attributes = dict(attrs)
            self.alt[attributes.get("src") or ""] = attributes.get("alt") or ""


def test_the_readme_shows_each_screenshot_small_and_described() -> None:
    shown = _Images((REPO / "README.md").read_text("utf-8")).alt
    for name, size in EXPECTED.items():
        image = REPO / "docs/images" / name
        png = Png(image.read_bytes())
        assert (png.width, png.height) == size, name
        assert image.stat().st_size < LARGEST, name
        assert len(shown[f"docs/images/{name}"].split()) >= 8, name  # says what it shows
    assert sorted(path.name for path in (REPO / "docs/images").glob("*.png")) == sorted(EXPECTED)
