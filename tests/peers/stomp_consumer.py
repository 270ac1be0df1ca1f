"""A STOMP consumer as a service writes one with Debian's python3-stomp, for
`epmock certify stomp --run` (stomp_peers_test.py): it subscribes to $EPMOCK_STOMP_DESTINATION
on $EPMOCK_STOMP_URL with ack:client-individual, acknowledges each message once handled (one
it cannot read is acknowledged and dropped: it would never be readable), and connects again
whenever its connection is lost. `--ack auto` subscribes with ack:auto instead.
"""
import json
import os
import sys
import threading
import time
import urllib.parse

import stomp


class Handler(stomp.ConnectionListener):
    def __init__(self, conn, ack):
        self.conn = conn
        self.ack = ack
        self.lost = threading.Event()

    def on_message(self, frame):
        try:
            event = json.loads(frame.body)
            print(f"handled {event.get('type')} {event.get('id')}", flush=True)
        except ValueError:
            print("dropped a message that is not JSON", flush=True)
        if self.ack != "auto":
            self.conn.ack(frame.headers["ack"])

    def on_error(self, frame):
        print(f"broker error: {frame.headers.get('message')}", flush=True)

    def on_disconnected(self):
        self.lost.set()


def main():
    ack = "auto" if sys.argv[1:] == ["--ack", "auto"] else "client-individual"
    url = urllib.parse.urlparse(os.environ["EPMOCK_STOMP_URL"])
    destination = os.environ["EPMOCK_STOMP_DESTINATION"]
    while True:
        conn = stomp.Connection12([(url.hostname, url.port)], heartbeats=(0, 0))
        handler = Handler(conn, ack)
        conn.set_listener("handler", handler)
        try:
            conn.connect(wait=True)
            conn.subscribe(destination=destination, id="orders", ack=ack)
        except stomp.exception.StompException as error:
            print(f"connecting: {error}", flush=True)
            time.sleep(0.1)
            continue
        handler.lost.wait()
        print("connection lost; connecting again", flush=True)
        time.sleep(0.05)


if __name__ == "__main__":
    main()
