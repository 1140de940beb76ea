"""A fault-injecting JSON-RPC proxy for the tests: 127.0.0.1 only, bounded in time.

It sits between `solver` and anvil, speaks just enough HTTP/1.1 (keep-alive, Content-Length
or chunked bodies) to be in full control of what goes on the wire, and applies one Fault
to the requests that match it: the first `times` of them (a transient fault), or all of
them (times=None, a persistent fault). Everything else is forwarded untouched.

The proxy runs its own event loop in a daemon thread, so synchronous tests can start it,
run a `solver` subprocess against it and stop it. It stops by itself after `lifetime_s`.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

import aiohttp

Payload = Any  # a parsed JSON-RPC request or answer: one object or a batch list
REASONS = {200: "OK", 413: "Payload Too Large", 429: "Too Many Requests",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def methods_of(payload: Payload) -> list[str]:
    items = payload if isinstance(payload, list) else [payload]
    return [item.get("method", "?") for item in items if isinstance(item, dict)]


def has_method(*names: str) -> Callable[[Payload], bool]:
    return lambda payload: any(m in names for m in methods_of(payload))


def has_pinned_call(payload: Payload) -> bool:
    """An eth_call at an explicit block number: the snapshot's state reads."""
    items = payload if isinstance(payload, list) else [payload]
    return any(item.get("method") == "eth_call" and isinstance(item.get("params"), list)
               and len(item["params"]) > 1 and str(item["params"][1]).startswith("0x")
               for item in items if isinstance(item, dict))


def any_request(_payload: Payload) -> bool:
    return True


@dataclass
class Fault:
    """What to do to matching requests.

    action: forward | drop | drop_mid_body | delay | status | truncate | not_http
    rewrite_request / rewrite_response: applied to the parsed JSON on the way in / out.
    before: an async hook run (once per firing) before forwarding, e.g. to move the chain.
    """

    name: str
    action: str = "forward"
    times: int | None = 1
    match: Callable[[Payload], bool] = any_request
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    rewrite_request: Callable[[Payload], Payload] | None = None
    rewrite_response: Callable[[Payload, Payload], Payload] | None = None
    before: Callable[["FaultProxy"], Awaitable[None]] | None = None
    fired: int = 0

    def wants(self, payload: Payload) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        return self.match(payload)


@dataclass
class Seen:
    methods: list[str]
    faulted: bool


class FaultProxy:
    """`with FaultProxy(upstream, fault) as proxy:` then point solver at `proxy.url`."""

    def __init__(self, upstream: str, fault: Fault | None = None, *, lifetime_s: float = 60.0) -> None:
        self.upstream = upstream
        self.fault = fault
        self.lifetime_s = lifetime_s
        self.seen: list[Seen] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._session: aiohttp.ClientSession | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def injected(self) -> int:
        return self.fault.fired if self.fault else 0

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the fault proxy did not start")
        if self._error is not None:
            raise RuntimeError("the fault proxy failed to start") from self._error
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)

    # --- the server, on the proxy's own loop ------------------------------------------------

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by __enter__ or ignored after the test
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        handlers: set[asyncio.Task] = set()

        async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            handlers.add(task)
            try:
                await self._connection(reader, writer)
            except asyncio.CancelledError:
                pass  # the proxy is stopping: end quietly (asyncio logs a cancelled handler)
            finally:
                handlers.discard(task)
                writer.close()

        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            await asyncio.wait_for(self._stop.wait(), self.lifetime_s)
        except asyncio.TimeoutError:
            pass  # bounded in time: a forgotten proxy goes away by itself
        finally:
            server.close()
            for task in list(handlers):
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)
            await server.wait_closed()
            await self._session.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                body = await _read_request(reader)
            except (asyncio.IncompleteReadError, ConnectionError, ValueError, asyncio.LimitOverrunError):
                return
            if body is None:
                return
            try:
                keep_open = await self._exchange(body, writer)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
                return  # the upstream failed: the client sees a dropped connection
            if not keep_open:
                return

    async def _exchange(self, body: bytes, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; False when the connection must close."""
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        fault = self.fault
        firing = fault is not None and payload is not None and fault.wants(payload)
        self.seen.append(Seen(methods_of(payload) if payload is not None else [], firing))
        if not firing:
            return await self._forward(body, writer)
        assert fault is not None
        fault.fired += 1
        if fault.before is not None:
            await fault.before(self)
        if fault.action == "drop":
            return False
        if fault.action == "not_http":
            writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
            await _drain(writer)
            return False
        if fault.action == "status":
            await _respond(writer, fault.status, b'{"error": "injected"}', fault.headers)
            return True
        if fault.action == "delay":
            await asyncio.sleep(fault.delay_s)
            return await self._forward(body, writer)
        request = payload
        if fault.rewrite_request is not None:
            request = fault.rewrite_request(payload)
        status, answer = await self.upstream_post(json.dumps(request).encode())
        if fault.action == "drop_mid_body":
            head = _head(status, len(answer))
            writer.write(head + answer[: len(answer) // 2])
            await _drain(writer)
            return False
        if fault.action == "truncate":
            await _respond(writer, status, answer[: max(1, len(answer) * 2 // 3)])
            return True
        if fault.rewrite_response is not None:
            answer = json.dumps(fault.rewrite_response(payload, json.loads(answer))).encode()
        await _respond(writer, status, answer)
        return True

    async def _forward(self, body: bytes, writer: asyncio.StreamWriter) -> bool:
        status, answer = await self.upstream_post(body)
        await _respond(writer, status, answer)
        return True

    async def upstream_post(self, body: bytes) -> tuple[int, bytes]:
        assert self._session is not None
        async with self._session.post(self.upstream, data=io.BytesIO(body),
                                      headers={"Content-Type": "application/json"}) as resp:
            return resp.status, await resp.read()

    async def upstream_call(self, method: str, params: list) -> Any:
        """One JSON-RPC call to the upstream node, from a `before` hook."""
        status, answer = await self.upstream_post(json.dumps(
            {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode())
        reply = json.loads(answer)
        if status != 200 or "error" in reply:
            raise RuntimeError(f"{method} failed on the upstream: {reply}")
        return reply["result"]


# --- minimal HTTP/1.1 ------------------------------------------------------------------------

async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            return None  # the client closed an idle keep-alive connection
        raise
    headers = {}
    for line in head.decode("latin-1").split("\r\n")[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return bytes(body)
            body += chunk[:-2]
    return await reader.readexactly(int(headers.get("content-length", "0")))


def _head(status: int, length: int, extra: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}",
             "Content-Type: application/json", f"Content-Length: {length}"]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _respond(writer: asyncio.StreamWriter, status: int, body: bytes,
                   extra: dict[str, str] | None = None) -> None:
    writer.write(_head(status, len(body), extra) + body)
    await _drain(writer)


async def _drain(writer: asyncio.StreamWriter) -> None:
    try:
        await writer.drain()
    except ConnectionError:
        pass  # the client gave up first (a delay past its timeout): nothing to tell it
