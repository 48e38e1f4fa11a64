# TAP helpers for the shell tests; sourced, not run.
#   ok STATUS NAME   prints "ok N - NAME" when STATUS is 0, else "not ok N - NAME"
#   okd STATUS NAME FILE
#                    the same, and FILE's lines as TAP comments when it failed
#   diag FILE        FILE's lines as TAP comments
#   run STATUS NAME CMD...
#                    runs CMD (stdout in $TMP/out, stderr in $TMP/err) and
#                    checks that it exits with STATUS
#   is GOT WANT NAME one check that GOT equals WANT; both shown when not
#   has GOT WORDS NAME
#                    one check that GOT contains WORDS; both shown when not
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
is() {
    [ "$1" = "$2" ]
    ok $? "$3"
    [ "$1" = "$2" ] || printf '#   got  %s\n#   want %s\n' "$1" "$2"
}
has() {
    case $1 in *"$2"*) has_status=0 ;; *) has_status=1 ;; esac
    ok $has_status "$3"
    [ $has_status -eq 0 ] || printf '#   got  %s\n#   want it to contain %s\n' "$1" "$2"
}
tap_end() {
    echo "1..$n"
    [ "$failed" -eq 0 ]
}
diag() {
    sed 's/^/#   /' "$1"
}
okd() {
    okd_status=$1
    ok "$1" "$2"
    [ "$okd_status" -eq 0 ] || diag "$3"
}
run() {
    want=$1 name=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    [ "$got" -eq "$want" ]
    ok $? "$name: exit status $want"
    [ "$got" -eq "$want" ] || { echo "#   got $got"; sed 's/^/#   stderr: /' "$TMP/err"; }
}
