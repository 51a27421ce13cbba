"""Starting a node: a store serves the one province it belongs to, and a store that cannot be
opened is reported in one line that names it (password hidden)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from node_helpers import CHAIN_KEYS, SettingsFactory

from certificate.samples import sample_document
from huren.cli import main
from ledger.anvil import LocalChain
from province_nodes.db import make_engine
from province_nodes.exceptions import StoreOwnerError
from province_nodes.node import ProvinceNode
from province_nodes.settings import NodeSettings
from service_base.sqlstore import alembic_config

REPO = Path(__file__).resolve().parents[2]


def _start(settings: NodeSettings) -> ProvinceNode:
    node = ProvinceNode(settings)
    node.start()
    return node


def _refused(settings: NodeSettings, owner: int) -> None:
    node = ProvinceNode(settings)
    with pytest.raises(StoreOwnerError) as refused:
        node.start()
    node.stop()
    message = str(refused.value)
    assert f"belongs to province {owner}, not {settings.province}" in message
    assert "\n" not in message


def test_a_store_serves_only_the_province_it_belongs_to(
    make_settings: SettingsFactory, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    master = base64.b64encode(os.urandom(32)).decode()  # one key: nothing else tells them apart
    shanghai = make_settings(310000, database_url=url, master_key=master)
    zhejiang = make_settings(330000, database_url=url, master_key=master)
    node = _start(shanghai)
    node.issuer.issue(sample_document("driving_licence", seed=1, province=310000))
    node.stop()
    _refused(zhejiang, 310000)

    # A store from before the province was recorded: claimed at its first start for the
    # province its certificates were issued in, whatever code that start was given.
    engine = make_engine(url)
    command.downgrade(alembic_config("province_nodes", engine), "0002")
    engine.dispose()
    _refused(zhejiang, 310000)
    _start(shanghai).stop()

    empty = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    _start(make_settings(330000, database_url=empty)).stop()
    _refused(make_settings(310000, database_url=empty), 330000)


def test_token_commands_refuse_another_provinces_store(
    make_settings: SettingsFactory,
    tmp_path: Path,
    local_chain: LocalChain,
    deployment_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    _start(make_settings(310000, database_url=url)).stop()
    config = tmp_path / "node.env"
    config.write_text(f"HUREN_NODE_MODE=dev\nHUREN_NODE_DATABASE_URL={url}\n")
    argv = ["node", "token", "create", "--province", "330000", "--config", str(config)]
    assert main([*argv, "--role", "auditor"]) == 2
    assert "belongs to province 310000, not 330000" in capsys.readouterr().err


def test_serve_with_an_unreachable_database_says_which_and_why_in_one_line(
    tmp_path: Path, local_chain: LocalChain, deployment_file: Path
) -> None:
    environment = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "HUREN_NODE_MODE": "dev",
        "HUREN_NODE_DATABASE_URL": "postgresql+psycopg://huren:s3cret@127.0.0.1:1/nodes",
        "HUREN_NODE_RPC_URL": local_chain.url,
        "HUREN_NODE_DEPLOYMENT_FILE": str(deployment_file),
        "HUREN_NODE_CHAIN_KEY": CHAIN_KEYS[330000],
    }
    command_line = [sys.executable, "-m", "huren", "node", "serve", "--province", "330000"]
    done = subprocess.run(
        command_line, env=environment, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "postgresql+psycopg://huren:***@127.0.0.1:1/nodes" in lines[0]
    assert "s3cret" not in done.stderr
    assert "refused" in lines[0].lower()
