"""A webhook receiver for order.paid, on Python's own http.server: checks the shared secret
the integration sends as x-moltin-secret-key, and books each paid order once per event,
however often the platform delivers it (at least once).

    handler = WebhookHandler(secret_key="my-secret")
    handler.start()         # handler.url: give it to the webhook integration
    handler.booked          # event id -> the order
    handler.stop()

Answers 200 when booked or already booked (a duplicate must not be retried), 200 for other
events (ignored), 401 for a wrong or missing secret, 400 for a body that is not an
order.paid envelope, and 200 without booking for another store's order when store_id is
given. GET /effects?event_id=ID answers {"<id>": <times booked>} (a missing id: never),
which `epmock certify webhook --effects-url` reads to prove each event was booked once.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Optional
from urllib.parse import parse_qs, urlsplit


class WebhookHandler:
    def __init__(self, secret_key: str, store_id: Optional[str] = None) -> None:
        self.secret_key = secret_key
        self.store_id = store_id
        self.booked: Dict[str, Any] = {}
        self.times: Dict[str, int] = {}  # event id -> times booked: once, or the handler is wrong
        self.requests = 0
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None

    @property
    def effects_url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/effects"

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/webhooks/order-paid"

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path != "/effects":
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                event_id = (parse_qs(url.query).get("event_id") or [""])[0]
                with owner._lock:
                    times = owner.times.get(event_id)
                body = json.dumps({event_id: times} if times else {}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                self.send_response(owner.answer(dict(self.headers.items()), body))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    def answer(self, headers: Dict[str, str], body: bytes) -> int:
        lower = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.requests += 1
        if lower.get("x-moltin-secret-key") != self.secret_key:
            return 401
        if lower.get("x-moltin-integration-trigger") != "order.paid":
            return 200
        try:
            envelope = json.loads(body)
        except ValueError:
            return 400
        if not isinstance(envelope, dict) or not isinstance(envelope.get("id"), str):
            return 400
        payload = envelope.get("payload")
        if not isinstance(payload, dict) or "data" not in payload:
            return 400
        if self.store_id is not None and envelope.get("store_id") != self.store_id:
            return 200  # never ours: acknowledged, never booked (a retry would not help)
        with self._lock:
            if envelope["id"] not in self.booked:
                self.booked[envelope["id"]] = payload["data"]
                self.times[envelope["id"]] = self.times.get(envelope["id"], 0) + 1
        return 200
