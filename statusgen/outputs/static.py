"""The theme's style sheet and other static files, and the site's own images."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from functools import partial
from importlib import resources
from importlib.abc import Traversable

from markupsafe import Markup

from statusgen.model.content import Asset
from statusgen.outputs.base import Inputs, Output, Shows


def _theme_static() -> Traversable:
    return resources.files("statusgen") / "theme" / "static"


def default_favicon() -> Asset:
    """The theme's icon, which every page links to when the site names none of its own: a
    browser asks for an icon on every page view, and should not get a 404 for it."""
    return Asset(
        "static/favicon.svg", "image/svg+xml", (_theme_static() / "favicon.svg").read_bytes()
    )


def root_icon(favicon: Asset | None) -> bytes | None:
    """/favicon.ico, which browsers ask for where a page links no icon they can use (and
    readers and bots ask for always): the site's favicon as an icon file, the theme's without
    one, none for an SVG favicon (it has no such form)."""
    if favicon is None:
        return (_theme_static() / "favicon.ico").read_bytes()
    if favicon.media_type == "image/x-icon":
        return favicon.data
    if favicon.media_type == "image/png":
        return png_as_icon(favicon.data)
    return None


def png_as_icon(png: bytes) -> bytes:
    """An .ico file holding one PNG image, as every browser since 2007 reads it."""
    width, height = struct.unpack(">II", png[16:24])  # from the PNG's header chunk
    entry = struct.pack(
        "<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(png), 6 + 16
    )  # 256 and more is written 0
    return struct.pack("<HHH", 0, 1, 1) + entry + png


def theme_stylesheet() -> Markup:
    """The theme's CSS, for a page that carries its own style (it is the theme's own file)."""
    return Markup((_theme_static() / "style.css").read_text(encoding="utf-8"))


def outputs(inputs: Inputs) -> Iterator[Output]:
    """The theme's CSS and other static files, which show only the theme; the site's logo and
    favicon, which show their own bytes (components.yaml names them, but holds none of them)."""
    for entry in sorted(_theme_static().iterdir(), key=lambda e: e.name):
        if entry.is_file():
            yield Output(f"static/{entry.name}", entry.read_bytes, Shows())
    info = inputs.site.info
    for asset in (info.logo, info.favicon):
        if asset is not None:
            yield Output(asset.path, partial(bytes, asset.data), Shows(values=(asset.digest,)))
    icon = root_icon(info.favicon)
    if icon is not None:
        digest = info.favicon.digest if info.favicon is not None else ""
        yield Output("favicon.ico", partial(bytes, icon), Shows(values=(digest,)))
