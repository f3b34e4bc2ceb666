"""The theme's style sheet and other static files."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

from statusgen.outputs.base import Inputs, Output, Shows


def outputs(inputs: Inputs) -> Iterator[Output]:
    """The theme's CSS and other static files: they show only the theme."""
    static = resources.files("statusgen") / "theme" / "static"
    for entry in sorted(static.iterdir(), key=lambda e: e.name):
        if entry.is_file():
            yield Output(f"static/{entry.name}", entry.read_bytes, Shows())
