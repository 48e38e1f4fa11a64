#!/bin/sh
# Every C file follows .clang-format (clang-format 14, Debian 12).
#   format.sh SOURCE_ROOT
set -u
cd "$1" || exit 1
if ! command -v clang-format >/dev/null 2>&1; then
    echo "1..0 # SKIP clang-format is not installed"
    exit 0
fi
n=0
failed=0
for f in $(find core backends tui tests -name '*.[ch]' | sort); do
    n=$((n + 1))
    if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "ok $n - $f"
    else
        echo "not ok $n - $f is not formatted (run: clang-format -i $f)"
        clang-format "$f" | diff -u "$f" - | head -20 | sed 's/^/#   /'
        failed=$((failed + 1))
    fi
done
echo "1..$n"
[ "$failed" -eq 0 ]
