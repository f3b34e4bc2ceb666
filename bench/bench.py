"""Build N synthetic incidents and print one Markdown table: for each N, the median of 3 cold
builds (no cache), 3 rebuilds with nothing changed, 3 rebuilds after editing one incident, the
time `statusgen serve` takes to show an edit (median of 3), the
peak memory of any build (PSS of all its processes, and their RSS summed), and the files and
megabytes written. Each
build is a fresh process. Linux only (memory is read from /proc).

With --compare BASE_DIR, two versions of statusgen are measured on this machine: the one in
BASE_DIR (another checkout, such as a `git worktree` at an older commit) and the one this file
belongs to. Each runs on its own copy of the same synthetic project, with this Python and
PYTHONPATH set to its source tree, and their runs alternate (base, current, base, current, ...)
so that the machine's noise falls on both alike. One table a size: each measurement for base
and current and the change, with how many runs each median is of.

Usage: python bench/bench.py [--runs R] [--compare BASE_DIR] [N ...]
       (default: 1000 10000; 3 runs, or 5 with --compare)
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
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
    zone = ZoneInfo("Europe/Lisbon")
    start = datetime(2016, 1, 1, tzinfo=zone)
    span = (datetime(2026, 11, 1, tzinfo=zone) - start).total_seconds()

    def local(moment: datetime) -> datetime:
        # A time the clocks show: a wall-clock sum can fall in the hour skipped in spring,
        # which the loader rightly refuses.
        return moment.astimezone(UTC).astimezone(zone)

    for n in range(count):
        began = local(start + timedelta(seconds=span * n / count))
        affected = rng.sample(COMPONENTS, rng.randint(1, 4))
        folder = incidents / f"{began:%Y}"
        folder.mkdir(exist_ok=True)
        if n % 10 == 9:  # one in ten is a maintenance, announced a week ahead
            window = local(began.replace(hour=1, minute=0))
            (folder / f"incident-{n:05d}.md").write_text(
                f"---\ntype: maintenance\ntitle: Maintenance {n}\n"
                f"components: [{', '.join(affected)}]\n"
                f"scheduled_start: {window:%Y-%m-%d %H:%M}\n"
                f"scheduled_end: {local(window + timedelta(hours=3)):%Y-%m-%d %H:%M}\n---\n"
                f"## Scheduled {local(window - timedelta(days=7)):%Y-%m-%d %H:%M}\n"
                f"{rng.choice(SENTENCES)}\n\n"
                f"Change request CHG-{n:05d}.\n"
            )
            continue
        impact = rng.choice(["minor", "major", "critical", "none"])
        updates = []
        at = began
        # Every incident is resolved but the newest three: a real page has few open at a time.
        steps = STATUSES[: rng.randint(2, 3)] + (["resolved"] if n < count - 3 else [])
        for status in steps:
            at = local(at + timedelta(minutes=rng.randint(5, 90)))
            # Real updates are never word for word the same: each one ends with its own line.
            body = "\n\n".join(rng.sample(SENTENCES, rng.randint(1, 3)))
            body += f"\n\nNext update by {at + timedelta(minutes=30):%H:%M} (ticket OPS-{n:05d})."
            updates.append(f"## {status.title()} {at:%Y-%m-%d %H:%M}\n{body}\n")
        (folder / f"incident-{n:05d}.md").write_text(
            f"---\ntitle: Incident {n} on {affected[0]}\nimpact: {impact}\ncomponents: [{', '.join(affected)}]\n"
            f"started: {began:%Y-%m-%d %H:%M}\n---\n" + "\n".join(reversed(updates))
        )


def timed_build(
    project: Path, *extra: str, env: Mapping[str, str] | None = None
) -> tuple[float, float, float]:
    """Seconds and peak memory (MB: PSS, RSS) of one build in a fresh process.

    Memory is sampled every 50 ms over the build and its worker processes. PSS (proportional
    set size) counts the pages they share once, split between them; the RSS of each process,
    summed, counts shared pages once per process (an upper bound). `env` is the build's
    environment (by default this process's)."""
    began = time.perf_counter()
    command = [sys.executable, "-m", "statusgen", "-C", str(project), "build", "-q"]
    process = subprocess.Popen([*command, "--now", "2026-11-22 12:00", *extra], env=env)
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


def incident_number(count: int, number: int) -> int:
    """Incident `number`, or on a site too small to have it one as far into the site (ending in
    0, so an incident rather than a maintenance)."""
    return number if number < count else number * count // 1000 // 10 * 10


def touch_one(project: Path, round_: int, number: int = 500) -> None:
    """Edit one incident, as an engineer posting an update does."""
    path = next((project / "incidents").rglob(f"incident-{number:05d}.md"))
    text = path.read_text()
    path.write_text(text.replace("\n## ", f"\nEdited {round_}.\n\n## ", 1))


@dataclass
class Subject:
    """A statusgen being measured, with its own copy of the project (so caches never mix)."""

    project: Path
    retired: Path
    env: Mapping[str, str] | None = None  # None: this process's, whichever statusgen it imports


def measure(count: int, runs: int, scratch: Path) -> dict[str, float]:
    """The measurements of the statusgen this process imports."""
    return measure_alternating(count, runs, scratch, [None])[0]


def measure_alternating(
    count: int, runs: int, scratch: Path, envs: list[Mapping[str, str] | None]
) -> list[dict[str, float]]:
    """The measurements of each environment's statusgen, their runs taken in turn: the first
    environment's, the second's, ..., then the first's again.

    Everything the harness makes is left in `scratch` until every size is measured.
    A file system without a journal (ext4 without one, as here) passes over the inodes freed in
    the last 30 seconds each time it makes a file, so deleting thousands of files just before a
    build would slow the build down for the harness's sake; a fresh checkout has nothing just
    deleted. Earlier sites are moved aside, and nothing is deleted until the end."""
    subjects = []
    for number, env in enumerate(envs):
        subject = Subject(scratch / str(number) / "project", scratch / str(number) / "retired", env)
        subject.project.mkdir(parents=True)
        subject.retired.mkdir()
        write_project(subject.project, count)  # the same seed: the same project for each
        subjects.append(subject)

    def cold_build(subject: Subject, run: int) -> tuple[float, float, float]:
        shutil.rmtree(subject.project / ".statusgen-cache", ignore_errors=True)  # a few files
        if (subject.project / "site").exists():
            (subject.project / "site").rename(subject.retired / str(run))
        return timed_build(subject.project, env=subject.env)

    def edited_build(subject: Subject, round_: int) -> tuple[float, float, float]:
        touch_one(subject.project, round_, incident_number(count, 500))
        return timed_build(subject.project, env=subject.env)

    cold = in_turn(subjects, runs, cold_build)
    unchanged = in_turn(
        subjects, runs, lambda subject, _: timed_build(subject.project, env=subject.env)
    )
    edited = in_turn(subjects, runs, edited_build)
    preview = in_turn(
        subjects,
        runs,
        lambda subject, round_: serve_latency(
            subject.project, round_, incident_number(count, 700), subject.env
        ),
    )
    results = []
    for number, subject in enumerate(subjects):
        builds = cold[number] + unchanged[number] + edited[number]
        files = [p for p in (subject.project / "site").rglob("*") if p.is_file()]
        results.append(
            {
                "serve": statistics.median(preview[number]),
                "cold": statistics.median(r[0] for r in cold[number]),
                "unchanged": statistics.median(r[0] for r in unchanged[number]),
                "edited": statistics.median(r[0] for r in edited[number]),
                "memory": max(r[1] for r in builds),
                "rss": max(r[2] for r in builds),
                "files": len(files),
                "mb": sum(p.stat().st_size for p in files) / 1e6,
            }
        )
    return results


R = TypeVar("R")


def in_turn(subjects: list[Subject], runs: int, step: Callable[[Subject, int], R]) -> list[list[R]]:
    """`step` run `runs` times for each subject, one subject after another in each round."""
    results: list[list[R]] = [[] for _ in subjects]
    for run in range(runs):
        for subject, out in zip(subjects, results, strict=True):
            out.append(step(subject, run))
    return results


def serve_latency(
    project: Path, round_: int, number: int = 700, env: Mapping[str, str] | None = None
) -> float:
    """Seconds from saving an edit to `statusgen serve` answering with the rebuilt page."""
    process = subprocess.Popen(
        [sys.executable, "-m", "statusgen", "-C", str(project), "serve", "--port", "0", "-q"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base = line.split()[1]  # "Serving http://127.0.0.1:PORT/ ..."
        marker = f"Preview edit {round_}."
        path = next((project / "incidents").rglob(f"incident-{number:05d}.md"))
        began = time.perf_counter()
        path.write_text(path.read_text().replace("\n## ", f"\n{marker}\n\n## ", 1))
        while True:
            with urllib.request.urlopen(f"{base}incidents/incident-{number:05d}.html") as response:
                if marker in response.read().decode():
                    return time.perf_counter() - began
            time.sleep(0.02)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sizes", nargs="*", type=int, metavar="N", help="incidents to build")
    parser.add_argument("--runs", type=int, help="runs of each measurement (3, or 5 to compare)")
    parser.add_argument(
        "--compare", type=Path, metavar="BASE_DIR", help="a checkout of statusgen to compare with"
    )
    args = parser.parse_args(argv)
    sizes = args.sizes or [1000, 10000]
    runs = (5 if args.compare else 3) if args.runs is None else args.runs
    if runs < 1:
        parser.error("--runs must be at least 1")
    if args.compare:
        compare(args.compare, sizes, runs)
        return
    print(
        "| N | cold build | rebuild, nothing changed | rebuild, one incident edited "
        "| preview shows an edit | peak memory: PSS (RSS summed) | files | MB written |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as scratch:
        for count in sizes:
            report(count, measure(count, runs, Path(scratch) / str(count)))


def report(count: int, r: dict[str, float]) -> None:
    print(
        f"| {count:,} | {r['cold']:.2f} s | {r['unchanged']:.2f} s | {r['edited']:.2f} s "
        f"| {r['serve']:.2f} s "
        f"| {r['memory']:.0f} MB ({r['rss']:.0f} MB) | {r['files']:,} | {r['mb']:.1f} |",
        flush=True,
    )


def compare(base_dir: Path, sizes: list[int], runs: int) -> None:
    """A table a size of the statusgen in `base_dir` against the one this file belongs to."""
    trees = {"base": base_dir.resolve(), "current": Path(__file__).resolve().parents[1]}
    envs = {name: source_env(tree) for name, tree in trees.items()}
    print(
        " and ".join(f"{name}: {tree} ({describe(tree)})" for name, tree in trees.items())
        + f". Runs alternate base, current, base, ...; each median is of {runs} run"
        + ("s" if runs > 1 else "")
        + " of each.",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as scratch:
        # One build of a small site each first, untimed: it compiles each tree's modules to
        # bytecode, which would otherwise fall on the first cold build of only one of them.
        for name, env in envs.items():
            project = Path(scratch) / "warm-up" / name
            project.mkdir(parents=True)
            write_project(project, 20)
            timed_build(project, env=env)
        for count in sizes:
            base, current = measure_alternating(
                count, runs, Path(scratch) / str(count), list(envs.values())
            )
            report_comparison(count, runs, base, current)


def source_env(tree: Path) -> dict[str, str]:
    """This process's environment with PYTHONPATH set to `tree` (and the working directory kept
    off the module path), once a child process run with it has imported statusgen from `tree`:
    an installed statusgen, an editable one included, would otherwise be measured instead."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONSAFEPATH": "1"}
    check = subprocess.run(
        [sys.executable, "-c", "import statusgen; print(statusgen.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if check.returncode:
        raise SystemExit(f"{tree}: statusgen does not import:\n{check.stderr.strip()}")
    found = Path(check.stdout.strip()).resolve()
    if not found.is_relative_to(tree):
        raise SystemExit(f"{tree}: with PYTHONPATH={tree}, statusgen is imported from {found}")
    return env


def describe(tree: Path) -> str:
    """The commit a checkout is at, `-dirty` if it has changes (`?` if git cannot tell)."""
    described = subprocess.run(
        ["git", "-C", str(tree), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
        check=False,
    )
    return described.stdout.strip() if described.returncode == 0 else "?"


def report_comparison(
    count: int, runs: int, base: dict[str, float], current: dict[str, float]
) -> None:
    builds = f"highest of {3 * runs} builds"
    rows = [
        ("cold build", "cold", "{:.3f} s", f"median of {runs}"),
        ("rebuild, nothing changed", "unchanged", "{:.3f} s", f"median of {runs}"),
        ("rebuild, one incident edited", "edited", "{:.3f} s", f"median of {runs}"),
        ("preview shows an edit", "serve", "{:.3f} s", f"median of {runs}"),
        ("peak memory, PSS", "memory", "{:.1f} MB", builds),
        ("peak memory, RSS summed", "rss", "{:.1f} MB", builds),
        ("files written", "files", "{:,}", "last build"),
        ("MB written", "mb", "{:.2f}", "last build"),
    ]
    print(f"\n### {count:,} incidents\n")
    print("| | base | current | change | of |")
    print("|---|---:|---:|---:|---|")
    for label, key, shown, of in rows:
        old, new = base[key], current[key]
        change = f"{(new - old) / old * 100:+.1f} %" if old else "n/a"
        print(f"| {label} | {shown.format(old)} | {shown.format(new)} | {change} | {of} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
