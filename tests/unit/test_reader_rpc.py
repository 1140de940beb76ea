"""solver.rpc.RpcClient against a local aiohttp server that misbehaves on purpose:
retries, failover, batch splitting, no blind resend of transactions, error mapping."""

from __future__ import annotations

import asyncio
import socket

import orjson
import pytest
from aiohttp import web

from solver.errors import RpcError
from solver.rpc import JsonRpcError, RpcClient


async def no_sleep(_s: float) -> None:
    return None


class Node:
    """A JSON-RPC server whose next answers are scripted: 'ok', an HTTP status, 'drop', ..."""

    def __init__(self, script: list | None = None, *, max_batch: int | None = None,
                 max_body: int | None = None) -> None:
        self.script = list(script or [])
        self.max_batch = max_batch
        self.max_body = max_body
        self.requests: list = []
        self.refused = 0

    async def handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        payload = orjson.loads(body)
        self.requests.append(payload)
        action = self.script.pop(0) if self.script else "ok"
        if self.max_body is not None and len(body) > self.max_body:
            self.refused += 1
            return web.Response(status=413, text="length limit exceeded")
        if isinstance(action, int):
            return web.Response(status=action, text="nope", headers={"Retry-After": "0"})
        if action == "drop":
            request.transport.close()
            return web.Response()
        items = payload if isinstance(payload, list) else [payload]
        if self.max_batch is not None and isinstance(payload, list) and len(payload) > self.max_batch:
            return web.json_response({"jsonrpc": "2.0", "id": None,
                                      "error": {"code": -32600, "message": "batch size too large"}})
        answers = [self.answer(item, action) for item in items]
        return web.json_response(answers if isinstance(payload, list) else answers[0],
                                 dumps=lambda o: orjson.dumps(o).decode())

    def answer(self, item: dict, action: str) -> dict:
        if action == "header" and item["method"] == "eth_call":
            return {"jsonrpc": "2.0", "id": item["id"], "error": {"code": -32000, "message": "header not found"}}
        if item["method"] == "eth_call" and item["params"][0].get("data") == "0xdead":
            return {"jsonrpc": "2.0", "id": item["id"],
                    "error": {"code": 3, "message": "execution reverted", "data": "0x08c379a0"}}
        return {"jsonrpc": "2.0", "id": item["id"], "result": f"{item['method']}:{item['params']}"}


async def serve(node: Node) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/", node.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/"


def free_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}/"


def with_nodes(*nodes: Node, test, **options):
    async def main():
        runners, urls = [], []
        for node in nodes:
            runner, url = await serve(node)
            runners.append(runner)
            urls.append(url)
        client = RpcClient(urls if len(urls) != 1 else urls[0], sleep=no_sleep, **options)
        try:
            return await test(client, urls)
        finally:
            await client.close()
            for runner in runners:
                await runner.cleanup()
    return asyncio.run(main())


def test_batch_answers_in_order_and_counts_round_trips():
    async def test(client, _):
        out = await client.batch([("a", [1]), ("b", [2])])
        assert out == ["a:[1]", "b:[2]"]
        assert await client.call("c") == "c:[]"
        assert client.round_trips == 2
    with_nodes(Node(), test=test)


@pytest.mark.parametrize("failure", [429, 500, 502, "drop", "header"])
def test_transient_failures_are_retried(failure):
    node = Node([failure, failure])

    async def test(client, _):
        assert await client.batch([("eth_call", [{"to": "0x1"}, "0x5"])]) == ["eth_call:[{'to': '0x1'}, '0x5']"]
        assert client.round_trips == 3
    with_nodes(node, test=test)


def test_persistent_failure_becomes_rpc_error_exit_4():
    async def test(client, _):
        with pytest.raises(RpcError) as info:
            await client.call("eth_blockNumber")
        assert info.value.exit_code == 4 and "HTTP 503" in info.value.message
        assert client.round_trips == 4  # one try and three retries
    with_nodes(Node([503] * 10), test=test)


def test_unreachable_url_fails_over_to_the_next():
    node = Node()

    async def main():
        runner, url = await serve(node)
        client = RpcClient([free_port_url(), url], sleep=no_sleep)
        try:
            assert await client.call("x") == "x:[]"
            assert client.url == url  # sticks to the one that works
            assert await client.call("y") == "y:[]"
            assert client.round_trips == 3
        finally:
            await client.close()
            await runner.cleanup()
    asyncio.run(main())


def test_unreachable_rpc_is_exit_4_with_a_hint():
    async def main():
        client = RpcClient(free_port_url(), sleep=no_sleep, retries=1)
        try:
            with pytest.raises(RpcError) as info:
                await client.call("eth_chainId")
        finally:
            await client.close()
        err = info.value
        assert err.exit_code == 4 and "can't connect" in err.message and err.hint
        assert isinstance(err.__cause__, Exception)
    asyncio.run(main())


def test_a_transaction_is_not_resent_after_it_may_have_arrived():
    node = Node([500, "ok"])

    async def test(client, _):
        with pytest.raises(RpcError) as info:
            await client.call("eth_sendRawTransaction", ["0x01"])
        assert "may have been sent" in info.value.hint
        assert len(node.requests) == 1
    with_nodes(node, test=test)


def test_a_transaction_is_resent_after_a_rate_limit():
    node = Node([429])

    async def test(client, _):
        assert await client.call("eth_sendRawTransaction", ["0x01"]) == "eth_sendRawTransaction:['0x01']"
    with_nodes(node, test=test)


def test_batches_over_the_node_limit_are_split():
    node = Node(max_batch=4)

    async def test(client, _):
        calls = [("m", [i]) for i in range(10)]
        assert await client.batch(calls) == [f"m:[{i}]" for i in range(10)]
    with_nodes(node, test=test)


def test_bodies_over_413_are_split_and_big_batches_are_split_up_front():
    node = Node(max_body=2_000)

    async def test(client, _):
        calls = [("m", ["x" * 300]) for _ in range(20)]
        out = await client.batch(calls)
        assert len(out) == 20
        assert node.refused >= 1
        accepted = [r for r in node.requests if len(orjson.dumps(r)) <= 2_000]
        assert sum(len(r) if isinstance(r, list) else 1 for r in accepted) == 20
    with_nodes(node, test=test)
    upfront = Node()

    async def test2(client, _):
        await client.batch([("m", [i]) for i in range(25)])
        assert client.round_trips == 3 and len(upfront.requests) == 3
    with_nodes(upfront, test=test2, max_batch_calls=10)


def test_revert_errors_are_returned_or_raised():
    async def test(client, _):
        calls = [("eth_call", [{"data": "0xdead"}, "latest"]), ("eth_call", [{"data": "0x"}, "latest"])]
        out = await client.batch(calls, return_errors=True)
        assert isinstance(out[0], JsonRpcError) and out[0].is_revert
        assert out[0].revert_data == bytes.fromhex("08c379a0")
        with pytest.raises(JsonRpcError) as info:
            await client.batch(calls)
        assert info.value.exit_code == 4
    with_nodes(Node(), test=test)


def test_http_404_is_not_retried_on_a_single_url():
    node = Node([404, 404])

    async def test(client, _):
        with pytest.raises(RpcError):
            await client.call("x")
        assert client.round_trips == 1
    with_nodes(node, test=test)


@pytest.mark.parametrize("url", ["http://", "not a url", "http://256.256.256.256:1/"])
def test_malformed_urls_are_rpc_errors(url):
    async def main():
        client = RpcClient(url, sleep=no_sleep, retries=1, timeout_s=2)
        try:
            with pytest.raises(RpcError) as info:
                await client.call("eth_chainId")
        finally:
            await client.close()
        assert info.value.exit_code == 4
    asyncio.run(main())


def test_a_node_answering_garbage_is_an_rpc_error():
    class Garbage(Node):
        async def handle(self, request):
            await request.read()
            return web.Response(status=200, text="<html>proxy error</html>")

    async def test(client, _):
        with pytest.raises(RpcError) as info:
            await client.call("eth_chainId")
        assert "malformed" in info.value.message
    with_nodes(Garbage(), test=test)
