"""Machine-readable outputs, written with json.dumps (never templated)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .output import Output
from .sla import Annotation, MaintenanceCheck, as_json, maintenance_json


def dump(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def render_api(
    annotations: dict[str, Annotation], checks: dict[str, MaintenanceCheck]
) -> Iterator[Output]:
    """`api/sla.json`: the SLA object of every incident and the notice and window checks of
    every maintenance that a policy covers, keyed by id."""
    yield Output(
        "api/sla.json",
        dump(
            {
                "incidents": {i: as_json(a) for i, a in sorted(annotations.items())},
                "maintenance": {i: maintenance_json(c) for i, c in sorted(checks.items())},
            }
        ),
    )
