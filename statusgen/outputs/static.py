"""The theme's style sheet and other static files, and the site's own images."""

from __future__ import annotations

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
