#!/usr/bin/env python3
"""Delaying TCP proxy: a delay line in each direction, for Benchmarks/net/netmodel.sh.

    delay-proxy.py --listen HOST:PORT --upstream HOST:PORT --rtt-ms MS
                   [--no-handshake] [--max-queued BYTES] [--spin-us US]

Every chunk read from one side is stamped on arrival and written to the other side
RTT/2 later. Reading goes on while chunks wait, so the proxy adds latency without capping
throughput (up to --max-queued bytes in flight per direction, default 16 MiB; reading
pauses above that, so memory stays bounded and backpressure reaches the sender).

The kernel completes the client's TCP handshake at once. To charge a new connection the
round trip its handshake costs on a real link, the client's first bytes are held until
accept + RTT (then delayed by RTT/2 like all bytes): the first response arrives 2 RTT after
connect(), as on a real link; connect() itself returns early. --no-handshake turns this off.

Releases are timed by a timerfd plus a short busy-wait (--spin-us, default 300 us; see Clock),
measured ~5 us late (median) here; the host's wake-up latency still adds ~0.2-0.5 ms per RTT.
Logs one line per connection (bytes each way, duration) to stderr. Standard library only
(Linux: timerfd through ctypes).
"""
import argparse
import asyncio
import collections
import ctypes
import heapq
import itertools
import logging
import os
import socket
import sys

CHUNK = 256 * 1024
STREAM_LIMIT = 1024 * 1024
LIBC = ctypes.CDLL(None, use_errno=True)
CLOCK_MONOTONIC, TFD_TIMER_ABSTIME = 1, 1


def hostport(s):
    host, _, port = s.rpartition(":")
    if not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {s!r}")
    return host, int(port)


class Clock:
    """Wakes coroutines at loop times, to ~10 us. asyncio's own timers ride on epoll's 1 ms
    timeout granularity (and, in a busy VM, wake ~1-2 ms late); a timerfd is finer, but
    timer interrupts still arrive ~0.2 ms late here. So: wait on a timerfd until SPIN
    seconds before the deadline, then yield to the loop in a tight loop until it passes."""

    def __init__(self, loop, spin):
        self.loop, self.spin, self.heap, self.seq, self.armed = loop, spin, [], itertools.count(), None
        self.fd = LIBC.timerfd_create(CLOCK_MONOTONIC, os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "timerfd_create")
        loop.add_reader(self.fd, self._fire)

    def _arm(self, t):  # absolute CLOCK_MONOTONIC time, the clock of loop.time()
        spec = (ctypes.c_long * 4)(0, 0, int(t), int((t - int(t)) * 1e9))
        if LIBC.timerfd_settime(self.fd, TFD_TIMER_ABSTIME, spec, None) < 0:
            raise OSError(ctypes.get_errno(), "timerfd_settime")
        self.armed = t

    def _fire(self):
        try:
            os.read(self.fd, 8)
        except BlockingIOError:
            pass
        now, self.armed = self.loop.time(), None
        while self.heap and self.heap[0][0] <= now:
            fut = heapq.heappop(self.heap)[2]
            if not fut.done():
                fut.set_result(None)
        if self.heap:
            self._arm(self.heap[0][0])

    async def sleep_until(self, t):
        wake = t - self.spin
        if wake > self.loop.time():
            fut = self.loop.create_future()
            heapq.heappush(self.heap, (wake, next(self.seq), fut))
            if self.armed is None or wake < self.armed:
                self._arm(wake)
            await fut
        while self.loop.time() < t:
            await asyncio.sleep(0)


class DelayLine:
    """One direction: reader -> (delay) -> writer."""

    def __init__(self, clock, reader, writer, delay, hold_until, max_queued):
        self.clock, self.loop, self.reader, self.writer = clock, clock.loop, reader, writer
        self.delay, self.hold_until, self.max_queued = delay, hold_until, max_queued
        self.queue = collections.deque()  # (release time, bytes or None for EOF)
        self.queued = 0
        self.total = 0
        self.ready = asyncio.Event()  # queue not empty
        self.space = asyncio.Event()  # queued below the limit
        self.space.set()

    async def _read(self):
        while True:
            while self.queued > self.max_queued:
                self.space.clear()
                await self.space.wait()
            try:
                data = await self.reader.read(CHUNK)
            except (ConnectionError, OSError):
                data = b""
            arrival = max(self.loop.time(), self.hold_until)
            self.queue.append((arrival + self.delay, data or None))
            self.ready.set()
            if not data:
                return
            self.queued += len(data)

    async def _write(self):
        while True:
            if not self.queue:
                self.ready.clear()
                await self.ready.wait()
                continue
            await self.clock.sleep_until(self.queue[0][0])
            now, batch, eof = self.loop.time(), [], False
            while self.queue and self.queue[0][0] <= now:
                data = self.queue.popleft()[1]
                if data is None:
                    eof = True
                    break
                batch.append(data)
            if batch:
                n = sum(map(len, batch))
                self.writer.writelines(batch)
                await self.writer.drain()
                self.total += n
                self.queued -= n
                if self.queued <= self.max_queued:
                    self.space.set()
            if eof:
                if self.writer.can_write_eof():
                    self.writer.write_eof()
                return

    async def run(self):
        reading = asyncio.ensure_future(self._read())
        try:
            await self._write()
        finally:
            reading.cancel()


def nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


async def handle(args, clock, creader, cwriter):
    loop = clock.loop
    accepted = loop.time()
    peer = cwriter.get_extra_info("peername")
    try:
        ureader, uwriter = await asyncio.open_connection(*args.upstream, limit=STREAM_LIMIT)
    except OSError as e:
        logging.warning("%s: upstream %s:%d: %s", peer, *args.upstream, e)
        cwriter.close()
        return
    nodelay(cwriter)
    nodelay(uwriter)
    delay = args.rtt_ms / 2000.0
    hold = accepted + 2 * delay if args.handshake else 0.0
    up = DelayLine(clock, creader, uwriter, delay, hold, args.max_queued)
    down = DelayLine(clock, ureader, cwriter, delay, 0.0, args.max_queued)
    tasks = [asyncio.ensure_future(up.run()), asyncio.ensure_future(down.run())]
    error = None
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for t in done:
            if t.exception() is not None:
                error = t.exception()
        for t in pending:
            t.cancel()
    finally:
        for w in (cwriter, uwriter):
            if error is not None:
                w.transport.abort()
            else:
                w.close()
    logging.info("%s: up %d B, down %d B, %.3f s%s", peer, up.total, down.total,
                 loop.time() - accepted, f" ({error!r})" if error else "")


async def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--listen", type=hostport, required=True)
    p.add_argument("--upstream", type=hostport, required=True)
    p.add_argument("--rtt-ms", type=float, required=True, help="round-trip time to add")
    p.add_argument("--no-handshake", dest="handshake", action="store_false",
                   help="do not charge new connections one RTT for the TCP handshake")
    p.add_argument("--max-queued", type=int, default=16 << 20,
                   help="bytes buffered per direction before reading pauses")
    p.add_argument("--spin-us", type=float, default=300,
                   help="busy-wait this long before each release, for timing precision")
    args = p.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s delay-proxy %(message)s")
    clock = Clock(asyncio.get_running_loop(), args.spin_us / 1e6)
    server = await asyncio.start_server(lambda r, w: handle(args, clock, r, w), *args.listen,
                                        limit=STREAM_LIMIT, reuse_address=True)
    logging.info("listening on %s:%d -> %s:%d, rtt %.3f ms, handshake %s", *args.listen,
                 *args.upstream, args.rtt_ms, "on" if args.handshake else "off")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
