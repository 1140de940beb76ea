"""The pure core stays pure, and light commands stay light (start-up time)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("web3", "aiohttp", "typer", "rich")


def modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_routes_imports_no_edges():
    import pkgutil

    import routes

    names = [f"routes.{m.name}" for m in pkgutil.iter_modules(routes.__path__)]
    loaded = modules_after("\n".join(f"import {n}" for n in names))
    for heavy in HEAVY:
        assert heavy not in loaded, f"routes pulled in {heavy}"


def test_cli_help_does_not_import_web3_or_aiohttp():
    loaded = modules_after("import sys; sys.argv=['solver','--help']\n"
                           "from solver import cli\n"
                           "try:\n    cli.app(args=['--help'], standalone_mode=False)\n"
                           "except SystemExit:\n    pass")
    for heavy in ("web3", "aiohttp", "rich.table", "eth_abi"):
        assert heavy not in loaded, f"solver --help imported {heavy}"
