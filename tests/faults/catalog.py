"""The fault matrix: every fault the proxy injects, transient and persistent, and what a quote
must do under it.

`expect` is "same" (exactly the fault-free answer: the fault was retried away or is
harmless) or "exit4" (an RPC failure, one clear line). The invariant the matrix enforces
for every case is weaker and is the issue's: same answer or exit 4, never exit 0 with a
different number, never a traceback, never exit 1. `expect` pins down which of the two.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable

from tests.faults.proxy import Fault, any_request, has_method, has_pinned_call

TIMEOUT_S = 2.0  # SOLVER_RPC_TIMEOUT_S of every subprocess of the matrix
DELAY_S = TIMEOUT_S + 1.0


@dataclass
class Case:
    fault: Fault
    expect: str  # "same" | "exit4"
    chain_moves: bool = False  # runs on its own fork, whose chain the fault moves mid-read
    error_code: str | None = None  # the JSON error code an exit 4 must carry

    @property
    def name(self) -> str:
        return self.fault.name


# --- answer rewriters -------------------------------------------------------------------------

def _items(answer: Any) -> list:
    return answer if isinstance(answer, list) else [answer]


def _same_shape(answer: Any, items: list) -> Any:
    return items if isinstance(answer, list) else items[0]


def error_on(method: str, error: dict) -> Callable:
    """The answer to `method` becomes a JSON-RPC error object."""
    def rewrite(request: Any, answer: Any) -> Any:
        wanted = {r["id"] for r in _items(request) if r.get("method") == method}
        items = [{"jsonrpc": "2.0", "id": a["id"], "error": error} if a.get("id") in wanted else a
                 for a in _items(answer)]
        return _same_shape(answer, items)
    return rewrite


def whole_error(error: dict) -> Callable:
    return lambda request, answer: {"jsonrpc": "2.0", "id": None, "error": error}


def result_of(method: str, change: Callable[[Any], Any], *, drop_result: bool = False) -> Callable:
    """The result of every `method` in the answer goes through `change`."""
    def rewrite(request: Any, answer: Any) -> Any:
        wanted = {r["id"] for r in _items(request) if r.get("method") == method}
        items = []
        for a in copy.deepcopy(_items(answer)):
            if a.get("id") in wanted and "result" in a:
                if drop_result:
                    del a["result"]
                else:
                    a["result"] = change(a["result"])
            items.append(a)
        return _same_shape(answer, items)
    return rewrite


def reorder(request: Any, answer: Any) -> Any:
    return list(reversed(answer)) if isinstance(answer, list) else answer


def drop_last(request: Any, answer: Any) -> Any:
    return answer[:-1] if isinstance(answer, list) and len(answer) > 1 else []


def duplicate_first(request: Any, answer: Any) -> Any:
    items = _items(answer)
    return items + [copy.deepcopy(items[0])]


def unknown_id(request: Any, answer: Any) -> Any:
    items = copy.deepcopy(_items(answer))
    items[0]["id"] = 987654321
    return _same_shape(answer, items)


def swap_ids(request: Any, answer: Any) -> Any:
    """Two answers trade ids: each arrives in the other's place."""
    items = copy.deepcopy(_items(answer))
    if len(items) > 1:
        items[0]["id"], items[1]["id"] = items[1]["id"], items[0]["id"]
    return _same_shape(answer, items)


def unpin(request: Any) -> Any:
    """A node that ignores the block parameter: pinned eth_calls run at latest."""
    items = copy.deepcopy(_items(request))
    for item in items:
        if item.get("method") == "eth_call" and str(item["params"][1]).startswith("0x"):
            item["params"][1] = "latest"
    return _same_shape(request, items)


def calls_ticks(payload: Any) -> bool:
    """Phase B of a snapshot: pinned eth_calls of ticks(int24) (selector f30dba93)."""
    return has_pinned_call(payload) and any(
        "f30dba93" in str(item.get("params", [{}])[0].get("data", ""))
        for item in _items(payload) if item.get("method") == "eth_call")


def cut_hex(words: int) -> Callable[[Any], Any]:
    return lambda result: result[: max(2, len(result) - 64 * words)] if isinstance(result, str) else result


# --- the matrix -------------------------------------------------------------------------------

HEADER_NOT_FOUND = {"code": -32000, "message": "header not found"}
INTERNAL = {"code": -32603, "message": "internal error"}
RATE_LIMITED = {"code": -32005, "message": "rate limit exceeded"}
REVERTED = {"code": 3, "message": "execution reverted", "data": "0x"}


def transport_cases() -> list[Case]:
    retry_after = {"Retry-After": "0"}
    return [
        Case(Fault("drop x1", "drop"), "same"),
        Case(Fault("drop x3", "drop", times=3), "same"),
        Case(Fault("drop always", "drop", times=None), "exit4"),
        Case(Fault("drop mid-body x1", "drop_mid_body"), "same"),
        Case(Fault("drop mid-body always", "drop_mid_body", times=None), "exit4"),
        Case(Fault("delay past timeout x1", "delay", delay_s=DELAY_S), "same"),
        Case(Fault("delay past timeout on state reads, always", "delay", delay_s=DELAY_S,
                   times=None, match=has_pinned_call), "exit4"),
        Case(Fault("HTTP 429 x2", "status", status=429, times=2, headers=retry_after), "same"),
        Case(Fault("HTTP 429 always", "status", status=429, times=None, headers=retry_after), "exit4"),
        Case(Fault("HTTP 500 x1", "status", status=500), "same"),
        Case(Fault("HTTP 503 x3 on state reads", "status", status=503, times=3,
                   match=has_pinned_call), "same"),
        Case(Fault("HTTP 500 always", "status", status=500, times=None), "exit4"),
        Case(Fault("truncated JSON x1", "truncate", match=has_pinned_call), "same"),
        Case(Fault("truncated JSON always", "truncate", times=None), "exit4"),
        Case(Fault("not HTTP x1", "not_http"), "same"),
        Case(Fault("not HTTP always", "not_http", times=None), "exit4"),
    ]


def json_rpc_cases() -> list[Case]:
    return [
        Case(Fault("'header not found' x1 on state reads", rewrite_response=error_on(
            "eth_call", HEADER_NOT_FOUND), match=has_pinned_call), "same"),
        Case(Fault("'header not found' always on state reads", rewrite_response=error_on(
            "eth_call", HEADER_NOT_FOUND), match=has_pinned_call, times=None), "exit4"),
        Case(Fault("internal error on a state read", rewrite_response=error_on(
            "eth_call", INTERNAL), match=has_pinned_call), "exit4"),
        Case(Fault("revert of the multicall", rewrite_response=error_on(
            "eth_call", REVERTED), match=has_pinned_call), "exit4"),
        Case(Fault("rate-limit error object for the whole batch x1",
                   rewrite_response=whole_error(RATE_LIMITED)), "same"),
        Case(Fault("internal error object for the whole batch", rewrite_response=whole_error(
            INTERNAL), match=has_method("eth_blockNumber")), "exit4"),
        Case(Fault("eth_feeHistory fails", rewrite_response=error_on("eth_feeHistory", INTERNAL),
                   match=has_method("eth_feeHistory")), "exit4"),
        Case(Fault("eth_gasPrice fails", rewrite_response=error_on("eth_gasPrice", INTERNAL),
                   match=has_method("eth_gasPrice")), "exit4"),
        Case(Fault("error object for eth_chainId always", rewrite_response=error_on(
            "eth_chainId", INTERNAL), match=has_method("eth_chainId"), times=None), "exit4"),
    ]


def chain_id_cases() -> list[Case]:
    wrong = result_of("eth_chainId", lambda _r: "0x1")
    return [
        Case(Fault("wrong chain id always", rewrite_response=wrong, times=None,
                   match=has_method("eth_chainId")), "exit4", error_code="wrong_chain_id"),
        Case(Fault("wrong chain id once, in the snapshot's head", rewrite_response=wrong,
                   match=has_method("eth_blockNumber")), "exit4", error_code="wrong_chain_id"),
    ]


def batch_shape_cases() -> list[Case]:
    return [
        Case(Fault("reordered batch answers always", rewrite_response=reorder, times=None), "same"),
        Case(Fault("a batch answer missing x1", rewrite_response=drop_last,
                   match=has_method("eth_blockNumber")), "same"),
        Case(Fault("a batch answer missing always", rewrite_response=drop_last, times=None,
                   match=has_method("eth_blockNumber")), "exit4"),
        Case(Fault("a duplicated id always", rewrite_response=duplicate_first, times=None), "exit4"),
        Case(Fault("an unknown id always", rewrite_response=unknown_id, times=None), "exit4"),
        Case(Fault("two ids swapped in the head", rewrite_response=swap_ids, times=None,
                   match=has_method("eth_blockNumber")), "exit4"),
        Case(Fault("answer is a JSON string x1", rewrite_response=lambda q, a: "ok"), "same"),
    ]


def malformed_result_cases() -> list[Case]:
    return [
        Case(Fault("state read one word short, always", rewrite_response=result_of(
            "eth_call", cut_hex(1)), match=has_pinned_call, times=None), "exit4"),
        Case(Fault("state read empty ('0x'), always", rewrite_response=result_of(
            "eth_call", lambda _r: "0x"), match=has_pinned_call, times=None), "exit4",
             error_code="bad_rpc_answer"),
        Case(Fault("state read null, always", rewrite_response=result_of(
            "eth_call", lambda _r: None), match=has_pinned_call, times=None), "exit4"),
        Case(Fault("state read odd-length hex, always", rewrite_response=result_of(
            "eth_call", lambda r: r + "0"), match=has_pinned_call, times=None), "exit4"),
        Case(Fault("block number is a JSON integer", rewrite_response=result_of(
            "eth_blockNumber", lambda r: int(r, 16)), match=has_method("eth_blockNumber"),
                   times=None), "exit4"),
        Case(Fault("block number is not hex", rewrite_response=result_of(
            "eth_blockNumber", lambda _r: "0xzz"), match=has_method("eth_blockNumber"),
                   times=None), "exit4"),
        Case(Fault("chain id answer without result x1", rewrite_response=result_of(
            "eth_chainId", None, drop_result=True), match=has_method("eth_chainId")), "same"),
        Case(Fault("fee history is a string", rewrite_response=result_of(
            "eth_feeHistory", lambda _r: "0x1"), match=has_method("eth_feeHistory"),
                   times=None), "exit4"),
    ]


def block_cases(head_block: int) -> list[Case]:
    return [
        Case(Fault("block number jumps ahead (unknown block)", rewrite_response=result_of(
            "eth_blockNumber", lambda _r: hex(head_block + 1000)),
            match=has_method("eth_blockNumber"), times=None), "exit4"),
    ]


def moving_chain_cases(move_chain) -> list[Case]:
    """The chain really moves between the snapshot's head and its state reads."""
    return [
        Case(Fault("chain moves mid-read (pinned reads)", before=move_chain,
                   match=has_pinned_call, times=1), "same", chain_moves=True),
        # Once: the read that ran at the wrong block is read again, pinned, and gives the
        # answer at the snapshot's block. (Anvil itself does this for a moment under load.)
        Case(Fault("chain moves mid-read, node ignores the pin once", before=move_chain,
                   rewrite_request=unpin, match=has_pinned_call, times=1), "same",
             chain_moves=True),
        Case(Fault("chain moves mid-read, node ignores the pin", before=move_chain,
                   rewrite_request=unpin, match=has_pinned_call, times=None), "exit4",
             chain_moves=True, error_code="inconsistent_block"),
        Case(Fault("chain moves before the ticks phase, node ignores the pin there",
                   before=move_chain, rewrite_request=unpin, match=calls_ticks, times=None),
             "exit4", chain_moves=True, error_code="inconsistent_block"),
    ]


def all_cases(*, head_block: int, move_chain) -> list[Case]:
    return (transport_cases() + json_rpc_cases() + chain_id_cases() + batch_shape_cases()
            + malformed_result_cases() + block_cases(head_block) + moving_chain_cases(move_chain))


__all__ = ["Case", "all_cases", "TIMEOUT_S", "any_request"]
