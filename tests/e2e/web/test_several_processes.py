"""Several web processes on one database (``resurface serve`` twice, as on two machines, and
``resurface serve --workers 2``): the deployment's background work runs in one of them. Only the
process holding the background lease delivers the outbox; when it dies, another takes over once
the lease has expired, and nothing is sent twice. An urgent alert's e-mail is a background job
that goes out at once, whichever process took the check-in."""

from __future__ import annotations

import datetime as dt
import email
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from resurface import bootstrap
from resurface.domain.messages import Notification, NotificationKind
from resurface.domain.people import Clinic, Role
from resurface.services import auth
from resurface.services.recovery import checkins, links
from tests.conftest import TEST_SECRET, make_settings
from tests.support.clinic import seed_clinic
from tests.support.server import _stop, _wait_until_healthy, free_port

pytestmark = pytest.mark.slow

LEASE_SECONDS = 10  # long enough that a busy machine never starves a renewal past it
LEADS = "runs the background work"
NO_LONGER = "no longer runs the background work"
TEST = "outbox test: "


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def subjects(self) -> list[str]:
        """The test's own messages (the outbox may also queue the day's reminders)."""
        return sorted(
            str(m["Subject"]) for m in self.messages if str(m["Subject"]).startswith(TEST)
        )


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def deployment(tmp_path: Path, mailbox: tuple[Mailbox, int]) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'resurface.db'}"
    settings = make_settings(tmp_path, url)
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    try:
        with runtime.context.uow() as uow:
            uow.clinics.add(Clinic(0, "Clinic north", "north", phone="+44 20 0000 0000"))
            uow.commit()
    finally:
        runtime.dispose()
    return {
        "RESURFACE_ENVIRONMENT": "test",
        "RESURFACE_SECRET_KEY": TEST_SECRET,
        "RESURFACE_DATA_DIR": str(tmp_path),
        "RESURFACE_DATABASE_URL": url,
        "RESURFACE_SMTP_HOST": "127.0.0.1",
        "RESURFACE_SMTP_PORT": str(mailbox[1]),
        "RESURFACE_OUTBOX_INTERVAL_SECONDS": "1",
        "RESURFACE_LEADER_LEASE_SECONDS": str(LEASE_SECONDS),
    }


@contextmanager
def server(env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    port = free_port()
    command = [sys.executable, "-m", "resurface.cli.main", "serve", "--port", str(port), *args]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=os.environ | env, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_healthy(f"http://127.0.0.1:{port}", process, log)
            yield process
        finally:
            if process.poll() is None:
                _stop(process)


def _runtime(env: dict[str, str]) -> bootstrap.Runtime:
    return bootstrap.build(
        make_settings(Path(env["RESURFACE_DATA_DIR"]), env["RESURFACE_DATABASE_URL"])
    )


def queue_message(env: dict[str, str], subject: str) -> None:
    runtime = _runtime(env)
    try:
        with runtime.context.uow() as uow:
            clinic = uow.clinics.by_slug("north")
            assert clinic is not None
            uow.notifications.add(
                Notification(
                    id=0,
                    clinic_id=clinic.id,
                    kind=NotificationKind.URGENT_ALERT,
                    recipient="director@clinic.test",
                    subject=TEST + subject,
                    body="A test of the outbox.",
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
            uow.commit()
    finally:
        runtime.dispose()


def lease_holder(env: dict[str, str]) -> str | None:
    runtime = _runtime(env)
    try:
        return runtime.lease("background").holder_now(dt.datetime.now(dt.UTC))
    finally:
        runtime.dispose()


def eventually(check: Callable[[], bool], seconds: float = 120) -> None:
    """Wait generously (a busy shared machine), polling; fail with the last state."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"not within {seconds} s")


def test_one_of_two_servers_delivers_and_the_other_takes_over_when_it_dies(
    tmp_path: Path, deployment: dict[str, str], mailbox: tuple[Mailbox, int]
) -> None:
    box, _port = mailbox
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    with (
        server(deployment, logs[0], "--workers", "1") as first,
        server(deployment, logs[1], "--workers", "1") as second,
    ):
        for n in range(3):  # several rounds: every message is sent once, by the leader
            queue_message(deployment, f"while both run {n}")
        eventually(lambda: len(box.subjects()) == 3)
        time.sleep(LEASE_SECONDS)  # the other had every chance to send one again
        assert box.subjects() == [f"{TEST}while both run {n}" for n in range(3)]
        assert sent(logs[0]) + sent(logs[1]) == 3
        for log in logs:  # a process that never held the lease sent nothing
            assert LEADS in log.read_text() or sent(log) == 0

        holder = _holder_pid(deployment)
        ((leader, _), (follower, follower_log)) = sorted(
            [(first, logs[0]), (second, logs[1])], key=lambda pair: pair[0].pid != holder
        )
        before = sent(follower_log)
        leader.kill()  # no clean stop: the lease is not released, it must expire
        leader.wait(timeout=60)
        queue_message(deployment, "after the leader died")
        eventually(lambda: len(box.subjects()) == 4)
        assert box.subjects()[0] == f"{TEST}after the leader died"
        assert LEADS in follower_log.read_text() and sent(follower_log) == before + 1
        assert _holder_pid(deployment) == follower.pid
        assert follower.poll() is None


def sent(log: Path) -> int:
    """The messages a server says its outbox sent."""
    return sum(int(found) for found in re.findall(r"outbox: (\d+) sent", log.read_text()))


def _holder_pid(env: dict[str, str]) -> int:
    """The process holding the background lease (waiting for one to take it)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        holder = lease_holder(env)
        if holder is not None:
            return int(holder.split(":")[1])
        time.sleep(0.3)
    raise AssertionError("no process took the background lease")


def test_serve_with_two_workers_runs_the_background_work_in_one_and_releases_it(
    tmp_path: Path, deployment: dict[str, str], mailbox: tuple[Mailbox, int]
) -> None:
    log = tmp_path / "server.log"
    with server(deployment, log, "--workers", "2") as process:
        base = next(
            line.split("Resurface is at ")[1].split()[0]
            for line in log.read_text().splitlines()
            if "Resurface is at" in line
        )
        assert "2 web processes" in log.read_text()
        for _ in range(10):
            assert httpx.get(f"{base}healthz", timeout=60).status_code == 200
        port = int(base.rstrip("/").rsplit(":", 1)[1])
        owners = _listening_sockets(port)
        if sys.platform == "linux":  # each process its own socket: the kernel spreads connections
            assert len(owners) == 2 and len(set().union(*owners.values())) == 2, owners
        second = subprocess.run(
            [sys.executable, "-m", "resurface.cli.main", "serve", "--port", str(port)],
            env=os.environ | deployment | {"RESURFACE_WEB_PROCESSES": "2"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert second.returncode != 0
        assert f"port {port} of 127.0.0.1" in second.stderr
        assert "in use" in second.stderr, second.stderr
        assert _listening_sockets(port) == owners  # the second one took no share of the port
        assert httpx.get(f"{base}healthz", timeout=60).status_code == 200
        holder = _holder_pid(deployment)
        time.sleep(LEASE_SECONDS)  # both workers have tried for the lease several times
        assert holder != process.pid  # a worker, not the supervisor
        assert log.read_text().count(LEADS) == 1 + log.read_text().count(NO_LONGER)
        queue_message(deployment, "from the workers")
        eventually(lambda: mailbox[0].subjects() == [f"{TEST}from the workers"])
    assert lease_holder(deployment) is None  # released on a clean stop: no wait for the next


def test_workers_stop_when_their_supervisor_is_killed(
    tmp_path: Path, deployment: dict[str, str]
) -> None:
    log = tmp_path / "server.log"
    with server(deployment, log, "--workers", "2") as supervisor:
        worker = _holder_pid(deployment)
        supervisor.kill()  # SIGKILL: it cannot stop its workers itself
        supervisor.wait(timeout=60)
        eventually(lambda: not _running(worker))
    assert lease_holder(deployment) is None  # the worker stopped cleanly: it released the lease


def _listening_sockets(port: int) -> dict[int, set[int]]:
    """The sockets listening on ``port`` (by inode), each with the processes holding it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                inodes.add(int(fields[9]))
    owners: dict[int, set[int]] = {inode: set() for inode in inodes}
    for process in Path("/proc").iterdir():
        if not process.name.isdigit():
            continue
        try:
            links = [os.readlink(fd) for fd in (process / "fd").iterdir()]
        except OSError:  # ended meanwhile, or not ours to read
            continue
        for link in links:
            if link.startswith("socket:[") and int(link[8:-1]) in owners:
                owners[int(link[8:-1])].add(int(process.name))
    return owners


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped (whoever its parent is now)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_an_urgent_alerts_email_goes_out_at_once_though_the_process_that_took_it_is_gone(
    tmp_path: Path, deployment: dict[str, str], mailbox: tuple[Mailbox, int]
) -> None:
    """Two web processes whose outbox loop runs once an hour; a check-in with an urgent sign is
    taken by a process that goes away before delivering anything (this test's own, which has
    no mail server). The e-mail is a background job in the database's queue: a running
    process's worker sends it at once, not the leader's next round."""
    env = deployment | {"RESURFACE_OUTBOX_INTERVAL_SECONDS": "3600"}
    log = tmp_path / "server.log"
    with server(env, log, "--workers", "2"):
        _holder_pid(env)
        time.sleep(2)  # the leader's first round is over: the loop sleeps for an hour now
        _urgent_checkin(env)
        eventually(lambda: bool(_urgent(mailbox[0])), seconds=60)
        (mail,) = _urgent(mailbox[0])
        assert str(mail["To"]) == "desk@west.example"
    assert sent(log) == 0  # the outbox loop sent none of it


def _urgent(box: Mailbox) -> list[Message]:
    return [m for m in box.messages if str(m["Subject"]).startswith("Urgent recovery alert")]


def _urgent_checkin(env: dict[str, str]) -> None:
    """A patient five days after fractional CO2 sends crust with pain (an urgent sign) through
    their recovery link, taken by this process."""
    runtime = _runtime(env)
    try:
        west = seed_clinic(runtime.context.uow, "west")
        with runtime.context.uow() as uow:
            uow.clinics.update(replace(west.clinic, email="desk@west.example"))
            user = uow.users.by_username(west.usernames[Role.CLINICIAN])
            uow.commit()
        assert user is not None and runtime.context.mailer is None
        issued = links.create_link(
            runtime.context, auth.actor_of(user, "test"), west.patient.id,
            west.record_ids["session"],
        )  # fmt: skip
        answers = checkins.Answers(
            scores={"redness": 3, "swelling": 1, "irritation": 1, "pain": 5, "itch": 1},
            red_flags=["yellow_crust_or_pus"],
        )
        submitted = checkins.submit_checkin(runtime.context, issued.token, answers, source="t")
        assert submitted.queued_notifications == 1
    finally:
        runtime.dispose()
