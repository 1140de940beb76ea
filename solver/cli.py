"""The `solver` command line: argument parsing and the one handler that maps errors to exits.

Every command body lives in solver.commands.* and is imported only when it runs, so that
`solver --help` and `solver parse` never pay for web3, aiohttp or rich tables.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from solver.context import AppContext

app = typer.Typer(
    name="solver",
    help="Intent solver and trade router for Uniswap V2/V3 and their forks.\n\n"
         "Examples:\n\n"
         "  solver devnet up\n\n"
         "  solver quote \"swap 2.5 WETH for USDC, max slippage 0.3%\"\n\n"
         "  echo 'swap 1 WETH for USDC' | solver batch",
    pretty_exceptions_show_locals=False,  # locals could hold private keys
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
)
pools_app = typer.Typer(help="Discover pools from the configured factories and list them.",
                        no_args_is_help=True)
devnet_app = typer.Typer(help="A local anvil chain with the real Uniswap contracts and "
                              "mainnet liquidity: the embedded default.", no_args_is_help=True)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(pools_app, name="pools")
app.add_typer(devnet_app, name="devnet")
app.add_typer(config_app, name="config")

# Global options are accepted both before the command (`solver --json quote ...`) and
# after it (`solver quote ... --json`), as bots write them either way.
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="Config file (default: $SOLVER_CONFIG, ~/.config/solver/config.toml, else the devnet).")]
ChainOpt = Annotated[Optional[str], typer.Option("--chain", help="Which [chains.NAME] to use.")]
RpcOpt = Annotated[Optional[str], typer.Option("--rpc", help="Override the chain's RPC URL.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON (INTERFACE.md schema) and nothing else on stdout.")]
DebugOpt = Annotated[bool, typer.Option("--debug", help="Show tracebacks (never with local variables).")]

_ctx = AppContext()


def ctx_with(config: Path | None, chain: str | None, rpc: str | None, json_: bool,
             debug: bool) -> AppContext:
    """Merge per-command global options into the context set by the top-level callback."""
    if config is not None:
        _ctx.config_path = config
    if chain is not None:
        _ctx.chain_name = chain
    if rpc is not None:
        _ctx.rpc_url = rpc
    _ctx.json = _ctx.json or json_
    _ctx.debug = _ctx.debug or debug
    return _ctx


@app.callback()
def main_options(config: ConfigOpt = None, chain: ChainOpt = None, rpc: RpcOpt = None,
                 json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    ctx_with(config, chain, rpc, json_, debug)


@app.command(epilog="Examples:\n\n  solver parse \"swap 2.5 WETH for USDC, max slippage 0.3%, within 2 minutes\"\n\n"
                    "  solver parse \"buy 0.1 WBTC with USDT paying at most 9,000 USDT\" --json")
def parse(intent: Annotated[str, typer.Argument(help="The intent, in quotes.")],
          config: ConfigOpt = None, chain: ChainOpt = None, rpc: RpcOpt = None,
          json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Show the constraint set that an intent becomes."""
    from solver.commands.parse import run_parse

    run_parse(ctx_with(config, chain, rpc, json_, debug), intent)


@app.command(epilog="Examples:\n\n  solver quote \"swap 10 WETH for USDC\"\n\n"
                    "  solver quote \"sell 5,000 USDC for WBTC, at most 2 hops\" --json\n\n"
                    "  solver quote \"swap 100 WETH for USDT\" --explain\n\n"
                    "  solver quote \"swap 1 WETH for 0xToken\" --check-tokens")
def quote(intent: Annotated[str, typer.Argument(help="The intent, in quotes.")],
          sender: Annotated[Optional[str], typer.Option("--from", help="Sender address: needed for balance amounts; adds the encoded tx.")] = None,
          explain: Annotated[bool, typer.Option("--explain", help="Show the alternatives the router considered.")] = False,
          check_tokens: Annotated[bool, typer.Option("--check-tokens", help="Probe the route's tokens and the swap on a fork: fee-on-transfer, rebasing, blacklisting (exit 5 when hostile).")] = False,
          config: ConfigOpt = None, chain: ChainOpt = None, rpc: RpcOpt = None,
          json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Find the best route against live chain state and print it. Sends nothing."""
    from solver.commands.quote import run_quote

    run_quote(ctx_with(config, chain, rpc, json_, debug), intent, sender=sender, explain=explain,
              check_tokens=check_tokens)


@app.command(epilog="Examples:\n\n  printf 'swap 1 WETH for USDC\\nswap 500 USDC for DAI\\n' | solver batch\n\n"
                    "  echo '{\"id\": \"a1\", \"intent\": \"buy 0.1 WBTC with USDT\"}' | solver batch\n\n"
                    "Each output line is one JSON object with the line's id, in input order.")
def batch(config: ConfigOpt = None, chain: ChainOpt = None, rpc: RpcOpt = None,
          json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Bot mode: intents on stdin (text or JSON lines), one JSON result per line on stdout."""
    from solver.commands.batch import run_batch

    ctx = ctx_with(config, chain, rpc, json_, debug)
    ctx.json = True  # every batch line is JSON, and so is a fatal error
    run_batch(ctx)


@app.command(epilog="Examples:\n\n  solver swap \"swap 1 WETH for USDC\" --simulate --from 0xYou\n\n"
                    "  solver swap \"swap 1 WETH for USDC\" --simulate --fund\n\n"
                    "  solver swap \"swap 1 WETH for USDC, max slippage 0.3%\" --send --private-key-env MY_KEY")
def swap(intent: Annotated[str, typer.Argument(help="The intent, in quotes.")],
         simulate: Annotated[bool, typer.Option("--simulate", help="Dry-run on a fork of the chain at the quote's block.")] = False,
         send: Annotated[bool, typer.Option("--send", help="Simulate, confirm, sign and send.")] = False,
         sender: Annotated[Optional[str], typer.Option("--from", help="The sender (impersonated on the fork).")] = None,
         fund: Annotated[bool, typer.Option("--fund", help="Simulate as a funded throwaway account.")] = False,
         keystore: Annotated[Optional[Path], typer.Option("--keystore", help="Keystore file; prompts for its password.")] = None,
         private_key_env: Annotated[Optional[str], typer.Option("--private-key-env", help="Name of the env var holding the key (never the key itself).")] = None,
         yes: Annotated[bool, typer.Option("--yes", help="Skip the confirmation prompt (bots).")] = False,
         approve_max: Annotated[bool, typer.Option("--approve-max", help="Approve the maximum instead of the exact amount.")] = False,
         keep_fork: Annotated[bool, typer.Option("--keep-fork", help="Leave the simulation fork running and print its URL.")] = False,
         check_tokens: Annotated[bool, typer.Option("--check-tokens", help="First probe the route's tokens on a fork: a hostile one (fee-on-transfer, rebasing, blacklisting) stops the swap, exit 5.")] = False,
         config: ConfigOpt = None, chain: ChainOpt = None, rpc: RpcOpt = None,
         json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Dry-run (--simulate) or execute (--send) the best route, atomically and guarded."""
    from solver.commands.swap import run_swap

    run_swap(ctx_with(config, chain, rpc, json_, debug), intent, simulate=simulate, send=send,
             sender=sender, fund=fund, keystore=keystore, private_key_env=private_key_env,
             yes=yes, approve_max=approve_max, keep_fork=keep_fork, check_tokens=check_tokens)


@app.command(epilog="Examples:\n\n  solver tokens\n\n  solver tokens usd --json")
def tokens(search: Annotated[Optional[str], typer.Argument(help="Filter by symbol, name or address.")] = None,
           config: ConfigOpt = None, chain: ChainOpt = None, rpc: RpcOpt = None,
           json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """List the known tokens of the chain (config, token lists, overrides)."""
    from solver.commands.tokens import run_tokens

    run_tokens(ctx_with(config, chain, rpc, json_, debug), search)


@devnet_app.command("up", epilog="Examples:\n\n  solver devnet up\n\n  solver devnet up --fresh --port 8545")
def devnet_up(port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 18545,
              fresh: Annotated[bool, typer.Option("--fresh", help="Redeploy and reseed instead of loading saved state.")] = False,
              json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Start the local devnet (anvil + Uniswap V2/V3 + mainnet liquidity)."""
    from solver.commands.devnet import run_up

    run_up(ctx_with(None, None, None, json_, debug), port=port, fresh=fresh)


@devnet_app.command("install", epilog="Example:\n\n  solver devnet install")
def devnet_install(json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Install anvil and the contract artifacts from npm into solver's cache (up does it on first use)."""
    from solver.commands.devnet import run_install

    run_install(ctx_with(None, None, None, json_, debug))


@devnet_app.command("down", epilog="Example:\n\n  solver devnet down")
def devnet_down(json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Stop the devnet; its state is saved for a fast next `up`."""
    from solver.commands.devnet import run_down

    run_down(ctx_with(None, None, None, json_, debug))


@devnet_app.command("status", epilog="Example:\n\n  solver devnet status --json")
def devnet_status(json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Show whether the devnet runs, where, and at which block."""
    from solver.commands.devnet import run_status

    run_status(ctx_with(None, None, None, json_, debug))


@pools_app.command("sync", epilog="Example:\n\n  solver pools sync --chain mainnet")
def pools_sync(config: ConfigOpt = None, chain: ChainOpt = None, rpc: RpcOpt = None,
               json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Discover the pools of the configured tokens into the local cache."""
    from solver.commands.pools import run_sync

    run_sync(ctx_with(config, chain, rpc, json_, debug))


@pools_app.command("list", epilog="Example:\n\n  solver pools list --json")
def pools_list(config: ConfigOpt = None, chain: ChainOpt = None, rpc: RpcOpt = None,
               json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """List the pools with their live state."""
    from solver.commands.pools import run_list

    run_list(ctx_with(config, chain, rpc, json_, debug))


@config_app.command("show", epilog="Example:\n\n  solver config show --json")
def config_show(config: ConfigOpt = None, chain: ChainOpt = None, rpc: RpcOpt = None,
                json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Print the effective configuration, secrets masked."""
    from solver.commands.config_show import run_show

    run_show(ctx_with(config, chain, rpc, json_, debug))


@app.command(epilog="Examples:\n\n  solver bench\n\n  solver bench --sizes 100,1000 --json")
def bench(sizes: Annotated[str, typer.Option(help="Comma-separated pool counts.")] = "100,1000,10000",
          cases: Annotated[int, typer.Option(help="Cases per size.")] = 20,
          seed: Annotated[int, typer.Option(help="Seed of the synthetic graphs.")] = 7,
          json_: JsonOpt = False, debug: DebugOpt = False) -> None:
    """Measure routing speed and quality on seeded synthetic graphs, against baselines."""
    from solver.commands.bench import run_bench_command

    run_bench_command(ctx_with(None, None, None, json_, debug), sizes=sizes, cases=cases, seed=seed)


def main() -> None:
    """Console-script entry: run the app and turn every outcome into an exit code."""
    from solver.errors import InternalError, SolverError, UsageError

    argv = sys.argv[1:]
    as_json = "--json" in argv
    debug = "--debug" in argv
    try:
        code = app(args=argv, prog_name="solver", standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except SolverError as err:
        _report(err, as_json, debug)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        _report(UsageError("aborted"), as_json, debug)
    except _click_exception_types() as exc:
        hint = None
        ctx = getattr(exc, "ctx", None)
        if ctx is not None:
            hint = f"see `{ctx.command_path} --help`"
        _report(UsageError(exc.format_message(), hint=hint, code="bad_usage"), as_json, debug)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:  # the one place that turns a bug into exit 1
        if debug:
            import traceback

            traceback.print_exc()  # plain traceback: no locals, so no key material
        _report(InternalError(f"unexpected {type(exc).__name__}: {exc}"), as_json, debug)


def _click_exception_types() -> tuple[type, ...]:
    """Typer vendors click (typer._click); catch its exceptions and plain click's alike."""
    types: list[type] = []
    try:
        from typer._click import exceptions as vendored

        types.append(vendored.ClickException)
    except ImportError:
        pass
    try:
        import click

        types.append(click.ClickException)
    except ImportError:  # typer >= 0.29 no longer needs click installed
        pass
    return tuple(types)


def _report(err, as_json: bool, debug: bool) -> None:
    from solver.ui import emit_json, print_error

    if as_json:
        emit_json(err.to_json())
    else:
        print_error(err, debug=debug)
    sys.exit(err.exit_code)


if __name__ == "__main__":
    main()
