"""The consumers of webhook_handler.py and sqs_worker.py with one mistake each, chosen by
--flaw: what `epmock certify` is for. Each flaw is a bug real consumers ship, and each makes
the certify check made to catch it fail (tests/test_flaws.py lists every check with the flaw
that fails it; docs/CERTIFY.md, "Flawed consumers"). Never use these as examples.

    python3 flawed_consumer.py webhook --flaw NAME --secret S --store-id UUID [--port N]
        prints its URL (/hook) and serves, with /effects as the good handler's
    python3 flawed_consumer.py sqs --flaw NAME [--pause-ms N]
        polls the queue `epmock certify sqs --run` gives it in the environment

--flaw none is the good consumer. --pause-ms is how long a "slow" flaw stalls: longer than
certify's --message-timeout-ms, or the flaw goes unseen.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Mapping, Optional, Set
from urllib.parse import parse_qs, urlsplit

WEBHOOK_FLAWS = {
    "none": "the good handler",
    "cold-start": "503 to its first delivery, while it warms up",
    "short-strings-only": "500 to a string longer than 1,900 bytes",
    "strict-enums": "500 to an order status it does not know (the platform may add one)",
    "accepts-any-secret": "checks that x-moltin-secret-key is there, not what it says",
    "accepts-missing-secret": "takes a delivery without x-moltin-secret-key",
    "crashes-on-invalid-json": "500 to a body that is not JSON",
    "crashes-on-other-store": "500 to another store's delivery",
    "acts-on-every-copy": "no idempotency: every copy of an event is acted on",
    "dedupes-only-retries": "looks for a copy only when attempt > 1: a copy of attempt 1 is acted on again",
    "dedupes-by-attempt": "remembers (id, attempt): a retry of an event is acted on again",
    "conflicts-on-known-resource": "409 to a second event about a resource it holds",
    "one-at-a-time": "503 while another delivery is in flight",
}

SQS_FLAWS = {
    "none": "the good worker",
    "reads-another-queue": "polls a queue of its own name, not the one it was given",
    "cold-start": "the first message it receives waits --pause-ms before it is handled",
    "short-strings-only": "leaves (never deletes) a message with a string longer than 1,900 bytes",
    "strict-enums": "leaves a message with an order status it does not know",
    "restarts-slowly-after-non-json": "a body that is not JSON crashes it; it is back --pause-ms later",
    "restarts-slowly-after-unknown-type": "a type it does not know crashes it; it is back --pause-ms later",
    "long-backoff-when-throttled": "waits --pause-ms after a throttled ReceiveMessage",
    "long-backoff-after-500": "waits --pause-ms after a 500 from ReceiveMessage",
    "long-backoff-after-failed-delete": "waits --pause-ms after a DeleteMessage fails",
    "leaves-copies": "an event id it has seen in another message is left, not deleted",
    "one-message-at-a-time": "takes one message a receive and 150 ms a message",
}

KNOWN_STATUSES = {"incomplete", "complete", "processing", "cancelled"}


def has_long_string(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) > 1900
    if isinstance(value, dict):
        return any(has_long_string(v) for v in value.values())
    if isinstance(value, list):
        return any(has_long_string(v) for v in value)
    return False


def unknown_status(data: Any) -> bool:
    return isinstance(data, dict) and "status" in data and data["status"] not in KNOWN_STATUSES


class FlawedWebhookHandler:
    """A webhook handler as webhook_handler.py, for any observed type, with `flaw`."""

    def __init__(self, flaw: str, secret_key: str, store_id: str) -> None:
        self.flaw = flaw
        self.secret_key = secret_key
        self.store_id = store_id
        self.acted: Dict[str, int] = {}
        self._seen: Set[str] = set()
        self._resources: Set[str] = set()
        self._deliveries = 0
        self._in_flight = 0
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    @property
    def effects_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/effects"

    def answer(self, headers: Mapping[str, str], body: bytes) -> int:
        flaw = self.flaw
        with self._lock:
            self._deliveries += 1
            first = self._deliveries == 1
            self._in_flight += 1
        try:
            if flaw == "cold-start" and first:
                return 503
            if flaw == "one-at-a-time":
                time.sleep(0.03)  # the work that makes deliveries overlap
                with self._lock:
                    if self._in_flight > 1:
                        return 503
            secret = headers.get("x-moltin-secret-key")
            if secret is None and flaw != "accepts-missing-secret":
                return 401
            if secret is not None and secret != self.secret_key and flaw != "accepts-any-secret":
                return 401
            try:
                envelope = json.loads(body)
            except ValueError:
                return 500 if flaw == "crashes-on-invalid-json" else 400
            if not isinstance(envelope, dict):
                return 400
            if envelope.get("store_id") != self.store_id:
                return 500 if flaw == "crashes-on-other-store" else 200
            payload = envelope.get("payload")
            data = payload.get("data") if isinstance(payload, dict) else None
            if flaw == "short-strings-only" and has_long_string(payload):
                return 500
            if flaw == "strict-enums" and unknown_status(data):
                return 500
            event_id = str(envelope.get("id"))
            key = f"{event_id}/{envelope.get('attempt')}" if flaw == "dedupes-by-attempt" else event_id
            trusted = flaw == "acts-on-every-copy" or (flaw == "dedupes-only-retries" and envelope.get("attempt") == 1)
            resource = str(data.get("id", "")) if isinstance(data, dict) else ""
            with self._lock:
                if key in self._seen and not trusted:
                    return 200
                if (flaw == "conflicts-on-known-resource" and resource and resource in self._resources
                        and key not in self._seen):
                    return 409
                self._seen.add(key)
                self._resources.add(resource)
                self.acted[event_id] = self.acted.get(event_id, 0) + 1
            return 200
        finally:
            with self._lock:
                self._in_flight -= 1

    def start(self, port: int = 0) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def reply(self, status: int, body: bytes = b"") -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                event_id = (parse_qs(url.query).get("event_id") or [""])[0]
                with owner._lock:
                    times = owner.acted.get(event_id)
                self.reply(200 if url.path == "/effects" else 404,
                           json.dumps({event_id: times} if times else {}).encode())

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.reply(owner.answer({k.lower(): v for k, v in self.headers.items()}, body))

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def run_flawed_sqs_worker(flaw: str, pause_ms: int, env: Mapping[str, str]) -> None:
    """An SQS worker as sqs_worker.py, with `flaw`; polls until the process ends."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    queue_url = env["EPMOCK_QUEUE_URL"] + ("-mine" if flaw == "reads-another-queue" else "")
    client: Any = boto3.client(
        "sqs",
        endpoint_url=env.get("AWS_ENDPOINT_URL_SQS") or env.get("EPMOCK_SQS_URL"),
        region_name=env.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=env.get("AWS_ACCESS_KEY_ID", "x"),
        aws_secret_access_key=env.get("AWS_SECRET_ACCESS_KEY", "x"),
        # boto3's own retries off: each failed call is this worker's to handle, flaw and all.
        config=Config(retries={"total_max_attempts": 1}),
    )
    pause = pause_ms / 1000
    event_of: Dict[str, str] = {}  # event id -> the MessageId it first came in
    received = 0

    def handle(message: Dict[str, Any]) -> str:
        nonlocal received
        received += 1
        if flaw == "cold-start" and received == 1:
            time.sleep(pause)
        if flaw == "one-message-at-a-time":
            time.sleep(0.15)
        try:
            event = json.loads(message["Body"])
        except ValueError:
            return "crash" if flaw == "restarts-slowly-after-non-json" else "delete"
        if not isinstance(event, dict):
            return "delete"
        if isinstance(event.get("type"), str) and not event["type"].startswith("order."):
            return "crash" if flaw == "restarts-slowly-after-unknown-type" else "delete"
        if flaw == "short-strings-only" and has_long_string(event.get("data")):
            return "leave"
        if flaw == "strict-enums" and unknown_status(event.get("data")):
            return "leave"
        first = event_of.setdefault(str(event.get("id")), message["MessageId"])
        if flaw == "leaves-copies" and first != message["MessageId"]:
            return "leave"
        return "delete"

    def remove(message: Dict[str, Any]) -> None:
        try:
            client.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        except (ClientError, BotoCoreError) as error:
            print(f"flawed worker: DeleteMessage: {error}", file=sys.stderr, flush=True)
            if flaw == "long-backoff-after-failed-delete":
                time.sleep(pause)

    while True:
        try:
            answer = client.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=1 if flaw == "one-message-at-a-time" else 10,
                WaitTimeSeconds=1)
        except ClientError as error:
            print(f"flawed worker: ReceiveMessage: {error}", file=sys.stderr, flush=True)
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
            throttled = "Throttl" in code
            if (throttled and flaw == "long-backoff-when-throttled") or (
                    status >= 500 and flaw == "long-backoff-after-500"):
                time.sleep(pause)
            else:
                time.sleep(0.05)
            continue
        except BotoCoreError as error:
            print(f"flawed worker: ReceiveMessage: {error}", file=sys.stderr, flush=True)
            time.sleep(0.05)
            continue
        for message in answer.get("Messages", []):
            outcome = handle(message)
            if outcome == "crash":
                # Deleted first, so that it does not crash the worker again when it comes back.
                remove(message)
                print("flawed worker: crashed; back after a slow restart", file=sys.stderr, flush=True)
                time.sleep(pause)
                break  # the rest of the batch comes back when its visibility timeout ends
            if outcome == "delete":
                remove(message)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="flawed_consumer.py",
        epilog="webhook flaws: " + ", ".join(WEBHOOK_FLAWS) + "; sqs flaws: " + ", ".join(SQS_FLAWS))
    parser.add_argument("kind", choices=["webhook", "sqs"])
    parser.add_argument("--flaw", default="none")
    parser.add_argument("--secret")
    parser.add_argument("--store-id")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--pause-ms", type=int, default=5000)
    args = parser.parse_args(argv)
    flaws = WEBHOOK_FLAWS if args.kind == "webhook" else SQS_FLAWS
    if args.flaw not in flaws:
        print(f"flawed_consumer.py: no {args.kind} flaw {args.flaw!r}; the flaws are:", file=sys.stderr)
        for name, what in flaws.items():
            print(f"  {name}: {what}", file=sys.stderr)
        return 2
    if args.kind == "sqs":
        run_flawed_sqs_worker(args.flaw, args.pause_ms, os.environ)
        return 0
    if not args.secret or not args.store_id:
        print("usage: flawed_consumer.py webhook --flaw NAME --secret S --store-id UUID [--port N]", file=sys.stderr)
        return 2
    handler = FlawedWebhookHandler(args.flaw, args.secret, args.store_id)
    handler.start(args.port)
    print(handler.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    handler.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
