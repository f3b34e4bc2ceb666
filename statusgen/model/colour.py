"""Colour arithmetic for the site's accent: WCAG 2 contrast, and the nearest variant of a colour
that reads on a background."""

from __future__ import annotations

import re
from dataclasses import dataclass

# WCAG 2 AA for normal text.
TEXT_CONTRAST = 4.5

# The backgrounds links sit on in the theme (style.css: --bg and --card), light and dark.
LIGHT_BACKGROUNDS = ("#ffffff", "#f5f7fa")
DARK_BACKGROUNDS = ("#11151c", "#1a202a")

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def _channel(value: int) -> float:
    """An sRGB channel (0-255) as linear light, as WCAG 2 defines relative luminance."""
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def luminance(colour: str) -> float:
    red, green, blue = (_channel(c) for c in _rgb(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two '#rrggbb' colours, from 1 to 21."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _mix(colour: str, towards: str, share: float) -> str:
    mixed = (round(a + (b - a) * share) for a, b in zip(_rgb(colour), _rgb(towards), strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def readable_on(colour: str, backgrounds: tuple[str, ...]) -> str:
    """`colour` itself when it has AA text contrast on every background; else the least change
    of it that has: mixed towards black on light backgrounds, towards white on dark ones (the
    hue stays, only the lightness moves). Pure black or white always reads on the theme's
    backgrounds, so there is always such a variant."""
    dark_backgrounds = luminance(backgrounds[0]) < 0.18
    towards = "#ffffff" if dark_backgrounds else "#000000"
    for step in range(101):
        candidate = _mix(colour, towards, step / 100)
        if all(contrast(candidate, bg) >= TEXT_CONTRAST for bg in backgrounds):
            return candidate
    return towards


@dataclass(frozen=True, slots=True)
class Accent:
    """The site's brand colour as written, and the variant of it each colour scheme shows."""

    given: str
    light: str
    dark: str

    @classmethod
    def of(cls, colour: str) -> Accent:
        colour = colour.lower()
        return cls(
            colour, readable_on(colour, LIGHT_BACKGROUNDS), readable_on(colour, DARK_BACKGROUNDS)
        )
