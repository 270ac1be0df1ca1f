"""Debian's python3-boto3 (the SQS query protocol, XML answers) against epmock serve's
embedded SQS endpoint, which verifies boto3's SigV4 signatures: boto3 receives epmock's
aws_sqs deliveries and deletes them, and its own messages round-trip with attributes
(botocore checks the MD5s). Run by CTest; exits non-zero on failure."""
import json
import os
import re
import signal
import subprocess
import sys
import urllib.request

import boto3
import botocore

BIN = os.environ.get("EPMOCK_BIN", os.path.join(os.path.dirname(__file__), "../../build/epmock"))
KEY, SECRET = "AKIAEPMOCKBOTO", "boto-secret"


def start():
    proc = subprocess.Popen([BIN, "serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0", "--sqs-credentials", f"{KEY}:{SECRET}",
                             "--time-scale", "0.001"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    m = re.match(r"epmock ready api=(\S+) sqs=(\S+) stomp=(\S+)", line)
    if not m:
        proc.kill()
        sys.exit(f"epmock did not get ready: {line!r}")
    return proc, m.group(1), m.group(2)


def api(base, method, path, token=None, body=None, form=None):
    data = json.dumps(body).encode() if body is not None else (form.encode() if form else None)
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/x-www-form-urlencoded" if form else "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req) as r:
        return r.status, json.loads(r.read() or b"null")


def main():
    proc, base, sqs_url = start()
    try:
        sqs = boto3.client("sqs", endpoint_url=sqs_url, region_name="eu-west-1",
                           aws_access_key_id=KEY, aws_secret_access_key=SECRET)
        queue_url = sqs.create_queue(QueueName="boto-orders")["QueueUrl"]
        assert queue_url.endswith("/000000000000/boto-orders"), queue_url

        _, token = api(base, "POST", "/oauth/access_token", form="grant_type=client_credentials&client_secret=s&client_id=boto3-peer")
        token = token["access_token"]
        status, created = api(base, "POST", "/v2/integrations", token, {"data": {
            "type": "integration", "name": "orders", "integration_type": "aws_sqs", "enabled": True,
            "observes": ["order.paid"],
            "configuration": {"url": queue_url, "aws_access_key_id": KEY, "aws_secret_access_key": SECRET,
                              "region": "eu-west-1"}}})
        assert status == 201, created
        status, fired = api(base, "POST", "/__admin/events", token, {"type": "order.paid"})
        assert status == 201, fired

        got = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10, MaxNumberOfMessages=10,
                                  AttributeNames=["All"], MessageAttributeNames=["All"])
        assert len(got["Messages"]) == 1, got
        message = got["Messages"][0]
        event = json.loads(message["Body"])
        assert event["specversion"] == "1.0" and event["type"] == "order.paid", event
        assert event["id"] == fired["data"]["id"]
        assert event["integrationid"] == created["data"]["id"]
        assert message["Attributes"]["ApproximateReceiveCount"] == "1"
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
        assert attrs["ApproximateNumberOfMessages"] == "0", attrs

        sent = sqs.send_message(QueueUrl=queue_url, MessageBody='héllo <world> & "friends"',
                                MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"},
                                                   "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe"}})
        assert "MD5OfMessageAttributes" in sent
        back = sqs.receive_message(QueueUrl=queue_url, MessageAttributeNames=["All"])["Messages"][0]
        assert back["Body"] == 'héllo <world> & "friends"', back
        assert back["MessageAttributes"]["blob"]["BinaryValue"] == b"\x00\x01\xfe"

        wrong = boto3.client("sqs", endpoint_url=sqs_url, region_name="eu-west-1",
                             aws_access_key_id=KEY, aws_secret_access_key="nope")
        try:
            wrong.create_queue(QueueName="x")
            sys.exit("a wrong signature was accepted")
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "SignatureDoesNotMatch", e.response
            assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        try:
            sqs.get_queue_url(QueueName="missing")
            sys.exit("a missing queue was found")
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue", e.response
        print("boto3 peer: 1 passed, 0 failed")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0


if __name__ == "__main__":
    main()
