"""The Python kit against a real ``epmock serve``: what a test does with it, through its
pytest fixtures and on its own; twenty stores at once without cross-talk; how each failure
reads."""
from __future__ import annotations

import datetime
import json
import os
import tempfile
import threading
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import pytest

import epmock
from epmock import EpmockError, Store


def test_a_store_from_the_fixture(epmock: Store) -> None:  # noqa: F811 (the fixture's name)
    server = epmock.server
    assert server.api_url.startswith("http://127.0.0.1:")
    assert server.sqs_url.startswith("http://127.0.0.1:")
    assert server.stomp_url.startswith("stomp://127.0.0.1:")
    hook = epmock.create_webhook_integration(["order.paid"], secret_key="s3cret")
    assert hook["configuration"]["url"] == f"{server.api_url}/__sink/webhook/{epmock.sink}"
    sqs = epmock.create_sqs_integration(["order.paid"], queue="py-kit-orders")
    assert sqs["configuration"]["url"].endswith("/000000000000/py-kit-orders")
    stomp = epmock.create_stomp_integration(["order.paid"], destination="/queue/py-kit")
    assert stomp["configuration"]["addresses"] == [server.stomp_url]

    fired = epmock.trigger("order.paid")
    assert epmock.wait_for_event("order.paid", after="")["id"] == fired["id"]
    epmock.request("GET", "/__admin/wait?deliveries=3&timeout_ms=10000")
    [request] = epmock.webhook_deliveries()
    assert request["headers"]["x-moltin-secret-key"] == "s3cret"
    assert request["body"]["id"] == fired["id"]
    [message] = epmock.sqs_messages("py-kit-orders")
    assert message["body"]["type"] == "order.paid"
    assert len(epmock.logs()) == 3

    batch = epmock.trigger_batch("order.created", count=3, seed=7)
    assert len(batch) == 3
    run = epmock.run_story("checkout", seed=1)
    assert epmock.wait_for_story(run["id"], timeout=20)["state"] == "delivered"
    epmock.add_fault(fail_first_attempts=1)
    epmock.add_api_fault(status=503, requests=1)
    with pytest.raises(EpmockError) as refused:
        epmock.request("GET", "/v2/integrations")
    assert refused.value.status == 503
    fault = epmock.add_sqs_fault(action="ReceiveMessage", error="throttled", requests=2)
    assert fault["requests"] == 2
    assert [f["id"] for f in epmock.sqs_faults()] == [fault["id"]]
    with pytest.raises(EpmockError) as bad:
        epmock.add_sqs_fault(action="SendMessage", error="throttled")
    assert bad.value.status == 422
    epmock.clear_sqs_faults()
    assert epmock.sqs_faults() == []
    stomp_fault = epmock.add_stomp_fault(error="error_frame", destination="/queue/kit", messages=2)
    assert stomp_fault["messages"] == 2
    assert [f["id"] for f in epmock.stomp_faults()] == [stomp_fault["id"]]
    with pytest.raises(EpmockError) as refused:
        epmock.add_stomp_fault(error="slow")
    assert refused.value.status == 422
    epmock.clear_stomp_faults()
    assert epmock.stomp_faults() == []
    epmock.reset()
    assert epmock.logs() == []


def test_wait_for_event_waits_for_one_fired_after_the_call(epmock: Store) -> None:  # noqa: F811
    epmock.create_webhook_integration(["order.paid"])
    old = epmock.trigger("order.paid")
    epmock.wait_for_event("order.paid", after="")
    # Each event is returned once: the one already returned is not what it waits for.
    with pytest.raises(EpmockError, match="no order.paid event delivered within 0.1 s after "):
        epmock.wait_for_event("order.paid", timeout=0.1)
    new = epmock.trigger("order.paid")
    assert epmock.wait_for_event("order.paid")["id"] == new["id"]
    third = epmock.trigger("order.paid")
    assert epmock.wait_for_event("order.paid", after=old["id"])["id"] == new["id"]
    assert epmock.wait_for_event("order.paid")["id"] == third["id"]


def test_a_crashed_boto3_worker_sees_its_message_again_after_the_visibility_timeout(
    epmock_clock: Store,
) -> None:
    import boto3  # type: ignore  # Debian's python3-boto3 ships no type information

    server = epmock_clock.server
    sqs = boto3.client(
        "sqs",
        endpoint_url=server.sqs_url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    integration = epmock_clock.create_sqs_integration(["order.paid"], queue="py-clock-work")
    url = integration["configuration"]["url"]
    fired = epmock_clock.trigger("order.paid")
    epmock_clock.clock.advance(0)  # the delivery, made before it returns
    [first] = sqs.receive_message(QueueUrl=url, AttributeNames=["All"], VisibilityTimeout=30)["Messages"]
    assert json.loads(first["Body"])["id"] == fired["id"]
    assert first["Attributes"]["SentTimestamp"] == str(1893456000000)
    # The worker "crashes": no DeleteMessage. The message stays in flight for 30 s of the clock.
    epmock_clock.clock.advance(29)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    epmock_clock.clock.advance(1)
    [again] = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
    assert again["MessageId"] == first["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])


def test_the_clock_fixture_runs_retries_until_idle_and_delays_a_message(epmock_clock: Store) -> None:
    import boto3

    clock = epmock_clock.clock
    assert clock.now() == datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    epmock_clock.create_webhook_integration(["order.paid"])
    epmock_clock.request("PUT", f"/__admin/sinks/webhook/{epmock_clock.sink}", {"responses": [{"status": 500}]})
    epmock_clock.trigger("order.paid")
    assert clock.run_until_idle(max=3600)["now"] == "2030-01-01T00:00:15.000Z"
    assert len(epmock_clock.webhook_deliveries()) == 5
    sqs = boto3.client(
        "sqs",
        endpoint_url=epmock_clock.server.sqs_url,
        region_name="us-east-1",
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="secret",
    )
    url = sqs.create_queue(QueueName="py-clock-delayed")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=90)
    clock.advance(89.999)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    clock.advance_to("2030-01-01T00:01:45Z")  # 15 s + 90 s
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    assert message["Body"] == "later"
    with pytest.raises(EpmockError, match="time never runs backwards"):
        clock.advance_to("2030-01-01T00:00:00Z")


def test_a_real_clock_is_read_but_not_moved(epmock: Store) -> None:  # noqa: F811
    assert epmock.clock.read()["mode"] == "real"
    with pytest.raises(EpmockError) as refused:
        epmock.clock.advance(1)
    assert refused.value.status == 409
    assert "This server's clock is real" in str(refused.value)


def test_twenty_stores_at_once_see_only_their_own(epmock_server: epmock.Epmock) -> None:
    def one(i: int) -> Dict[str, List[Any]]:
        store = epmock_server.store(f"py-parallel-{os.getpid()}-{i}")
        store.create_webhook_integration(["order.paid"])
        fired = [store.trigger("order.paid")["id"] for _ in range(3)]
        store.request("GET", "/__admin/wait?deliveries=3&timeout_ms=20000")
        received = [r["body"]["id"] for r in store.webhook_deliveries()]
        events = [e["id"] for e in store.request("GET", "/__admin/events")["data"] if e["type"] == "order.paid"]
        return {"fired": fired, "received": received, "events": events}

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, range(20)))
    assert len({i for r in results for i in r["fired"]}) == 60
    for r in results:
        assert sorted(r["received"]) == sorted(r["fired"])
        assert sorted(r["events"]) == sorted(r["fired"])


def test_attached_to_a_server_with_its_admin_token() -> None:
    token_file = os.path.join(tempfile.mkdtemp(prefix="epmock-py-"), "admin-token")
    with epmock.start(args=["--host", "0.0.0.0", "--admin-token-file", token_file]) as started:
        assert len(started.token) == 48
        with open(token_file) as f:
            assert f.read().strip() == started.token
        attached = epmock.connect(started.api_url + "/", token=started.token)
        assert (attached.sqs_url, attached.stomp_url) == (started.sqs_url, started.stomp_url)
        store = attached.store()
        store.create_webhook_integration(["order.paid"])
        fired = store.trigger("order.paid")
        assert store.wait_for_event("order.paid", after="")["id"] == fired["id"]
        attached.stop()  # only lets go
        with urllib.request.urlopen(f"{started.api_url}/__admin/health") as health:
            assert health.status == 200
        stranger = epmock.connect(started.api_url, token="wrong-token-123").store()
        with pytest.raises(EpmockError, match=r"401 Unauthorized: .*admin token"):
            stranger.trigger("order.paid")


def test_failures_read_well(epmock: Store, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    with pytest.raises(EpmockError, match="no binary at /nonexistent/epmock"):
        epmock_start_nowhere()
    monkeypatch.delenv("EPMOCK_BIN", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(EpmockError, match="no epmock binary: pass binary=, set EPMOCK_BIN"):
        epmock_start()
    monkeypatch.undo()
    with pytest.raises(EpmockError, match=r"exited \(code \d+\) before its ready line[\s\S]*--max-attempts") as exited:
        epmock_start(args=["--max-attempts", "0"])
    assert "--max-attempts" in (exited.value.stderr or "")
    with pytest.raises(EpmockError, match="no answer from http://127.0.0.1:1"):
        epmock_connect("http://127.0.0.1:1")

    with pytest.raises(EpmockError, match=r"POST /v2/integrations: 422 ") as refused:
        epmock.create_webhook_integration([])
    assert refused.value.status == 422
    assert isinstance(refused.value.body, dict) and refused.value.body["errors"]
    epmock.create_webhook_integration(["order.paid"])
    epmock.trigger("order.paid")
    with pytest.raises(
        EpmockError, match=r"no order.refunded event delivered within 0.2 s; the store's newest events are: order.paid"
    ) as waited:
        epmock.wait_for_event("order.refunded", timeout=0.2, after="")
    assert waited.value.arrived[0]["type"] == "order.paid"


def epmock_start_nowhere() -> None:
    epmock.start(binary="/nonexistent/epmock")


def epmock_start(**kwargs: Any) -> None:
    epmock.start(**kwargs).stop()


def epmock_connect(url: str) -> None:
    epmock.connect(url)


def test_certify_grades_a_stomp_consumer_started_once_the_run_says_where_its_broker_is(
    epmock: Store,  # noqa: F811
) -> None:
    """A STOMP run from the kit: the run says where its broker listens (run["stomp"]), a
    python3-stomp consumer in this test subscribes there, acknowledges each message and comes
    back when the broker drops it; every check passes."""
    import time

    import stomp  # type: ignore

    run = epmock.start_certify(kind="stomp", destination="/queue/orders", observes=["order.paid"],
                               connect_timeout_ms=20000, message_timeout_ms=10000)
    deadline = time.monotonic() + 20
    while "stomp" not in run and run["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.02)  # the run's broker starts in a moment; the run says so once it listens
        run = epmock.certify_run(str(run["id"]))
    assert "stomp" in run, run
    broker = urllib.parse.urlparse(run["stomp"]["stomp_url"])
    stop = threading.Event()

    def consume() -> None:
        while not stop.is_set():
            lost = threading.Event()
            conn = stomp.Connection12([(broker.hostname, broker.port)], heartbeats=(0, 0))

            class Handler(stomp.ConnectionListener):  # type: ignore[misc]
                def on_message(self, frame: Any) -> None:
                    conn.ack(frame.headers["ack"])

                def on_disconnected(self) -> None:
                    lost.set()

            conn.set_listener("handler", Handler())
            try:
                conn.connect(wait=True)
                conn.subscribe(destination=run["stomp"]["destination"], id="orders", ack="client-individual")
            except stomp.exception.StompException:
                lost.set()
            while not stop.is_set() and not lost.wait(0.1):
                pass
            if conn.is_connected():
                conn.disconnect()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    try:
        ended = epmock.certify_run(str(run["id"]), wait=60)
        assert ended["status"] == "pass", ended["checks"]
        names = [c["name"] for c in ended["checks"]]
        assert "connection dropped" in names and "ERROR frame" in names
        assert ended["report"]["kind"] == "stomp"
    finally:
        stop.set()
        consumer.join(timeout=10)


def test_certify_grades_a_webhook_consumer_and_names_what_failed(epmock: Store) -> None:  # noqa: F811
    """epmock certify from the kit: a consumer in this test, graded by the running server on a
    server of its own; a flawed one fails the checks made to catch it."""
    import http.server

    store_id = "4a7b2c1e-0000-4000-8000-00000000a11e"
    acted: Dict[str, int] = {}
    flaws = {"accept_any_secret": False}

    class Consumer(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def answer(self, status: int, body: str = "{}") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
            event_id = query.get("event_id", [""])[0]
            self.answer(200, json.dumps({event_id: acted[event_id]} if event_id in acted else {}))

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if not flaws["accept_any_secret"] and self.headers.get("x-moltin-secret-key") != "s3cret":
                return self.answer(401)
            try:
                event = json.loads(body)
            except ValueError:
                return self.answer(400)
            if isinstance(event, dict) and event.get("store_id") == store_id:
                acted.setdefault(str(event.get("id")), 1)
            self.answer(200)

    consumer = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Consumer)
    threading.Thread(target=consumer.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{consumer.server_address[1]}"
        options: Dict[str, Any] = dict(
            url=f"{base}/hook", secret="s3cret", observes=["order.paid"], effects_url=f"{base}/effects",
            store_id=store_id, timeout_ms=3000, settle_ms=1500, burst=8,
        )
        run = epmock.certify(**options)
        assert run["status"] == "pass", run["checks"]
        assert run["checks_done"] == 12
        flaws["accept_any_secret"] = True
        flawed = epmock.certify(**options)
        assert flawed["status"] == "fail"
        assert [c["name"] for c in flawed["checks"] if c["verdict"] == "fail"] == ["wrong_secret", "missing_secret"]
        with pytest.raises(EpmockError, match="burst must be 1 to 200"):
            epmock.certify(**{**options, "burst": 999})
    finally:
        consumer.shutdown()
        consumer.server_close()
