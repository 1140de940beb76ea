"""The fault matrix runs against the same kind of devnet as the integration tests."""

from tests.integration.conftest import anvil_snapshot, devnet  # noqa: F401  (fixtures)
