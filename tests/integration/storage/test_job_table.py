"""The jobs table queue on both databases: a job waits once, one worker at a time holds it, a
crashed worker's job is taken up again when its lease ends, failures wait longer each time."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Iterator, Mapping

import pytest

from resurface.storage import database
from resurface.storage.job_table import TableJobQueue

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(database_url: str, clock: Clock) -> Iterator[TableJobQueue]:
    engine = database.make_engine(database_url)
    yield TableJobQueue(
        engine, lease=dt.timedelta(minutes=5), backoff=dt.timedelta(seconds=10),
        max_attempts=3, clock=clock,
    )  # fmt: skip
    engine.dispose()


def _nothing(name: str, args: Mapping[str, int | str]) -> None:
    return None


def test_the_same_job_with_the_same_arguments_waits_once(queue: TableJobQueue) -> None:
    queue.defer("analyse_photo", clinic_id=1, photo_id=7)
    queue.defer("analyse_photo", photo_id=7, clinic_id=1)  # same job, arguments in another order
    queue.defer("analyse_photo", clinic_id=1, photo_id=8)
    assert queue.counts() == {"todo": 2}
    assert queue.run_pending(_nothing) == 2
    assert queue.counts() == {"succeeded": 2}
    queue.defer("analyse_photo", clinic_id=1, photo_id=7)  # done before: may be asked again
    assert queue.counts() == {"succeeded": 2, "todo": 1}


def test_a_job_held_by_one_worker_is_not_given_to_another(queue: TableJobQueue) -> None:
    queue.defer("compare_series", clinic_id=1, patient_id=3)
    held = queue.claim("worker-a")
    assert held is not None and held.args == {"clinic_id": 1, "patient_id": 3}
    assert queue.claim("worker-b") is None


def test_a_crashed_workers_job_is_taken_up_when_its_lease_ends(
    queue: TableJobQueue, clock: Clock
) -> None:
    queue.defer("analyse_photo", clinic_id=1, photo_id=7)
    first = queue.claim("worker-a")  # worker a dies holding it
    assert first is not None and queue.claim("worker-b") is None
    clock.now += queue.lease + dt.timedelta(seconds=1)
    again = queue.claim("worker-b")
    assert again is not None and again.id == first.id and again.attempts == 2
    runs: list[str] = []
    queue.run_one(first, "worker-a", lambda name, args: None)  # a came back: its result is late
    assert queue.counts() == {"doing": 1}  # still b's
    queue.run_one(again, "worker-b", lambda name, args: runs.append(name))
    assert runs == ["analyse_photo"] and queue.counts() == {"succeeded": 1}


def test_a_failing_job_waits_longer_each_time_then_stays_failed(
    queue: TableJobQueue, clock: Clock
) -> None:
    def fail(name: str, args: Mapping[str, int | str]) -> None:
        raise RuntimeError("the photo store did not answer")

    queue.defer("analyse_photo", clinic_id=1, photo_id=7)
    for attempt, wait in ((1, 10), (2, 20), (3, None)):
        job = queue.claim("worker")
        assert job is not None and job.attempts == attempt
        assert queue.run_one(job, "worker", fail) is False
        if wait is None:
            break
        clock.now += dt.timedelta(seconds=wait - 1)
        assert queue.claim("worker") is None  # not yet
        clock.now += dt.timedelta(seconds=1)
    clock.now += dt.timedelta(days=1)
    assert queue.claim("worker") is None
    assert queue.counts() == {"failed": 1}


def test_two_workers_at_once_run_each_job_exactly_once(queue: TableJobQueue) -> None:
    for photo_id in range(40):
        queue.defer("analyse_photo", clinic_id=1, photo_id=photo_id)
    ran: Counter[int] = Counter()
    lock = threading.Lock()

    def count(name: str, args: Mapping[str, int | str]) -> None:
        with lock:
            ran[int(args["photo_id"])] += 1

    workers = [threading.Thread(target=queue.run_pending, args=(count,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert ran == Counter(dict.fromkeys(range(40), 1))
    assert queue.counts() == {"succeeded": 40}
