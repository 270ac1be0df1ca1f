#!/usr/bin/env python3
"""The README's kit examples are the example tests the test command runs: each ```js and
```python block of "From TypeScript and Python" is, byte for byte, the file it says it is.

  readme_kits_test.py REPO_ROOT
"""
import os
import re
import sys

FILES = {"js": "examples/node/test/readme.test.cjs", "python": "examples/python/tests/test_readme.py"}


def main():
    root = sys.argv[1]
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    section = readme.split("### From TypeScript and Python", 1)[1].split("\n### ", 1)[0]
    failures = []
    for language, path in FILES.items():
        found = re.findall(r"```" + language + r"\n(.*?)```", section, re.S)
        with open(os.path.join(root, path), encoding="utf-8") as f:
            text = f.read()
        if found != [text]:
            failures.append(f"README's ```{language} block is not {path} as it is (found {len(found)} blocks)")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"readme kits: {len(FILES) - len(failures)} of {len(FILES)} blocks are their files")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
