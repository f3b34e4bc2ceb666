"""Work shared out over the machine's cores by forking: each process takes every n-th item.

A forked process starts with everything the parent has built (the site, the templates), so
nothing has to be sent to it; only the results come back, pickled. Forking is used only where it
is safe: on systems that have it, in a process without other threads (the preview server has
some, and works in one process).
"""

from __future__ import annotations

import gc
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import StatusgenError

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")


def worker_count() -> int:
    """Processes to use: the usable cores (or STATUSGEN_WORKERS), 1 when forking is unsafe."""
    if not hasattr(os, "fork") or threading.active_count() > 1:
        return 1
    if os.environ.get("STATUSGEN_WORKERS", "").isdigit():
        return max(1, int(os.environ["STATUSGEN_WORKERS"]))
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def map_forked(
    function: Callable[[T], R],
    items: Sequence[T],
    minimum: int,
    meanwhile: Callable[[], object] | None = None,
    aside: tuple[Callable[[], A], Callable[[A], object]] | None = None,
) -> list[R]:
    """`[function(item) for item in items]`, over several processes when there are at least
    `minimum` items. A StatusgenError in a worker is raised again here. `meanwhile`, if given,
    is done by this process first, while the workers start on the items. `aside`, a pair
    (work, receive), has one worker do `work` before it starts on the items, and this process
    `receive` its (pickled) result: what only a worker needs to load, this process never holds.

    The items are cut into small runs that each process takes in turn as it gets free, so a
    process given costlier items takes fewer of them; neighbouring items (the RSS and Atom
    versions of one feed, say) mostly fall to the same process and share what it has made."""
    workers = worker_count()
    if workers < 2 or len(items) < minimum:
        if aside is not None:
            aside[1](aside[0]())
        if meanwhile is not None:
            meanwhile()
        return [function(item) for item in items]
    runs = [
        range(start, min(start + _run_length(len(items), workers), len(items)))
        for start in range(0, len(items), _run_length(len(items), workers))
    ]
    # Every run's number is written to a pipe before forking; a process takes the next one by
    # reading its 4 bytes (reads this small are atomic), until the pipe is empty.
    queue_out, queue_in = os.pipe()
    with os.fdopen(queue_in, "wb") as stream:
        stream.write(b"".join(number.to_bytes(4, "little") for number in range(len(runs))))
    # Frozen, the shared objects (and their pages) are left alone by a worker's collections.
    # Objects frozen by the caller stay frozen: the caller unfreezes them when it is done.
    frozen_here = gc.get_freeze_count() == 0
    gc.freeze()
    children = []
    try:
        for number in range(1, workers):
            reader, writer = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: do its share, report, and leave without any cleanup
                os.close(reader)
                try:
                    aside_result = aside[0]() if aside is not None and number == 1 else None
                    done = _take_runs(function, items, runs, queue_out)
                    report: tuple[str, Any] = ("ok", (done, aside_result))
                except StatusgenError as error:  # the user's mistake, raised again in the parent
                    report = ("user", str(error))
                except BaseException as error:
                    report = ("error", f"{type(error).__name__}: {error}")
                with os.fdopen(writer, "wb") as stream:
                    pickle.dump(report, stream, protocol=pickle.HIGHEST_PROTOCOL)
                os._exit(0)
            os.close(writer)
            children.append((pid, reader))
        results: list[Any] = [None] * len(items)
        try:
            if meanwhile is not None:
                meanwhile()
            for number, values in _take_runs(function, items, runs, queue_out):
                results[runs[number].start : runs[number].stop] = values
        finally:
            reports = []
            for pid, reader in children:
                with os.fdopen(reader, "rb") as stream:
                    data = stream.read()
                os.waitpid(pid, 0)
                reports.append(pickle.loads(data) if data else ("error", "a worker stopped"))
    finally:
        os.close(queue_out)
        if frozen_here:
            gc.unfreeze()
    for number, (status, value) in enumerate(reports, start=1):
        if status == "user":
            raise StatusgenError(value)
        if status != "ok":
            raise RuntimeError(f"a worker process failed: {value}")
        done, aside_result = value
        for run, values in done:
            results[runs[run].start : runs[run].stop] = values
        if aside is not None and number == 1:
            aside[1](aside_result)
    return results


_MOST_RUNS = 4096  # their numbers must fit in a pipe's buffer (64 kB) before anyone reads


def _run_length(count: int, workers: int) -> int:
    # Runs short enough to even out the processes' finishing times, long enough to be cheap.
    return max(1, min(32, count // (workers * 16)), -(-count // _MOST_RUNS))


def _take_runs(
    function: Callable[[T], R], items: Sequence[T], runs: list[range], queue: int
) -> list[tuple[int, list[R]]]:
    done = []
    while len(taken := os.read(queue, 4)) == 4:
        number = int.from_bytes(taken, "little")
        done.append((number, [function(items[index]) for index in runs[number]]))
    return done
