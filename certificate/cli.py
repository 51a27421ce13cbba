"""``huren disclose FILE --field PATH … [--out FILE]``: a selectively disclosed copy, offline.

The holder (or anyone holding the file) chooses which fields a copy reveals, by JSON Pointer
(``/holder/name``; a pointer to an object or array reveals everything under it); the
always-disclosed metadata is revealed anyway, every other field is replaced by its leaf hash,
so the copy still verifies (same digest, signature and receipt). Works on a whole certificate
and, to narrow further, on a disclosed copy (a field already withheld cannot be revealed).
Nothing is sent anywhere: the format alone does it (:func:`certificate.disclosure.disclose`).

Exit status: 0 written; 2 the file cannot be read, is not a sealed certificate, or a field is
not in it or was withheld from it (one line says which, and lists the fields there are).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from certificate.disclosure import disclose
from certificate.exceptions import CertificateError, DisclosureError
from certificate.sealed_file import parse_sealed

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``huren disclose``."""
    parser = subparsers.add_parser(
        "disclose",
        help="a copy of a sealed certificate revealing only some fields (offline)",
        description="Write a copy of the sealed certificate FILE (- for standard input) that "
        "reveals only the --field paths (and the always-disclosed metadata). Exit 0 written, "
        "2 the file or a field is not usable.",
    )
    parser.add_argument("file", metavar="FILE", help="a sealed certificate (whole or disclosed)")
    parser.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="PATH",
        help="a JSON Pointer to reveal, e.g. /holder/name; repeat for several",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="write here (default: standard output)"
    )
    parser.set_defaults(handler=_disclose)


def _disclose(args: argparse.Namespace) -> int:
    source = "standard input" if args.file == "-" else args.file
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        return _fail(f"cannot read {source}: {error.strerror or error}")
    try:
        sealed = parse_sealed(data)
    except CertificateError as error:
        return _fail(f"{source} is not a sealed certificate: {error}")
    try:
        copy = disclose(sealed, args.field)
    except DisclosureError as error:
        return _fail(str(error))
    except CertificateError as error:  # a pointer that is none (``holder``, ``/a~2``)
        return _fail(f"a --field is not a JSON Pointer to a field: {error}")
    text = copy.to_json().encode("utf-8") + b"\n"
    if args.out is None:
        sys.stdout.buffer.write(text)
        return 0
    try:
        _write_atomically(args.out, text)
    except OSError as error:
        return _fail(f"cannot write {args.out}: {error.strerror or error}")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _fail(message: str) -> int:
    print(f"huren disclose: {message}", file=sys.stderr)
    return 2


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a temporary file renamed into place)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        raise
