"""Errors of ``huren demo``.

The tree::

    DemoError                the root: catch this to catch every demo failure
    ├── DemoSetupError       the stack could not be started or reached (anvil, a node, the agency)
    └── DemoStepFailed       a step ran but did not do what it should (the demo's own check)
"""

from __future__ import annotations

__all__ = ["DemoError", "DemoSetupError", "DemoStepFailed"]


class DemoError(Exception):
    """Root of the demo's errors; the message is written for the person running the demo."""


class DemoSetupError(DemoError):
    """A part of the stack did not start or stopped answering (the message says which and why)."""


class DemoStepFailed(DemoError):
    """A step ran but its outcome was not the expected one (a VALID that should be INVALID, …)."""
