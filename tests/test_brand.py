"""The site's brand: its logo, favicon and accent colour, checked, published and shown; the
contrast arithmetic behind the accent; the navigation marking the current page."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from statusgen.errors import BuildFailed
from statusgen.load import load_site
from statusgen.model.colour import (
    DARK_BACKGROUNDS,
    LIGHT_BACKGROUNDS,
    TEXT_CONTRAST,
    Accent,
    contrast,
    readable_on,
)
from tests.conftest import COMPONENTS, BuiltSite, MakeProject

Build = Callable[..., BuiltSite]

# A PNG's signature and the start of its header chunk, 0 by 0 pixels.
PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"/>'
ICO = b"\x00\x00\x01\x00" + bytes(16)


def with_site(lines: str) -> str:
    """COMPONENTS with `lines` added to its site mapping (after the time zone, line 5)."""
    return COMPONENTS.replace(
        "  timezone: America/Sao_Paulo\n", f"  timezone: America/Sao_Paulo\n{lines}"
    )


def errors_of(project: Path) -> list[str]:
    with pytest.raises(BuildFailed) as failed:
        load_site(project)
    return [str(e) for e in failed.value.errors]


# --- The contrast arithmetic ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),  # the extremes
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
        ("#777777", "#ffffff", 4.48),  # one step lighter fails
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.00),
        ("#ffffff", "#0b57d0", 6.39),  # order does not matter
    ],
)
def test_contrast_ratios_of_known_pairs(first: str, second: str, ratio: float) -> None:
    assert contrast(first, second) == pytest.approx(ratio, abs=0.005)


def test_a_readable_colour_is_kept_and_another_moves_only_as_far_as_it_must() -> None:
    assert readable_on("#0b57d0", LIGHT_BACKGROUNDS) == "#0b57d0"
    yellow = readable_on("#ffcc00", LIGHT_BACKGROUNDS)
    assert all(contrast(yellow, bg) >= TEXT_CONTRAST for bg in LIGHT_BACKGROUNDS)
    # One step less dark would not do: the variant is the least change that reads.
    lighter = "#" + "".join(f"{min(255, int(yellow[i : i + 2], 16) + 3):02x}" for i in (1, 3, 5))
    assert min(contrast(lighter, bg) for bg in LIGHT_BACKGROUNDS) < TEXT_CONTRAST
    # Darkened, not changed in hue: red stays above green, green above blue.
    red, green, blue = (int(yellow[i : i + 2], 16) for i in (1, 3, 5))
    assert red > green > blue


@pytest.mark.parametrize("colour", ["#0b57d0", "#ffcc00", "#000000", "#ffffff", "#e4002b"])
def test_every_accent_reads_on_both_schemes(colour: str) -> None:
    accent = Accent.of(colour)
    for variant, backgrounds in (
        (accent.light, LIGHT_BACKGROUNDS),
        (accent.dark, DARK_BACKGROUNDS),
    ):
        assert all(contrast(variant, bg) >= TEXT_CONTRAST for bg in backgrounds), variant


def test_the_backgrounds_checked_are_the_themes() -> None:
    css = (resources.files("statusgen") / "theme/static/style.css").read_text()
    light, dark = css.split("@media (prefers-color-scheme: dark)")[:2]

    def backgrounds(block: str) -> tuple[str, ...]:
        return tuple(
            re.search(rf"--{name}: (#[0-9a-f]{{6}});", block)[1] for name in ("bg", "card")
        )  # type: ignore[index]

    assert backgrounds(light) == LIGHT_BACKGROUNDS
    assert backgrounds(dark) == DARK_BACKGROUNDS


# --- Configuration errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "files", "expected"),
    [
        (
            "  logo: brand/logo.png\n",
            {},
            "components.yaml:5: site logo 'brand/logo.png' not found (a path relative to components.yaml)",
        ),
        (
            "  logo: brand/logo.bmp\n",
            {"brand/logo.bmp": b"BM"},
            "components.yaml:5: site logo 'brand/logo.bmp' must be an image of type .svg, .png, .jpg, .jpeg, .webp, .gif",
        ),
        (
            "  favicon: icon.gif\n",
            {"icon.gif": b"GIF89a"},
            "components.yaml:5: site favicon 'icon.gif' must be an image of type .svg, .png, .ico",
        ),
        (
            "  logo: logo.png\n",
            {"logo.png": SVG},
            "components.yaml:5: site logo 'logo.png' is not a PNG image (its content does not match its extension; allowed: .svg, .png, .jpg, .jpeg, .webp, .gif)",
        ),
        (
            "  favicon: icon.svg\n",
            {"icon.svg": PNG},
            "components.yaml:5: site favicon 'icon.svg' is not a SVG+XML image (its content does not match its extension; allowed: .svg, .png, .ico)",
        ),
        (
            "  logo: ../outside.png\n",
            {},
            "components.yaml:5: site logo '../outside.png' must be a path inside the project",
        ),
        (
            "  logo: brand\n",
            {"brand/x.png": PNG},
            "components.yaml:5: site logo 'brand' must be an image of type .svg, .png, .jpg, .jpeg, .webp, .gif",
        ),
        (
            "  logo: folder.png\n",
            {"folder.png/x": b""},
            "components.yaml:5: site logo 'folder.png' is a folder (name an image file)",
        ),
        (
            "  logo: fifo.png\n",
            {"fifo.png": None},
            "components.yaml:5: site logo 'fifo.png' is not a regular file but a FIFO (content files must be plain files)",
        ),
        (
            "  accent: blue\n",
            {},
            "components.yaml:5: site accent 'blue' is not a colour like \"#0b57d0\" (# and six hex digits, in quotes)",
        ),
        (
            "  accent: #0b57d0\n",
            {},
            'components.yaml:5: site accent is empty (quote the colour: "#0b57d0"; an unquoted # starts a comment)',
        ),
    ],
)
def test_a_bad_logo_favicon_or_accent_is_refused_with_its_line(
    make_project: MakeProject, lines: str, files: dict[str, bytes | None], expected: str
) -> None:
    """(A file given as None is made a FIFO, which must be refused without being read.)"""
    project = make_project(
        {name: data for name, data in files.items() if data is not None},
        components=with_site(lines),
    )
    for name in (name for name, data in files.items() if data is None):
        os.mkfifo(project / name)
    assert errors_of(project) == [expected]


def test_every_brand_mistake_is_reported_in_one_run(make_project: MakeProject) -> None:
    lines = "  logo: missing.svg\n  favicon: icon.jpg\n  accent: '#12345'\n"
    errors = errors_of(make_project({"icon.jpg": b"\xff\xd8\xff"}, components=with_site(lines)))
    assert [e.split(":")[1] for e in errors] == ["5", "6", "7"]


# --- What the site shows -------------------------------------------------------------------


def test_a_site_without_brand_links_the_default_favicon_from_every_page(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project())
    theme = resources.files("statusgen") / "theme/static"
    for name in ("favicon.svg", "favicon-32.png", "apple-touch-icon.png"):
        assert (site.out / "static" / name).read_bytes() == (theme / name).read_bytes()
    # Asked for at the root by whatever finds no icon it can use in the page.
    assert (site.out / "favicon.ico").read_bytes() == (theme / "favicon.ico").read_bytes()
    assert (site.out / "favicon.ico").read_bytes()[22:] == (theme / "favicon-32.png").read_bytes()
    assert not (site.out / "brand").exists()
    for page in sorted(site.out.rglob("*.html")):
        rel = page.relative_to(site.out).as_posix()
        icons = site.page(rel).xpath("//link[@rel='icon' or @rel='apple-touch-icon']")
        if rel == "404.html":
            (icon,) = icons
            assert icon.get("href").startswith("data:image/svg+xml;base64,")
        else:
            found = {(i.get("type"), (page.parent / i.get("href")).resolve()) for i in icons}
            assert found == {
                ("image/png", site.out / "static/favicon-32.png"),
                ("image/svg+xml", site.out / "static/favicon.svg"),
                (None, site.out / "static/apple-touch-icon.png"),
            }, rel
        assert site.page(rel).xpath("//img[@class='logo']") == []


@pytest.mark.parametrize(
    ("name", "data", "root_icon"),
    [
        ("icon.ico", ICO, ICO),
        (
            "icon.png",
            PNG,
            b"\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x01\x00\x20\x00(\x00\x00\x00\x16\x00\x00\x00"
            + PNG,
        ),
        ("icon.svg", SVG, None),
    ],
)
def test_the_root_icon_is_the_sites_own(
    make_project: MakeProject, build_site: Build, name: str, data: bytes, root_icon: bytes | None
) -> None:
    site = build_site(make_project({name: data}, components=with_site(f"  favicon: {name}\n")))
    assert (site.out / "brand" / name.replace("icon", "favicon")).read_bytes() == data
    if root_icon is None:  # an SVG has no .ico form: better none than the theme's
        assert not (site.out / "favicon.ico").exists()
    else:
        assert (site.out / "favicon.ico").read_bytes() == root_icon
    assert site.page("index.html").xpath("//link[@rel='apple-touch-icon']") == []


def test_the_logo_and_favicon_are_published_and_shown(
    make_project: MakeProject, build_site: Build
) -> None:
    lines = "  logo: art/Logo.SVG\n  favicon: art/icon.ico\n"
    project = make_project({"art/Logo.SVG": SVG, "art/icon.ico": ICO}, components=with_site(lines))
    site = build_site(project)
    assert (site.out / "brand/logo.svg").read_bytes() == SVG
    assert (site.out / "brand/favicon.ico").read_bytes() == ICO
    page = site.page("components/api.html")
    (logo,) = page.xpath("//header//a[img]")
    assert logo.get("href") == "../index.html"
    assert logo.xpath("img/@src") == ["../brand/logo.svg"]
    assert logo.xpath("img/@alt") == [""]  # the title beside it names the link
    assert logo.text_content() == "Example Status"
    assert page.xpath("//link[@rel='icon']/@href") == ["../brand/favicon.ico"]
    assert page.xpath("//link[@rel='icon']/@type") == ["image/x-icon"]
    assert not (site.out / "static/favicon.svg").read_bytes() == ICO


def test_the_accent_colours_links_in_each_scheme(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project(components=with_site('  accent: "#FFCC00"\n')))
    accent = Accent.of("#ffcc00")
    assert accent.dark == "#ffcc00" and accent.light != "#ffcc00"
    styles = " ".join(site.page("index.html").xpath("//head/style/text()"))
    assert f":root {{ --link: {accent.light}; }}" in styles
    assert f"@media (prefers-color-scheme: dark) {{ :root {{ --link: {accent.dark}; }} }}" in styles
    plain = build_site(make_project(), out=site.out.parent / "plain")
    assert plain.page("index.html").xpath("//head/style") == []


def test_the_navigation_marks_the_current_page(
    make_project: MakeProject, build_site: Build
) -> None:
    site = build_site(make_project())

    def current(page: str) -> list[str]:
        return site.page(page).xpath("//nav[@aria-label='Site']//a[@aria-current='page']/text()")

    assert current("index.html") == ["Current status"]
    assert current("history/index.html") == ["History"]
    assert current("components/api.html") == []
    assert current("404.html") == []
