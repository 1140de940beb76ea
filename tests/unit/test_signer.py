"""solver.signer: keys load from a keystore or an env var, and never show up in text."""

from __future__ import annotations

import json
import pickle

import pytest
from eth_account import Account

from solver.errors import UsageError
from solver.signer import keystore_address, load_signer

KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
BARE = KEY[2:]


def no_key(text: str) -> bool:
    return BARE.lower() not in text.lower()


def test_env_key_loads_and_is_masked():
    signer = load_signer(private_key_env="MY_KEY", environ={"MY_KEY": KEY})
    assert signer.address == ADDRESS
    assert no_key(repr(signer)) and no_key(str(signer)) and no_key(repr(signer._secret))
    with pytest.raises(TypeError):
        pickle.dumps(signer)


def test_sign_produces_a_recoverable_eip1559_tx():
    signer = load_signer(private_key_env="K", environ={"K": BARE})
    tx = {"chainId": 31337, "nonce": 0, "to": ADDRESS, "data": "0x", "value": 1, "gas": 21000,
          "maxFeePerGas": 2, "maxPriorityFeePerGas": 1, "type": 2}
    signed = signer.sign(tx)
    assert Account.recover_transaction(signed.raw) == ADDRESS
    assert no_key(signed.raw_hex)


@pytest.mark.parametrize(("var", "environ", "code"), [
    ("MISSING", {}, "missing_key"),
    ("K", {"K": "0x1234"}, "bad_key"),
    ("K", {"K": KEY[:-1] + "g"}, "bad_key"),
    (KEY, {}, "bad_key_env"),  # the key itself passed where a variable name belongs
    ("K", {"K": "0x" + "00" * 32}, "bad_key"),  # zero is not a valid secp256k1 key
])
def test_env_errors_never_echo_the_value(var, environ, code):
    with pytest.raises(UsageError) as info:
        load_signer(private_key_env=var, environ=environ)
    err = info.value
    assert err.code == code
    text = f"{err.message} {err.hint} {err!r} {err.__cause__!r} {err.__context__!r}"
    assert no_key(text) and no_key(KEY[:-1])
    assert err.__suppress_context__ or err.__context__ is None


def test_keystore_with_password_prompt(tmp_path):
    path = tmp_path / "key.json"
    path.write_text(json.dumps(Account.encrypt(KEY, "hunter2", iterations=2)))
    signer = load_signer(keystore=path, prompt=lambda _: "hunter2")
    assert signer.address == ADDRESS
    assert keystore_address(path) == ADDRESS  # no password needed just to simulate
    with pytest.raises(UsageError) as info:
        load_signer(keystore=path, prompt=lambda _: "wrong")
    assert info.value.code == "bad_password" and no_key(str(info.value))


def test_needs_exactly_one_source(tmp_path):
    with pytest.raises(UsageError):
        load_signer()
    with pytest.raises(UsageError):
        load_signer(keystore=tmp_path / "k", private_key_env="K")
