"""The boto3 SQS worker against epmock's embedded SQS endpoint: it books every order.paid
once, deletes what it handled, and a poison message does not stop it."""
from __future__ import annotations

from typing import Iterator

import boto3
import pytest

import epmock
from sqs_worker import SqsWorker

KEY, SECRET = "AKIAEXAMPLEPYWORKER", "py-worker-secret"


@pytest.fixture(scope="module")
def signed_server() -> Iterator[epmock.Epmock]:
    # An endpoint that verifies SigV4 signatures made with this key, as AWS would.
    with epmock.start(args=["--sqs-credentials", f"{KEY}:{SECRET}"]) as server:
        yield server


def test_books_each_paid_order_and_survives_a_poison_message(signed_server: epmock.Epmock) -> None:
    store = signed_server.store()
    integration = store.create_sqs_integration(
        ["order.paid"], queue="py-orders", aws_access_key_id=KEY, aws_secret_access_key=SECRET
    )
    queue_url = integration["configuration"]["url"]
    assert queue_url == epmock.queue_url(signed_server, "py-orders")
    first = store.trigger("order.paid")
    raw = boto3.client(
        "sqs",
        endpoint_url=signed_server.sqs_url,
        region_name="us-east-1",
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
    )
    raw.send_message(QueueUrl=queue_url, MessageBody="not json at all")
    second = store.trigger("order.paid")
    store.wait_for_event("order.paid", after=first["id"])

    worker = SqsWorker(queue_url, endpoint_url=signed_server.sqs_url, access_key=KEY, secret_key=SECRET)
    for _ in range(20):
        if len(worker.booked) == 2:
            break
        worker.poll_once()
    assert sorted(worker.booked) == sorted([first["id"], second["id"]])
    assert worker.poison == 1
    assert store.sqs_messages("py-orders") == [], "every handled message was deleted"
