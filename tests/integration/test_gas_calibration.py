"""Real swaps through SwapRouter02 on the devnet: quotes are exact, and the gas model is close.

Every sample is a route chosen by the router (single-hop, multi-hop, V2, V3, and a 10-leg
split whose legs share pools), encoded as `swap` sends it, and executed: the realized output
must equal the quote to the wei. The calibrated gas model's error on each is reported.
"""

from __future__ import annotations

import statistics

import pytest

from solver.calibrate import CALIBRATED, fit, measure
from solver.config import load_config
from solver.rpc import run

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def samples(devnet):
    config = load_config(devnet.profile_path)
    return run(measure(config.chain(), config.defaults))


def test_every_executed_route_pays_exactly_the_quote(samples):
    assert len(samples) >= 15
    assert any(s.legs > 1 for s in samples), "no split route was exercised"
    assert any(s.v2_hops and s.v3_hops for s in samples), "no mixed route was exercised"
    assert any(s.shares_pool for s in samples), "no split whose legs share a pool"
    assert any(s.v2_hops + s.v3_hops >= 3 and s.legs == 1 for s in samples), "no 3-hop path"
    for s in samples:
        assert s.realized_out == s.quoted_out, s


def test_calibrated_gas_model_error(samples):
    errors = [abs(s.predicted(CALIBRATED) - s.gas_used) / s.gas_used for s in samples]
    print("gas model abs error: median %.1f%%, max %.1f%%"
          % (100 * statistics.median(errors), 100 * max(errors)))
    assert statistics.median(errors) < 0.10
    assert max(errors) < 0.35


def test_refit_agrees_with_the_constants(samples):
    model = fit(samples)
    assert abs(model.v3_tick - CALIBRATED.v3_tick) / CALIBRATED.v3_tick < 0.25
    assert abs(model.v2_hop - CALIBRATED.v2_hop) / CALIBRATED.v2_hop < 0.25
