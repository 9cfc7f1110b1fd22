"""A small HTTP/1.1 load generator on raw asyncio streams, run in its own process.

`python bench/loadgen.py run FILE PORT --connections C --seconds S` sends the pre-built
requests of FILE (a pickled list of raw request bytes, each used once, in order) over C
keep-alive connections to 127.0.0.1:PORT for S seconds and prints one JSON line: requests,
seconds, requests/s, p50/p99 latency, status counts.

`python bench/loadgen.py canned PORT` is a server that answers every request at once with
a fixed TwiML body: run against it, the generator shows its own ceiling on this machine.

Standard library only, so that the generator costs as little CPU per request as Python can.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pickle
import sys
import time
from pathlib import Path

BODY = (
    b'<?xml version="1.0" encoding="UTF-8"?><Response><Message>'
    b"Order 1001: In transit with DemoPost, arriving Thu Nov 26.</Message></Response>"
)
CANNED = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: %d\r\n\r\n" % len(BODY)
    + BODY
)


async def _connection(
    port: int,
    requests: list[bytes],
    start: int,
    step: int,
    stop_at: float,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for index in range(start, len(requests), step):
            if time.monotonic() >= stop_at:
                break
            sent = time.perf_counter()
            writer.write(requests[index])
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - sent)
            status = int(head[9:12])
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def run(
    requests: list[bytes], port: int, connections: int, seconds: float
) -> dict[str, object]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    started = time.monotonic()
    stop_at = started + seconds
    await asyncio.gather(
        *(
            _connection(port, requests, i, connections, stop_at, latencies, statuses)
            for i in range(connections)
        )
    )
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q / 100 * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 3),
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(pct(50), 2) if latencies else None,
        "p99_ms": round(pct(99), 2) if latencies else None,
        "statuses": statuses,
        "ran_out": len(latencies) >= len(requests),
    }


class _Canned(asyncio.Protocol):
    """Answers each request (headers plus Content-Length bytes of body) with CANNED."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in self.buffer[:end].split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(CANNED)


async def canned(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Canned, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    runner = commands.add_parser("run")
    runner.add_argument("file", type=Path)
    runner.add_argument("port", type=int)
    runner.add_argument("--connections", type=int, default=16)
    runner.add_argument("--seconds", type=float, default=10.0)
    server = commands.add_parser("canned")
    server.add_argument("port", type=int)
    options = parser.parse_args()
    if options.command == "run":
        requests = pickle.loads(options.file.read_bytes())  # noqa: S301  # our own file
        result = asyncio.run(run(requests, options.port, options.connections, options.seconds))
        json.dump(result, sys.stdout)
        print()
    else:
        asyncio.run(canned(options.port))


if __name__ == "__main__":
    main()
