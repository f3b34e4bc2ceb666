"""Machine-readable outputs, written with json.dumps (never templated)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .output import Output
from .sla import Annotation, as_json


def dump(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def render_api(annotations: dict[str, Annotation]) -> Iterator[Output]:
    """`api/sla.json`: the SLA object of every annotated incident, keyed by incident id."""
    yield Output("api/sla.json", dump({i: as_json(a) for i, a in sorted(annotations.items())}))
