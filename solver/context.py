"""AppContext: the global options of one invocation, and the config and chain they select."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from solver.config import ChainConfig, Config, load_config
from solver.errors import ConfigError
from solver.paths import devnet_profile_path


@dataclass
class AppContext:
    config_path: Path | None = None
    chain_name: str | None = None
    rpc_url: str | None = None
    json: bool = False
    debug: bool = False
    _config: Config | None = field(default=None, repr=False)

    def find_config_path(self) -> tuple[Path, bool]:
        """(path, is_devnet_default): --config, then $SOLVER_CONFIG, then the user file,
        then the devnet profile."""
        if self.config_path is not None:
            return self.config_path, False
        env_path = os.environ.get("SOLVER_CONFIG")
        if env_path:
            return Path(env_path).expanduser(), False
        user = Path.home() / ".config" / "solver" / "config.toml"
        if user.exists():
            return user, False
        return devnet_profile_path(), True

    @property
    def config(self) -> Config:
        if self._config is None:
            path, is_devnet = self.find_config_path()
            if is_devnet:
                self._config = self._devnet_config(path)
            else:
                self._config = load_config(path)
        return self._config

    def config_for_offline(self) -> Config:
        """The config for commands that need no chain (`solver parse`): the configured file,
        else the devnet profile if one was written, else a built-in devnet + mainnet config
        with the mainnet token set. Never starts the devnet."""
        if self._config is not None:
            return self._config
        path, is_devnet = self.find_config_path()
        if not is_devnet or path.exists():
            return load_config(path)
        from solver.config import Defaults
        from solver.tokens import MAINNET_WETH

        def builtin(name: str, chain_id: int, rpc_url: str) -> ChainConfig:
            return ChainConfig(name=name, chain_id=chain_id, rpc_urls=(rpc_url,),
                               multicall3="0xcA11bde05977b3631167028862bE2a173976CA11",
                               wrapped_native=MAINNET_WETH,
                               router="0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45")

        return Config(path=None, defaults=Defaults(), chains={
            "devnet": builtin("devnet", 31337, "http://127.0.0.1:18545"),
            "mainnet": builtin("mainnet", 1, "http://127.0.0.1:8545")})

    def _devnet_config(self, path: Path) -> Config:
        """The embedded default: make sure the local devnet runs, then use its profile."""
        from solver import devnet

        state = _outside_event_loop(devnet.status)
        if not state.get("running"):
            from solver.ui import note
            note("no chain configured: starting the local devnet (solver devnet up)")
            _outside_event_loop(devnet.up)
        if not path.exists():
            raise ConfigError(f"the devnet profile {path} is missing",
                              hint="run `solver devnet up --fresh`")
        return load_config(path)

    @property
    def chain(self) -> ChainConfig:
        chain = self.config.chain(self.chain_name)
        if self.rpc_url:
            chain = replace(chain, rpc_urls=(self.rpc_url,))
        return chain


def _outside_event_loop(fn):
    """Run a sync function that may itself use asyncio.run, even when called from a
    coroutine (batch, pools): then it runs in a worker thread with its own loop."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()
