"""epmock for Python tests: start ``epmock serve`` (or attach to a running one, the image)
and drive it through its admin API, one isolated store per test.

    with epmock.start() as server:
        store = server.store()
        store.create_webhook_integration(["order.paid"], url="http://127.0.0.1:3000/hooks")
        fired = store.trigger("order.paid")
        delivered = store.wait_for_event("order.paid")

Standard library only.
"""
from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, Sequence, Type, Union

__all__ = ["EpmockError", "Epmock", "Clock", "Store", "start", "connect", "queue_url"]

_READY = re.compile(r"^epmock ready api=(\S+) sqs=(\S+) stomp=(\S+)$", re.M)
_MADE_TOKEN = re.compile(r"^epmock admin-token=(\S+)$", re.M)
DEFAULT_READY_TIMEOUT = 20.0
DEFAULT_WAIT_TIMEOUT = 10.0
ACCOUNT = "000000000000"  # the embedded SQS endpoint's account, in every queue URL

Json = Any


class EpmockError(Exception):
    """A refusal, a failure to start, or a wait that timed out.

    ``status`` and ``body`` when the server answered, ``stderr`` when it exited before its
    ready line, ``arrived`` when a wait saw something else.
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        body: Json = None,
        stderr: Optional[str] = None,
        arrived: Json = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.stderr = stderr
        self.arrived = arrived


def _describe(status: int, text: str) -> str:
    """"422 Unprocessable Entity: observes: ..." for each error of the platform's shape."""
    try:
        body = json.loads(text)
    except ValueError:
        return f"{status}: {text[:500]}"
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, list) and errors:
        parts = []
        for e in errors:
            if not isinstance(e, dict):
                continue
            source = f"{e['source']}: " if e.get("source") else ""
            parts.append(f"{e.get('status', status)} {e.get('title', '')}: {source}{e.get('detail', '')}".strip())
        return "; ".join(parts)
    return f"{status}: {text[:500]}"


def _find_binary(binary: Optional[str]) -> str:
    named = binary or os.environ.get("EPMOCK_BIN")
    if named:
        if not os.path.exists(named):
            where = "binary=" if binary else "EPMOCK_BIN"
            raise EpmockError(f"epmock: no binary at {named} (from {where})")
        return named
    found = shutil.which("epmock")
    if found:
        return found
    raise EpmockError(
        "epmock: no epmock binary: pass binary=, set EPMOCK_BIN, or put epmock on PATH "
        "(build it with ./scripts/serve.sh, install the .deb, unpack the portable tarball, "
        "or run the image and use epmock.connect(url, token=...))"
    )


class _Answer:
    def __init__(self, status: int, text: str) -> None:
        self.status = status
        self.text = text
        try:
            self.json: Json = json.loads(text) if text else None
        except ValueError:
            self.json = None


class Epmock:
    """A running epmock: started by :func:`start`, or attached to by :func:`connect`."""

    def __init__(
        self,
        api_url: str,
        sqs_url: str = "",
        stomp_url: str = "",
        token: str = "",
        process: Optional["subprocess.Popen[str]"] = None,
    ) -> None:
        self.api_url = api_url
        self.sqs_url = sqs_url
        self.stomp_url = stomp_url
        self.token = token
        self._process = process
        self.stderr = ""  # what a server this kit started wrote on stderr so far
        # The server's clock (docs/CLOCK.md): moved only on a server started with
        # clock="virtual"; a real one refuses every operation but read().
        self.clock = Clock(self)

    def store(self, client_id: Optional[str] = None) -> "Store":
        """An isolated store: a fresh client id by default."""
        store = Store(self, client_id or f"epmock-kit-{uuid.uuid4()}")
        store._authenticate()
        if client_id:
            newest = store.request("GET", "/__admin/events?page[limit]=1")["data"]
            store._origin = str(newest[0]["id"]) if newest else ""
        return store

    def stop(self) -> None:
        """Stops a server this kit started; on an attached one, only lets go."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> "Epmock":
        return self

    def __exit__(
        self,
        kind: Optional[Type[BaseException]],
        value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Json = None,
        bearer: str = "",
        form: Optional[Mapping[str, str]] = None,
        timeout: float = 60.0,
    ) -> _Answer:
        headers: Dict[str, str] = {}
        if self.token:
            headers["X-Epmock-Admin-Token"] = self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        data: Optional[bytes] = None
        if form is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            data = urllib.parse.urlencode(form).encode()
        elif body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(self.api_url + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return _Answer(response.status, response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as refused:
            return _Answer(refused.code, refused.read().decode("utf-8", "replace"))
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise EpmockError(f"epmock: {method} {path}: no answer from {self.api_url}: {reason}") from None


class Clock:
    """The server's clock: one for all its stores. Each call returns the clock (``mode``,
    ``now``, ``now_ms``, ``running``, ``next_due``, ``pending``) once the work it ran has
    ended, so a test needs no wait after it. ``timeout`` is real time, in seconds."""

    def __init__(self, server: "Epmock") -> None:
        self.server = server
        self._store: Optional[Store] = None  # any store's token will do: one of its own

    def _request(self, method: str, path: str, body: Json = None) -> Dict[str, Json]:
        if self._store is None:
            self._store = Store(self.server, f"epmock-kit-clock-{uuid.uuid4()}")
            self._store._authenticate()
        return dict(self._store.request(method, path, body)["data"])

    def read(self) -> Dict[str, Json]:
        return self._request("GET", "/__admin/clock")

    def now(self) -> datetime.datetime:
        """The clock's now, in UTC."""
        now_ms = int(self.read()["now_ms"])
        return datetime.datetime.fromtimestamp(now_ms / 1000, tz=datetime.timezone.utc)

    def advance(self, seconds: float, *, timeout: float = 10.0) -> Dict[str, Json]:
        """Moves a virtual clock on by ``seconds``, running what falls due in order."""
        return self._request(
            "POST", "/__admin/clock/advance", {"by_ms": round(seconds * 1000), "timeout_ms": int(timeout * 1000)}
        )

    def advance_to(self, when: Union[str, datetime.datetime], *, timeout: float = 10.0) -> Dict[str, Json]:
        """To a time (RFC 3339, or an aware datetime), not before now."""
        to = when.isoformat() if isinstance(when, datetime.datetime) else when
        return self._request("POST", "/__admin/clock/advance", {"to": to, "timeout_ms": int(timeout * 1000)})

    def run_until_idle(self, *, max: float = 86400.0, timeout: float = 10.0) -> Dict[str, Json]:
        """Until nothing is in flight or due, at most ``max`` seconds of the clock's time."""
        return self._request(
            "POST", "/__admin/clock/run-until-idle", {"max_ms": round(max * 1000), "timeout_ms": int(timeout * 1000)}
        )

    def freeze(self) -> Dict[str, Json]:
        return self._request("POST", "/__admin/clock", {"running": False})

    def resume(self) -> Dict[str, Json]:
        """Lets it run on at the pace of real time from its virtual now."""
        return self._request("POST", "/__admin/clock", {"running": True})


class Store:
    """One isolated store of a server: its client id and token, and what tests do with it."""

    def __init__(self, server: Epmock, client_id: str) -> None:
        self.server = server
        self.client_id = client_id
        self.token = ""
        # The embedded sink its webhooks go to unless given a url.
        self.sink = re.sub(r"[^A-Za-z0-9_-]", "-", f"kit-{client_id}")[:100]
        # wait_for_event's cursors: per type, the last event returned; before any, the
        # store's newest event when this object was made.
        self._cursors: Dict[str, str] = {}
        self._origin = ""

    @property
    def clock(self) -> Clock:
        """The server's clock (one for all its stores)."""
        return self.server.clock

    def _authenticate(self) -> None:
        form = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": "epmock"}
        answer = self.server._call("POST", "/oauth/access_token", form=form)
        if answer.status != 200 or not isinstance(answer.json, dict) or "access_token" not in answer.json:
            raise EpmockError(
                f"epmock: no token for {self.client_id}: {_describe(answer.status, answer.text)}",
                status=answer.status,
                body=answer.json if answer.json is not None else answer.text,
            )
        self.token = str(answer.json["access_token"])

    def request(
        self, method: str, path: str, body: Json = None, expected: Sequence[int] = (200, 201, 202, 204)
    ) -> Json:
        """Any admin or API call as this store; a refusal raises :class:`EpmockError`."""
        answer = self.server._call(method, path, body=body, bearer=self.token)
        if answer.status == 401 and "Bearer" in answer.text:
            self._authenticate()  # an expired token: once more with a new one
            answer = self.server._call(method, path, body=body, bearer=self.token)
        if answer.status not in expected:
            raise EpmockError(
                f"epmock: {method} {path}: {_describe(answer.status, answer.text)}",
                status=answer.status,
                body=answer.json if answer.json is not None else answer.text,
            )
        return answer.json

    def _create_integration(self, data: Dict[str, Json]) -> Dict[str, Json]:
        created = self.request("POST", "/v2/integrations", {"data": {"type": "integration", "enabled": True, **data}})
        return dict(created["data"])

    def create_webhook_integration(
        self,
        observes: Sequence[str],
        *,
        url: Optional[str] = None,
        sink: Optional[str] = None,
        secret_key: Optional[str] = None,
        name: str = "epmock kit webhook",
        enabled: bool = True,
    ) -> Dict[str, Json]:
        """A webhook integration: to this store's embedded sink unless ``url`` is given."""
        configuration: Dict[str, Json] = {"url": url or f"{self.server.api_url}/__sink/webhook/{sink or self.sink}"}
        if secret_key is not None:
            configuration["secret_key"] = secret_key
        return self._create_integration(
            {
                "name": name,
                "integration_type": "webhook",
                "observes": list(observes),
                "enabled": enabled,
                "configuration": configuration,
            }
        )

    def create_sqs_integration(
        self,
        observes: Sequence[str],
        *,
        queue: Optional[str] = None,
        url: Optional[str] = None,
        aws_access_key_id: str = "AKIDEXAMPLE",
        aws_secret_access_key: str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        region: str = "us-east-1",
        name: str = "epmock kit queue",
    ) -> Dict[str, Json]:
        """An SQS integration: to a queue of the embedded endpoint (created; ``queue``, a
        fresh name by default) unless ``url`` is given."""
        if not url:
            name_of_queue = queue or f"kit-{uuid.uuid4()}"
            created = self.request("PUT", f"/__admin/sqs/queues/{urllib.parse.quote(name_of_queue, safe='')}")
            url = str(created["data"]["queue_url"])
        return self._create_integration(
            {
                "name": name,
                "integration_type": "aws_sqs",
                "observes": list(observes),
                "configuration": {
                    "url": url,
                    "aws_access_key_id": aws_access_key_id,
                    "aws_secret_access_key": aws_secret_access_key,
                    "region": region,
                },
            }
        )

    def create_stomp_integration(
        self,
        observes: Sequence[str],
        *,
        destination: Optional[str] = None,
        addresses: Optional[Sequence[str]] = None,
        username: Optional[str] = None,
        password: str = "",
        name: str = "epmock kit stomp",
    ) -> Dict[str, Json]:
        """A STOMP integration: to the embedded broker unless ``addresses`` are given."""
        configuration: Dict[str, Json] = {
            "addresses": list(addresses) if addresses else [self.server.stomp_url],
            "destination": destination or f"/queue/kit-{uuid.uuid4()}",
        }
        if username:
            configuration.update({"username": username, "password": password})
        return self._create_integration(
            {"name": name, "integration_type": "stomp", "observes": list(observes), "configuration": configuration}
        )

    def trigger(self, type: str, *, data: Json = None, included: Json = None) -> Dict[str, Json]:
        """Fires an event; ``data`` and ``included`` replace the synthesized resource."""
        body: Dict[str, Json] = {"type": type}
        if data is not None:
            body["data"] = data
        if included is not None:
            body["included"] = included
        return dict(self.request("POST", "/__admin/events", body)["data"])

    def trigger_batch(
        self, type: str, *, count: int = 10, seed: Optional[int] = None, profile: Optional[str] = None
    ) -> List[Dict[str, Json]]:
        body: Dict[str, Json] = {"type": type, "count": count}
        if seed is not None:
            body["seed"] = seed
        if profile is not None:
            body["profile"] = profile
        return list(self.request("POST", "/__admin/events/batch", body)["data"])

    def run_story(self, name: str, **options: Json) -> Dict[str, Json]:
        return dict(self.request("POST", f"/__admin/stories/{urllib.parse.quote(name, safe='')}", options)["data"])

    def wait_for_story(self, run_id: str, *, timeout: float = DEFAULT_WAIT_TIMEOUT) -> Dict[str, Json]:
        """The run once it has ended (the long poll, not sleeps)."""
        path = f"/__admin/wait?story_run={urllib.parse.quote(run_id, safe='')}&timeout_ms={int(timeout * 1000)}"
        answer = self.request("GET", path, expected=(200, 408))
        run = (answer.get("data") or {}).get("run") if isinstance(answer, dict) else None
        if not run or run.get("state") == "running":
            raise EpmockError(f"epmock: story run {run_id} still running after {timeout} s: {run}", arrived=run)
        return dict(run)

    def add_fault(self, **fault: Json) -> Dict[str, Json]:
        """A delivery fault: ``fail_first_attempts=2``, ``late_first_attempts=1``, ``duplicate=1``, ``refuse="wrong_secret"``..."""
        return dict(self.request("POST", "/__admin/faults", fault)["data"])

    def add_api_fault(self, **fault: Json) -> Dict[str, Json]:
        """An API fault: ``status=503``, ``requests=1``, ``delay_ms``, ``reset``, ``method``, ``path``."""
        return dict(self.request("POST", "/__admin/api-faults", fault)["data"])

    def add_sqs_fault(self, **fault: Json) -> Dict[str, Json]:
        """A fault on consumers' own calls to the embedded SQS endpoint: ``action="ReceiveMessage"``
        or ``"DeleteMessage"``, ``error="throttled"``, ``"internal_error"`` or ``"stale_receipt"``
        (DeleteMessage), ``queue``, ``requests``."""
        return dict(self.request("POST", "/__admin/sqs/faults", fault)["data"])

    def sqs_faults(self) -> List[Dict[str, Json]]:
        """The SQS faults not used up, oldest first."""
        return list(self.request("GET", "/__admin/sqs/faults")["data"])

    def clear_sqs_faults(self) -> None:
        self.request("DELETE", "/__admin/sqs/faults")

    def add_stomp_fault(self, **fault: Json) -> Dict[str, Json]:
        """A fault on consumers' connections to the embedded STOMP broker: ``error="drop_connection"``
        (the socket is shut) or ``"error_frame"`` (an ERROR frame, then the close), ``destination``,
        ``messages``. The message waits for the consumer's next subscription."""
        return dict(self.request("POST", "/__admin/stomp/faults", fault)["data"])

    def stomp_faults(self) -> List[Dict[str, Json]]:
        """The STOMP faults not used up, oldest first."""
        return list(self.request("GET", "/__admin/stomp/faults")["data"])

    def clear_stomp_faults(self) -> None:
        self.request("DELETE", "/__admin/stomp/faults")

    def certify(self, *, timeout: float = 300.0, **options: Json) -> Dict[str, Json]:
        """epmock certify from a running server (``POST /__admin/certify``, docs/CERTIFY.md): the
        run, on a server of its own, once it has ended (long polls, not sleeps). ``options`` are
        the command's flags with ``_`` for ``-``: ``url=..., secret=..., observes=["order.paid"],
        effects_url=...`` for a webhook consumer; ``kind="sqs", queue=..., observes=...,
        sqs_port=...`` for an SQS worker; ``kind="stomp", destination=..., observes=...`` for a
        STOMP consumer (``run["stomp"]["stomp_url"]`` says where its broker listens). ``run["status"]`` is ``pass``, ``fail``,
        ``inconclusive`` or ``error``; ``run["report"]`` is the whole report."""
        started = self.start_certify(**options)
        deadline = time.monotonic() + timeout
        run = started
        while run.get("status") == "running":
            left = deadline - time.monotonic()
            if left <= 0:
                raise EpmockError(f"epmock: certify run {started['id']} still running after {timeout} s", arrived=run)
            run = self.certify_run(str(started["id"]), wait=min(30.0, left))
        return run

    def start_certify(self, **options: Json) -> Dict[str, Json]:
        """Starts a run and returns it at once (status ``running``); its progress is on the
        store's stream as ``certify`` frames."""
        return dict(self.request("POST", "/__admin/certify", options)["data"])

    def certify_run(self, run_id: str, *, wait: float = 0.0) -> Dict[str, Json]:
        """A run as it is now, or once it has ended within ``wait`` seconds (to 60)."""
        path = f"/__admin/certify/{urllib.parse.quote(run_id, safe='')}?wait_ms={int(wait * 1000)}"
        return dict(self.request("GET", path)["data"])

    def wait_for_event(
        self, type: str, *, timeout: float = DEFAULT_WAIT_TIMEOUT, after: Optional[str] = None
    ) -> Dict[str, Json]:
        """The next event of ``type`` this store has not waited for yet, once one of its
        deliveries has succeeded: the first after the one the previous wait for that type
        returned, or, for a type not waited for yet, the first fired after this store object
        was made (so ``store.trigger(t); store.wait_for_event(t)`` works, and an event already
        seen is never returned twice). ``after`` (an event id; ``""`` for any) overrides it."""
        since = after if after is not None else self._cursors.get(type, self._origin)
        # after_event= (empty): from the store's first event, oldest first.
        query = (
            f"event_type={urllib.parse.quote(type, safe='')}&timeout_ms={int(timeout * 1000)}"
            f"&after_event={urllib.parse.quote(since, safe='')}"
        )
        answer = self.request("GET", f"/__admin/wait?{query}", expected=(200, 408))
        event = (answer.get("data") or {}).get("event") if isinstance(answer, dict) else None
        if event:
            self._cursors[type] = str(event["id"])
            return dict(event)
        recent = self.request("GET", "/__admin/events?page[limit]=20")["data"]
        seen = [e["type"] for e in recent]
        what = f"; the store's newest events are: {', '.join(seen)}" if seen else "; the store has no events"
        where = f" after {since}" if since else ""
        raise EpmockError(f"epmock: no {type} event delivered within {timeout} s{where}{what}", arrived=recent)

    def webhook_deliveries(self, sink: Optional[str] = None) -> List[Dict[str, Json]]:
        """What this store's deliveries sent to its embedded sink: method, path, headers,
        body (parsed when JSON), received_at."""
        return list(self.request("GET", f"/__admin/sinks/webhook/{urllib.parse.quote(sink or self.sink, safe='')}")["data"])

    def sqs_messages(self, queue: str) -> List[Dict[str, Json]]:
        """What sits on an embedded queue: message_id, body (parsed when JSON), attributes,
        receive_count."""
        return list(self.request("GET", f"/__admin/sqs/queues/{urllib.parse.quote(queue, safe='')}")["data"])

    def logs(self) -> List[Dict[str, Json]]:
        """Every delivery attempt's log, newest first."""
        return list(self.request("GET", "/__admin/deliveries")["data"])

    def reset(self) -> None:
        """Forgets all of the store."""
        self.request("POST", "/__admin/reset")


def start(
    *,
    binary: Optional[str] = None,
    args: Sequence[str] = (),
    env: Optional[Mapping[str, str]] = None,
    ready_timeout: float = DEFAULT_READY_TIMEOUT,
    token: Optional[str] = None,
    clock: Optional[str] = None,
    clock_start: Optional[str] = None,
) -> Epmock:
    """Spawns ``epmock serve`` on free ports and returns once its ready line arrives.

    ``clock="virtual"``: a clock that stands still until the test moves it (``server.clock``),
    starting at ``clock_start`` (RFC 3339; 2030-01-01T00:00:00Z for a virtual one: ahead of
    the real date, so that clients checking a token's expiry by their own clock renew only
    when the server says so).

    The binary: ``binary``, then ``EPMOCK_BIN``, then ``epmock`` on PATH. Use it as a context
    manager, or call ``stop()``.
    """
    path = _find_binary(binary)
    command = [path, "serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"]
    if clock:
        command += ["--clock", clock]
    if clock == "virtual" or clock_start:
        command += ["--clock-start", clock_start or "2030-01-01T00:00:00Z"]
    command += list(args)
    environment = dict(os.environ)
    environment.update(env or {})
    if token:
        environment["EPMOCK_ADMIN_TOKEN"] = token
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
    except OSError as error:
        raise EpmockError(f"epmock: cannot run {path}: {error}") from None
    assert process.stdout is not None and process.stderr is not None
    stderr: List[str] = []
    ready_line: List[str] = []
    settled = threading.Event()  # the ready line arrived, or stdout ended

    token_seen = threading.Event()  # epmock's own token line arrived on stderr

    def read_stderr(stream: Any) -> None:
        for line in stream:
            stderr.append(line)
            if _MADE_TOKEN.search(line.rstrip("\n")):
                token_seen.set()

    def read_stdout(stream: Any) -> None:
        for line in stream:
            if not ready_line and _READY.search(line.rstrip("\n")):
                ready_line.append(line.rstrip("\n"))
                settled.set()
        settled.set()

    errors = threading.Thread(target=read_stderr, args=(process.stderr,), daemon=True)
    errors.start()
    threading.Thread(target=read_stdout, args=(process.stdout,), daemon=True).start()
    settled.wait(ready_timeout)
    if ready_line:
        ready = _READY.search(ready_line[0])
        assert ready is not None
        server = Epmock(ready.group(1), ready.group(2), ready.group(3), token or "", process)
        if not token:
            # Bound beyond loopback, epmock made a token and wrote it on stderr before its
            # ready line; stderr is another pipe, so it may be read a moment later.
            health = server._call("GET", "/__admin/health")
            if isinstance(health.json, dict) and health.json.get("admin_token") and token_seen.wait(5):
                made = _MADE_TOKEN.search("".join(stderr))
                server.token = made.group(1) if made else ""
        return server
    if not settled.is_set():
        process.kill()
        process.wait()
        errors.join(timeout=2)
        text = "".join(stderr)
        raise EpmockError(f"epmock: {path} printed no ready line in {ready_timeout} s; its stderr:\n{text}", stderr=text)
    process.wait()
    errors.join(timeout=2)
    text = "".join(stderr)
    raise EpmockError(
        f"epmock: {path} exited (code {process.returncode}) before its ready line; its stderr:\n{text}",
        stderr=text,
    )


def connect(url: str, *, token: str = "", sqs_url: Optional[str] = None, stomp_url: Optional[str] = None) -> Epmock:
    """Attaches to a running epmock (the image, say): the SQS and STOMP URLs from its health
    route unless given."""
    server = Epmock(url.rstrip("/"), token=token)
    health = server._call("GET", "/__admin/health")
    if health.status != 200 or not isinstance(health.json, dict) or health.json.get("status") != "ok":
        raise EpmockError(
            f"epmock: {server.api_url} is not a healthy epmock: {_describe(health.status, health.text)}",
            status=health.status,
            body=health.json if health.json is not None else health.text,
        )
    server.sqs_url = sqs_url or str(health.json.get("sqs_url") or "")
    server.stomp_url = stomp_url or str(health.json.get("stomp_url") or "")
    return server


def queue_url(server: Epmock, queue: str) -> str:
    """The URL of a queue of the embedded endpoint."""
    return f"{server.sqs_url}/{ACCOUNT}/{queue}"
