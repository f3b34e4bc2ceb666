"""Work shared out over the machine's cores by forking: each process takes runs of items in turn.

A forked process starts with everything the parent has built (the site, the templates), so
nothing has to be sent to it; only the results come back, pickled. Forking is used only where it
is safe: on systems that have it, in a process without other threads (the preview server has
some, and works in one process).
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any, NoReturn, TypeVar

from statusgen.errors import StatusgenError, WorkerFailed

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
    `minimum` items. An exception in a worker is raised again here as itself (an unexpected
    one with the worker's traceback as its cause). `meanwhile`, if given, is done by this
    process first, while the workers start on the items. `aside`, a pair
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
    length = _run_length(len(items), workers)
    runs = [range(start, min(start + length, len(items))) for start in range(0, len(items), length)]
    # Every run's number is written to a pipe before forking; a process takes the next one by
    # reading its 4 bytes (reads this small are atomic), until the pipe is empty.
    queue_out, queue_in = os.pipe()
    with os.fdopen(queue_in, "wb") as stream:
        stream.write(b"".join(number.to_bytes(4, "little") for number in range(len(runs))))
    # Frozen, the shared objects (and their pages) are left alone by a worker's collections.
    # Objects frozen by the caller stay frozen: the caller unfreezes them when it is done.
    frozen_here = gc.get_freeze_count() == 0
    gc.freeze()
    # A worker stops on Ctrl-C like this process, but quietly: it reports the interruption.
    interruptible = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    try:
        children = _start_workers(workers, function, items, runs, queue_out, aside, interruptible)
        results, reports = _work_here(
            function, items, runs, queue_out, children, meanwhile, interruptible
        )
    finally:
        os.close(queue_out)
        if frozen_here:
            gc.unfreeze()
    return _merged(results, runs, reports, aside)


def _start_workers(
    workers: int,
    function: Callable[[T], R],
    items: Sequence[T],
    runs: list[range],
    queue: int,
    aside: tuple[Callable[[], A], Callable[[A], object]] | None,
    interruptible: bool,
) -> list[tuple[int, int]]:
    """Fork the workers: each one's pid and the pipe its report comes through."""
    children: list[tuple[int, int]] = []
    for number in range(1, workers):
        reader, writer = os.pipe()
        # Ctrl-C waits until the worker has its own handler: until then it would run this
        # process's code, and print what this process prints.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pid = os.fork()
        except BaseException:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            raise
        if pid == 0:
            os.close(reader)
            if interruptible:
                signal.signal(signal.SIGINT, _interrupted)
            _work(function, items, runs, queue, writer, mask, aside if number == 1 else None)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(writer)
        children.append((pid, reader))
    return children


Report = tuple[list[tuple[int, list[Any]]], Any]  # the runs a worker did, and its aside's result


def _work_here(
    function: Callable[[T], R],
    items: Sequence[T],
    runs: list[range],
    queue: int,
    children: list[tuple[int, int]],
    meanwhile: Callable[[], object] | None,
    interruptible: bool,
) -> tuple[list[Any], list[Report | _Failure]]:
    """This process's share of the runs, then every worker's report (or failure)."""
    results: list[Any] = [None] * len(items)
    try:
        if meanwhile is not None:
            meanwhile()
        for number, values in _take_runs(function, items, runs, queue):
            results[runs[number].start : runs[number].stop] = values
    except BaseException:
        if interruptible:  # the workers' results are of no use now: stop them
            for pid, _ in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGINT)
        raise
    finally:
        reports = [_report(pid, reader) for pid, reader in children]
    return results, reports


def _merged(
    results: list[Any],
    runs: list[range],
    reports: list[Report | _Failure],
    aside: tuple[Callable[[], A], Callable[[A], object]] | None,
) -> list[Any]:
    """Every result in order, with the workers' runs; a worker's failure raised here."""
    failures = [report for report in reports if isinstance(report, _Failure)]
    if failures:
        # An error rather than an interruption, and the first worker's among them.
        failures.sort(key=lambda failure: isinstance(failure.error, KeyboardInterrupt))
        raise failures[0].raised()
    for number, report in enumerate(reports, start=1):
        assert not isinstance(report, _Failure)
        done, aside_result = report
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


def _interrupted(signum: int, frame: FrameType | None) -> None:
    # Only the first Ctrl-C interrupts a worker: a second one must not cut its report short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def _work(
    function: Callable[[T], R],
    items: Sequence[T],
    runs: list[range],
    queue: int,
    writer: int,
    mask: set[int | signal.Signals],
    aside: tuple[Callable[[], A], Callable[[A], object]] | None,
) -> NoReturn:
    """A worker's life: its share of the runs, one report to the parent, and a silent exit
    (never back into the parent's code, nor through its clean-up)."""
    try:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            aside_result = aside[0]() if aside is not None else None
            done = _take_runs(function, items, runs, queue)
            data = pickle.dumps((done, aside_result), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as error:
            data = pickle.dumps(_Failure.of(error), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(writer, "wb") as stream:
            stream.write(data)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    finally:
        os._exit(0)


@dataclass(frozen=True, slots=True)
class _Failure:
    """An exception raised in a worker, as it travels to the parent: pickled as itself where
    it can be, with the traceback of the worker as text."""

    error: BaseException
    traceback: str

    @classmethod
    def of(cls, error: BaseException) -> _Failure:
        text = "".join(traceback.format_exception(error))
        try:
            pickle.loads(pickle.dumps(error, protocol=pickle.HIGHEST_PROTOCOL))
        except Exception:  # it does not survive the trip: its message or traceback does
            if isinstance(error, StatusgenError):
                return cls(StatusgenError(str(error)), text)
            return cls(WorkerFailed(text), text)
        return cls(error, text)

    def raised(self) -> BaseException:
        """The exception to raise in the parent; a bug shows the worker's traceback as cause."""
        if not isinstance(self.error, StatusgenError | KeyboardInterrupt):
            self.error.__cause__ = _WorkerTraceback(self.traceback)
        return self.error


class _WorkerTraceback(Exception):
    """Where a worker's exception was raised, printed as the cause of the same one here."""

    def __str__(self) -> str:
        return f"in a worker process:\n{self.args[0].rstrip()}"


def _report(pid: int, reader: int) -> Report | _Failure:
    """A worker's results, or its failure; waits for it to end."""
    with os.fdopen(reader, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(pid, 0)
    try:
        report: Report | _Failure = pickle.loads(data)
    except Exception:  # nothing, or a part: it was killed before it could say
        code = os.waitstatus_to_exitcode(status)
        how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        stopped = StatusgenError(f"a worker process stopped without a report ({how})")
        return _Failure(stopped, "")
    return report
