"""Test-wide settings.

In CI (CI=true) hypothesis runs derandomized: the same examples every run, so a landing
can't fail on a draw nobody has seen. Local runs stay random, which is where new
counterexamples are found (and then pinned with @example).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
