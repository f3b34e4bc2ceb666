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


def map_forked(function: Callable[[T], R], items: Sequence[T], minimum: int) -> list[R]:
    """`[function(item) for item in items]`, over several processes when there are at least
    `minimum` items. A StatusgenError in a worker is raised again here."""
    workers = worker_count()
    if workers < 2 or len(items) < minimum:
        return [function(item) for item in items]
    gc.freeze()  # a worker's collections then leave the shared objects (and their pages) alone
    children = []
    for worker in range(1, workers):
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: do its share, report, and leave without any cleanup
            os.close(reader)
            try:
                report: tuple[str, Any] = ("ok", [function(i) for i in items[worker::workers]])
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
        results[0::workers] = [function(i) for i in items[0::workers]]
    finally:
        reports = []
        for pid, reader in children:
            with os.fdopen(reader, "rb") as stream:
                data = stream.read()
            os.waitpid(pid, 0)
            reports.append(pickle.loads(data) if data else ("error", "a worker stopped"))
        gc.unfreeze()
    for worker, (status, value) in enumerate(reports, start=1):
        if status == "user":
            raise StatusgenError(value)
        if status != "ok":
            raise RuntimeError(f"a worker process failed: {value}")
        results[worker::workers] = value
    return results
