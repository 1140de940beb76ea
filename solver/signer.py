"""Private keys: loaded from a keystore (password prompt) or an environment variable, never shown.

A key never arrives as a literal argument. It lives only inside `Signer`, whose repr and str
are masked, and no message built here contains it: every exception from the key libraries is
replaced (`from None`) by one that names only the source (the file or the variable name).
"""

from __future__ import annotations

import getpass
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from solver.errors import UsageError

_HEX_KEY_RE = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


class _Secret:
    """Holds the key bytes; repr/str never show them (tracebacks, logs, f-strings)."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        self._value = value

    def reveal(self) -> bytes:
        return self._value

    def __repr__(self) -> str:
        return "<secret ***>"

    __str__ = __repr__

    def __reduce__(self):  # never pickled into a cache or a journal
        raise TypeError("a secret can't be serialized")


@dataclass(frozen=True, slots=True)
class SignedTx:
    raw: bytes
    tx_hash: str

    @property
    def raw_hex(self) -> str:
        return "0x" + self.raw.hex()


class Signer:
    """Signs EIP-1559 transactions for one address. Knows where its key came from, not the key."""

    __slots__ = ("address", "source", "_secret")

    def __init__(self, secret: _Secret, *, source: str) -> None:
        from eth_account import Account

        self._secret = secret
        self.source = source
        try:
            self.address: str = Account.from_key(secret.reveal()).address
        except Exception:
            raise UsageError(f"the key from {source} is not a valid secp256k1 private key",
                             code="bad_key") from None

    def sign(self, tx: dict[str, Any]) -> SignedTx:
        """Sign a transaction dict (chainId, nonce, to, data, value, gas, maxFeePerGas, …)."""
        from eth_account import Account

        try:
            signed = Account.sign_transaction(tx, self._secret.reveal())
        except Exception as exc:
            # The library's message describes the tx fields, but don't risk echoing anything.
            raise UsageError(f"signing failed ({type(exc).__name__}); check the transaction fields",
                             code="sign_failed") from None
        raw = bytes(signed.raw_transaction)
        return SignedTx(raw=raw, tx_hash="0x" + bytes(signed.hash).hex())

    def __repr__(self) -> str:
        return f"Signer(address={self.address}, source={self.source}, key=***)"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("a signer can't be serialized")


def load_signer(*, keystore: Path | None = None, private_key_env: str | None = None,
                environ: dict[str, str] | None = None,
                prompt: Callable[[str], str] = getpass.getpass) -> Signer:
    """The signer for `--keystore FILE` (asks for the password) or `--private-key-env VAR`."""
    if keystore is not None and private_key_env is not None:
        raise UsageError("give either --keystore or --private-key-env, not both", code="bad_usage")
    if private_key_env is not None:
        return _from_env(private_key_env, os.environ if environ is None else environ)
    if keystore is not None:
        return _from_keystore(Path(keystore).expanduser(), prompt)
    raise UsageError("--send needs a key: --keystore FILE or --private-key-env VAR",
                     hint="the key is never taken as a literal argument", code="missing_key")


def keystore_address(path: Path) -> str:
    """The address a keystore declares, read without the password (enough to simulate)."""
    from solver.addresses import is_address, to_checksum

    try:
        address = json.loads(Path(path).expanduser().read_text(encoding="utf-8")).get("address", "")
    except (OSError, ValueError, AttributeError):
        raise UsageError(f"keystore {path} is not a readable JSON keystore", code="bad_key") from None
    address = address if address.startswith("0x") else "0x" + address
    if not is_address(address):
        raise UsageError(f"keystore {path} declares no address: pass --from ADDRESS",
                         code="bad_key")
    return to_checksum(address)


def _from_env(var: str, environ: Any) -> Signer:
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", var):
        raise UsageError(f"--private-key-env takes the NAME of an environment variable, "
                         f"and {_describe(var)} is not a variable name",
                         hint="export MY_KEY=... then pass --private-key-env MY_KEY", code="bad_key_env")
    value = environ.get(var)
    if not value:
        raise UsageError(f"environment variable ${var} is not set or empty",
                         hint=f"export {var}=0x... (the key stays out of your shell history "
                              "if you read it from a file)", code="missing_key")
    text = value.strip()
    if not _HEX_KEY_RE.match(text):
        raise UsageError(f"${var} does not hold a private key (expected 64 hex digits)",
                         code="bad_key")
    return Signer(_Secret(bytes.fromhex(text.removeprefix("0x").removeprefix("0X"))),
                  source=f"${var}")


def _from_keystore(path: Path, prompt: Callable[[str], str]) -> Signer:
    from eth_account import Account

    try:
        keyfile = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"keystore {path} does not exist", code="missing_key") from None
    except (OSError, ValueError):
        raise UsageError(f"keystore {path} is not a readable JSON keystore", code="bad_key") from None
    password = prompt(f"password for {path.name}: ")
    try:
        key = Account.decrypt(keyfile, password)
    except ValueError:
        raise UsageError(f"wrong password for keystore {path}, or a damaged keystore",
                         code="bad_password") from None
    except Exception:
        raise UsageError(f"keystore {path} could not be decrypted", code="bad_key") from None
    finally:
        del password
    return Signer(_Secret(bytes(key)), source=str(path))


def _describe(text: str) -> str:
    """A value that may be a pasted key is described, never echoed."""
    if _HEX_KEY_RE.match(text.strip()):
        return "what looks like a private key (do not pass keys on the command line)"
    return repr(text) if len(text) <= 40 else f"a {len(text)}-character value"
