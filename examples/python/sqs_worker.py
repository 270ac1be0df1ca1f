"""An SQS worker for the platform's CloudEvents, on boto3: receives with a long poll, books
each order.paid once per event id, and deletes every message it has handled, a malformed
one included (a message that can never be handled must not come back forever).

    worker = SqsWorker(queue_url, endpoint_url=..., access_key=..., secret_key=...)
    worker.poll_once()      # one ReceiveMessage, its messages handled
    worker.booked           # event id -> the order

Run on its own (`python3 sqs_worker.py`), it polls until stopped; a failed call (throttled,
a 500, a stale receipt handle) is logged and the loop goes on: a message it could not delete
comes back when its visibility timeout ends, and is handled then. `epmock certify sqs --run`
gives it its queue in the environment:

    epmock certify sqs --queue orders --observes order.paid --sqs-port 0 --run "python3 sqs_worker.py"
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any, Dict, Mapping

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


def main(env: Mapping[str, str] = os.environ) -> int:
    """Polls until SIGTERM: what `python3 sqs_worker.py` runs."""
    from botocore.exceptions import BotoCoreError, ClientError

    queue_url = env.get("EPMOCK_QUEUE_URL")
    endpoint = env.get("AWS_ENDPOINT_URL_SQS") or env.get("EPMOCK_SQS_URL")
    if not queue_url or not endpoint:
        print("usage: EPMOCK_QUEUE_URL=URL AWS_ENDPOINT_URL_SQS=URL python3 sqs_worker.py\n"
              '  (epmock certify sqs --run "python3 sqs_worker.py" sets both)', file=sys.stderr)
        return 2
    worker = SqsWorker(
        queue_url,
        endpoint_url=endpoint,
        access_key=env.get("AWS_ACCESS_KEY_ID", "x"),
        secret_key=env.get("AWS_SECRET_ACCESS_KEY", "x"),
        region=env.get("AWS_REGION", "us-east-1"),
        wait_seconds=5,
    )
    while True:
        try:
            worker.poll_once()
        except (ClientError, BotoCoreError) as error:
            print(f"sqs-worker: {error}; polling again", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
