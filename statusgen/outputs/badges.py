"""SVG status badges in the familiar flat style, for READMEs and dashboards: `badges/status.svg`
for the whole site and `badges/components/<id>.svg` for each component.

anybadge measures the text; the template is ours so that each badge has a title for screen readers
and a fixed mask id (anybadge numbers masks per process, which would make rebuilds differ)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from statusgen.model.content import ComponentStatus, Indicator
from statusgen.outputs.base import Inputs, Output, Shows
from statusgen.render.i18n import marked as _
from statusgen.render.i18n import translations_of
from statusgen.render.words import Words, words_of

SITE_LABEL = _("status")  # the left half of the site's badge
COLOURS = {
    ComponentStatus.OPERATIONAL: "#2e7d32",
    ComponentStatus.UNDER_MAINTENANCE: "#1565c0",
    ComponentStatus.DEGRADED_PERFORMANCE: "#8a6d00",
    ComponentStatus.PARTIAL_OUTAGE: "#c2410c",
    ComponentStatus.MAJOR_OUTAGE: "#b42318",
}
INDICATOR_STATUS = {
    Indicator.NONE: ComponentStatus.OPERATIONAL,
    Indicator.MAINTENANCE: ComponentStatus.UNDER_MAINTENANCE,
    Indicator.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Indicator.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Indicator.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}


def badge_text(words: Words, value: ComponentStatus | Indicator) -> str:
    """What a badge says of a status: its label in lower case, as badges read. The site's badge
    reads as a component's badge of its colour does; all operational, it says so of every
    system."""
    if isinstance(value, Indicator) and value is not Indicator.NONE:
        value = INDICATOR_STATUS[value]
    return words.label(value).lower()


_TEMPLATE = """\
<svg xmlns="http://www.w3.org/2000/svg" width="{{ badge width }}" height="20" role="img" aria-label="{{ label }}: {{ value }}">
  <title>{{ label }}: {{ value }}</title>
  <linearGradient id="shine" x2="0" y2="100%">
    <stop offset="0" stop-color="#bbb" stop-opacity=".1"/>
    <stop offset="1" stop-opacity=".1"/>
  </linearGradient>
  <mask id="{{ mask id }}">
    <rect width="{{ badge width }}" height="20" rx="3" fill="#fff"/>
  </mask>
  <g mask="url(#{{ mask id }})">
    <path fill="#555" d="M0 0h{{ color split x }}v20H0z"/>
    <path fill="{{ color }}" d="M{{ color split x }} 0h{{ value width }}v20H{{ color split x }}z"/>
    <path fill="url(#shine)" d="M0 0h{{ badge width }}v20H0z"/>
  </g>
  <g fill="#fff" text-anchor="middle" font-family="{{ font name }}" font-size="{{ font size }}">
    <text x="{{ label anchor shadow }}" y="15" fill="#010101" fill-opacity=".3">{{ label }}</text>
    <text x="{{ label anchor }}" y="14">{{ label }}</text>
    <text x="{{ value anchor shadow }}" y="15" fill="#010101" fill-opacity=".3">{{ value }}</text>
    <text x="{{ value anchor }}" y="14">{{ value }}</text>
  </g>
</svg>
"""


def outputs(inputs: Inputs) -> Iterator[Output]:
    snapshot = inputs.derived.snapshot
    indicator = snapshot.indicator
    words = words_of(inputs.templates)
    yield _badge(
        "badges/status.svg",
        translations_of(inputs.templates).gettext(SITE_LABEL),
        badge_text(words, indicator),
        INDICATOR_STATUS[indicator],
    )
    for cid, state in snapshot.components.items():
        yield _badge(
            f"badges/components/{cid}.svg",
            state.component.name,
            badge_text(words, state.status),
            state.status,
        )


def _badge(path: str, label: str, value: str, status: ComponentStatus) -> Output:
    return Output(
        path, partial(badge, label, value, status), Shows(values=(label, value, status.value))
    )


def badge(label: str, value: str, status: ComponentStatus) -> bytes:
    import anybadge  # only when a badge is drawn, not on every build

    drawn = anybadge.Badge(label, value, default_color=COLOURS[status], template=_TEMPLATE)
    drawn.mask_str = "round"
    return str(drawn.badge_svg_text).encode("utf-8")
