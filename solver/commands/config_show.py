"""`solver config show`: the effective config, with secrets masked."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from solver.context import AppContext
from solver.ui import emit_json


def mask_url(url: str) -> str:
    """Keep scheme and host; hide path, query and credentials, where API keys live."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    hidden = parts.path.strip("/") or parts.query or parts.username
    return f"{parts.scheme}://{host}" + ("/***" if hidden else "")


def config_to_dict(ctx: AppContext) -> dict:
    config = ctx.config
    chains = {}
    for name, chain in config.chains.items():
        body = dataclasses.asdict(chain)
        body["rpc_urls"] = [mask_url(u) for u in chain.rpc_urls]
        if chain.private_rpc_url:
            body["private_rpc_url"] = mask_url(chain.private_rpc_url)
        body["token_lists"] = [str(p) for p in chain.token_lists]
        body["tokens"] = {t.symbol: {"address": t.address, "decimals": t.decimals}
                          for t in chain.tokens}
        chains[name] = body
    return {"path": str(config.path) if config.path else None,
            "defaults": dataclasses.asdict(config.defaults), "chains": chains}


def run_show(ctx: AppContext) -> None:
    data = config_to_dict(ctx)
    if ctx.json:
        emit_json({"ok": True, "schema": "solver.config/1", **data})
        return
    from rich.pretty import Pretty

    from solver.ui import console

    console().print(Pretty(data, expand_all=False))


