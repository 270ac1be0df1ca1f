#!/usr/bin/env python3
"""Seeds each fuzz target's corpus from contracts/: the recorded API bodies, and the
recorded deliveries (CloudEvents, webhook envelopes) as SQS requests in both protocols,
STOMP frames and SigV4-signable requests.

usage: fuzz/seed_corpus.py CONTRACTS_DIR OUT_DIR
writes OUT_DIR/<target>/<n>, one file per seed."""
import json
import pathlib
import sys
import urllib.parse


def contracts(root):
    for path in sorted(pathlib.Path(root).rglob("*.json")):
        if path.name == "package.json":
            continue
        yield json.loads(path.read_text())


def placeholders_out(value):
    """A recorded value with its rules replaced by concrete values of their kind."""
    if isinstance(value, dict):
        if list(value) == ["{{json}}"]:
            return json.dumps(placeholders_out(value["{{json}}"]))
        return {k: placeholders_out(v) for k, v in value.items()}
    if isinstance(value, list):
        return [placeholders_out(v) for v in value]
    if isinstance(value, str):
        if "{{uuid" in value or "${" in value and "id" in value:
            return "4f0b8e53-9c5e-4d55-a2a0-0c8f4f1e7a11"
        if "{{timestamp" in value:
            return "2026-11-23T09:35:32.202Z"
        if value.startswith("{{"):
            return "x"
    return value


def main():
    root, out = sys.argv[1], pathlib.Path(sys.argv[2])
    seeds = {name: [] for name in ("fuzz_request_validation", "fuzz_sqs_protocols", "fuzz_stomp_frame", "fuzz_sigv4",
                                       "fuzz_catalog_extension", "fuzz_story_file",
                                       "fuzz_schema_patterns", "fuzz_http_response", "fuzz_init_file",
                                       "fuzz_rfc3339")}
    messages = []
    for contract in contracts(root):
        for interaction in contract.get("interactions", []):
            body = interaction.get("request", {}).get("body")
            if body is not None:
                text = json.dumps(placeholders_out(body))
                seeds["fuzz_request_validation"] += [b"\x00" + text.encode(), b"\x01" + text.encode()]
        delivery = contract.get("delivery")
        if delivery:
            create = {"data": dict(delivery["integration"], type="integration", enabled=True)}
            seeds["fuzz_request_validation"].append(b"\x00" + json.dumps(placeholders_out(create)).encode())
            messages.append(json.dumps(placeholders_out(delivery["expect"]["body"])))
    queue = "http://127.0.0.1:9324/000000000000/orders"
    for message in messages:
        seeds["fuzz_sqs_protocols"].append(
            b"AmazonSQS.SendMessage\n" + json.dumps({"QueueUrl": queue, "MessageBody": message,
                                                      "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "event"}}}).encode())
        seeds["fuzz_sqs_protocols"].append(
            b"query\n" + urllib.parse.urlencode({"Action": "SendMessage", "QueueUrl": queue, "MessageBody": message,
                                                  "MessageAttribute.1.Name": "kind", "MessageAttribute.1.Value.DataType": "String",
                                                  "MessageAttribute.1.Value.StringValue": "event"}).encode())
        frame = ("SEND\ndestination:/queue/orders\ncontent-type:application/json\ncontent-length:%d\nreceipt:r1\n\n"
                 % len(message.encode())).encode() + message.encode() + b"\0"
        seeds["fuzz_stomp_frame"].append(b"\x07CONNECT\naccept-version:1.2\nhost:x\n\n\0" + frame)
        seeds["fuzz_sigv4"].append(("POST\n/\n\nHost: sqs.eu-west-1.amazonaws.com\nContent-Type: application/x-amz-json-1.0\n"
                                    "X-Amz-Target: AmazonSQS.SendMessage\n\n").encode() + message.encode())
    for action in ("ReceiveMessage", "GetQueueAttributes", "DeleteMessage", "ChangeMessageVisibility", "PurgeQueue"):
        seeds["fuzz_sqs_protocols"].append(("AmazonSQS.%s\n" % action).encode() + json.dumps({"QueueUrl": queue}).encode())
        seeds["fuzz_sqs_protocols"].append(("query\nAction=%s&QueueUrl=%s" % (action, urllib.parse.quote(queue, safe=""))).encode())
    seeds["fuzz_stomp_frame"].append(b"\x01SUBSCRIBE\nid:0\ndestination:/queue/a\nack:client-individual\nx-esc:a\\cb\\nc\n\n\0\n\nACK\nid:1\n\n\0")
    seeds["fuzz_sigv4"].append(b"GET\n/\nAction=ListUsers&Version=2010-05-08\nHost: iam.amazonaws.com\n"
                               b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                               b"SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\n\n")
    seeds["fuzz_catalog_extension"].append((pathlib.Path(root).resolve().parent / "docs" / "catalog-extension.json").read_bytes())
    seeds["fuzz_catalog_extension"] += [b'{"events": [{"key": "a.b", "envelope": "flat"}]}',
                                        b'{"events": [{"key": "a.b", "levels": ["organization"]}]}',
                                        b'{"events": [{"key": "x_ext.created"}, {"key": "order.paid"}]}']
    repo = pathlib.Path(root).resolve().parent
    seeds["fuzz_story_file"].append((repo / "schemas" / "stories.json").read_bytes())
    seeds["fuzz_story_file"].append((repo / "docs" / "stories-example.yaml").read_bytes())
    # YAML aliases of aliases, and two documents: conversion must stay within its budget.
    seeds["fuzz_story_file"].append(b"a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: [*c, *c, *c]\n")
    seeds["fuzz_story_file"].append(b"stories: []\n---\nstories: []\n")
    seeds["fuzz_init_file"].append((repo / "docs" / "init-example.yaml").read_bytes())
    seeds["fuzz_init_file"] += [b'{"queues": ["a"], "organizations": [{"client_id": "o", "stores": ["s"]}]}',
                                b'{"stores": [{"client_id": "s", "kind": "development", "integrations": [{}]}]}',
                                b"stores:\n  - client_id: s\n    integrations: &i [{name: x}]\n  - client_id: t\n    integrations: *i\n"]
    seeds["fuzz_rfc3339"] += [b"2030-01-01T00:00:00Z", b"2030-01-01T01:00:00.250+01:00",
                              b"2017-10-30T18:15:40.087650928Z", b"2024-02-29t23:59:59.999-23:59"]
    # A pattern, a NUL, a value: the extension's patterns and formats against long values.
    seeds["fuzz_schema_patterns"] += [b"^[A-Z0-9-]*$\x00A", b"^(a|b)*c$\x00ab", b"[0-9]+\x001",
                                      b"^x-\x00x-a", b"(a*)*b\x00a", b"\\d{1,3}(\\.\\d+)?\x009."]
    seeds["fuzz_catalog_extension"].append(
        b'{"events": [{"key": "a.b", "resource": "r", "schema": {"$ref": "#"}, "samples": [{"data": {}}]}]}')
    # Receivers' answers: the first byte sets the piece size (fuzz/fuzz_http_response.cc).
    seeds["fuzz_http_response"] += [
        b"\x03HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
        b"\x01HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        b"\x05HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n",
        b"\x07HTTP/1.0 500 Oops\r\nConnection: keep-alive\r\n\r\nuntil the close",
        b"\x02HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 31\r\n\r\n"
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\x56\xca\xcf\x56\xb2\x2a\x29\x2a\x4d\xad\x05\x00\x90\x5f\xd4\xa7\x0b\x00\x00\x00"]
    for target, items in seeds.items():
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        for n, item in enumerate(items):
            (directory / ("seed-%03d" % n)).write_bytes(item)
        print("%s: %d seeds" % (target, len(items)))


if __name__ == "__main__":
    main()
