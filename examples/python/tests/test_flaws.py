"""Every certify check, with the flawed consumer (flawed_consumer.py --flaw) that fails it:
each flaw fails exactly the checks its row names, most of them only their own. Where a row
names more, no consumer could do otherwise (docs/CERTIFY.md, "Flawed consumers"):
`duplicate` and `replay an hour later` send the same bytes and headers; the tally of every
message fails with any check whose message was lost; the burst is the last check before it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Tuple

from flawed_consumer import SQS_FLAWS, WEBHOOK_FLAWS, FlawedWebhookHandler

STORE_ID = "4a7b2c1e-0000-4000-8000-00000000f1a7"
PROGRAM = Path(__file__).resolve().parent.parent / "flawed_consumer.py"
# A slow flaw stalls longer than certify waits for a message, and is back before the next
# check's wait ends: timeout < pause < 2 x timeout, with a second of margin each way.
MESSAGE_TIMEOUT_MS = 2000
PAUSE_MS = 3000
ACCOUNTED = "every message accounted for"

# check, the flaw that fails it, every check that flaw fails
WEBHOOK_TABLE: List[Tuple[str, str, List[str]]] = [
    ("order.paid realistic", "cold-start", ["order.paid realistic"]),
    ("order.paid edge cases", "short-strings-only", ["order.paid edge cases"]),
    ("order.paid forward-compatible", "strict-enums", ["order.paid forward-compatible"]),
    ("wrong_secret", "accepts-any-secret", ["wrong_secret"]),
    ("missing_secret", "accepts-missing-secret", ["missing_secret"]),
    ("invalid_json", "crashes-on-invalid-json", ["invalid_json"]),
    ("other_store", "crashes-on-other-store", ["other_store"]),
    ("duplicate", "dedupes-only-retries", ["duplicate", "replay an hour later"]),
    ("replay an hour later", "dedupes-only-retries", ["duplicate", "replay an hour later"]),
    ("reordered burst", "conflicts-on-known-resource", ["reordered burst"]),
    ("retried event", "dedupes-by-attempt", ["retried event"]),
    ("concurrent burst", "one-at-a-time", ["concurrent burst"]),
]
WEBHOOK_MORE = [("acts-on-every-copy", ["duplicate", "replay an hour later", "retried event"])]

SQS_TABLE: List[Tuple[str, str, List[str]]] = [
    ("connects", "reads-another-queue", ["connects"]),
    ("order.paid realistic", "cold-start", ["order.paid realistic"]),
    ("order.paid edge cases", "short-strings-only", ["order.paid edge cases", ACCOUNTED]),
    ("order.paid forward-compatible", "strict-enums", ["order.paid forward-compatible", ACCOUNTED]),
    ("poison: not JSON", "restarts-slowly-after-non-json", ["poison: not JSON"]),
    ("poison: unknown type", "restarts-slowly-after-unknown-type", ["poison: unknown type"]),
    ("ReceiveMessage throttled", "long-backoff-when-throttled", ["ReceiveMessage throttled"]),
    ("ReceiveMessage answered 500", "long-backoff-after-500", ["ReceiveMessage answered 500"]),
    ("DeleteMessage with a stale receipt", "long-backoff-after-failed-delete", ["DeleteMessage with a stale receipt"]),
    ("duplicate", "leaves-copies", ["duplicate", ACCOUNTED]),
    ("burst", "one-message-at-a-time", ["burst", ACCOUNTED]),
    (ACCOUNTED, "leaves-copies", ["duplicate", ACCOUNTED]),
]


def certify(args: List[str]) -> Tuple[int, str, Dict[str, Any]]:
    binary = os.environ.get("EPMOCK_BIN", "epmock")
    with tempfile.TemporaryDirectory() as out:
        report = Path(out) / "report.json"
        run = subprocess.run([binary, "certify", *args, "--json", str(report)], capture_output=True, text=True,
                             timeout=240)
        doc = json.loads(report.read_text()) if report.exists() else {}
    return run.returncode, run.stdout + run.stderr, doc


def certify_webhook(flaw: str) -> Tuple[int, str, Dict[str, Any]]:
    handler = FlawedWebhookHandler(flaw, "flaw-secret", STORE_ID)
    handler.start()
    try:
        return certify(["webhook", "--url", handler.url, "--secret", "flaw-secret", "--observes", "order.paid",
                        "--store-id", STORE_ID, "--effects-url", handler.effects_url])
    finally:
        handler.stop()


def certify_sqs(flaw: str) -> Tuple[int, str, Dict[str, Any]]:
    return certify(["sqs", "--queue", "orders", "--observes", "order.paid", "--sqs-port", "0",
                    "--message-timeout-ms", str(MESSAGE_TIMEOUT_MS), "--connect-timeout-ms", "10000",
                    "--run", f"{sys.executable} {PROGRAM} sqs --flaw {flaw} --pause-ms {PAUSE_MS}"])


def failed(doc: Dict[str, Any]) -> List[str]:
    return [c["name"] for c in doc["checks"] if c["verdict"] == "fail"]


def check_table(table: List[Tuple[str, str, List[str]]], good: Tuple[int, str, Dict[str, Any]],
                flaws: Dict[str, str]) -> None:
    """The table covers every check the good consumer is graded on, once, and names real flaws."""
    code, output, doc = good
    assert code == 0, output
    assert [check for check, _, _ in table] == [c["name"] for c in doc["checks"]]
    for check, flaw, fails in table:
        assert flaw in flaws, flaw
        assert check in fails, (flaw, check)


def test_every_webhook_check_fails_with_its_flaw_and_only_the_checks_its_row_names() -> None:
    check_table(WEBHOOK_TABLE, certify_webhook("none"), WEBHOOK_FLAWS)
    rows = dict([(flaw, fails) for _, flaw, fails in WEBHOOK_TABLE] + WEBHOOK_MORE)
    with ThreadPoolExecutor(4) as pool:
        runs = dict(zip(rows, pool.map(certify_webhook, rows)))
    for flaw, fails in rows.items():
        code, output, doc = runs[flaw]
        assert code == 1, f"{flaw}: {output}"
        assert failed(doc) == fails, f"{flaw}:\n{output}"


def test_every_sqs_check_fails_with_its_flaw_and_only_the_checks_its_row_names() -> None:
    check_table(SQS_TABLE, certify_sqs("none"), SQS_FLAWS)
    rows = {flaw: fails for _, flaw, fails in SQS_TABLE}
    with ThreadPoolExecutor(4) as pool:
        runs = dict(zip(rows, pool.map(certify_sqs, rows)))
    for flaw, fails in rows.items():
        code, output, doc = runs[flaw]
        assert code == 1, f"{flaw}: {output}"
        assert failed(doc) == fails, f"{flaw}:\n{output}"


def test_the_program_refuses_an_unknown_flaw_and_lists_the_ones_it_has() -> None:
    run = subprocess.run([sys.executable, str(PROGRAM), "sqs", "--flaw", "no-such-flaw"], capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2
    assert "no sqs flaw 'no-such-flaw'" in run.stderr
    assert "long-backoff-when-throttled: waits --pause-ms" in run.stderr
