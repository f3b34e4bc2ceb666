"""Every file of the site: each module makes some of them, each file declared with what it
shows (see base.py). Adding an output is a module with an `outputs(inputs)` function and one
line in OUTPUTS."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from statusgen.outputs import api, badges, feeds, ical, json_feed, pages, sla_api, static
from statusgen.outputs.base import Inputs, Output, Shows

__all__ = ["OUTPUTS", "Inputs", "Output", "Shows", "site_outputs"]

OUTPUTS: tuple[Callable[[Inputs], Iterable[Output]], ...] = (
    pages.outputs,
    feeds.outputs,
    json_feed.outputs,
    ical.outputs,
    api.outputs,
    sla_api.outputs,
    badges.outputs,
    static.outputs,
)


def site_outputs(inputs: Inputs) -> list[Output]:
    """Every file of the site, each with how to draw it."""
    return [output for make in OUTPUTS for output in make(inputs)]
