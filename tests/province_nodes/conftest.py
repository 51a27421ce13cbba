"""Fixtures of the province node tests (helpers that are not fixtures live in node_helpers)."""

from __future__ import annotations

from node_helpers import (
    deployment_file,
    fresh_deployment_file,
    make_settings,
    zhejiang,
    zhejiang_on_each_store,
)

__all__ = [
    "deployment_file",
    "fresh_deployment_file",
    "make_settings",
    "zhejiang",
    "zhejiang_on_each_store",
]
