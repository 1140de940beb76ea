"""The JSON-RPC edge: batched calls over aiohttp, with every failure mapped to RpcError.

This is the only module that talks HTTP to a node. Everything above it sees plain Python
values or a SolverError.
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import aiohttp
import orjson

from solver.errors import RpcError

DEFAULT_TIMEOUT_S = 10.0


class JsonRpcError(RpcError):
    """The node answered with a JSON-RPC error object (for eth_call: often a revert)."""

    code = "rpc_error"

    def __init__(self, method: str, error: dict) -> None:
        message = str(error.get("message", "error"))
        super().__init__(f"{method} failed: {message}", hint=None)
        self.rpc_code = error.get("code")
        self.data = error.get("data")


class RpcClient:
    """One endpoint. `call` sends one request, `batch` sends many in one HTTP round trip.

    `round_trips` counts HTTP requests, so callers and benchmarks can see how chatty a
    read was.
    """

    def __init__(self, url: str, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.round_trips = 0
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None

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

    async def _post(self, payload: Any) -> Any:
        self.round_trips += 1
        try:
            async with self._get_session().post(
                self.url, data=orjson.dumps(payload),
                headers={"Content-Type": "application/json"},
            ) as resp:
                body = await resp.read()
                if resp.status != 200:
                    raise RpcError(f"RPC {self.url} answered HTTP {resp.status}",
                                   hint="check the RPC URL, or retry later")
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise RpcError(f"can't reach RPC {self.url}: {type(exc).__name__}",
                           hint="is the node running? check --rpc or the chain's rpc_url") from exc
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise RpcError(f"RPC {self.url} returned malformed JSON") from exc

    async def call(self, method: str, params: list | None = None) -> Any:
        [result] = await self.batch([(method, params or [])])
        return result

    async def batch(self, calls: list[tuple[str, list]]) -> list[Any]:
        """Send all calls in one HTTP request; return results in the order given.

        Raises JsonRpcError for the first call that failed.
        """
        if not calls:
            return []
        ids = [next(self._ids) for _ in calls]
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p}
                   for i, (m, p) in zip(ids, calls)]
        answer = await self._post(payload if len(payload) > 1 else payload[0])
        if isinstance(answer, dict):
            answer = [answer]
        if not isinstance(answer, list) or len(answer) != len(calls):
            raise RpcError(f"RPC {self.url} returned a short or malformed batch")
        by_id = {}
        for item in answer:
            if not isinstance(item, dict) or "id" not in item:
                raise RpcError(f"RPC {self.url} returned a malformed batch item")
            by_id[item["id"]] = item
        results = []
        for i, (method, _) in zip(ids, calls):
            item = by_id.get(i)
            if item is None:
                raise RpcError(f"RPC {self.url} lost the answer to {method}")
            if "error" in item and item["error"] is not None:
                raise JsonRpcError(method, item["error"])
            if "result" not in item:
                raise RpcError(f"RPC {self.url} returned no result for {method}")
            results.append(item["result"])
        return results


def run(coro: Any) -> Any:
    """Run a coroutine from synchronous CLI code."""
    return asyncio.run(coro)
