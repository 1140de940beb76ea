"""The JSON-RPC edge: batched calls over aiohttp, with every failure mapped to RpcError.

This is the only module that talks HTTP to a node. Everything above it sees plain Python
values or a SolverError. It retries transient failures (connection drops, 429, 5xx,
"header not found") with exponential backoff and jitter, fails over between several URLs,
and splits a batch that is too big for one request. It never retries a request carrying
eth_sendRawTransaction once that request may have reached the node.
"""

from __future__ import annotations

import asyncio
import io
import itertools
import os
import random
from typing import Any, Awaitable, Callable, Sequence

import aiohttp
import orjson
from aiohttp.http_exceptions import HttpProcessingError

from solver.errors import ConfigError, RpcError

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_RETRIES = 3
# Overrides of the two defaults above, for every client that doesn't pass its own: slow
# providers want more time, CI and the fault-injection tests want less.
TIMEOUT_ENV = "SOLVER_RPC_TIMEOUT_S"
RETRIES_ENV = "SOLVER_RPC_RETRIES"
DEFAULT_BACKOFF_S = 0.1
# anvil rejects bodies over ~2 MB; stay well below so one batch never trips it.
DEFAULT_MAX_BODY_BYTES = 1_500_000
DEFAULT_MAX_BATCH_CALLS = 1_000
MAX_RETRY_AFTER_S = 5.0

# Methods with side effects: a request holding one is not resent after it may have arrived.
NON_IDEMPOTENT = frozenset({"eth_sendRawTransaction", "eth_sendTransaction"})
_TRANSIENT_MESSAGES = ("header not found", "rate limit", "too many requests", "timed out",
                       "timeout", "temporarily unavailable", "try again", "capacity exceeded",
                       "service unavailable")
_BATCH_LIMIT_MESSAGES = ("batch size", "batch limit", "batch too large", "too many requests in batch",
                         "exceeds the limit", "request entity too large")


class JsonRpcError(RpcError):
    """The node answered with a JSON-RPC error object (for eth_call: often a revert)."""

    code = "rpc_error"

    def __init__(self, method: str, error: dict) -> None:
        message = str(error.get("message", "error"))
        super().__init__(f"{method} failed: {message}", hint=None)
        self.method = method
        self.rpc_message = message
        self.rpc_code = error.get("code")
        self.data = error.get("data")

    @property
    def is_revert(self) -> bool:
        return self.rpc_code == 3 or "revert" in self.rpc_message.lower()

    @property
    def revert_data(self) -> bytes:
        """The raw revert bytes nodes put in `data` (a hex string, or nested one level)."""
        data = self.data
        if isinstance(data, dict):
            data = data.get("data")
        if isinstance(data, str) and data.startswith("0x"):
            try:
                return bytes.fromhex(data[2:])
            except ValueError:
                return b""
        return b""


class _Transient(Exception):
    """A failure worth retrying. `delivered` says the request may have reached the node."""

    def __init__(self, reason: str, *, delivered: bool, retry_after_s: float | None = None,
                 same_url: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.delivered = delivered
        self.retry_after_s = retry_after_s
        self.same_url = same_url


class _TooLarge(Exception):
    """The node refused the batch for its size: split it."""


# Everything the HTTP exchange can raise below us. aiohttp's own errors, its parser's (a
# server that doesn't speak HTTP), timeouts, sockets, and ValueError: yarl rejects some
# URLs with a bare ValueError/UnicodeError before aiohttp can wrap it.
# tests/unit/test_rpc_mapping.py injects each of these and checks none escapes unmapped.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientError, HttpProcessingError, asyncio.TimeoutError, OSError, ValueError)


def default_timeout_s() -> float:
    return _env_number(TIMEOUT_ENV, DEFAULT_TIMEOUT_S, float, lo=0.001, hi=3600.0)


def default_retries() -> int:
    return _env_number(RETRIES_ENV, DEFAULT_RETRIES, int, lo=0, hi=100)


def _env_number(name: str, default, kind: type, *, lo, hi):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or not lo <= value <= hi:
        raise ConfigError(f"${name}={raw!r} is not a number in [{lo}, {hi}]",
                          hint=f"unset it, or e.g. {name}={default}", code="bad_env")
    return value


def _is_transient_error(error: Any) -> bool:
    if not isinstance(error, dict):
        return False
    message = str(error.get("message", "")).lower()
    return error.get("code") in (-32005, 429) or any(m in message for m in _TRANSIENT_MESSAGES)


def _is_batch_limit_error(error: Any) -> bool:
    message = str(error.get("message", "")).lower() if isinstance(error, dict) else ""
    return any(m in message for m in _BATCH_LIMIT_MESSAGES)


class RpcClient:
    """One or more endpoints. `call` sends one request, `batch` many in as few HTTP requests
    as the size limits allow (sent concurrently).

    `round_trips` counts HTTP requests, retries included, so callers and benchmarks can see
    how chatty a read was.
    """

    def __init__(self, url: str | Sequence[str], *, timeout_s: float | None = None,
                 retries: int | None = None, backoff_s: float = DEFAULT_BACKOFF_S,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 max_batch_calls: int = DEFAULT_MAX_BATCH_CALLS,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random) -> None:
        self.urls = (url,) if isinstance(url, str) else tuple(url)
        if not self.urls:
            raise ValueError("RpcClient needs at least one URL")
        # None: the default, or $SOLVER_RPC_TIMEOUT_S / $SOLVER_RPC_RETRIES when set.
        self.timeout_s = default_timeout_s() if timeout_s is None else timeout_s
        self.retries = default_retries() if retries is None else retries
        self.backoff_s = backoff_s
        self.max_body_bytes = max_body_bytes
        self.max_batch_calls = max_batch_calls
        self.round_trips = 0
        self._sleep = sleep
        self._jitter = jitter
        self._preferred = 0
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """The endpoint in use: the first URL until a failover moves on."""
        return self.urls[self._preferred]

    async def __aenter__(self) -> "RpcClient":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                json_serialize=lambda obj: orjson.dumps(obj).decode(),
            )
        return self._session

    # --- one HTTP exchange -------------------------------------------------------------

    async def _post(self, url: str, body: bytes) -> Any:
        self.round_trips += 1
        try:
            async with self._get_session().post(
                # BytesIO: aiohttp warns (an error under our test settings) about big raw bytes.
                url, data=io.BytesIO(body), headers={"Content-Type": "application/json"},
            ) as resp:
                status = resp.status
                payload = await resp.read()
                retry_after = resp.headers.get("Retry-After")
        except aiohttp.ClientConnectorError as exc:
            # Refused or unresolvable: the request never left, so any request may be resent.
            raise _Transient(f"can't connect ({type(exc).__name__})", delivered=False) from exc
        except (aiohttp.NonHttpUrlClientError, ValueError) as exc:  # InvalidURL is a ValueError
            # Never sent; waiting won't fix the URL, another URL might serve.
            raise _Transient(f"invalid URL ({type(exc).__name__})", delivered=False,
                             same_url=False) from exc
        except asyncio.TimeoutError as exc:
            raise _Transient(f"no answer within {self.timeout_s:g} s", delivered=True) from exc
        except TRANSPORT_ERRORS as exc:
            raise _Transient(f"connection failed ({type(exc).__name__})", delivered=True) from exc
        if status == 413:
            raise _TooLarge()
        if status == 429:
            raise _Transient("HTTP 429 (rate limited)", delivered=False,
                             retry_after_s=_parse_retry_after(retry_after))
        if status >= 500:
            raise _Transient(f"HTTP {status}", delivered=True)
        if status != 200:
            # 401/403/404 won't heal by waiting; another URL might serve.
            raise _Transient(f"HTTP {status}", delivered=False, same_url=False)
        try:
            return orjson.loads(payload)
        except orjson.JSONDecodeError as exc:
            # Truncated or garbled on the way, or not a JSON-RPC server at all: worth one more
            # try (reads only: `delivered` keeps a transaction from being resent).
            raise _Transient("malformed JSON in the answer", delivered=True) from exc

    def _backoff_s(self, attempt: int, exc: _Transient) -> float:
        if exc.retry_after_s is not None:
            return exc.retry_after_s
        return self.backoff_s * (2 ** attempt) * (0.5 + self._jitter())

    async def _exchange(self, items: list[dict], bodies: list[bytes]) -> dict[int, dict]:
        """Send one group; retry and fail over; return the answers by id."""
        unsafe = any(item["method"] in NON_IDEMPOTENT for item in items)
        body = bodies[0] if len(bodies) == 1 else b"[" + b",".join(bodies) + b"]"
        last: _Transient | None = None
        for attempt in range(self.retries + 1):
            url = self.url
            try:
                answer = await self._post(url, body)
                return self._parse(url, items, answer)
            except _Transient as exc:
                last = exc
                if unsafe and exc.delivered:
                    raise RpcError(
                        f"RPC {url} failed while sending a transaction: {exc.reason}",
                        hint="the transaction may have been sent: check its hash or the "
                             "account nonce before sending again") from exc
                if len(self.urls) > 1:
                    self._preferred = (self._preferred + 1) % len(self.urls)
                elif not exc.same_url:
                    break
                if attempt < self.retries:
                    await self._sleep(self._backoff_s(attempt, exc))
        assert last is not None
        tried = ", ".join(self.urls)
        raise RpcError(f"RPC failed after {attempt + 1} attempt(s): {last.reason} ({tried})",
                       hint="is the node running? check --rpc or the chain's rpc_url") from last

    def _parse(self, url: str, items: list[dict], answer: Any) -> dict[int, dict]:
        """Answers by id, exactly one per request of this group, in any order (JSON-RPC lets
        a node reorder a batch). Anything else is rejected, never partly used: a missing,
        unknown or repeated id, an item with neither result nor error, a non-object."""
        wanted = {item["id"] for item in items}
        if isinstance(answer, dict) and answer.get("error") is not None and (
                len(items) > 1 or not _is_id(answer.get("id")) or answer.get("id") not in wanted):
            # One error object for the whole request: the node refused all of it.
            error = answer["error"]
            if len(items) > 1 and _is_batch_limit_error(error):
                raise _TooLarge()
            if _is_transient_error(error):
                raise _Transient(_error_text(error), delivered=True)
            raise RpcError(f"RPC {url} refused the request: {_error_text(error)}")
        if isinstance(answer, dict):
            answer = [answer]
        if not isinstance(answer, list):
            raise _Transient(f"the answer is a JSON {type(answer).__name__}, not JSON-RPC",
                             delivered=True)
        by_id: dict[int, dict] = {}
        for item in answer:
            if not isinstance(item, dict):
                raise _Transient("a batch item is not an object", delivered=True)
            key = item.get("id")
            if not _is_id(key) or key not in wanted:
                raise _Transient(f"an answer carries id {str(key)[:20]!r}, which was never asked",
                                 delivered=True)
            if key in by_id:
                raise _Transient(f"two answers carry id {key}", delivered=True)
            if "result" not in item and item.get("error") is None:
                raise _Transient(f"the answer to id {key} has neither result nor error",
                                 delivered=True)
            by_id[key] = item
        if len(by_id) != len(wanted):
            raise _Transient(f"{len(wanted) - len(by_id)} of {len(wanted)} answers are missing",
                             delivered=True)
        for item in by_id.values():
            error = item.get("error")
            if error is not None and _is_batch_limit_error(error) and len(items) > 1:
                raise _TooLarge()
            if error is not None and _is_transient_error(error):
                raise _Transient(_error_text(error), delivered=True)
        return by_id

    async def _send_group(self, items: list[dict], bodies: list[bytes]) -> dict[int, dict]:
        try:
            return await self._exchange(items, bodies)
        except _TooLarge:
            if len(items) == 1:
                raise RpcError(f"RPC {self.url} refused a request of {len(bodies[0])} bytes "
                               "as too large", hint="the node's body limit is too small") from None
            half = len(items) // 2
            parts = await asyncio.gather(self._send_group(items[:half], bodies[:half]),
                                         self._send_group(items[half:], bodies[half:]))
            return {**parts[0], **parts[1]}

    def _groups(self, items: list[dict], bodies: list[bytes]) -> list[tuple[int, int]]:
        groups, start, size = [], 0, 0
        for i, body in enumerate(bodies):
            if i > start and (size + len(body) > self.max_body_bytes
                              or i - start >= self.max_batch_calls):
                groups.append((start, i))
                start, size = i, 0
            size += len(body) + 1
        groups.append((start, len(items)))
        return groups

    # --- public API ----------------------------------------------------------------------

    async def call(self, method: str, params: list | None = None) -> Any:
        [result] = await self.batch([(method, params or [])])
        return result

    async def batch(self, calls: Sequence[tuple[str, list]], *,
                    return_errors: bool = False) -> list[Any]:
        """Send all calls, in as few HTTP requests as the limits allow; results in order.

        Raises JsonRpcError for the first call that failed, unless `return_errors`, which
        puts the JsonRpcError in that call's place instead.
        """
        if not calls:
            return []
        items = [{"jsonrpc": "2.0", "id": next(self._ids), "method": m, "params": p}
                 for m, p in calls]
        bodies = [orjson.dumps(item) for item in items]
        groups = self._groups(items, bodies)
        answers: dict[int, dict] = {}
        if any(item["method"] in NON_IDEMPOTENT for item in items):
            # Transactions keep their order: one request after the other.
            parts = [await self._send_group(items[a:b], bodies[a:b]) for a, b in groups]
        else:
            parts = await asyncio.gather(*(self._send_group(items[a:b], bodies[a:b])
                                           for a, b in groups))
        for part in parts:
            answers.update(part)
        results: list[Any] = []
        for item in items:
            method = item["method"]
            answer = answers.get(item["id"])
            if answer is None:
                raise RpcError(f"RPC {self.url} lost the answer to {method}")
            if answer.get("error") is not None:
                error = answer["error"]
                err = JsonRpcError(method, error if isinstance(error, dict) else {"message": str(error)})
                if not return_errors:
                    raise err
                results.append(err)
                continue
            if "result" not in answer:
                raise RpcError(f"RPC {self.url} returned no result for {method}")
            results.append(answer["result"])
        return results


def _error_text(error: Any) -> str:
    message = error.get("message") if isinstance(error, dict) else error
    return str(message)[:300]


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:  # an HTTP date: not worth parsing, the backoff will do
        return None
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_S)


def run(coro: Any) -> Any:
    """Run a coroutine from synchronous CLI code."""
    return asyncio.run(coro)


def _is_id(key: Any) -> bool:
    """Whether an answer's id can be one we sent (we number requests with ints; a node's
    answer may carry anything, and a list or object id is not even hashable)."""
    return isinstance(key, int) and not isinstance(key, bool)
