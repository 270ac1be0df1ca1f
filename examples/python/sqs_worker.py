"""An SQS worker for the platform's CloudEvents, on boto3: receives with a long poll, books
each order.paid once per event id, and deletes every message it has handled, a malformed
one included (a message that can never be handled must not come back forever).

    worker = SqsWorker(queue_url, endpoint_url=..., access_key=..., secret_key=...)
    worker.poll_once()      # one ReceiveMessage, its messages handled
    worker.booked           # event id -> the order
"""
from __future__ import annotations

import json
from typing import Any, Dict

import boto3


class SqsWorker:
    def __init__(
        self,
        queue_url: str,
        *,
        endpoint_url: str,
        access_key: str,
        secret_key: str,
        region: str = "us-east-1",
        wait_seconds: int = 1,
    ) -> None:
        self.queue_url = queue_url
        self.wait_seconds = wait_seconds
        self.client: Any = boto3.client(
            "sqs",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
        )
        self.booked: Dict[str, Any] = {}
        self.poison = 0

    def poll_once(self) -> int:
        answer = self.client.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=self.wait_seconds
        )
        messages = answer.get("Messages", [])
        for message in messages:
            self.handle(message["Body"])
            self.client.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)

    def handle(self, body: str) -> None:
        try:
            event = json.loads(body)
        except ValueError:
            self.poison += 1
            return
        if not isinstance(event, dict) or event.get("type") != "order.paid" or not isinstance(event.get("id"), str):
            return
        self.booked.setdefault(event["id"], event.get("data"))
