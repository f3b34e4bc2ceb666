"""Work shared over processes comes back complete, in order, with the workers' errors."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from statusgen.authoring import AuthoringError
from statusgen.engine.parallel import map_forked
from statusgen.errors import (
    BuildFailed,
    SourceError,
    SourceRef,
    StatusgenError,
    TemplateFailed,
    WorkerFailed,
)

PARENT = os.getpid()


def slow_square(item: int) -> tuple[int, int]:
    if item % 97 == 0:  # uneven costs: some items take far longer than others
        time.sleep(0.01)
    return item * item, os.getpid()


@pytest.mark.parametrize("count", [1, 63, 64, 1000, 2500])
def test_every_item_is_done_once_and_in_order(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", "3")
    results = map_forked(slow_square, list(range(count)), minimum=1)
    assert [square for square, _ in results] == [n * n for n in range(count)]
    if count >= 1000:
        assert len({pid for _, pid in results}) > 1  # the work really was shared


def fails_on_700(item: int) -> int:
    if item == 700:
        raise StatusgenError("item 700 is wrong")
    return item


def test_an_error_in_whichever_process_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", "2")
    with pytest.raises(StatusgenError, match="item 700 is wrong"):
        map_forked(fails_on_700, list(range(2000)), minimum=1)


class Unpicklable(Exception):
    def __init__(self, what: str, code: int) -> None:  # pickle calls it with the message alone
        super().__init__(f"{what} ({code})")


WORKER_ERRORS: list[BaseException] = [
    SourceError(SourceRef("incidents/x.md", 4), "unknown component 'databse'"),
    BuildFailed(
        [SourceError(SourceRef("b.md", 2), "second"), SourceError(SourceRef("a.md", 9), "first")]
    ),
    TemplateFailed("templates/base.html:2: unexpected '}'"),
    AuthoringError("no incident or maintenance with id 'x'"),
    ZeroDivisionError("division by zero"),
    KeyError("missing"),
]


def raises_in_a_worker(item: int) -> int:
    """Raises the error named by the environment, in a worker only: never in the caller."""
    if os.getpid() != PARENT:
        number = int(os.environ["WORKER_ERROR"])
        if number < 0:
            raise Unpicklable("a lock in hand", 7)
        raise WORKER_ERRORS[number]
    time.sleep(0.002)  # the worker surely gets a run
    return item


def fields(error: BaseException) -> dict[str, object]:
    """An exception's attributes, with the exceptions among them compared by value."""
    return {
        name: [(type(e), str(e), fields(e)) for e in value] if isinstance(value, list) else value
        for name, value in vars(error).items()
    }


@pytest.mark.parametrize("number", range(len(WORKER_ERRORS)))
def test_a_workers_exception_is_raised_again_as_itself(
    monkeypatch: pytest.MonkeyPatch, number: int
) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", "2")
    monkeypatch.setenv("WORKER_ERROR", str(number))
    expected = WORKER_ERRORS[number]
    with pytest.raises(type(expected)) as raised:
        map_forked(raises_in_a_worker, list(range(100)), minimum=1)
    error = raised.value
    assert type(error) is type(expected) and str(error) == str(expected)
    assert fields(error) == fields(expected)  # where, message, errors …
    if isinstance(error, BuildFailed):
        assert [str(e) for e in error.errors] == ["a.md:9: first", "b.md:2: second"]
    if isinstance(error, StatusgenError):
        assert error.__cause__ is None  # a message for the user, nothing more
    else:  # a bug: where it happened in the worker comes along
        assert "raises_in_a_worker" in str(error.__cause__)
        assert "in a worker process" in str(error.__cause__)


def test_an_exception_that_cannot_travel_comes_as_its_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", "2")
    monkeypatch.setenv("WORKER_ERROR", "-1")
    with pytest.raises(WorkerFailed) as raised:
        map_forked(raises_in_a_worker, list(range(100)), minimum=1)
    text = raised.value.traceback
    assert text.startswith("Traceback (most recent call last):")
    assert "raises_in_a_worker" in text
    assert text.rstrip().endswith("Unpicklable: a lock in hand (7)")
    assert str(raised.value).startswith("a worker process failed:\nTraceback")


def test_below_the_minimum_the_work_stays_in_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", "4")
    results = map_forked(slow_square, list(range(50)), minimum=100)
    assert {pid for _, pid in results} == {os.getpid()}


def test_objects_frozen_by_the_caller_stay_frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    monkeypatch.setenv("STATUSGEN_WORKERS", "2")
    gc.unfreeze()
    map_forked(slow_square, list(range(100)), minimum=1)
    assert gc.get_freeze_count() == 0  # what it froze for its workers, it unfroze
    gc.freeze()
    try:
        map_forked(slow_square, list(range(100)), minimum=1)
        assert gc.get_freeze_count() > 0  # the caller's freeze outlives the call
    finally:
        gc.unfreeze()


def dies_in_a_worker(item: int) -> int:
    if os.getpid() != PARENT:
        if os.environ["HOW"] == "exit":
            os._exit(3)  # as if killed: no last word
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.002)  # the worker surely gets a run
    return item


@pytest.mark.parametrize(("how", "said"), [("exit", "exit code 3"), ("kill", "killed by SIGKILL")])
def test_a_worker_that_vanishes_fails_the_call(
    monkeypatch: pytest.MonkeyPatch, how: str, said: str
) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", "2")
    monkeypatch.setenv("HOW", how)
    with pytest.raises(StatusgenError, match=re.escape(f"stopped without a report ({said})")):
        map_forked(dies_in_a_worker, list(range(100)), minimum=1)


def big_result(item: int) -> bytes:
    return bytes([item % 256]) * 50_000  # runs far larger than a pipe holds


def test_large_results_come_back_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", "3")
    results = map_forked(big_result, list(range(600)), minimum=1)
    assert results == [big_result(n) for n in range(600)]


def test_very_many_items_are_cut_into_runs_a_pipe_can_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", "2")
    assert map_forked(abs, list(range(-300_000, 300_000)), minimum=1) == [
        abs(n) for n in range(-300_000, 300_000)
    ]


@pytest.mark.parametrize(("workers", "minimum"), [("3", 1), ("3", 10_000), ("1", 1)])
def test_work_aside_is_done_once_by_a_worker_and_its_result_received(
    monkeypatch: pytest.MonkeyPatch, workers: str, minimum: int
) -> None:
    monkeypatch.setenv("STATUSGEN_WORKERS", workers)
    received: list[tuple[str, int]] = []
    results = map_forked(
        slow_square,
        list(range(200)),
        minimum=minimum,
        aside=(lambda: ("loaded", os.getpid()), received.append),
    )
    assert [square for square, _ in results] == [n * n for n in range(200)]
    assert len(received) == 1 and received[0][0] == "loaded"
    in_parallel = workers != "1" and minimum <= 200
    # In parallel, a worker does it, and what it loaded never reaches this process.
    assert (received[0][1] != os.getpid()) == in_parallel
