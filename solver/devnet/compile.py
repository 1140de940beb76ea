"""Compiling our own Solidity (solver/contracts/*.sol) with solc-js, cached by source hash."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

from solver.devnet.tools import NO_TOOLS_HINT, NPM_PACKAGES, Artifact, solc_js_path
from solver.errors import ConfigError, InternalError
from solver.paths import cache_home

CONTRACTS_DIR = Path(__file__).resolve().parent.parent / "contracts"
SETTINGS = {
    "optimizer": {"enabled": True, "runs": 200},
    "evmVersion": "cancun",
    "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}},
}
# Reads a standard-JSON input on stdin and prints solc's standard-JSON output.
_NODE_SCRIPT = """
const solc = require(process.argv[1]);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => { process.stdout.write(solc.compile(input)); });
"""


def _sources() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(CONTRACTS_DIR.glob("*.sol"))}


def _cache_key(sources: dict[str, str]) -> str:
    blob = json.dumps({"solc": NPM_PACKAGES["solc"], "settings": SETTINGS, "sources": sources},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def _run_solc(sources: dict[str, str]) -> dict:
    node = shutil.which("node")
    if node is None:
        raise ConfigError("node is needed to compile the devnet's helper contracts", hint=NO_TOOLS_HINT)
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": SETTINGS,
    }
    done = subprocess.run([node, "-e", _NODE_SCRIPT, str(solc_js_path())],
                          input=json.dumps(standard_input), capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise ConfigError(f"solc-js failed to run: {done.stderr.strip()[-400:]}",
                          hint="delete the npm cache under the solver cache directory and retry")
    output = json.loads(done.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise InternalError("our devnet contracts don't compile: "
                            + "; ".join(e.get("formattedMessage", e.get("message", "")) for e in errors))
    return output


def compile_contracts() -> dict[str, Artifact]:
    """Every contract of solver/contracts, by name. Compiles only when a source changed."""
    return compile_sources(_sources())


def compile_sources(sources: dict[str, str]) -> dict[str, Artifact]:
    """Every contract of the given Solidity sources ({file name: text}), by name; cached by
    source hash like our own contracts. Tests compile their own contracts with it."""
    cached = cache_home() / "solc" / f"{_cache_key(sources)}.json"
    if cached.is_file():
        compiled = json.loads(cached.read_text())
    else:
        output = _run_solc(sources)
        compiled = {}
        for contracts in output["contracts"].values():
            for name, item in contracts.items():
                compiled[name] = {"abi": item["abi"],
                                  "bytecode": "0x" + item["evm"]["bytecode"]["object"]}
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(compiled))
        os.replace(tmp, cached)
    return {name: Artifact(name=name, abi=item["abi"], bytecode=item["bytecode"])
            for name, item in compiled.items()}
