"""Time full builds of N synthetic incidents: seconds and peak memory, for each N given.

Usage: python bench/bench.py [N ...]   (default: 1000 10000)
"""

from __future__ import annotations

import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

COMPONENTS = [f"service-{n:02d}" for n in range(40)]
STATUSES = ["investigating", "identified", "monitoring", "resolved"]
SENTENCES = [
    "We are investigating reports of elevated error rates for some customers.",
    "The issue has been identified as a **misconfigured load balancer** in one region.",
    "A fix has been deployed and we are monitoring the results closely.",
    "Requests to the `/v2/orders` endpoint were timing out after 30 seconds.",
    "Customers may have seen [intermittent failures](https://example.com/help) when signing in.",
    "We rolled back the release and error rates returned to normal levels.",
    "- Queued jobs will be retried automatically\n- No data was lost",
]


# A policy like the example site's, so the benchmark measures the SLA work too.
SLA = """
calendars:
  business:
    days: [mon, tue, wed, thu, fri]
    hours: ["09:00-18:00"]
    holidays: {country: PT}
priorities:
  default: {critical: P1, major: P2, minor: P3, none: P4}
policies:
  default:
    P1: {first_response: 30m, resolution: 4h}
    P2: {first_response: 2h, resolution: 2bd, calendar: business}
    P3: {first_response: 8h, resolution: 5bd, calendar: business}
    P4: {first_response: 2bd, calendar: business}
    maintenance: {notice: 2bd, calendar: business, windows: ["sat-sun 00:00-06:00"]}
"""


def write_project(root: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    groups = "\n".join(
        f"  - name: Group {g}\n    components:\n"
        + "\n".join(
            f"      - id: {c}\n        name: Service {c[-2:]}"
            for c in COMPONENTS[g * 8 : g * 8 + 8]
        )
        for g in range(5)
    )
    (root / "components.yaml").write_text(
        "site:\n  title: Bench\n  url: https://status.example.com/\n  timezone: Europe/Lisbon\n"
        f"groups:\n{groups}\n{SLA}"
    )
    incidents = root / "incidents"
    incidents.mkdir()
    start = datetime(2016, 1, 1, tzinfo=ZoneInfo("Europe/Lisbon"))
    span = (datetime(2026, 11, 1, tzinfo=ZoneInfo("Europe/Lisbon")) - start).total_seconds()
    for n in range(count):
        began = start + timedelta(seconds=span * n / count)
        affected = rng.sample(COMPONENTS, rng.randint(1, 4))
        folder = incidents / f"{began:%Y}"
        folder.mkdir(exist_ok=True)
        if n % 10 == 9:  # one in ten is a maintenance, announced a week ahead
            window = began.replace(hour=1, minute=0)
            (folder / f"incident-{n:05d}.md").write_text(
                f"---\ntype: maintenance\ntitle: Maintenance {n}\n"
                f"components: [{', '.join(affected)}]\n"
                f"scheduled_start: {window:%Y-%m-%d %H:%M}\n"
                f"scheduled_end: {window + timedelta(hours=3):%Y-%m-%d %H:%M}\n---\n"
                f"## Scheduled {window - timedelta(days=7):%Y-%m-%d %H:%M}\n{rng.choice(SENTENCES)}\n"
            )
            continue
        impact = rng.choice(["minor", "major", "critical", "none"])
        updates = []
        at = began
        # Every incident is resolved but the newest three: a real page has few open at a time.
        steps = STATUSES[: rng.randint(2, 3)] + (["resolved"] if n < count - 3 else [])
        for status in steps:
            at += timedelta(minutes=rng.randint(5, 90))
            body = "\n\n".join(rng.sample(SENTENCES, rng.randint(1, 3)))
            updates.append(f"## {status.title()} {at:%Y-%m-%d %H:%M}\n{body}\n")
        (folder / f"incident-{n:05d}.md").write_text(
            f"---\ntitle: Incident {n} on {affected[0]}\nimpact: {impact}\ncomponents: [{', '.join(affected)}]\n"
            f"started: {began:%Y-%m-%d %H:%M}\n---\n" + "\n".join(reversed(updates))
        )


def timed_build(project: Path) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one build in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    began = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "statusgen",
            "-C",
            str(project),
            "build",
            "-q",
            "--now",
            "2026-11-22 12:00",
        ],
        check=True,
    )
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1000, 10000]
    print(f"{'N':>7} {'cold build (s)':>15} {'peak RSS (MB)':>14} {'files':>7} {'MB written':>11}")
    for count in sizes:
        with tempfile.TemporaryDirectory() as scratch:
            project = Path(scratch)
            write_project(project, count)
            runs = [timed_build(project) for _ in range(3)]
            files = [p for p in (project / "site").rglob("*") if p.is_file()]
            size = sum(p.stat().st_size for p in files) / 1e6
            print(
                f"{count:>7} {statistics.median(r[0] for r in runs):>15.2f} "
                f"{max(r[1] for r in runs):>14.0f} {len(files):>7} {size:>11.1f}"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
