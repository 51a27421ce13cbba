"""Revert data → our exceptions, one class per Solidity custom error, named after it.

A contract that reverts with ``ProvinceUnknown(uint32 code)`` surfaces in Python as
``ledger.contract_errors.ProvinceUnknown`` with ``args_by_name == {"code": 110000}``, so callers
write ``except ProvinceUnknown`` and tests assert on the error's name and arguments.

``ledger/contract_errors.py`` is generated from the contract ABI by :func:`render_error_module`
(a pure function; ``scripts/compile_contracts.py`` writes its output). :func:`decode_revert`
picks the generated class by selector; an error the ABI knows but the generated module lacks
(stale module) still gets a class of that name, made on the fly. Solidity's built-in
``Error(string)`` and ``Panic(uint256)`` have their own classes here.

Example::

    try:
        sender.send(tx)
    except ContractRevert as revert:
        print(revert.error_name, revert.args_by_name)
"""

from __future__ import annotations

import importlib
import json
import keyword
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, cast

from eth_abi.abi import decode as abi_decode
from eth_abi.exceptions import DecodingError

from ledger._abi import canonical_type, named_values, selector_of, signature_of
from ledger.exceptions import LedgerError

__all__ = [
    "ERROR_STRING_SELECTOR",
    "PANIC_SELECTOR",
    "ContractRevert",
    "ErrorDecoder",
    "PanicRevert",
    "StringRevert",
    "UnknownRevert",
    "decode_revert",
    "render_error_module",
    "revert_data_from_rpc_error",
]

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")
"""Selector of Solidity's built-in ``Error(string)`` (``require(cond, "message")``)."""

PANIC_SELECTOR = bytes.fromhex("4e487b71")
"""Selector of Solidity's built-in ``Panic(uint256)`` (failed assert, overflow, …)."""

GENERATED_MODULE = "ledger.contract_errors"

PANIC_REASONS: Mapping[int, str] = {
    0x00: "generic compiler panic",
    0x01: "assert failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "conversion to an invalid enum value",
    0x22: "incorrectly encoded storage byte array",
    0x31: "pop() on an empty array",
    0x32: "array index out of bounds",
    0x41: "too much memory allocated",
    0x51: "call to a zero-initialized internal function",
}
"""What each Solidity panic code means."""


class ContractRevert(LedgerError):
    """A contract call or transaction reverted; subclasses are named after the custom error.

    Attributes:
        error_name: the Solidity error's name (``"ProvinceUnknown"``; ``"Error"``, ``"Panic"``
            for the built-ins; ``""`` when unknown).
        signature: its canonical signature, ``ProvinceUnknown(uint32)``.
        selector: the first four bytes of the revert data.
        arg_names, arg_types: the error's parameters.
        args_by_name: the decoded arguments by parameter name.
        data: the whole revert data.
    """

    error_name: ClassVar[str] = ""
    signature: ClassVar[str] = ""
    selector: bytes = b""
    arg_names: ClassVar[tuple[str, ...]] = ()
    arg_types: ClassVar[tuple[str, ...]] = ()

    def __init__(self, data: bytes, args_by_name: Mapping[str, Any] | None = None) -> None:
        self.data = bytes(data)
        self.args_by_name: dict[str, Any] = dict(args_by_name or {})
        super().__init__(self._describe())

    def _describe(self) -> str:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in self.args_by_name.items())
        return f"{self.error_name}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.data, self.args_by_name))


def _rebuild(cls: type[ContractRevert], data: bytes, args: Mapping[str, Any]) -> ContractRevert:
    return cls(data, args)


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return repr(value)


class StringRevert(ContractRevert):
    """Solidity's built-in ``Error(string)``: a ``require`` or ``revert`` with a message.

    ``message`` holds the string.
    """

    error_name = "Error"
    signature = "Error(string)"
    selector = ERROR_STRING_SELECTOR
    arg_names = ("message",)
    arg_types = ("string",)

    @property
    def message(self) -> str:
        """The revert message."""
        return str(self.args_by_name["message"])


class PanicRevert(ContractRevert):
    """Solidity's built-in ``Panic(uint256)``: a failed assert, an overflow, a bad index, …

    ``code`` is the panic code, ``reason`` what it means.
    """

    error_name = "Panic"
    signature = "Panic(uint256)"
    selector = PANIC_SELECTOR
    arg_names = ("code",)
    arg_types = ("uint256",)

    @property
    def code(self) -> int:
        """The panic code (``0x11`` overflow, ``0x32`` index out of bounds, …)."""
        return int(self.args_by_name["code"])

    @property
    def reason(self) -> str:
        """What the panic code means."""
        return PANIC_REASONS.get(self.code, "unknown panic code")

    def _describe(self) -> str:
        return f"Panic(0x{self.code:02x}: {self.reason})"


class UnknownRevert(ContractRevert):
    """Revert data that matches no error of the ABI (or is empty: a bare ``revert()``, or a
    node that does not return revert data). ``selector`` and ``data`` hold what there is."""

    def __init__(self, data: bytes, args_by_name: Mapping[str, Any] | None = None) -> None:
        self.selector = bytes(data[:4])
        super().__init__(data, args_by_name)

    def _describe(self) -> str:
        if not self.data:
            return "reverted without data"
        return f"reverted with unknown error 0x{self.selector.hex()} (data 0x{self.data.hex()})"


_BUILTINS: Mapping[bytes, type[ContractRevert]] = {
    ERROR_STRING_SELECTOR: StringRevert,
    PANIC_SELECTOR: PanicRevert,
}

_dynamic_classes: dict[tuple[str, str], type[ContractRevert]] = {}


def _generated_classes() -> Mapping[bytes, type[ContractRevert]]:
    try:
        module = importlib.import_module(GENERATED_MODULE)
    except ImportError:
        return {}
    by_selector = getattr(module, "BY_SELECTOR", {})
    return by_selector if isinstance(by_selector, Mapping) else {}


def _class_for(
    name: str, signature: str, names: Sequence[str], types: Sequence[str]
) -> type[ContractRevert]:
    selector = selector_of(signature)[:4]
    generated = _generated_classes().get(selector)
    if generated is not None and generated.signature == signature:
        return generated
    key = (name, signature)
    cls = _dynamic_classes.get(key)
    if cls is None:
        namespace = {
            "__doc__": f"Solidity custom error ``{signature}`` (not in {GENERATED_MODULE}).",
            "__module__": __name__,
            "error_name": name,
            "signature": signature,
            "selector": selector,
            "arg_names": tuple(names),
            "arg_types": tuple(types),
        }
        cls = cast(type[ContractRevert], type(_python_name(name), (ContractRevert,), namespace))
        _dynamic_classes[key] = cls
    return cls


class ErrorDecoder:
    """Decodes revert data with one ABI; precomputes its errors' selectors.

    ``abi=None`` uses the errors of the generated ``ledger.contract_errors`` module (the huren
    contracts'). Prefer one decoder per ABI over :func:`decode_revert` when decoding often.
    """

    def __init__(self, abi: Iterable[Mapping[str, Any]] | None = None) -> None:
        self._errors: dict[bytes, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {}
        if abi is None:  # the generated module's errors
            for selector, cls in _generated_classes().items():
                entry = (cls.error_name, cls.signature, cls.arg_names, cls.arg_types)
                self._errors[selector] = entry
            return
        for item in abi:
            if item.get("type") != "error":
                continue
            signature = signature_of(item)
            inputs = item.get("inputs", ())
            names = tuple(str(p.get("name", "")) for p in inputs)
            types = tuple(canonical_type(p) for p in inputs)
            self._errors[selector_of(signature)[:4]] = (item["name"], signature, names, types)

    def decode(self, data: bytes | str) -> ContractRevert:
        """The exception for revert ``data`` (bytes or 0x-hex): the ABI's custom error by
        selector, ``Error(string)``, ``Panic(uint256)``, else :class:`UnknownRevert`.
        Never raises; data that does not decode as its selector says gives an UnknownRevert."""
        raw = _as_bytes(data)
        selector = raw[:4]
        builtin = _BUILTINS.get(selector)
        known = self._errors.get(selector)
        if builtin is not None:
            cls: type[ContractRevert] = builtin
            names, types = builtin.arg_names, builtin.arg_types
        elif known is not None:
            name, signature, names, types = known
            cls = _class_for(name, signature, names, types)
        else:
            return UnknownRevert(raw)
        try:
            values = abi_decode(list(types), raw[4:])
        except (DecodingError, ValueError, TypeError):
            return UnknownRevert(raw)
        return cls(raw, named_values(names, types, values))


def decode_revert(data: bytes | str, abi: Iterable[Mapping[str, Any]]) -> ContractRevert:
    """Decode revert ``data`` with ``abi`` into the exception class named after the error.

    See :meth:`ErrorDecoder.decode`.
    """
    return ErrorDecoder(abi).decode(data)


def revert_data_from_rpc_error(data: Any) -> bytes | None:
    """The revert data inside a JSON-RPC error's ``data`` member, if any.

    Nodes differ: geth, anvil and Besu send a hex string; some nest it (``{"data": "0x…"}``),
    older ones prefix it (``"Reverted 0x…"``).
    """
    if isinstance(data, Mapping):
        data = data.get("data", data.get("result"))
    if not isinstance(data, str):
        return None
    text = data.strip()
    if text.lower().startswith("reverted "):
        text = text.split(None, 1)[1]
    if not text.startswith("0x"):
        return None
    try:
        return bytes.fromhex(text[2:])
    except ValueError:
        return None


def _as_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        text = data[2:] if data.startswith(("0x", "0X")) else data
        return bytes.fromhex(text)
    return bytes(data)


# --- code generation ----------------------------------------------------------------------------

_RESERVED = {"ContractRevert", "BY_SELECTOR", "Mapping", "annotations"}
_WIDTH = 100  # the project's line length


def _python_name(name: str) -> str:
    ident = name.replace("$", "_")
    if not ident.isidentifier() or keyword.iskeyword(ident) or ident in _RESERVED:
        ident = f"{ident}_"
    return ident


def _natspec(
    signature: str, userdoc: Mapping[str, Any] | None, devdoc: Mapping[str, Any] | None
) -> tuple[str, str, Mapping[str, str]]:
    """(notice, details, params) of an error from solc's ``userdoc`` and ``devdoc``."""

    def entry(doc: Mapping[str, Any] | None) -> Mapping[str, Any]:
        found = ((doc or {}).get("errors") or {}).get(signature)
        if isinstance(found, list):
            found = found[0] if found else None
        return found if isinstance(found, Mapping) else {}

    user, dev = entry(userdoc), entry(devdoc)
    params = dev.get("params") or {}
    return str(user.get("notice", "")), str(dev.get("details", "")), params


def _doc_lines(text: str, indent: str, width: int = 96) -> list[str]:
    lines: list[str] = []
    for paragraph in text.strip().splitlines():
        wrapped = textwrap.wrap(
            paragraph.strip(), width=width - len(indent), break_on_hyphens=False
        )
        lines += [indent + line for line in wrapped] or [""]
    return lines


def _escape_doc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')


def render_error_module(
    abi: Iterable[Mapping[str, Any]],
    *,
    userdoc: Mapping[str, Any] | None = None,
    devdoc: Mapping[str, Any] | None = None,
    source: str = "the HurenLedger artifact",
) -> str:
    """Python source of ``ledger/contract_errors.py``: one :class:`ContractRevert` subclass per
    custom error of ``abi``, plus ``BY_SELECTOR``.

    Pure and deterministic (classes sorted by error name, duplicates from inherited interfaces
    merged). Each class's docstring is the error's NatSpec ``@notice`` (and ``@dev``,
    ``@param``) when solc's ``userdoc``/``devdoc`` outputs are given, and always its Solidity
    signature.

    Args:
        abi: the contract ABI (its ``error`` entries are used).
        userdoc, devdoc: solc's ``userdoc`` and ``devdoc`` outputs of the contract, if known.
        source: what to name as the origin in the module docstring.
    """
    errors: dict[bytes, Mapping[str, Any]] = {}
    for item in abi:
        if item.get("type") == "error":
            errors.setdefault(selector_of(signature_of(item))[:4], item)
    items = sorted(errors.values(), key=lambda e: (str(e["name"]), signature_of(e)))

    names_seen: dict[str, int] = {}
    for item in items:
        names_seen[item["name"]] = names_seen.get(item["name"], 0) + 1

    out = [
        '"""Custom errors of the huren contracts: one exception class per Solidity error.',
        "",
        f"Generated from {_escape_doc(source)} by ``ledger.revert.render_error_module``; do not",
        "edit: regenerate with ``scripts/compile_contracts.py``. Catch these by name, e.g.",
        "``except ProvinceUnknown as error: error.args_by_name['code']``.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from collections.abc import Mapping",
        "",
        "from ledger.revert import ContractRevert",
        "",
    ]
    class_names: list[str] = []
    bodies: list[str] = []
    for item in items:
        name = str(item["name"])
        signature = signature_of(item)
        selector = selector_of(signature)[:4]
        class_name = _python_name(name)
        if names_seen[name] > 1:  # overloaded error name: keep both, tell them apart
            class_name = f"{class_name}_{selector.hex()}"
        class_names.append(class_name)
        inputs = item.get("inputs", ())
        arg_names = tuple(str(p.get("name", "")) for p in inputs)
        arg_types = tuple(canonical_type(p) for p in inputs)
        declared = ", ".join(
            f"{p.get('internalType') or canonical_type(p)} {p.get('name', '')}".strip()
            for p in inputs
        )
        declared = declared.replace("struct ", "").replace("contract ", "")
        notice, details, params = _natspec(signature, userdoc, devdoc)
        doc: list[str] = _doc_lines(_escape_doc(notice), "    ") if notice else []
        if details:
            doc += ([""] if doc else []) + _doc_lines(_escape_doc(details), "    ")
        if not doc:
            doc = [f"    Solidity custom error ``{name}``."]
        doc += ["", "    Solidity::", ""]
        one_line = f"        error {name}({declared})"
        if len(one_line) <= _WIDTH or not inputs:
            doc.append(one_line)
        else:
            doc.append(f"        error {name}(")
            doc += [f"            {part}," for part in declared.split(", ")]
            doc.append("        )")
        documented = [(n, params[n]) for n in arg_names if n in params]
        if documented:
            doc += ["", "    Arguments (``args_by_name``):"]
            for arg, text in documented:
                doc += _doc_lines(_escape_doc(f"{arg}: {text}"), "        ")
        body = [
            "",
            f"class {class_name}(ContractRevert):",
            doc[0].replace("    ", '    """', 1),
            *doc[1:],
            '    """',
            "",
            f"    error_name = {json.dumps(name)}",
            _assignment("    signature", [json.dumps(signature)], ""),
            f'    selector = bytes.fromhex("{selector.hex()}")',
            _assignment("    arg_names", [json.dumps(n) for n in arg_names], "()"),
            _assignment("    arg_types", [json.dumps(t) for t in arg_types], "()"),
            "",
        ]
        bodies.append("\n".join(body))

    all_names = ["BY_SELECTOR", *sorted(class_names)]  # isort order: constants first
    out.append("__all__ = [")
    out += [f'    "{n}",' for n in all_names]
    out.append("]")
    out.append("")
    out += bodies
    out.append("")
    out.append("BY_SELECTOR: Mapping[bytes, type[ContractRevert]] = {")
    out += [f"    {n}.selector: {n}," for n in class_names]
    out.append("}")
    out.append('"""Each generated class by its four-byte selector."""')
    return "\n".join(out) + "\n"


def _split_string(text: str, width: int) -> list[str]:
    """Cut ``text`` after commas into pieces of at most ``width`` characters (where possible),
    for implicitly concatenated literals."""
    parts: list[str] = []
    current = ""
    for piece in text.split(","):
        piece = piece if not parts and not current else "," + piece
        if current and len(current) + len(piece) > width:
            parts.append(current)
            current = piece
        else:
            current += piece
    return [*parts, current]


def _assignment(target: str, items: Sequence[str], empty: str) -> str:
    """``target = (a, b)`` as ruff format writes it: one line if it fits, else one item per
    line; a single string item stays a plain (parenthesized if long) value, not a tuple."""
    if empty == "":
        value = items[0]
        line = f"{target} = {value}"
        if len(line) <= _WIDTH:
            return line
        if len(value) + 8 <= _WIDTH:
            return f"{target} = (\n        {value}\n    )"
        parts = _split_string(json.loads(value), _WIDTH - 10)
        lines = "".join(f"        {json.dumps(part)}\n" for part in parts)
        return f"{target} = (\n{lines}    )"
    if not items:
        return f"{target} = {empty}"
    inner = f"{items[0]}," if len(items) == 1 else ", ".join(items)
    line = f"{target} = ({inner})"
    if len(line) <= _WIDTH:
        return line
    lines = "".join(f"        {item},\n" for item in items)
    return f"{target} = (\n{lines}    )"
