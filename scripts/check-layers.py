#!/usr/bin/env python3
"""Checks the include edges of mock_server/ against the layer order in docs/ARCHITECTURE.md.

A file may include its own folder, any folder of a lower layer, and the public headers
(include/epmock/) of its own layer or a lower one. Folders of one layer (the embedded SQS
endpoint, STOMP broker and sinks) do not include each other. Exit 1 lists every wrong edge.
"""
import pathlib
import re
import sys

# Bottom to top; folders on one line are siblings of one layer.
LAYERS = [
    ["common"],    # status codes, ids, clock, strings, xml
    ["http"],      # the one HTTP edge, client pool, URL parsing
    ["codec"],     # wire formats shared by a sender and a receiver (STOMP frames)
    ["schema"],    # published documents + overlay, validators, event catalog
    ["aws"],       # SigV4, SQS's MD5
    ["store"],     # per-store state
    ["envelope"],  # what each receiver gets
    ["delivery"],  # dispatcher and transports
    ["events"],    # synthesis, matching, the event engine
    ["sqs", "stomp", "sinks"],  # the embedded receivers, apart from each other
    ["api"],       # the engine's owner and the stateless route handlers
    ["server"],    # mock_server/server.cc: the Server facade
    ["contract", "certify"],  # contract checks and recording; certifying a consumer
    ["testing"],   # epmock::testing
    ["cli"],       # the epmock command
]
# Public headers belong to the layer that implements them; the rest are plain types that
# any layer may use (layer 0).
PUBLIC = {
    "server.h": "server", "sqs.h": "sqs", "stomp.h": "stomp", "sinks.h": "sinks",
    "spec.h": "schema", "catalog.h": "schema", "version.h": "schema", "contract.h": "contract", "certify.h": "certify", "testing.h": "testing",
    "testing/harness.h": "testing", "testing/matchers.h": "testing", "testing/delivery.h": "testing",
}

LEVEL = {folder: i for i, layer in enumerate(LAYERS) for folder in layer}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of_source(path: pathlib.Path, root: pathlib.Path) -> str:
    rel = path.relative_to(root / "mock_server")
    return "server" if len(rel.parts) == 1 else rel.parts[0]


def layer_of_include(include: str):
    if include.startswith("epmock/"):
        return PUBLIC.get(include[len("epmock/"):], "common")
    folder = include.split("/")[0]
    return folder if folder in LEVEL else None


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    wrong = []
    unknown = []
    for path in sorted((root / "mock_server").rglob("*")):
        if path.suffix not in (".cc", ".h"):
            continue
        src = layer_of_source(path, root)
        if src not in LEVEL:
            unknown.append(f"{path.relative_to(root)}: folder '{src}' has no layer in scripts/check-layers.py")
            continue
        for include in INCLUDE.findall(path.read_text(encoding="utf-8")):
            dst = layer_of_include(include)
            if dst is None:
                unknown.append(f"{path.relative_to(root)}: includes '{include}', which is in no layer")
            elif dst != src and LEVEL[dst] >= LEVEL[src]:
                why = "a sibling of its layer" if LEVEL[dst] == LEVEL[src] else "a higher layer"
                wrong.append(f"{path.relative_to(root)} ({src}) includes {include} ({dst}): {why}")
    # The public headers include only public headers.
    for path in sorted((root / "include" / "epmock").rglob("*.h")):
        for include in INCLUDE.findall(path.read_text(encoding="utf-8")):
            if not include.startswith("epmock/"):
                wrong.append(f"{path.relative_to(root)} includes {include}: a public header includes only epmock/")
    for line in unknown + wrong:
        print(line, file=sys.stderr)
    if unknown or wrong:
        print(f"check-layers: {len(wrong) + len(unknown)} wrong include edges (order: docs/ARCHITECTURE.md)",
              file=sys.stderr)
        return 1
    print(f"check-layers: include edges follow the {len(LAYERS)} layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
