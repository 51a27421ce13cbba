"""``huren demo``: the whole system on one machine, told as a short story that checks itself.

:class:`huren.demo.stack.Stack` runs the embedded chain, three province nodes and a Shanghai
agency service as real processes over real HTTP; :class:`huren.demo.story.Story` walks through
issuance, anchoring, a cross-province request, revocation, key rotation and an audit, raising
:class:`DemoStepFailed` when a step does not do what it should; :mod:`huren.demo.cli` registers
the command. This package's top level stays light (errors and the working folder only), since
every ``huren`` command, the demo's own node processes included, imports the command's module.
"""

from huren.demo.exceptions import DemoError, DemoSetupError, DemoStepFailed
from huren.demo.home import DemoHome

__all__ = ["DemoError", "DemoHome", "DemoSetupError", "DemoStepFailed"]
