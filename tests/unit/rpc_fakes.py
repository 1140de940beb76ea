"""FakeSession: stands in for aiohttp.ClientSession inside RpcClient, so a test decides exactly
what one HTTP exchange does: answer (status, body, headers) or raise any exception, either
when the request is sent or while the body is read."""

from __future__ import annotations

from typing import Callable


class FakeResponse:
    def __init__(self, status: int, body: bytes, headers: dict | None, read_error: BaseException | None):
        self.status = status
        self._body = body
        self.headers = headers or {}
        self._read_error = read_error

    async def read(self) -> bytes:
        if self._read_error is not None:
            raise self._read_error
        return self._body


class _Exchange:
    def __init__(self, session: "FakeSession", body: bytes) -> None:
        self.session = session
        self.body = body

    async def __aenter__(self) -> FakeResponse:
        step = self.session.script(self.body)
        if isinstance(step, BaseException):
            raise step
        status, answer, headers, read_error = step
        return FakeResponse(status, answer, headers, read_error)

    async def __aexit__(self, *exc: object) -> None:
        return None


class FakeSession:
    """`script(request_body) -> exception | (status, body, headers, read_error)`."""

    def __init__(self, script: Callable[[bytes], object]) -> None:
        self.script = script
        self.requests: list[bytes] = []
        self.closed = False

    def post(self, url: str, *, data, headers: dict) -> _Exchange:
        body = data.read() if hasattr(data, "read") else data
        self.requests.append(body)
        return _Exchange(self, body)

    async def close(self) -> None:
        self.closed = True


def install(client, script: Callable[[bytes], object]) -> FakeSession:
    """Put a FakeSession into an RpcClient (it would otherwise open a real one)."""
    session = FakeSession(script)
    client._session = session
    return session


async def no_sleep(_s: float) -> None:
    return None
