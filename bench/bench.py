"""Build N synthetic incidents and print one Markdown table: for each N, the median of 3 cold
builds (no cache), 3 rebuilds with nothing changed, 3 rebuilds after editing one incident, the
time `statusgen serve` takes to show an edit (median of 3), the
peak memory of any build (PSS of all its processes, and their RSS summed), and the files and
megabytes written. Each
build is a fresh process. Linux only (memory is read from /proc).

Usage: python bench/bench.py [N ...]   (default: 1000 10000)
"""

from __future__ import annotations

import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
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
                f"## Scheduled {window - timedelta(days=7):%Y-%m-%d %H:%M}\n{rng.choice(SENTENCES)}\n\n"
                f"Change request CHG-{n:05d}.\n"
            )
            continue
        impact = rng.choice(["minor", "major", "critical", "none"])
        updates = []
        at = began
        # Every incident is resolved but the newest three: a real page has few open at a time.
        steps = STATUSES[: rng.randint(2, 3)] + (["resolved"] if n < count - 3 else [])
        for status in steps:
            at += timedelta(minutes=rng.randint(5, 90))
            # Real updates are never word for word the same: each one ends with its own line.
            body = "\n\n".join(rng.sample(SENTENCES, rng.randint(1, 3)))
            body += f"\n\nNext update by {at + timedelta(minutes=30):%H:%M} (ticket OPS-{n:05d})."
            updates.append(f"## {status.title()} {at:%Y-%m-%d %H:%M}\n{body}\n")
        (folder / f"incident-{n:05d}.md").write_text(
            f"---\ntitle: Incident {n} on {affected[0]}\nimpact: {impact}\ncomponents: [{', '.join(affected)}]\n"
            f"started: {began:%Y-%m-%d %H:%M}\n---\n" + "\n".join(reversed(updates))
        )


def timed_build(project: Path, *extra: str) -> tuple[float, float, float]:
    """Seconds and peak memory (MB: PSS, RSS) of one build in a fresh process.

    Memory is sampled every 50 ms over the build and its worker processes. PSS (proportional
    set size) counts the pages they share once, split between them; the RSS of each process,
    summed, counts shared pages once per process (an upper bound)."""
    began = time.perf_counter()
    command = [sys.executable, "-m", "statusgen", "-C", str(project), "build", "-q"]
    process = subprocess.Popen([*command, "--now", "2026-11-22 12:00", *extra])
    peaks = [0, 0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            pss, rss = _memory_kb(process.pid)
            peaks[0], peaks[1] = max(peaks[0], pss), max(peaks[1], rss)

    # Sampled beside the build, so that its end is timed when it happens, not at the next sample.
    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    seconds = time.perf_counter() - began
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"build failed with exit code {process.returncode}")
    return seconds, peaks[0] / 1024, peaks[1] / 1024


def _memory_kb(pid: int) -> tuple[int, int]:
    """PSS and RSS in kB of a process and all its descendants (0 for what has already gone)."""
    pss, rss, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as stream:
                for line in stream:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
                        break
            with open(f"/proc/{current}/task/{current}/children") as stream:
                todo.extend(int(child) for child in stream.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return pss, rss


def touch_one(project: Path, round_: int) -> None:
    """Edit one incident, as an engineer posting an update does."""
    path = next((project / "incidents").rglob("incident-00500.md"))
    text = path.read_text()
    path.write_text(text.replace("\n## ", f"\nEdited {round_}.\n\n## ", 1))


def measure(count: int, runs: int, scratch: Path) -> dict[str, float]:
    """Everything the harness makes is left in `scratch` until every size is measured.

    A file system without a journal (ext4 without one, as here) passes over the inodes freed in
    the last 30 seconds each time it makes a file, so deleting thousands of files just before a
    build would slow the build down for the harness's sake; a fresh checkout has nothing just
    deleted. Earlier sites are moved aside, and nothing is deleted until the end."""
    project, retired = scratch / "project", scratch / "retired"
    project.mkdir(parents=True)
    retired.mkdir()
    write_project(project, count)
    cold = []
    for run in range(runs):
        shutil.rmtree(project / ".statusgen-cache", ignore_errors=True)  # a few files
        if (project / "site").exists():
            (project / "site").rename(retired / str(run))
        cold.append(timed_build(project))
    unchanged = [timed_build(project) for _ in range(runs)]
    edited = []
    for round_ in range(runs):
        touch_one(project, round_)
        edited.append(timed_build(project))
    preview = [serve_latency(project, round_) for round_ in range(runs)]
    files = [p for p in (project / "site").rglob("*") if p.is_file()]
    return {
        "serve": statistics.median(preview),
        "cold": statistics.median(r[0] for r in cold),
        "unchanged": statistics.median(r[0] for r in unchanged),
        "edited": statistics.median(r[0] for r in edited),
        "memory": max(r[1] for r in cold + unchanged + edited),
        "rss": max(r[2] for r in cold + unchanged + edited),
        "files": len(files),
        "mb": sum(p.stat().st_size for p in files) / 1e6,
    }


def serve_latency(project: Path, round_: int) -> float:
    """Seconds from saving an edit to `statusgen serve` answering with the rebuilt page."""
    process = subprocess.Popen(
        [sys.executable, "-m", "statusgen", "-C", str(project), "serve", "--port", "0", "-q"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base = line.split()[1]  # "Serving http://127.0.0.1:PORT/ ..."
        marker = f"Preview edit {round_}."
        path = next((project / "incidents").rglob("incident-00700.md"))
        began = time.perf_counter()
        path.write_text(path.read_text().replace("\n## ", f"\n{marker}\n\n## ", 1))
        while True:
            with urllib.request.urlopen(f"{base}incidents/incident-00700.html") as response:
                if marker in response.read().decode():
                    return time.perf_counter() - began
            time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [1000, 10000]
    print(
        "| N | cold build | rebuild, nothing changed | rebuild, one incident edited "
        "| preview shows an edit | peak memory: PSS (RSS summed) | files | MB written |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as scratch:
        for count in sizes:
            report(count, measure(count, 3, Path(scratch) / str(count)))


def report(count: int, r: dict[str, float]) -> None:
    print(
        f"| {count:,} | {r['cold']:.2f} s | {r['unchanged']:.2f} s | {r['edited']:.2f} s "
        f"| {r['serve']:.2f} s "
        f"| {r['memory']:.0f} MB ({r['rss']:.0f} MB) | {r['files']:,} | {r['mb']:.1f} |",
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1:])
