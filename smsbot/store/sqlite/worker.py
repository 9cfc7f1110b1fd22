"""One thread that owns one sqlite3 connection and runs plain functions over it.

Why not aiosqlite: a store method runs all its statements as ONE function over the
connection, in one trip to the thread (a trip costs far more than a small statement), and
aiosqlite (0.20-0.22) has no public way to run a function on its thread; reaching its
private `_conn`/`_execute` would break silently on an upgrade. This is the part of aiosqlite
the store needs, in ~100 lines of the standard library: a queue, a thread, a future per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger("smsbot.store")

#: A store method's statements as one plain function over the connection.
Work = Callable[[sqlite3.Connection], T]

_Job = tuple[asyncio.Future[Any], Callable[[sqlite3.Connection], Any]] | None


class Worker:
    """Runs `work(connection)` calls one at a time, in order, on its own thread.

    `start` opens the connection there (`connect()`), `run` queues one function and awaits
    its result, `stop` closes the connection after everything queued before it. A caller
    cancelled while its function waits or runs does not stop the function (it may be half
    way through a statement); only its result is dropped. The event loop never touches the
    connection, so neither a busy database nor a WAL checkpoint's fsync ever blocks it.
    """

    def __init__(self, name: str) -> None:
        self._jobs: SimpleQueue[_Job] = SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._connection: sqlite3.Connection | None = None
        self._stopping = False
        #: How many functions have been queued (trips to the thread), for tests and benchmarks.
        self.trips = 0

    async def start(self, connect: Callable[[], sqlite3.Connection]) -> None:
        """Start the thread and open the connection on it; connect's error is raised here."""
        self._thread.start()

        def opened(_: object) -> None:
            self._connection = connect()  # set on the thread that will use it

        try:
            await self._submit(opened)
        except BaseException:
            self._stopping = True  # nothing to close: `stop` has nothing to do
            self._jobs.put(None)
            raise

    async def run(self, work: Work[T]) -> T:
        """`work(connection)` on the thread; its result, or what it raised."""
        if self._stopping:
            raise RuntimeError("the worker is stopped")
        result: T = await self._submit(work)
        return result

    def post(self, work: Work[Any]) -> None:
        """Queue `work` without waiting for it; its result is dropped, an error logged."""
        if self._stopping:
            return
        self._submit(work).add_done_callback(_log_failure)

    async def stop(self) -> None:
        """Close the connection once what is queued has run, and end the thread."""
        if self._stopping:
            return
        self._stopping = True
        try:
            await self._submit(_close)
        finally:
            self._jobs.put(None)

    def _submit(self, work: Callable[[sqlite3.Connection], Any]) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self.trips += 1
        self._jobs.put((future, work))
        return future

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            future, work = job
            loop = future.get_loop()
            try:
                # Before start's job has run there is no connection yet; only that job (which
                # ignores its argument) runs then.
                result = work(self._connection)  # type: ignore[arg-type]
            except BaseException as exc:  # handed to the caller, whatever it is
                _call(loop, _fail, future, exc)
            else:
                if work is _close:
                    self._connection = None
                _call(loop, _succeed, future, result)


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.warning("background store work failed: %s", future.exception())


def _close(connection: sqlite3.Connection) -> None:
    connection.close()


def _call(loop: asyncio.AbstractEventLoop, callback: Callable[..., None], *args: Any) -> None:
    # A closed loop raises RuntimeError: nobody waits for this result any more.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)


def _succeed(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():  # a cancelled caller
        future.set_result(result)


def _fail(future: asyncio.Future[Any], exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
