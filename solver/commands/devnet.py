"""`solver devnet up/down/status`: thin wrappers over solver.devnet with human/JSON output."""

from __future__ import annotations

from solver.context import AppContext
from solver.ui import emit_json, note


def run_up(ctx: AppContext, *, port: int, fresh: bool) -> None:
    from solver import devnet

    progress = None if ctx.json else _progress_printer()
    info = devnet.up(port=port, fresh=fresh, progress=progress)
    if ctx.json:
        emit_json({"ok": True, "schema": "solver.devnet/1", "running": True, "url": info.url,
                   "chain_id": info.chain_id, "pid": info.pid,
                   "profile": str(info.profile_path), "deployment": str(info.deployment_path),
                   "reused_state": info.reused_state, "seconds": round(info.seconds, 3)})
        return
    how = "from saved state" if info.reused_state else "freshly deployed and seeded"
    print(f"devnet up at {info.url} (chain id {info.chain_id}, pid {info.pid}), "
          f"{how} in {info.seconds:.2f} s")
    print(f"profile: {info.profile_path}")
    print('try: solver quote "swap 10 WETH for USDC"')


def run_down(ctx: AppContext) -> None:
    from solver import devnet

    stopped = devnet.down()
    if ctx.json:
        emit_json({"ok": True, "schema": "solver.devnet/1", "stopped": stopped})
    else:
        print("devnet stopped, state saved" if stopped else "devnet was not running")


def run_status(ctx: AppContext) -> None:
    from solver import devnet

    state = devnet.status()
    if ctx.json:
        emit_json({"ok": True, "schema": "solver.devnet/1", **state})
        return
    if not state.get("running"):
        print("devnet: not running (start it with `solver devnet up`)")
        return
    for key, value in state.items():
        print(f"{key:>14}: {value}")


def _progress_printer():
    """A rich progress bar on stderr for the slow first deploy; a no-op when piped."""
    import sys

    if not sys.stderr.isatty():
        def plain(step: str, done: int, total: int) -> None:
            if done == 0:
                note(step)
        return plain
    from rich.progress import Progress

    from solver.ui import console

    bar = Progress(console=console(stderr=True), transient=True)
    tasks: dict[str, int] = {}

    def update(step: str, done: int, total: int) -> None:
        if not tasks:
            bar.start()
        if step not in tasks:
            tasks[step] = bar.add_task(step, total=max(total, 1))
        bar.update(tasks[step], completed=done)
        if done >= total and all(t.finished for t in bar.tasks):
            bar.stop()

    return update


def run_install(ctx: AppContext) -> None:
    """Fetch anvil, the Uniswap artifacts and solc from npm, and compile our helpers.

    `up` does this on first use anyway; CI calls it up front so tests don't pay for it.
    """
    from solver.devnet import compile as devnet_compile
    from solver.devnet import tools

    root = tools.install_npm_packages()
    anvil = tools.require_anvil()
    devnet_compile.compile_contracts()
    tools.multicall3_runtime()
    if ctx.json:
        emit_json({"ok": True, "schema": "solver.devnet/1", "npm_root": str(root),
                   "anvil": str(anvil), "anvil_version": tools.anvil_version(anvil)})
    else:
        print(f"tools ready: anvil {tools.anvil_version(anvil)} at {anvil}; artifacts in {root}")
