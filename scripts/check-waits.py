#!/usr/bin/env python3
"""Lists every timed wait in mock_server/ and fails on one the allowlist does not name.

epmock waits for its own work on a signal; a timed wait is allowed only where its time is a
deadline or a peer's (scripts/waits-allowlist.txt says which, entry by entry). A wait is a
call of sleep_for, sleep_until, wait_for, wait_until, WaitUntil(Or), poll, epoll_wait, or of a
WaitFor... method. An allowlist entry that names no wait any more fails too, so the list
stays the code's.

    python3 scripts/check-waits.py [ROOT]
"""
import os
import re
import sys

WAIT = re.compile(r"\b(?:sleep_for|sleep_until|wait_for|wait_until|WaitUntil|WaitUntilOr|poll|epoll_wait)\s*\(|(?:\.|->)WaitFor\w*\(")


def main() -> int:
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    entries = []
    with open(os.path.join(root, "scripts", "waits-allowlist.txt"), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(" | ")]
            if len(parts) != 3 or not all(parts):
                print(f"waits-allowlist.txt:{number}: want 'path | a piece of the line | why'")
                return 1
            entries.append({"path": parts[0], "piece": parts[1], "why": parts[2], "used": False})
    unlisted = []
    waits = 0
    for folder, _, files in os.walk(os.path.join(root, "mock_server")):
        for name in sorted(files):
            if not name.endswith((".cc", ".h")):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    code = line.split("//", 1)[0]
                    if not WAIT.search(code):
                        continue
                    waits += 1
                    entry = next((e for e in entries if e["path"] == rel and e["piece"] in line), None)
                    if entry is None:
                        unlisted.append(f"{rel}:{number}: {line.strip()}")
                    else:
                        entry["used"] = True
    failed = False
    for wait in unlisted:
        print(f"check-waits: a timed wait the allowlist does not name (wait on a signal, or say why): {wait}")
        failed = True
    for entry in entries:
        if not entry["used"]:
            print(f"check-waits: scripts/waits-allowlist.txt names no wait any more: {entry['path']} | {entry['piece']}")
            failed = True
    if not failed:
        print(f"check-waits: {waits} timed waits in mock_server/, each in the allowlist with its reason")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
