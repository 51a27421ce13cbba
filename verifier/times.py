"""Times as the verifier uses them: Unix seconds, read from the command line or an API.

Validity dates in a certificate are calendar dates in China Standard Time (UTC+8, no daylight
saving): ``valid_from`` starts at 00:00 of its day, ``valid_until`` is the last day of validity
and ends at 24:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from verifier.exceptions import VerifierValueError

__all__ = ["CHINA_TIME", "day_end", "day_start", "format_time", "parse_time"]

CHINA_TIME = timezone(timedelta(hours=8), "CST")
"""China Standard Time, in which certificate dates are written."""


def parse_time(text: str) -> int:
    """Unix seconds from ``text``: an integer, an RFC 3339 time, or a date (00:00 China time).

    Raises:
        VerifierValueError: none of these forms.
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        if len(text) == 10:
            return day_start(date.fromisoformat(text))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise VerifierValueError(
            f"{text!r} is not a time: use Unix seconds, a date like 2026-05-01 or an RFC 3339 "
            f"time like 2026-05-01T09:30:00+08:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_TIME)
    return int(moment.timestamp())


_EPOCH_DAY = date(1970, 1, 1).toordinal()
_CHINA_OFFSET = 8 * 3600


def day_start(day: date) -> int:
    """Unix seconds at 00:00 China time on ``day``.

    China time has a fixed offset (no daylight saving), so this is day arithmetic: no
    ``datetime`` and time zone machinery for the two dates of every certificate verified.
    """
    return (day.toordinal() - _EPOCH_DAY) * 86_400 - _CHINA_OFFSET


def day_end(day: date) -> int:
    """Unix seconds at 24:00 China time on ``day`` (the first second no longer on it)."""
    return day_start(day) + 86_400


def format_time(seconds: int) -> str:
    """A time for people: ``2026-05-01 09:30:00 CST (UTC+8)``."""
    moment = datetime.fromtimestamp(seconds, UTC).astimezone(CHINA_TIME)
    return moment.strftime("%Y-%m-%d %H:%M:%S") + " CST (UTC+8)"
