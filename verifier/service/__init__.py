"""The receiving agency's web service: verify files and run cross-province requests.

``huren agency serve`` runs it, ``huren agency clerk …`` manages who may call it
(:mod:`verifier.service.cli`). The names below are loaded on first use (PEP 562), as in
:mod:`verifier`: the clerk commands open the agency's database and need neither the web
framework nor the chain stack that :func:`create_app` stands on.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from verifier.service.app import create_app
    from verifier.service.models import Outcome, RequestCreate, RequestPublic
    from verifier.service.settings import AgencySettings, hash_token

__all__ = [
    "AgencySettings",
    "Outcome",
    "RequestCreate",
    "RequestPublic",
    "create_app",
    "hash_token",
]

_HOME_OF = {
    "create_app": "verifier.service.app",
    "Outcome": "verifier.service.models",
    "RequestCreate": "verifier.service.models",
    "RequestPublic": "verifier.service.models",
    "AgencySettings": "verifier.service.settings",
    "hash_token": "verifier.service.settings",
}
"""Each public name and the module that defines it."""


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and keep the name here."""
    module = _HOME_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'verifier.service' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
