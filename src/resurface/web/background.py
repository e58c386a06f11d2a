"""What the web app runs in the background while it is up: the outbox loop (queue due check-in
reminders and deliver pending e-mail every ``interval`` seconds, or at once when a route wakes it
for an urgent alert), the audit checkpoints, and the tidy (forget throttle counts older than any
limit's window)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from resurface.bootstrap import Runtime
from resurface.services import audit, throttles
from resurface.services.recovery import outbox

log = logging.getLogger("resurface.outbox")
checkpoint_log = logging.getLogger("resurface.audit")

DEFAULT_INTERVAL_SECONDS = 60.0


class OutboxLoop:
    def __init__(self, runtime: Runtime, interval: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self.runtime = runtime
        self.interval = interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="resurface-outbox")

    def wake(self) -> None:
        """Deliver now rather than at the next tick (safe to call from any thread)."""
        if self._task is not None:
            self._task.get_loop().call_soon_threadsafe(self._wake.set)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        ctx, sender = self.runtime.context, self.runtime.settings.smtp_from
        while True:
            try:
                result = await asyncio.to_thread(outbox.run_once, ctx, sender=sender)
                if result.sent or result.failed:
                    log.info(
                        "outbox: %d sent, %d failed, %d reminders queued",
                        result.sent,
                        result.failed,
                        result.reminders_queued,
                    )
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("outbox round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.interval)
            self._wake.clear()


CHECKPOINT_INTERVAL_SECONDS = 60.0


class CheckpointLoop:
    """Sign the audit trail's head into the checkpoints outside the database every ``interval``
    seconds while the app is up, and once more when it stops."""

    def __init__(self, runtime: Runtime, interval: float = CHECKPOINT_INTERVAL_SECONDS) -> None:
        self.runtime = runtime
        self.interval = interval
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
            await asyncio.sleep(self.interval)

    async def _checkpoint(self) -> None:
        try:
            await asyncio.to_thread(audit.write_checkpoint, self.runtime.context)
        except Exception:  # keep the loop alive; the next round tries again
            checkpoint_log.exception("audit checkpoint failed")


TIDY_INTERVAL_SECONDS = 600.0


class TidyLoop:
    """Forgets old throttle counts every ``interval`` seconds while the app is up (and once at
    start). Each server process runs one; deleting rows that are already gone is harmless."""

    def __init__(self, runtime: Runtime, interval: float = TIDY_INTERVAL_SECONDS) -> None:
        self.runtime = runtime
        self.interval = interval
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
            try:
                forgotten = await asyncio.to_thread(throttles.tidy, self.runtime.context)
                if forgotten:
                    log.info("tidy: %d old throttle counts forgotten", forgotten)
            except Exception:  # keep the loop alive; the next round tries again
                log.exception("tidy round failed")
            await asyncio.sleep(self.interval)
