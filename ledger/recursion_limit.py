"""The interpreter's recursion limit, put back where importing web3 leaves it.

web3 imports eth_keys, which imports py_ecc, whose ``__init__`` (py_ecc 8.0.0, line 13) runs
``sys.setrecursionlimit(max(100000, sys.getrecursionlimit()))``. The limit is what turns runaway
recursion into a :class:`RecursionError` that can be caught; at 100,000 the C stack (8 MiB)
overflows long before, and the process dies of a segmentation fault. One request with a JSON
body nested 100,000 deep killed a province node that way.

Our readers of outside JSON bound its depth before parsing (:mod:`certificate.json_input`); this
is the second line: every process of ours (the ``huren`` command, each service's app factory)
calls :func:`restore_recursion_limit` when it starts, so any recursion we did not foresee fails
as an exception instead of a crash.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["SANE_RECURSION_LIMIT", "restore_recursion_limit"]

SANE_RECURSION_LIMIT = 1000
"""CPython's own default: deep enough for any recursion of ours (JSON is read at most 32 deep),
shallow enough that the C stack cannot overflow first."""


def restore_recursion_limit() -> None:
    """Set the recursion limit back to :data:`SANE_RECURSION_LIMIT`.

    py_ecc is imported first (about half a millisecond: its ``__init__`` is small), so its
    one-time raise has happened and no later import of web3 can undo this.
    """
    importlib.import_module("py_ecc")
    sys.setrecursionlimit(SANE_RECURSION_LIMIT)
