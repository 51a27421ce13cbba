"""Durations as operators type them on a service's command line: ``90d``, ``12h``, ``30m``, ``45s``.

Both services' commands take them (a node credential's and an agency clerk's ``--expires-in``),
so they read them alike.
"""

from __future__ import annotations

import argparse
import re

__all__ = ["LONGEST_DURATION", "parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
LONGEST_DURATION = 100 * 365 * 86400
"""The longest duration taken (a century): beyond it, leave the expiry out."""


def parse_duration(text: str) -> int:
    """Seconds in ``90d``, ``12h``, ``30m``, ``45s`` or a bare number of seconds.

    Raises:
        argparse.ArgumentTypeError: not such a duration, zero, or longer than a century (the
            error argparse reports as the option's).
    """
    match = re.fullmatch(r"([0-9]{1,12})([smhd]?)", text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: a number and s, m, h or d, e.g. 90d or 12h"
        )
    seconds = int(match[1]) * _UNITS[match[2] or "s"]
    if not 0 < seconds <= LONGEST_DURATION:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0s and at most 36500d")
    return seconds
