"""The webhook handler is a good consumer: `epmock certify webhook` passes every check, the
effect checks included (its /effects route says what it booked)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator, List

import pytest

from webhook_handler import WebhookHandler

STORE_ID = "4a7b2c1e-0000-4000-8000-00000000a11e"


@pytest.fixture
def handler() -> Iterator[WebhookHandler]:
    h = WebhookHandler(secret_key="my-secret", store_id=STORE_ID)
    h.start()
    yield h
    h.stop()


def certify(args: List[str]) -> "subprocess.CompletedProcess[str]":
    binary = os.environ.get("EPMOCK_BIN", "epmock")
    return subprocess.run([binary, "certify", "webhook", *args], capture_output=True, text=True, timeout=120)


def test_certify_passes_the_handler(handler: WebhookHandler, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    run = certify(["--url", handler.url, "--secret", "my-secret", "--observes", "order.paid",
                   "--store-id", STORE_ID, "--effects-url", handler.effects_url, "--json", str(report)])
    assert run.returncode == 0, run.stdout + run.stderr
    assert "CERTIFIED: 12 passed, 0 failed, 0 inconclusive" in run.stdout
    doc = json.loads(report.read_text())
    assert doc["verdict"] == "pass"
    assert all(times == 1 for times in handler.times.values())


def test_a_handler_that_books_any_store_fails_other_store(tmp_path: Path) -> None:
    careless = WebhookHandler(secret_key="my-secret")  # no store_id: books another store's order
    careless.start()
    try:
        run = certify(["--url", careless.url, "--secret", "my-secret", "--observes", "order.paid",
                       "--store-id", STORE_ID, "--effects-url", careless.effects_url])
    finally:
        careless.stop()
    assert run.returncode == 1, run.stdout + run.stderr
    assert "FAIL         other_store: answered 200 but acted on it 1 time(s)" in run.stdout


def test_certify_sqs_passes_the_worker() -> None:
    """The SQS worker, started by certify itself, passes every check: the faults on its own
    calls included."""
    binary = os.environ.get("EPMOCK_BIN", "epmock")
    worker = Path(__file__).resolve().parent.parent / "sqs_worker.py"
    run = subprocess.run(
        [binary, "certify", "sqs", "--queue", "orders", "--observes", "order.paid", "--sqs-port", "0",
         "--run", f"{sys.executable} {worker}"],
        capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "CERTIFIED: 12 passed, 0 failed, 0 inconclusive" in run.stdout
    assert "PASS         DeleteMessage with a stale receipt" in run.stdout
