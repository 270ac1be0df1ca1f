#!/usr/bin/env bash
# The Python kit as a user installs it (a venv over Debian's python3 with its boto3, pytest
# and mypy, the kit from the checkout, no PyPI), then for `kit` its own tests and mypy --strict,
# for `examples` the examples' tests and mypy --strict (examples/python/mypy.ini).
#   tests/kits/python_kit.sh kit|examples VENV_DIR     (EPMOCK_BIN: the epmock to test)
set -euo pipefail
what="${1:?usage: python_kit.sh kit|examples VENV_DIR}"
venv="${2:?usage: python_kit.sh kit|examples VENV_DIR}"
cd "$(dirname "$0")/../.."
export PYTHONDONTWRITEBYTECODE=1
rm -rf "$venv"
/usr/bin/python3 -m venv --system-site-packages "$venv"
# A copy to build from: building in place would leave build/ and *.egg-info in the checkout.
source_copy="$venv/kit-source"
cp -r clients/python "$source_copy"
"$venv/bin/pip" install --quiet --no-build-isolation --no-index "$source_copy"
case "$what" in
  kit)
    "$venv/bin/python" -m mypy --strict --cache-dir "$venv/mypy" clients/python/epmock clients/python/tests
    "$venv/bin/python" -m pytest -q -p no:cacheprovider clients/python/tests
    ;;
  examples)
    (cd examples/python && "$venv/bin/python" -m mypy --cache-dir "$venv/mypy" .)
    (cd examples/python && "$venv/bin/python" -m pytest -q -p no:cacheprovider tests)
    ;;
  *) echo "usage: python_kit.sh kit|examples VENV_DIR" >&2; exit 2 ;;
esac
