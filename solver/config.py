"""The configuration: TOML in the format of INTERFACE.md, validated into frozen value objects.

Unknown keys are errors (exit 6) naming the file and the key, because a typo that is
silently ignored can send a trade through the wrong router.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solver.errors import ConfigError
from solver.units import parse_duration_s

ADDRESS_RE = re.compile(r"^0x[0-9a-fA-F]{40}$")
HASH_RE = re.compile(r"^0x[0-9a-fA-F]{64}$")
VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
DEX_KINDS = ("uniswap_v2", "uniswap_v3")


@dataclass(frozen=True, slots=True)
class TokenConfig:
    symbol: str
    address: str
    decimals: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class DexConfig:
    name: str
    kind: str
    factory: str
    init_code_hash: str | None = None
    fee_bps: int = 30
    fee_tiers: tuple[int, ...] = ()
    quoter: str | None = None
    tick_lens: str | None = None
    v2_router: str | None = None


@dataclass(frozen=True, slots=True)
class ChainConfig:
    name: str
    chain_id: int
    rpc_urls: tuple[str, ...]
    multicall3: str
    wrapped_native: str
    router: str
    native_symbol: str = "ETH"
    private_rpc_url: str | None = None
    token_lists: tuple[Path, ...] = ()
    tokens: tuple[TokenConfig, ...] = ()
    dexes: tuple[DexConfig, ...] = ()

    @property
    def rpc_url(self) -> str:
        return self.rpc_urls[0]


@dataclass(frozen=True, slots=True)
class Defaults:
    chain: str = "devnet"
    slippage_bps: int = 50
    deadline_s: int = 300
    max_hops: int = 3
    max_price_impact_bps: int = 500
    # The manipulation guard (routes/price_guard.py): warn about a pool whose mid price is
    # this far from the rest of the market for its pair; leave it out of routing past the
    # second threshold.
    price_deviation_warn_bps: int = 500
    price_deviation_exclude_bps: int = 2_000


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    defaults: Defaults
    chains: dict[str, ChainConfig] = field(default_factory=dict)

    def chain(self, name: str | None = None) -> ChainConfig:
        name = name or self.defaults.chain
        if name not in self.chains:
            known = ", ".join(sorted(self.chains)) or "none"
            raise ConfigError(f"chain {name!r} is not configured in {self.path}",
                              hint=f"configured chains: {known}", code="unknown_chain")
        return self.chains[name]


# --- loading -------------------------------------------------------------------------

def expand_vars(value: Any, *, where: str, env: dict[str, str]) -> Any:
    """Replace ${VAR} in every string; a missing variable is an error naming the key."""
    if isinstance(value, str):
        def substitute(match: re.Match) -> str:
            var = match.group(1)
            if var not in env:
                raise ConfigError(f"{where}: environment variable ${{{var}}} is not set",
                                  hint=f"export {var}=... or edit the config",
                                  code="missing_env_var")
            return env[var]
        return VAR_RE.sub(substitute, value)
    if isinstance(value, list):
        return [expand_vars(v, where=where, env=env) for v in value]
    if isinstance(value, dict):
        return {k: expand_vars(v, where=f"{where}.{k}", env=env) for k, v in value.items()}
    return value


def load_config(path: Path, *, env: dict[str, str] | None = None) -> Config:
    """Read and validate one config file."""
    env = dict(os.environ) if env is None else env
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist",
                          hint="check --config or $SOLVER_CONFIG; see config.example.toml",
                          code="config_not_found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"can't read config file {path}: {exc}", code="bad_config") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", hint="check the TOML syntax",
                          code="bad_config") from None
    return build_config(raw, path=path, env=env)


def build_config(raw: dict, *, path: Path | None, env: dict[str, str]) -> Config:
    reader = _Reader(path)
    reader.check_keys(raw, {"defaults", "chains"}, where="")
    defaults = reader.defaults(raw.get("defaults", {}))
    chains_raw = reader.table(raw.get("chains", {}), "chains")
    chains = {name: reader.chain(name, reader.table(body, f"chains.{name}"), env)
              for name, body in chains_raw.items()}
    return Config(path=path, defaults=defaults, chains=chains)


class _Reader:
    """Validation helpers that know which file they read, for error messages."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.base = path.parent if path else Path.cwd()

    def fail(self, where: str, message: str, hint: str | None = None) -> ConfigError:
        return ConfigError(f"{self.path or '<config>'}: {where}: {message}", hint=hint,
                           code="bad_config")

    def check_keys(self, table: dict, allowed: set[str], *, where: str) -> None:
        for key in table:
            if key not in allowed:
                full = f"{where}.{key}" if where else key
                raise ConfigError(
                    f"{self.path or '<config>'}: unknown key {full!r}",
                    hint="allowed here: " + ", ".join(sorted(allowed)),
                    code="unknown_config_key")

    def table(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table")
        return value

    def typed(self, table: dict, key: str, kind: type | tuple, where: str, default: Any = None,
              required: bool = False) -> Any:
        if key not in table:
            if required:
                raise self.fail(where, f"missing required key {key!r}")
            return default
        value = table[key]
        # bool is an int in Python; don't accept true for a number.
        if isinstance(value, bool) and kind is not bool:
            raise self.fail(f"{where}.{key}", f"expected {getattr(kind, '__name__', kind)}")
        if not isinstance(value, kind):
            name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(f"{where}.{key}", f"expected {name}, got {type(value).__name__}")
        return value

    def address(self, table: dict, key: str, where: str, required: bool = True) -> str | None:
        value = self.typed(table, key, str, where, required=required)
        if value is None:
            return None
        if not ADDRESS_RE.match(value):
            raise self.fail(f"{where}.{key}", f"{value!r} is not an address (0x + 40 hex)")
        from solver.addresses import to_checksum
        return to_checksum(value)

    def int_in(self, table: dict, key: str, where: str, lo: int, hi: int, default: int) -> int:
        value = self.typed(table, key, int, where, default=default)
        if not lo <= value <= hi:
            raise self.fail(f"{where}.{key}", f"{value} is outside [{lo}, {hi}]")
        return value

    def defaults(self, table: Any) -> Defaults:
        table = self.table(table, "defaults")
        self.check_keys(table, {"chain", "slippage_bps", "deadline", "max_hops",
                                "max_price_impact_bps", "price_deviation_warn_bps",
                                "price_deviation_exclude_bps"}, where="defaults")
        deadline = self.typed(table, "deadline", (str, int), "defaults", default="5m")
        try:
            deadline_s = parse_duration_s(str(deadline) if isinstance(deadline, str) else f"{deadline}s")
        except ValueError as exc:
            raise self.fail("defaults.deadline", str(exc), hint='e.g. "90s", "5m"') from None
        return Defaults(
            chain=self.typed(table, "chain", str, "defaults", default="devnet"),
            slippage_bps=self.int_in(table, "slippage_bps", "defaults", 0, 9_999, 50),
            deadline_s=deadline_s,
            max_hops=self.int_in(table, "max_hops", "defaults", 1, 4, 3),
            max_price_impact_bps=self.int_in(table, "max_price_impact_bps", "defaults", 0,
                                             10_000, 500),
            **self.deviation_bps(table),
        )

    def deviation_bps(self, table: dict) -> dict[str, int]:
        warn = self.int_in(table, "price_deviation_warn_bps", "defaults", 1, 1_000_000, 500)
        exclude = self.int_in(table, "price_deviation_exclude_bps", "defaults", 1, 1_000_000,
                              max(2_000, warn))
        if exclude < warn:
            raise self.fail("defaults.price_deviation_exclude_bps",
                            f"{exclude} is below price_deviation_warn_bps ({warn})")
        return {"price_deviation_warn_bps": warn, "price_deviation_exclude_bps": exclude}

    def chain(self, name: str, table: dict, env: dict[str, str]) -> ChainConfig:
        where = f"chains.{name}"
        self.check_keys(table, {"chain_id", "rpc_url", "rpc_urls", "multicall3",
                                "wrapped_native", "router", "native_symbol",
                                "private_rpc_url", "token_lists", "tokens", "dexes"}, where=where)
        table = expand_vars(table, where=f"{self.path or '<config>'}: {where}", env=env)
        urls = self._rpc_urls(table, where)
        tokens = self.table(table.get("tokens", {}), f"{where}.tokens")
        dexes = self.typed(table, "dexes", list, where, default=[])
        lists = self.typed(table, "token_lists", list, where, default=[])
        private = self.typed(table, "private_rpc_url", str, where)
        return ChainConfig(
            name=name,
            chain_id=self.int_in(table, "chain_id", where, 1, 2**63, 0) if "chain_id" in table
            else self._missing(where, "chain_id"),
            rpc_urls=urls,
            multicall3=self.address(table, "multicall3", where),
            wrapped_native=self.address(table, "wrapped_native", where),
            router=self.address(table, "router", where),
            native_symbol=self.typed(table, "native_symbol", str, where, default="ETH"),
            private_rpc_url=self._url(private, f"{where}.private_rpc_url") if private else None,
            token_lists=tuple(self._list_path(p, f"{where}.token_lists") for p in lists),
            tokens=tuple(self.token(sym, spec, f"{where}.tokens.{sym}")
                         for sym, spec in tokens.items()),
            dexes=tuple(self.dex(self.table(d, f"{where}.dexes[{i}]"), f"{where}.dexes[{i}]")
                        for i, d in enumerate(dexes)),
        )

    def _missing(self, where: str, key: str) -> Any:
        raise self.fail(where, f"missing required key {key!r}")

    def _url(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not re.match(r"^(https?|wss?)://\S+$", value):
            raise self.fail(where, f"{value!r} is not an http(s) or ws(s) URL")
        return value

    def _rpc_urls(self, table: dict, where: str) -> tuple[str, ...]:
        urls: list[Any] = []
        if "rpc_url" in table:
            urls.append(table["rpc_url"])
        urls.extend(self.typed(table, "rpc_urls", list, where, default=[]))
        if not urls:
            raise self.fail(where, "missing required key 'rpc_url'")
        return tuple(self._url(u, f"{where}.rpc_url") for u in urls)

    def _list_path(self, value: Any, where: str) -> Path:
        if not isinstance(value, str):
            raise self.fail(where, "entries must be file paths (strings)")
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.base / path

    def token(self, symbol: str, spec: Any, where: str) -> TokenConfig:
        spec = self.table(spec, where)
        self.check_keys(spec, {"address", "decimals", "name"}, where=where)
        return TokenConfig(symbol=symbol, address=self.address(spec, "address", where),
                           decimals=self.int_in(spec, "decimals", where, 0, 77, 18)
                           if "decimals" in spec else self._missing(where, "decimals"),
                           name=self.typed(spec, "name", str, where, default=""))

    def dex(self, table: dict, where: str) -> DexConfig:
        self.check_keys(table, {"name", "kind", "factory", "init_code_hash", "fee_bps",
                                "fee_tiers", "quoter", "tick_lens", "v2_router"}, where=where)
        kind = self.typed(table, "kind", str, where, required=True)
        if kind not in DEX_KINDS:
            raise self.fail(f"{where}.kind", f"unknown dex kind {kind!r}",
                            hint="use " + " or ".join(DEX_KINDS))
        init_hash = self.typed(table, "init_code_hash", str, where)
        if init_hash is not None and not HASH_RE.match(init_hash):
            raise self.fail(f"{where}.init_code_hash", "must be 0x + 64 hex digits")
        tiers = self.typed(table, "fee_tiers", list, where, default=[])
        if any(isinstance(t, bool) or not isinstance(t, int) or not 0 < t < 1_000_000
               for t in tiers):
            raise self.fail(f"{where}.fee_tiers", "fee tiers are integers in pips, e.g. 500")
        if kind == "uniswap_v3" and not tiers:
            raise self.fail(where, "a uniswap_v3 dex needs fee_tiers, e.g. [100, 500, 3000, 10000]")
        return DexConfig(
            name=self.typed(table, "name", str, where, required=True),
            kind=kind,
            factory=self.address(table, "factory", where),
            init_code_hash=init_hash.lower() if init_hash else None,
            fee_bps=self.int_in(table, "fee_bps", where, 0, 9_999, 30),
            fee_tiers=tuple(tiers),
            quoter=self.address(table, "quoter", where, required=False),
            tick_lens=self.address(table, "tick_lens", where, required=False),
            v2_router=self.address(table, "v2_router", where, required=False),
        )
