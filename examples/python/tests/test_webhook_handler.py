"""The webhook handler against epmock, through the kit's pytest fixtures: duplicates are
booked once, a wrong secret is refused."""
from __future__ import annotations

from typing import Iterator

import pytest

from epmock import Store
from webhook_handler import WebhookHandler


@pytest.fixture
def handler() -> Iterator[WebhookHandler]:
    h = WebhookHandler(secret_key="my-secret")
    h.start()
    yield h
    h.stop()


def test_books_a_paid_order_once_however_often_delivered(epmock: Store, handler: WebhookHandler) -> None:
    epmock.create_webhook_integration(["order.paid"], url=handler.url, secret_key="my-secret")
    epmock.add_fault(duplicate=2)
    fired = epmock.trigger("order.paid")
    epmock.request("GET", "/__admin/wait?deliveries=3&timeout_ms=10000")
    assert [log["status_code"] for log in epmock.logs()] == [200, 200, 200]
    assert list(handler.booked) == [fired["id"]]
    assert handler.booked[fired["id"]]["payment"] == "paid"


def test_refuses_the_wrong_secret(epmock: Store, handler: WebhookHandler) -> None:
    epmock.create_webhook_integration(["order.paid"], url=handler.url, secret_key="my-secret")
    epmock.add_fault(refuse="wrong_secret")
    fired = epmock.trigger("order.paid")
    epmock.request("GET", "/__admin/wait?deliveries=1&timeout_ms=10000")
    assert epmock.logs()[0]["status_code"] == 401
    assert fired["id"] not in handler.booked
