"""STOMP peers, run by CTest; exits non-zero on failure.

1. Debian's python3-stomp subscribes to the broker embedded in `epmock serve` and receives
   epmock's stomp deliveries (client-individual acks, a NACK redelivered).
2. The broker's faults, as python3-stomp meets them: a dropped connection and an ERROR frame
   instead of a delivery; the consumer reconnects, subscribes again and gets the message.
3. `epmock certify stomp` grades a python3-stomp consumer (stomp_consumer.py) that it starts
   with --run: the consumer passes every check; on ack:auto every check after "connects" is
   inconclusive (exit 3), as its losses cannot be seen.
4. A real ActiveMQ (Debian's `activemq`, run from its jar with a STOMP connector on a free
   loopback port, as shared/brokers.md describes) receives epmock's stomp deliveries, read
   back with python3-stomp.
"""
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import stomp

BIN = os.environ.get("EPMOCK_BIN", os.path.join(os.path.dirname(__file__), "../../build/epmock"))
ACTIVEMQ = "/usr/share/activemq"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from activemq import start_activemq  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_epmock():
    proc = subprocess.Popen([BIN, "serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--time-scale", "0.001"],
                            stdout=subprocess.PIPE, text=True)
    m = re.match(r"epmock ready api=(\S+) sqs=(\S+) stomp=stomp://([^:]+):(\d+)", proc.stdout.readline())
    if not m:
        proc.kill()
        sys.exit("epmock did not get ready")
    return proc, m.group(1), m.group(3), int(m.group(4))


class Api:
    def __init__(self, base, client_id):
        self.base = base
        self.token = self.call("POST", "/oauth/access_token", form=f"grant_type=client_credentials&client_secret=s&client_id={client_id}")[1]["access_token"]

    def call(self, method, path, body=None, form=None):
        data = json.dumps(body).encode() if body is not None else (form.encode() if form else None)
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Content-Type", "application/x-www-form-urlencoded" if form else "application/json")
        if getattr(self, "token", None):
            req.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(req) as r:
            return r.status, json.loads(r.read() or b"null")

    def stomp_integration(self, address, destination, login=None, passcode=None):
        config = {"addresses": [address], "destination": destination}
        if login:
            config.update(username=login, password=passcode)
        status, created = self.call("POST", "/v2/integrations", {"data": {
            "type": "integration", "name": "to STOMP", "integration_type": "stomp", "enabled": True,
            "observes": ["order.paid"], "configuration": config}})
        assert status == 201, created
        return created["data"]["id"]

    def fire(self):
        status, event = self.call("POST", "/__admin/events", {"type": "order.paid"})
        assert status == 201, event
        return event["data"]["id"]


class Collector(stomp.ConnectionListener):
    def __init__(self):
        self.frames = queue.Queue()
        self.errors = queue.Queue()
        self.disconnected = queue.Queue()

    def on_message(self, frame):
        self.frames.put(frame)

    def on_error(self, frame):
        self.errors.put(frame)

    def on_disconnected(self):
        self.disconnected.put(True)

    def next(self, timeout=15):
        return self.frames.get(timeout=timeout)


def consumer(port, destination, ack="auto", login=None, passcode=None, host="/"):
    conn = stomp.Connection12([("127.0.0.1", port)], vhost=host, heartbeats=(0, 0))
    listener = Collector()
    conn.set_listener("collector", listener)
    conn.connect(login, passcode, wait=True)
    conn.subscribe(destination=destination, id="peer", ack=ack)
    return conn, listener


def check_event(frame, expected_id, integration_id):
    event = json.loads(frame.body)
    assert event["specversion"] == "1.0" and event["type"] == "order.paid", event
    assert event["id"] == expected_id, (event["id"], expected_id)
    assert event["integrationid"] == integration_id
    assert frame.headers.get("content-type", "").startswith("application/json"), frame.headers


def embedded_broker():
    proc, base, host, port = start_epmock()
    try:
        api = Api(base, "stomp-peer")
        conn, listener = consumer(port, "/queue/orders", ack="client-individual")
        integration = api.stomp_integration(f"stomp://{host}:{port}", "/queue/orders")
        fired = [api.fire() for _ in range(3)]
        got = [listener.next() for _ in range(3)]
        assert sorted(json.loads(f.body)["id"] for f in got) == sorted(fired)
        for frame in got:
            check_event(frame, json.loads(frame.body)["id"], integration)
        conn.nack(got[0].headers["ack"])  # the broker redelivers what is NACKed
        again = listener.next()
        assert json.loads(again.body)["id"] == json.loads(got[0].body)["id"]
        for frame in got[1:] + [again]:
            conn.ack(frame.headers["ack"])
        conn.disconnect()
        print("embedded broker: python3-stomp received 3 deliveries, NACK redelivered")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def wait_for_subscribers(api, destination, count, timeout=15):
    """Until the broker counts `count` subscriptions on the destination: a fault takes the
    next delivery's subscriber, which must be the consumer the check means."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _, listed = api.call("GET", "/__admin/stomp/destinations")
        if sum(d["subscribers"] for d in listed["data"] if d["name"] == destination) == count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{destination} did not get to {count} subscriber(s)")


def embedded_broker_faults():
    proc, base, host, port = start_epmock()
    try:
        api = Api(base, "stomp-fault-peer")
        api.stomp_integration(f"stomp://{host}:{port}", "/queue/faulty")
        for error in ("drop_connection", "error_frame"):
            wait_for_subscribers(api, "/queue/faulty", 0)  # the last round's consumer has gone
            conn, listener = consumer(port, "/queue/faulty", ack="client-individual")
            wait_for_subscribers(api, "/queue/faulty", 1)
            status, fault = api.call("POST", "/__admin/stomp/faults", {"error": error, "destination": "/queue/faulty"})
            assert status == 201, fault
            fired = api.fire()
            # The connection goes instead of the delivery: the client sees it end.
            assert listener.disconnected.get(timeout=15)
            if error == "error_frame":
                frame = listener.errors.get(timeout=5)
                assert "error_frame" in frame.headers.get("message", ""), frame.headers
            assert listener.frames.empty(), "the message was not delivered to the dropped connection"
            # A consumer that reconnects and subscribes again gets it: nothing was lost.
            conn, listener = consumer(port, "/queue/faulty", ack="client-individual")
            frame = listener.next()
            assert json.loads(frame.body)["id"] == fired
            conn.ack(frame.headers["ack"])
            conn.disconnect()
        status, left = api.call("GET", "/__admin/stomp/faults")
        assert left["data"] == [], left
        print("embedded broker faults: python3-stomp saw a dropped connection and an ERROR frame, "
              "reconnected and got each message")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


def certify_consumer():
    consumer_py = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stomp_consumer.py")
    with tempfile.TemporaryDirectory() as out:
        report_path = os.path.join(out, "report.json")
        for ack, code in (("client-individual", 0), ("auto", 3)):
            run = f"{sys.executable} {consumer_py}" + (" --ack auto" if ack == "auto" else "")
            done = subprocess.run([BIN, "certify", "stomp", "--destination", "/queue/orders", "--observes",
                                   "order.paid,order.fulfilled", "--stomp-port", "0", "--message-timeout-ms",
                                   "15000", "--run", run, "--json", report_path],
                                  capture_output=True, text=True, timeout=300)
            assert done.returncode == code, (ack, done.returncode, done.stdout, done.stderr)
            with open(report_path) as f:
                report = json.load(f)
            verdicts = {c["name"]: c["verdict"] for c in report["checks"]}
            assert len(verdicts) == 14, verdicts  # connects, 2 types x 3, 2 poisons, 2 faults, 3 more
            assert verdicts["connects"] == "pass", verdicts
            others = {name: v for name, v in verdicts.items() if name != "connects"}
            want = "pass" if ack == "client-individual" else "inconclusive"
            assert set(others.values()) == {want}, (ack, done.stdout)
    print("certify stomp: a python3-stomp consumer passes every check; on ack:auto the rest are inconclusive")


def activemq():
    if not os.path.exists(f"{ACTIVEMQ}/bin/activemq.jar"):
        sys.exit("ActiveMQ is not installed (apt-get install activemq)")
    workdir = tempfile.mkdtemp(prefix="epmock-activemq-")
    port = free_port()
    broker = start_activemq(workdir, port)
    proc, base, _, _ = start_epmock()
    try:
        api = Api(base, "activemq-peer")
        integration = api.stomp_integration(f"stomp://127.0.0.1:{port}", "/queue/epmock.orders", "epmock", "any")
        fired = [api.fire() for _ in range(3)]
        status, _ = api.call("GET", "/__admin/idle?timeout_ms=30000")
        assert status == 200
        status, logs = api.call("GET", "/__admin/deliveries")
        assert all(log["succeeded"] for log in logs["data"]), logs
        conn, listener = consumer(port, "/queue/epmock.orders")
        got = [listener.next() for _ in range(3)]
        assert sorted(json.loads(f.body)["id"] for f in got) == sorted(fired)
        for frame in got:
            check_event(frame, json.loads(frame.body)["id"], integration)
        conn.disconnect()
        print("ActiveMQ: received 3 deliveries from epmock, read back with python3-stomp")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        broker.send_signal(signal.SIGTERM)
        try:
            broker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            broker.kill()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    embedded_broker()
    embedded_broker_faults()
    certify_consumer()
    activemq()
    print("stomp peers: 4 passed, 0 failed")
