"""No lower-layer exception escapes the RPC edge unmapped (the httpx rule).

Every exception class aiohttp can raise (all ClientError and HttpProcessingError subclasses,
found by walking the class tree, so a new aiohttp release is covered automatically), plus
timeouts, socket errors, URL errors and JSON decode errors, is injected into one HTTP
exchange of RpcClient, at send time and at read time, for a read and for a transaction.
Each must come out as RpcError (exit 4) chained `from` the original.

eth_abi's decoding errors become AbiDecodeError in solver.abi and RpcError in the reader
(tests below and tests/property/test_rpc_fuzz.py). web3 is not part of the RPC edge at all:
the last test checks that reading the chain never imports it.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import sys
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import http_exceptions

from solver import abi
from solver.errors import RpcError
from solver.rpc import RpcClient, TRANSPORT_ERRORS
from tests.unit.rpc_fakes import install, no_sleep

KEY = SimpleNamespace(host="127.0.0.1", port=1, ssl=False, is_ssl=False, proxy=None)


def subclasses(root: type) -> list[type]:
    out, todo = [], [root]
    while todo:
        cls = todo.pop()
        if cls not in out:
            out.append(cls)
            todo.extend(cls.__subclasses__())
    return [c for c in out if c.__module__.startswith("aiohttp")]


def instantiate(cls: type) -> BaseException:
    """An instance of any aiohttp exception class, whatever its constructor wants."""
    attempts = [(), ("boom",), (KEY, OSError(111, "refused")), (None, ()),
                ("/tmp/sock", KEY, OSError(2, "missing")), (b"a", b"b", "host", 1)]
    for args in attempts:
        try:
            return cls(*args)
        except Exception:
            continue
    raise AssertionError(f"can't build {cls.__name__}: add its constructor to `attempts`")


AIOHTTP_ERRORS = sorted({*subclasses(aiohttp.ClientError),
                         *subclasses(http_exceptions.HttpProcessingError)}, key=lambda c: c.__name__)
OTHER_ERRORS = [asyncio.TimeoutError(), TimeoutError("slow"), OSError(5, "io"),
                ConnectionResetError(104, "reset"), ConnectionRefusedError(111, "refused"),
                BrokenPipeError(32, "pipe"), ssl.SSLError(1, "bad record"),
                ValueError("bad url"), UnicodeError("label too long")]


def run_with(exc: BaseException, *, when: str, method: str = "eth_blockNumber") -> RpcError:
    async def go():
        client = RpcClient("http://127.0.0.1:1/", retries=2, sleep=no_sleep)

        def script(_body: bytes):
            return exc if when == "send" else (200, b"", {}, exc)

        install(client, script)
        try:
            await client.call(method, ["0x00"] if method == "eth_sendRawTransaction" else [])
        finally:
            await client.close()
    with pytest.raises(RpcError) as info:
        asyncio.run(go())
    return info.value


def chain_of(err: BaseException) -> list[BaseException]:
    out = []
    while err is not None:
        out.append(err)
        err = err.__cause__
    return out


def test_the_class_tree_walk_finds_every_aiohttp_error():
    names = {c.__name__ for c in AIOHTTP_ERRORS}
    assert {"ClientConnectorError", "ServerDisconnectedError", "ClientPayloadError",
            "InvalidURL", "ServerTimeoutError", "BadStatusLine", "ContentLengthError"} <= names
    assert len(AIOHTTP_ERRORS) >= 40


@pytest.mark.parametrize("when", ["send", "read"])
@pytest.mark.parametrize("cls", AIOHTTP_ERRORS, ids=lambda c: c.__name__)
def test_every_aiohttp_exception_maps_to_rpc_error(cls, when):
    exc = instantiate(cls)
    err = run_with(exc, when=when)
    assert err.exit_code == 4 and "\n" not in err.message
    assert exc in chain_of(err), "mapped without `from exc`"


@pytest.mark.parametrize("when", ["send", "read"])
@pytest.mark.parametrize("exc", OTHER_ERRORS, ids=lambda e: type(e).__name__)
def test_timeouts_sockets_and_url_errors_map_to_rpc_error(exc, when):
    err = run_with(exc, when=when)
    assert err.exit_code == 4 and exc in chain_of(err)


@pytest.mark.parametrize("cls", AIOHTTP_ERRORS, ids=lambda c: c.__name__)
def test_a_transaction_is_never_resent_after_an_error_that_may_have_delivered_it(cls):
    exc = instantiate(cls)
    sent: list[bytes] = []

    async def go():
        client = RpcClient("http://127.0.0.1:1/", retries=3, sleep=no_sleep)

        def script(body: bytes):
            sent.append(body)
            return exc

        install(client, script)
        try:
            await client.call("eth_sendRawTransaction", ["0x00"])
        finally:
            await client.close()
    with pytest.raises(RpcError) as info:
        asyncio.run(go())
    assert exc in chain_of(info.value)
    if isinstance(exc, aiohttp.ClientConnectorError):
        assert len(sent) == 4  # no connection, so nothing left: retrying is safe
    else:
        # Either it may have arrived (never resend), or the URL itself is bad (no use).
        assert len(sent) == 1


def test_every_error_class_is_in_the_mapped_set():
    for cls in AIOHTTP_ERRORS:
        assert issubclass(cls, TRANSPORT_ERRORS), cls


@pytest.mark.parametrize("body", [b"", b"{", b"<html>502</html>", b"\xff\xfe", b"[1,",
                                  b'{"jsonrpc": "2.0", "id": 1, "result": "0x1"'])
def test_undecodable_json_maps_to_rpc_error(body):
    async def go():
        client = RpcClient("http://127.0.0.1:1/", retries=1, sleep=no_sleep)
        install(client, lambda _b: (200, body, {}, None))
        try:
            await client.call("eth_blockNumber")
        finally:
            await client.close()
    with pytest.raises(RpcError) as info:
        asyncio.run(go())
    assert isinstance(info.value.__cause__.__cause__, json.JSONDecodeError) or \
        "malformed JSON" in info.value.message


@pytest.mark.parametrize("types, data", [
    (["uint256"], b"\x01"),
    (["string"], (32).to_bytes(32, "big") + (10**6).to_bytes(32, "big")),
    (["bytes"], (1 << 200).to_bytes(32, "big")),
    (["(int24,int128,uint128)[]"], (32).to_bytes(32, "big") + (5).to_bytes(32, "big")),
    (["bool"], (7).to_bytes(32, "big")),
    (["address"], b"\xff" * 32),
])
def test_eth_abi_errors_become_abi_decode_error(types, data):
    with pytest.raises(abi.AbiDecodeError):
        abi.decode(types, data)


def test_reading_the_chain_never_imports_web3():
    code = ("import sys, solver.rpc, solver.reader, solver.discovery, solver.multicall, "
            "solver.pool_state; print('web3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
