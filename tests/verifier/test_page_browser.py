"""The clerk's page in a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``).

The agency service runs under uvicorn on a free loopback port; Selenium drives the browser the
way a clerk would: a file chosen in the picker, a QR payload typed by a scanner. Screenshots go
to ``test-artifacts/``. Without Chromium the tests skip, unless ``HUREN_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from verifier_support import Issuer

from certificate import disclose, qr_payload
from ledger.types import StatusReason
from verifier.chain_view import Web3ChainView
from verifier.service import AgencySettings, create_app, hash_token

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TOKEN = secrets.token_urlsafe(32)
WAIT_SECONDS = 20


def _require_browser() -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return
    message = (
        "browser tests need Debian's Chromium: apt-get install -y chromium chromium-driver "
        f"({CHROMIUM} and {CHROMEDRIVER} are missing)"
    )
    if os.environ.get("HUREN_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory, chain_view: Web3ChainView) -> Iterator[str]:
    """The agency service, served for real on a loopback port."""
    _require_browser()
    settings = AgencySettings(
        agency_id="sh-minzheng",
        database_url=f"sqlite:///{tmp_path_factory.mktemp('agency') / 'agency.db'}",
        clerk_token_hashes=(hash_token(TOKEN),),
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, chain=chain_view),
            host="127.0.0.1",
            port=port,
            log_level="warning",
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the agency service did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/page/"
    server.should_exit = True
    thread.join(WAIT_SECONDS)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(
    page_url: str, tmp_path_factory: pytest.TempPathFactory, downloads: Path
) -> Iterator[WebDriver]:
    """Headless Chromium with a fresh profile and nothing that phones home."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1280,1800",
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(str(CHROMEDRIVER)))
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    try:
        yield driver
    finally:
        driver.quit()


def _open(browser: WebDriver, url: str) -> None:
    browser.get(url)
    token = browser.find_element(By.ID, "token")
    token.clear()
    token.send_keys(TOKEN)


def _verdict(browser: WebDriver) -> str:
    WebDriverWait(browser, WAIT_SECONDS).until(
        expected_conditions.visibility_of_element_located((By.ID, "verdict"))
    )
    return str(browser.find_element(By.ID, "verdict").get_attribute("data-verdict"))


def _rows(browser: WebDriver, table: str) -> list[list[str]]:
    rows = browser.find_elements(By.CSS_SELECTOR, f"#{table} tbody tr")
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")] for row in rows]


def _screenshot(browser: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    browser.set_window_size(1280, 900)
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1280, max(900, int(height) + 120))
    assert browser.save_screenshot(str(ARTIFACTS / name))


def test_valid_certificate_from_the_file_picker(
    browser: WebDriver,
    page_url: str,
    issuer: Callable[[int], Issuer],
    tmp_path: Path,
    downloads: Path,
) -> None:
    (sealed,) = issuer(310000).issue()
    file = tmp_path / "certificate.json"
    file.write_text(sealed.to_json(), encoding="utf-8")
    _open(browser, page_url)
    browser.find_element(By.ID, "file").send_keys(str(file))

    assert _verdict(browser) == "VALID"
    assert "有效" in browser.find_element(By.ID, "verdict").text
    checks = browser.find_elements(By.CSS_SELECTOR, "#checks tbody tr")
    assert [row.get_attribute("data-status") for row in checks] == ["VALID"] * 8
    assert {row.get_attribute("data-type") for row in checks} == {
        "format",
        "integrity",
        "signature",
        "issuer_key",
        "anchor",
        "status",
        "validity",
        "issuer_identity",
    }
    fields = {row[0].splitlines()[-1]: row[1] for row in _rows(browser, "fields")}
    values = sealed.disclosed_values()
    assert fields["/holder/name"] == values["/holder/name"]
    assert fields["/identifier"] == values["/identifier"]
    _screenshot(browser, "page-valid.png")

    browser.find_element(By.ID, "download").click()
    report_file = downloads / f"huren-report-{values['/identifier']}.json"
    WebDriverWait(browser, WAIT_SECONDS).until(lambda _: report_file.exists())
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["verdict"] == "VALID" and report["digest"] == "0x" + sealed.digest.hex()


def test_revoked_certificate_from_a_scanned_qr_payload(
    browser: WebDriver, page_url: str, issuer: Callable[[int], Issuer]
) -> None:
    shanghai = issuer(310000)
    (sealed,) = shanghai.issue()
    assert sealed.receipt is not None
    shanghai.client.revoke(sealed.digest, sealed.receipt.batch_root, int(StatusReason.FRAUD))
    payload = qr_payload(disclose(sealed, ["/holder/name", "/number"]))
    assert payload.startswith("HUREN1:")
    _open(browser, page_url)
    scanner = browser.find_element(By.ID, "qr")
    browser.execute_script("arguments[0].value = arguments[1]", scanner, payload)
    scanner.send_keys(Keys.END, Keys.ENTER)  # a scanner types the payload, then Enter

    assert _verdict(browser) == "INVALID"
    assert "无效" in browser.find_element(By.ID, "verdict").text
    first = browser.find_element(By.CSS_SELECTOR, "#checks tbody tr")
    assert (first.get_attribute("data-type"), first.get_attribute("data-status")) == (
        "status",
        "INVALID",
    )
    assert "注销" in first.text and "以欺骗等不正当手段取得" in first.text
    assert "revoked" in first.text and "obtained by fraud" in first.text
    assert "600 STATUS_REVOKED" in first.text
    assert "项未披露" in browser.find_element(By.ID, "withheld").text
    _screenshot(browser, "page-revoked.png")


def test_damaged_payload_shows_the_reason(browser: WebDriver, page_url: str) -> None:
    _open(browser, page_url)
    browser.find_element(By.ID, "qr").send_keys("HUREN1:ABC", Keys.ENTER)
    error = WebDriverWait(browser, WAIT_SECONDS).until(
        expected_conditions.visibility_of_element_located((By.ID, "error"))
    )
    assert "does not decompress" in error.text
    assert not browser.find_element(By.ID, "result").is_displayed()
