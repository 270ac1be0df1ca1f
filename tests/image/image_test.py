#!/usr/bin/env python3
"""epmock's image, built from Containerfile, as a user runs it.

usage: image_test.py IMAGE BASE_IMAGE [FIGURES_FILE]

These machines reach no registry and cannot make cgroups or network namespaces
(../shared/containers.md), so the README's `docker run` lines run translated to
`buildah run --isolation chroot` with the same image, command and environment: the
container shares the host's network, so the published ports (-p) become free ports given
as EPMOCK_PORT, EPMOCK_SQS_PORT and EPMOCK_STOMP_PORT, and host.docker.internal becomes
127.0.0.1. Port mapping itself is not exercised; a client that reaches epmock under another
name and port is (its Host header), with an SQS integration made from the queue URL it was
given.

Checks: what the image is (non-root user, exposed ports, HEALTHCHECK, entrypoint, sizes);
the ready line and how long it takes; `epmock health` as the HEALTHCHECK runs it; a webhook
to a receiver on the host; the queue URL behind a "mapping"; the token epmock makes when
none is given, kept where only its user reads it.
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

IMAGE, BASE = sys.argv[1], sys.argv[2]
FIGURES = sys.argv[3] if len(sys.argv) > 3 else ""
TOKEN = "change-me-please"


def fail(message):
    print(f"image: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def inspect(image, fmt):
    return subprocess.run(["podman", "image", "inspect", "--format", fmt, image],
                          check=True, capture_output=True, text=True).stdout.strip()


def free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Container:
    """`buildah run --isolation chroot` of the image's command, in a working container of its own."""

    def __init__(self, env):
        self.name = f"epmock-image-test-{uuid.uuid4().hex[:12]}"
        subprocess.run(["buildah", "from", "--name", self.name, IMAGE], check=True, capture_output=True)
        self.ports = free_ports(3)
        env = dict(env, EPMOCK_PORT=str(self.ports[0]), EPMOCK_SQS_PORT=str(self.ports[1]),
                   EPMOCK_STOMP_PORT=str(self.ports[2]))
        # The container's environment, for its command and for what runs beside it (as
        # Docker runs a HEALTHCHECK).
        self.env_flags = [flag for key, value in env.items() for flag in ("--env", f"{key}={value}")]
        command = ["buildah", "run", "--isolation", "chroot"] + self.env_flags
        # The image's ENTRYPOINT and CMD: epmock serve --host 0.0.0.0.
        entrypoint = json.loads(inspect(IMAGE, "{{json .Config.Entrypoint}}"))
        cmd = json.loads(inspect(IMAGE, "{{json .Config.Cmd}}"))
        self.started = time.monotonic()
        self.process = subprocess.Popen(command + [self.name, "--"] + entrypoint + cmd,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.ready = self.process.stdout.readline().strip()
        self.ready_seconds = time.monotonic() - self.started
        if not self.ready.startswith("epmock ready api="):
            self.stop()
            fail(f"no ready line: {self.ready!r}; stderr: {self.process.stderr.read()}")
        self.api = self.ready.split()[2][len("api="):]

    def run(self, *args):
        return subprocess.run(["buildah", "run", "--isolation", "chroot"] + self.env_flags + [self.name, "--"] + list(args),
                              capture_output=True, text=True)

    def epmock_pid(self):
        """epmock's own PID: buildah run's chroot isolation ends its child with SIGKILL when
        buildah itself is signalled, so epmock is stopped by its PID, as docker stop would."""
        pending = [self.process.pid]
        while pending:
            pid = pending.pop()
            children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
            for child in children:
                with open(f"/proc/{child}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                if argv and argv[0].endswith(b"/epmock"):
                    return int(child)
                pending.append(int(child))
        return None

    def stop(self):
        pid = self.epmock_pid()
        if pid:
            os.kill(pid, 15)  # SIGTERM: epmock exits 0
        else:
            self.process.terminate()
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = None
        stderr = self.process.stderr.read()
        return code, stderr

    def remove(self):
        subprocess.run(["buildah", "rm", self.name], capture_output=True)


def call(api, method, path, body=None, bearer="", admin=TOKEN, host=None, form=None):
    headers = {"X-Epmock-Admin-Token": admin} if admin else {}
    if bearer:
        headers["Authorization"] = f"Bearer {bearer}"
    if host:
        headers["Host"] = host
    data = None
    if form is not None:
        data = "&".join(f"{k}={v}" for k, v in form.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(api + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            text = answer.read().decode()
            return answer.status, json.loads(text) if text else None
    except urllib.error.HTTPError as refused:
        text = refused.read().decode()
        return refused.code, json.loads(text) if text.startswith("{") else text


def token_for(api, client_id):
    status, body = call(api, "POST", "/oauth/access_token", admin="",
                        form={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"})
    if status != 200:
        fail(f"no token: {status} {body}")
    return body["access_token"]


class Receiver(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Receiver.received.append((dict(self.headers.items()), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    # What the image is.
    user = inspect(IMAGE, "{{.Config.User}}")
    if user in ("", "root", "0"):
        fail(f"runs as {user!r}")
    ports = inspect(IMAGE, "{{json .Config.ExposedPorts}}")
    for port in ("8080/tcp", "9324/tcp", "61613/tcp"):
        if port not in ports:
            fail(f"does not expose {port}: {ports}")
    health = json.loads(inspect(IMAGE, "{{json .Config.Healthcheck}}") or "null")
    if not health or health.get("Test") != ["CMD", "epmock", "health", "--quiet"]:
        fail(f"HEALTHCHECK is {health}")
    total, base = int(inspect(IMAGE, "{{.Size}}")), int(inspect(BASE, "{{.Size}}"))
    print(f"image: user {user}, ports {ports}, base {base / 1e6:.1f} MB, added {(total - base) / 1e6:.1f} MB, "
          f"total {total / 1e6:.1f} MB")
    if total - base > 60e6 or total > 150e6:
        fail("larger than its targets (added 60 MB, total 150 MB)")

    receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()

    # README: docker run --rm -p 8080:8080 -p 9324:9324 -p 61613:61613 -e EPMOCK_ADMIN_TOKEN=... epmock
    c = Container({"EPMOCK_ADMIN_TOKEN": TOKEN})
    try:
        print(f"image: {c.ready} ({c.ready_seconds * 1000:.0f} ms from buildah run)")
        checked = c.run("epmock", "health", "--quiet")  # the HEALTHCHECK, in the container
        if checked.returncode != 0:
            fail(f"epmock health exited {checked.returncode}: {checked.stderr}")
        status, _ = call(c.api, "GET", "/__admin/events", bearer=token_for(c.api, "image"), admin="")
        if status != 401:
            fail(f"an admin route answered {status} without the admin token")

        bearer = token_for(c.api, "image")
        # A receiver on the host: http://host.docker.internal:PORT with --add-host, here 127.0.0.1.
        hook = f"http://127.0.0.1:{receiver.server_address[1]}/hooks"
        status, created = call(c.api, "POST", "/v2/integrations", bearer=bearer, body={"data": {
            "type": "integration", "name": "to the host", "integration_type": "webhook", "enabled": True,
            "observes": ["order.paid"], "configuration": {"url": hook, "secret_key": "s"}}})
        if status != 201:
            fail(f"create: {status} {created}")

        # A client that reached the SQS endpoint as sqs.localhost:19324 (a port mapping): the
        # queue URL it is given names that, and an integration made with it delivers.
        request = urllib.request.Request(
            f"http://127.0.0.1:{c.ports[1]}/", data=json.dumps({"QueueName": "mapped"}).encode(),
            headers={"Host": "sqs.localhost:19324", "X-Amz-Target": "AmazonSQS.CreateQueue",
                     "Content-Type": "application/x-amz-json-1.0"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            queue_url = json.loads(answer.read())["QueueUrl"]
        if queue_url != "http://sqs.localhost:19324/000000000000/mapped":
            fail(f"QueueUrl behind the mapping: {queue_url}")
        status, created = call(c.api, "POST", "/v2/integrations", bearer=bearer, body={"data": {
            "type": "integration", "name": "mapped queue", "integration_type": "aws_sqs", "enabled": True,
            "observes": ["order.paid"], "configuration": {"url": queue_url, "aws_access_key_id": "AKIDEXAMPLE",
                                                         "aws_secret_access_key": "secret", "region": "us-east-1"}}})
        if status != 201:
            fail(f"create the SQS integration: {status} {created}")

        status, event = call(c.api, "POST", "/__admin/events", bearer=bearer, body={"type": "order.paid"})
        status, waited = call(c.api, "GET", "/__admin/wait?deliveries=2&timeout_ms=10000", bearer=bearer)
        if status != 200:
            fail(f"deliveries: {status} {waited}")
        codes = sorted(d["status_code"] for d in waited["data"]["deliveries"])
        if codes != [200, 200]:
            fail(f"deliveries answered {codes}: {waited}")
        if [body["id"] for _, body in Receiver.received] != [event["data"]["id"]]:
            fail(f"the host's receiver got {Receiver.received}")
        status, queued = call(c.api, "GET", "/__admin/sqs/queues/mapped", bearer=bearer)
        if [m["body"]["id"] for m in queued["data"]] != [event["data"]["id"]]:
            fail(f"the mapped queue holds {queued}")
        print("image: delivered to a receiver on the host and to a queue named through a mapping")
    finally:
        code, stderr = c.stop()
        c.remove()
    if code != 0:
        fail(f"exited {code} on SIGTERM: {stderr}")

    # No token given: one is made, shown once, and kept for the epmock user alone.
    c = Container({})
    try:
        mount = subprocess.run(["buildah", "mount", c.name], check=True, capture_output=True, text=True).stdout.strip()
        path = os.path.join(mount, "home/epmock/.epmock/admin-token")
        info = os.stat(path)
        with open(path) as f:
            made = f.read().strip()
        if oct(info.st_mode & 0o777) != "0o600" or info.st_uid != 10001:
            fail(f"the token file is {oct(info.st_mode)} owned by {info.st_uid}")
        status, _ = call(c.api, "GET", "/__admin/events", bearer=token_for(c.api, "image"), admin=made)
        if status != 200:
            fail(f"the made token does not work: {status}")
        subprocess.run(["buildah", "umount", c.name], capture_output=True)
    finally:
        code, stderr = c.stop()
        c.remove()
    if f"epmock admin-token={made}\n" not in stderr or stderr.count("admin-token=") != 1:
        fail(f"the made token was not shown once on stderr: {stderr}")
    print("image: without EPMOCK_ADMIN_TOKEN, one is made, shown once and kept 0600 for its user")

    if FIGURES:
        with open(FIGURES, "w") as f:
            json.dump({"base_bytes": base, "total_bytes": total, "added_bytes": total - base,
                       "ready_ms": round(c.ready_seconds * 1000)}, f)


main()
