"""Every error class of INTERFACE.md reaches the user as a message and an exit code,
never a traceback; in --json mode as the {"ok": false, "error": ...} object on stdout."""

from __future__ import annotations

import socket

import pytest

from tests.cli.helpers import run_solver, write_config


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout


def test_missing_config_file_is_exit_6(tmp_path):
    result = run_solver("quote", "swap 1 WETH for USDC", "--config", str(tmp_path / "none.toml"))
    assert result.code == 6
    assert "does not exist" in result.stderr
    assert_no_traceback(result)


def test_unknown_config_key_is_exit_6_naming_file_and_key_in_json(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[defaults]\nslipage_bps = 5\n")
    result = run_solver("quote", "swap 1 WETH for USDC", "--config", str(path), "--json")
    assert result.code == 6
    error = result.json()["error"]
    assert error["exit_code"] == 6 and error["code"] == "unknown_config_key"
    assert "slipage_bps" in error["message"] and str(path) in error["message"]
    assert result.stderr == ""


def test_unreachable_rpc_is_exit_4(tmp_path):
    cfg = write_config(tmp_path, url=f"http://127.0.0.1:{closed_port()}")
    result = run_solver("quote", "swap 1 WETH for USDC", "--config", str(cfg))
    assert result.code == 4, result.stderr
    assert "error:" in result.stderr
    assert_no_traceback(result)


def test_unknown_command_option_is_exit_2_json(tmp_path):
    result = run_solver("quote", "swap 1 WETH for USDC", "--bogus", "--json")
    assert result.code == 2
    assert result.json()["error"]["exit_code"] == 2


def test_bad_sender_is_exit_2(tmp_path):
    cfg = write_config(tmp_path, url="http://127.0.0.1:1")
    result = run_solver("quote", "swap 1 WETH for USDC", "--from", "0xnope", "--config", str(cfg))
    assert result.code == 2
    assert "not an address" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["quote", "--help"], ["batch", "--help"],
                                  ["swap", "--help"], ["parse", "--help"], ["bench", "--help"],
                                  ["devnet", "up", "--help"], ["pools", "sync", "--help"],
                                  ["tokens", "--help"], ["config", "show", "--help"]])
def test_help_has_examples(args):
    result = run_solver(*args)
    assert result.code == 0
    assert "Example" in result.stdout or args == ["--help"] and "Examples" in result.stdout
