#!/usr/bin/env python3
"""Every shell example of the README and docs/ runs as written against `epmock serve`.

Each ```sh block is run by bash (set -euo pipefail) with API and TOKEN set as the README's
first example sets them, `epmock` on PATH, and curl made to fail on an HTTP error answer
(--fail-with-body), so that an example that prints nothing because curl read its URL as a
glob, or that gets a 4xx, fails here. The server listens on ephemeral ports: the README's
fixed ones (8080, 9324, 61613) are replaced by them. A block that cannot run in a test (it
builds the project, installs a package, serves until stopped, follows a live stream, or
names a file of the reader's own) is listed in SKIPPED with the reason; a listed block that
no longer exists fails the test, so the list cannot go stale.

  shell_examples_test.py EPMOCK_BIN REPO_ROOT
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

# The first line of a block that does not run here, and why.
SKIPPED = {
    "./scripts/serve.sh": "builds epmock and serves on the fixed port 8080 until stopped",
    "$ ./build/epmock serve --port 8080": "a transcript of serving on the fixed port 8080",
    "cmake --install build --prefix /opt/epmock": "installs the build outside the tree",
    "./scripts/build.sh && (cd build && cpack -G DEB)": "builds the project and installs a package with sudo",
    "cmake --install build --prefix /tmp/epmock": "builds the examples against an installed build",
    "./build/epmock record --upstream https://useast.api.elasticpath.com --out contracts/recorded --port 8081":
        "proxies to the real platform, which tests never reach",
    "./build/epmock validate request CreateIntegration body.json     # or: response GetIntegration 200 FILE":
        "names payload files of the reader's own",
    'EPMOCK_ADMIN_TOKEN="$(openssl rand -hex 16)" epmock serve --host 0.0.0.0 --allow-host epmock.ci.internal \\':
        "serves on every interface until stopped",
    "./build/epmock serve --catalog docs/catalog-extension.json": "serves on the fixed port 8080 until stopped",
    "epmock serve --stories docs/stories-example.yaml": "serves on the fixed port 8080 until stopped",
    "epmock serve --clock virtual --clock-start 2030-01-01T00:00:00Z": "serves a virtual-clock server until stopped "
    "(tests/integration/cli_test.cc runs epmock clock against one)",
    'EPMOCK_ADMIN_TOKEN="$(openssl rand -hex 16)" epmock serve --host 0.0.0.0 --allow-host epmock.internal':
        "serves on every interface until stopped",
    "docker build -t epmock -f Containerfile .":
        "needs a Docker engine: scripts/test.sh builds the image with buildah and tests/image/image_test.py "
        "runs the docker run line translated to buildah run",
    "./scripts/portable.sh": "builds the portable tarball (scripts/test.sh builds and tests it)",
    "EPMOCK_UPDATE_DOCS=1 ./build/tests/unit_tests --gtest_filter='AdminRoutesDocTest.*'":
        "writes docs/ADMIN_API.md in the source tree (the unit test checks it instead)",
}


# A URL of a host other than loopback, left after localize(): tests reach loopback only.
NON_LOOPBACK = re.compile(r"\b(?:https?|stomp)://(?!127\.0\.0\.1[:/]|localhost[:/]|\[::1\])[^\s\"']+")


def localize(text, api, sqs, stomp):
    """The block as it runs here: the README's fixed ports replaced by the server's, the
    receivers it names (example.com) replaced by the server's own sink, and a followed live
    stream (curl -N) followed for three seconds."""
    text = (text.replace("http://127.0.0.1:8080", api)
            .replace("http://127.0.0.1:9324", sqs)
            .replace("stomp://127.0.0.1:61613", stomp))
    text = re.sub(r"https://example\.com/[^\s\"']*", f"{api}/__sink/webhook/example-com", text)
    lines = []
    for line in text.splitlines():
        if line.lstrip().startswith("curl -N "):
            code, _, comment = line.partition("#")
            line = f"{code.rstrip()} --max-time 3 || [ $? -eq 28 ]  {'#' + comment if comment else ''}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def blocks(path):
    """(line, text) of every ```sh block of the file."""
    out, current, start = [], None, 0
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if current is None and line.rstrip() == "```sh":
                current, start = [], number + 1
            elif current is not None and line.startswith("```"):
                out.append((start, "".join(current)))
                current = None
            elif current is not None:
                current.append(line)
    return out


def start_server(binary):
    process = subprocess.Popen([binary, "serve", "--port", "0", "--sqs-port", "0", "--stomp-port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready = process.stdout.readline()
    m = re.match(r"epmock ready api=(http://\S+) sqs=(http://\S+) stomp=(stomp://\S+)", ready)
    if not m:
        process.kill()
        sys.exit(f"epmock serve did not get ready: {ready!r} {process.stderr.read()}")
    return process, m.group(1), m.group(2), m.group(3)


def token(api, client_id):
    body = f"grant_type=client_credentials&client_id={client_id}&client_secret=anything".encode()
    with urllib.request.urlopen(urllib.request.Request(f"{api}/oauth/access_token", data=body), timeout=10) as r:
        return json.load(r)["access_token"]


def main():
    binary, root = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    files = [os.path.join(root, "README.md")] + sorted(
        os.path.join(root, "docs", name) for name in os.listdir(os.path.join(root, "docs")) if name.endswith(".md"))
    process, api, sqs, stomp = start_server(binary)
    failures, ran, skipped_seen = [], 0, set()
    try:
        with tempfile.TemporaryDirectory() as work:
            # Where the examples run: the repository's docs, contracts, examples and tests beside them, as in a
            # clone, and `epmock` on PATH.
            for name in ("docs", "contracts", "examples", "tests"):
                os.symlink(os.path.join(root, name), os.path.join(work, name))
            os.makedirs(os.path.join(work, "bin"))
            os.symlink(binary, os.path.join(work, "bin", "epmock"))
            os.makedirs(os.path.join(work, "build"))
            os.symlink(binary, os.path.join(work, "build", "epmock"))
            prelude = "\n".join([
                "set -euo pipefail",
                f"export PATH={work}/bin:$PATH",
                f"API={api}",
                f"TOKEN={token(api, 'my-test')}",
                # An HTTP error answer fails the example, as a blank answer does not.
                'curl() { command curl --fail-with-body --max-time 60 "$@"; }',
                "",
            ])
            for path in files:
                for line, text in blocks(path):
                    where = f"{os.path.relpath(path, root)}:{line}"
                    first = text.splitlines()[0] if text.strip() else ""
                    skip = next((key for key in SKIPPED if first.startswith(key)), None)
                    if skip:
                        skipped_seen.add(skip)
                        print(f"skip {where}: {SKIPPED[skip]}")
                        continue
                    script = localize(text, api, sqs, stomp)
                    if NON_LOOPBACK.search(script):
                        failures.append(f"{where} names a host off this machine: "
                                        f"{NON_LOOPBACK.search(script).group(0)}; tests reach loopback only")
                        continue
                    run = subprocess.run(["bash", "-c", prelude + script], cwd=work, capture_output=True,
                                         text=True, timeout=300)
                    ran += 1
                    if run.returncode != 0:
                        failures.append(f"{where} exited {run.returncode}\n--- block\n{text}--- stdout\n"
                                        f"{run.stdout[-2000:]}\n--- stderr\n{run.stderr[-2000:]}")
                        print(f"FAIL {where}")
                    else:
                        print(f"ok   {where}")
    finally:
        process.terminate()
        process.wait(timeout=20)
    stale = sorted(set(SKIPPED) - skipped_seen)
    for first in stale:
        failures.append(f"SKIPPED names a block that no longer exists: {first!r}")
    print(f"shell examples: {ran} ran, {len(skipped_seen)} skipped, {len(failures)} failed")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
