"""The devnet's toolchain: the anvil binary, the npm contract artifacts, solc-js and Multicall3's code.

Everything is installed on first use into cache_home() (never into the repository) with pinned
versions. Each install step is idempotent, guarded by a lock file, and costs a few stat calls
once done.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from solver.errors import ConfigError
from solver.paths import cache_home

NPM_PACKAGES = {
    "@foundry-rs/anvil": "1.7.1",
    "@uniswap/v2-core": "1.0.1",
    "@uniswap/v2-periphery": "1.1.0-beta.0",
    "@uniswap/v3-core": "1.0.1",
    "@uniswap/v3-periphery": "1.4.4",
    "@uniswap/swap-router-contracts": "1.3.1",
    "solc": "0.8.26",
}
MULTICALL_WHEEL = "multicall==0.15.2"
NPM_TIMEOUT_S = 900
NO_TOOLS_HINT = ("install Node.js with npm (solver fetches anvil and the Uniswap contracts from npm), "
                 "or put foundry's anvil on PATH")

# name -> (package, path inside the package). The npm builds of Uniswap carry `bytecode` as hex.
ARTIFACTS = {
    "WETH9": ("@uniswap/v2-periphery", "build/WETH9.json"),
    "UniswapV2Factory": ("@uniswap/v2-core", "build/UniswapV2Factory.json"),
    "UniswapV2Pair": ("@uniswap/v2-core", "build/UniswapV2Pair.json"),
    "UniswapV2Router02": ("@uniswap/v2-periphery", "build/UniswapV2Router02.json"),
    "UniswapV3Factory": ("@uniswap/v3-core",
                         "artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json"),
    "UniswapV3Pool": ("@uniswap/v3-core", "artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json"),
    "NonfungiblePositionManager": (
        "@uniswap/v3-periphery",
        "artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json"),
    "QuoterV2": ("@uniswap/v3-periphery", "artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json"),
    "TickLens": ("@uniswap/v3-periphery", "artifacts/contracts/lens/TickLens.sol/TickLens.json"),
    "SwapRouter02": ("@uniswap/swap-router-contracts",
                     "artifacts/contracts/SwapRouter02.sol/SwapRouter02.json"),
}


@dataclass(frozen=True, slots=True)
class Artifact:
    name: str
    abi: list
    bytecode: str  # creation code, 0x-prefixed hex


def npm_root() -> Path:
    return cache_home() / "npm"


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive advisory lock, so two processes never install or start things at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _npm_marker() -> Path:
    return npm_root() / ".solver-installed.json"


def npm_installed() -> bool:
    """True when the pinned packages are in the cache (checked through a marker file)."""
    try:
        return json.loads(_npm_marker().read_text()) == NPM_PACKAGES
    except (OSError, ValueError):
        return False


def _npm_anvil() -> Path | None:
    for candidate in sorted((npm_root() / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil")):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def find_anvil() -> Path | None:
    """anvil from PATH first, else the one the npm cache brought."""
    on_path = shutil.which("anvil")
    if on_path:
        return Path(on_path)
    return _npm_anvil() if npm_installed() else None


def install_npm_packages() -> Path:
    """Install the pinned npm packages into the cache unless they are already there.

    Peer dependencies are skipped (--legacy-peer-deps): swap-router-contracts would otherwise drag
    in hardhat, five times the size of everything we use. Install scripts are skipped too; anvil's
    only downloads a binary that its platform package already holds.
    """
    if npm_installed():
        return npm_root()
    npm = shutil.which("npm")
    if npm is None:
        raise ConfigError("npm is needed to fetch the Uniswap contract artifacts, and it is not installed",
                          hint=NO_TOOLS_HINT)
    root = npm_root()
    with file_lock(cache_home() / "npm.lock"):
        if npm_installed():  # someone else finished while we waited
            return root
        root.mkdir(parents=True, exist_ok=True)
        package = {"name": "solver-devnet-tools", "private": True, "dependencies": NPM_PACKAGES}
        (root / "package.json").write_text(json.dumps(package, indent=2))
        cmd = [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--legacy-peer-deps",
               "--omit=dev", "--loglevel=error"]
        try:
            done = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
        except subprocess.TimeoutExpired as exc:
            raise ConfigError(f"npm install took over {NPM_TIMEOUT_S} s and was stopped",
                              hint="check the network to the npm registry, then retry") from exc
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
            raise ConfigError("npm install of the devnet tools failed: " + " | ".join(tail),
                              hint="check the network to the npm registry, then retry")
        _npm_marker().write_text(json.dumps(NPM_PACKAGES))
    return root


def require_anvil() -> Path:
    """The anvil binary, installing it from npm when it isn't on PATH."""
    anvil = find_anvil()
    if anvil is not None:
        return anvil
    if shutil.which("npm") is None:
        raise ConfigError("no anvil on PATH and no npm to install it", hint=NO_TOOLS_HINT)
    install_npm_packages()
    anvil = _npm_anvil()
    if anvil is None:
        raise ConfigError("npm installed @foundry-rs/anvil but no binary for this platform came with it",
                          hint="put foundry's anvil on PATH (https://getfoundry.sh)")
    return anvil


def anvil_version(anvil: Path) -> str:
    """The version and commit of an anvil binary: a saved state is only loaded by the same one."""
    try:
        out = subprocess.run([str(anvil), "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"can't run {anvil}: {exc}", hint=NO_TOOLS_HINT) from exc
    lines = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else "unknown"


def load_artifact(name: str) -> Artifact:
    package, rel = ARTIFACTS[name]
    path = install_npm_packages() / "node_modules" / package / rel
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"contract artifact {package}/{rel} is missing or unreadable",
                          hint=f"delete {npm_root()} to reinstall the devnet tools") from exc
    code = data["bytecode"]
    if isinstance(code, dict):  # some builds nest it as {"object": ...}
        code = code["object"]
    if not code.startswith("0x"):
        code = "0x" + code
    return Artifact(name=name, abi=data["abi"], bytecode=code)


def solc_js_path() -> Path:
    return install_npm_packages() / "node_modules" / "solc"


_MULTICALL_RE = re.compile(r"MULTICALL3_BYTECODE\b[^\"']*[\"'](0x[0-9a-fA-F]+)[\"']")


def multicall3_runtime() -> str:
    """Multicall3's runtime code, read once from the `multicall` wheel on PyPI and cached as hex.

    The wheel is only downloaded, never installed: the project takes no dependency on it.
    """
    cached = cache_home() / "multicall3.hex"
    if cached.is_file():
        return cached.read_text().strip()
    dest = cache_home() / "pip"
    with file_lock(cache_home() / "pip.lock"):
        if cached.is_file():
            return cached.read_text().strip()
        wheels = sorted(dest.glob("multicall-0.15.2-*.whl"))
        if not wheels:
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                   "--quiet", "--dest", str(dest), MULTICALL_WHEEL]
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
            wheels = sorted(dest.glob("multicall-0.15.2-*.whl"))
            if done.returncode != 0 or not wheels:
                raise ConfigError(f"pip download {MULTICALL_WHEEL} failed: {done.stderr.strip()[-300:]}",
                                  hint="check the network to PyPI, then retry")
        with zipfile.ZipFile(wheels[0]) as wheel:
            source = wheel.read("multicall/constants.py").decode()
        match = _MULTICALL_RE.search(source)
        if match is None:
            raise ConfigError(f"no MULTICALL3_BYTECODE in {wheels[0].name}",
                              hint=f"delete {dest} and retry")
        tmp = cached.with_suffix(".tmp")
        tmp.write_text(match.group(1))
        os.replace(tmp, cached)
    return match.group(1)
