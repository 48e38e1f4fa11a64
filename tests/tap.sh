# TAP helpers for the shell tests; sourced, not run.
#   ok STATUS NAME   prints "ok N - NAME" when STATUS is 0, else "not ok N - NAME"
#   tap_end          prints the plan; its status is the suite's
n=0
failed=0
ok() {
    n=$((n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        failed=$((failed + 1))
    fi
}
tap_end() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
}
