"""Runs Debian's ActiveMQ from its jar with a STOMP connector on a loopback port, in a
directory of its own, as shared/brokers.md describes (no systemd, no /etc changes).

As a module: start_activemq(workdir, port) -> Popen, ready for STOMP.
As a command: activemq.py PORT -- COMMAND...  runs COMMAND while ActiveMQ serves on PORT.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ACTIVEMQ = "/usr/share/activemq"


def start_activemq(workdir, port):
    conf = os.path.join(workdir, "conf")
    os.makedirs(conf)
    with open("/etc/activemq/instances-available/main/activemq.xml") as f:
        xml = f.read()
    xml = re.sub(r'<transportConnector name="openwire"[^>]*/>',
                 f'<transportConnector name="stomp" uri="stomp://127.0.0.1:{port}"/>', xml)
    with open(os.path.join(conf, "activemq.xml"), "w") as f:
        f.write(xml)
    with open(os.path.join(conf, "log4j.properties"), "w") as f:
        f.write("log4j.rootLogger=WARN, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
                "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n")
    log = open(os.path.join(workdir, "activemq.log"), "w")
    proc = subprocess.Popen(["java", "-Xmx128m", f"-Dactivemq.home={ACTIVEMQ}", f"-Dactivemq.base={workdir}",
                             f"-Dactivemq.conf={conf}", f"-Dactivemq.data={workdir}/data",
                             f"-Dlog4j.configuration=file:{conf}/log4j.properties",
                             "-jar", f"{ACTIVEMQ}/bin/activemq.jar", "start", f"xbean:file:{conf}/activemq.xml"],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 90
    while time.time() < deadline:  # ready when a raw STOMP CONNECT is answered
        if proc.poll() is not None:
            sys.exit("ActiveMQ exited: " + open(os.path.join(workdir, "activemq.log")).read()[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"CONNECT\naccept-version:1.2\nhost:/\n\n\x00")
                s.settimeout(2)
                if s.recv(100).startswith(b"CONNECTED"):
                    return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit("ActiveMQ did not accept STOMP in 90 s")


if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: activemq.py PORT -- COMMAND...")
    workdir = tempfile.mkdtemp(prefix="epmock-activemq-")
    broker = start_activemq(workdir, int(sys.argv[1]))
    try:
        code = subprocess.call(sys.argv[3:])
    finally:
        broker.terminate()
        try:
            broker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            broker.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(code)
