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
#   run_tap NAME PROGRAM ARGS...
#                    runs a TAP program (its output in $TMP/tp.out), its
#                    checks renumbered into this script's plan
#   tap_end          prints the plan; its status is the suite's
#   wait_file FILE TENTHS
#                    polls until FILE exists, TENTHS tenths of a second at
#                    most (a step another process signals by a file)
n=0
failed=0
wait_file() {
    _w=0
    while [ ! -e "$1" ] && [ $_w -lt "$2" ]; do
        sleep 0.1
        _w=$((_w + 1))
    done
}
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
# run_tap NAME PROGRAM ARGS...: runs a TAP program; its "ok"/"not ok" lines
# are renumbered into this script's plan, "#" lines pass through, and one more
# check says it ran to the end.
run_tap() {
    tp_name=$1
    shift
    "$@" </dev/null >"$TMP/tp.out" 2>"$TMP/tp.err"
    tp_rc=$?
    tp_lines=0
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in
        "not ok" | "not ok "*) status=1 rest=${line#not ok} ;;
        "ok" | "ok "*) status=0 rest=${line#ok} ;;
        "#"* | "Bail out!"*)
            printf '%s\n' "$line"
            continue
            ;;
        *)
            printf '# %s\n' "$line" # plan lines and anything else: a comment
            continue
            ;;
        esac
        # "ok 3 - name" / "ok - name" / "ok 3 name" / "ok": keep the name
        rest=${rest# }
        num=${rest%%[!0-9]*}
        rest=${rest#"$num"}
        rest=${rest# }
        rest=${rest#- }
        tp_lines=$((tp_lines + 1))
        case $status:$rest in
        1:*"# TODO"* | 1:*"# todo"*)
            n=$((n + 1)) # expected failure: not counted as failed
            echo "not ok $n - $rest"
            ;;
        *) ok "$status" "$rest" ;;
        esac
    done <"$TMP/tp.out"
    [ -s "$TMP/tp.err" ] && diag "$TMP/tp.err"
    [ "$tp_rc" -eq 0 ] && [ "$tp_lines" -gt 0 ]
    ok $? "$tp_name ran ($tp_lines checks, exit $tp_rc)"
}
