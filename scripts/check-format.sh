#!/usr/bin/env bash
# Fails when a C++ file of the tree is not formatted as .clang-format says (Debian 12's
# clang-format 14). Fix with: git ls-files '*.cc' '*.h' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find include mock_server tests bench fuzz examples -name '*.cc' -o -name '*.h')
if ! clang-format --dry-run -Werror "${files[@]}" 2>/tmp/epmock-format.$$; then
  grep -E '^[^ ].*: error:' /tmp/epmock-format.$$ | cut -d: -f1 | sort -u | sed 's/^/not formatted: /' >&2
  rm -f /tmp/epmock-format.$$
  echo "check-format: run clang-format -i on the files above" >&2
  exit 1
fi
rm -f /tmp/epmock-format.$$
echo "check-format: ${#files[@]} files formatted"
