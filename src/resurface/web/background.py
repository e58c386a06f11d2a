"""What the web app runs in the background while it is up: the outbox loop (queue due check-in
reminders and deliver pending e-mail every ``interval`` seconds), the audit checkpoints, and the
tidy (forget throttle counts older than any limit's window).

A deployment may run many web processes (``resurface serve --workers N``, on several machines):
this work is the deployment's, not each process's, so only the process holding the
``background`` lease in the database (:class:`Leadership`) does it. An urgent alert's e-mail
does not wait for the leader's next round: it is a background job (``deliver_message``) that
whichever process runs jobs sends at once (delivery claims each message, so it is sent once
whoever sends it)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import time

from resurface.bootstrap import BACKGROUND_LEASE, Runtime
from resurface.services import audit, throttles
from resurface.services.recovery import outbox

log = logging.getLogger("resurface.outbox")
checkpoint_log = logging.getLogger("resurface.audit")
leader_log = logging.getLogger("resurface.background")


class Leadership:
    """Whether this process runs the deployment's background work: it tries to take (or renew)
    the ``background`` lease every third of the lease's length, and counts itself the leader
    only until the lease it last took runs out by its own clock (a renewal that fails or hangs
    never leaves two leaders). It releases the lease when the app stops."""

    def __init__(self, runtime: Runtime) -> None:
        self.lease = runtime.lease(BACKGROUND_LEASE)
        self.renew_every = self.lease.length.total_seconds() / 3
        self._held_until = 0.0  # time.monotonic() at which the lease we took runs out
        self._announced = False  # whether the log last said this process leads
        self._task: asyncio.Task[None] | None = None
        self._signals: list[asyncio.Event] = []

    def signal(self) -> asyncio.Event:
        """An event set each time this process becomes the leader (a loop starts a round)."""
        event = asyncio.Event()
        self._signals.append(event)
        return event

    @property
    def leading(self) -> bool:
        return time.monotonic() < self._held_until

    async def start(self) -> None:
        """Try once (so the loops' first round knows), then keep trying in the background."""
        await self._try()
        self._task = asyncio.create_task(self._run(), name="resurface-leadership")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.leading:
            self._held_until = 0.0
            try:
                await asyncio.to_thread(self.lease.release)
            except Exception:  # it will expire by itself
                leader_log.exception("could not release the background lease")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.renew_every)
            await self._try()

    async def _try(self) -> None:
        started = time.monotonic()
        try:
            taken = await asyncio.to_thread(self.lease.take, _utc_now())
        except Exception:  # the database is away: lead no longer than the lease already taken
            leader_log.exception("could not renew the background lease")
            taken = False
        if taken:
            self._held_until = started + self.lease.length.total_seconds()
        if self.leading and not self._announced:
            leader_log.info("this process (%s) runs the background work", self.lease.holder)
            for event in self._signals:
                event.set()
        elif self._announced and not self.leading:  # lost, or ran out before it was renewed
            leader_log.warning(
                "this process (%s) no longer runs the background work", self.lease.holder
            )
        self._announced = self.leading


class OutboxLoop:
    def __init__(
        self, runtime: Runtime, leadership: Leadership, interval: float | None = None
    ) -> None:
        self.runtime = runtime
        self.leadership = leadership
        self.interval = runtime.settings.outbox_interval_seconds if interval is None else interval
        self._gained = leadership.signal()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="resurface-outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                await self._round()
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("outbox round failed")
            await _wait_for(self.interval, self._gained)

    async def _round(self) -> None:
        if not self.leadership.leading:
            return
        ctx, sender = self.runtime.context, self.runtime.settings.smtp_from
        result = await asyncio.to_thread(outbox.run_once, ctx, sender=sender)
        if result.sent or result.failed:
            log.info(
                "outbox: %d sent, %d failed, %d reminders queued",
                result.sent,
                result.failed,
                result.reminders_queued,
            )


CHECKPOINT_INTERVAL_SECONDS = 60.0


class CheckpointLoop:
    """Sign the audit trail's head into the checkpoints outside the database every ``interval``
    seconds while this process leads, and once more when it stops leading with the app."""

    def __init__(
        self,
        runtime: Runtime,
        leadership: Leadership,
        interval: float = CHECKPOINT_INTERVAL_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.leadership = leadership
        self.interval = interval
        self._gained = leadership.signal()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="resurface-audit-checkpoints")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._checkpoint()

    async def _run(self) -> None:
        while True:
            await self._checkpoint()
            await _wait_for(self.interval, self._gained)

    async def _checkpoint(self) -> None:
        if not self.leadership.leading:
            return
        try:
            await asyncio.to_thread(audit.write_checkpoint, self.runtime.context)
        except Exception:  # keep the loop alive; the next round tries again
            checkpoint_log.exception("audit checkpoint failed")


TIDY_INTERVAL_SECONDS = 600.0


class TidyLoop:
    """Forgets old throttle counts every ``interval`` seconds while this process leads (and at
    once when it starts leading)."""

    def __init__(
        self, runtime: Runtime, leadership: Leadership, interval: float = TIDY_INTERVAL_SECONDS
    ) -> None:
        self.runtime = runtime
        self.leadership = leadership
        self.interval = interval
        self._gained = leadership.signal()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="resurface-tidy")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            if self.leadership.leading:
                try:
                    forgotten = await asyncio.to_thread(throttles.tidy, self.runtime.context)
                    if forgotten:
                        log.info("tidy: %d old throttle counts forgotten", forgotten)
                except Exception:  # keep the loop alive; the next round tries again
                    log.exception("tidy round failed")
            await _wait_for(self.interval, self._gained)


async def _wait_for(seconds: float, *events: asyncio.Event) -> bool:
    """Sleep ``seconds`` or until one of ``events`` is set; True when the first one was. Clears
    what it saw, so each event starts one round."""
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    woken = events[0].is_set()
    for event in events:
        event.clear()
    return woken


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
