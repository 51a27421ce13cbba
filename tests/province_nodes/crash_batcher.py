"""Run one batcher pass in a child process and SIGKILL it at a named step (crash tests).

Usage: ``python crash_batcher.py <prepared|sent|mined>`` with the node's settings in
``HUREN_NODE_*`` environment variables. The process kills itself with SIGKILL right after the
step, so no ``finally``, no rollback and no flush runs: exactly a power cut at that point.
"""

from __future__ import annotations

import os
import signal
import sys

from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings


def main(point: str) -> None:
    def crash(step: str) -> None:
        if step == point:
            os.kill(os.getpid(), signal.SIGKILL)

    node = ProvinceNode(NodeSettings(), crash_point=crash)  # type: ignore[call-arg]
    node.start()
    node.batcher.run_once(force=True)
    sys.exit(3)  # not reached when the crash point fires


if __name__ == "__main__":
    main(sys.argv[1])
