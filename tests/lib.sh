# tests/lib.sh - helpers for the integration tests (bash, TAP output).
#
# A test is a function; `t NAME FUNCTION` runs it and prints one TAP line.
# It runs under `set -e`; the expect helpers also record a failure, so one
# that happens where bash suspends set -e (inside `||`, `if`) still counts.
# Inside, `bs ARGS...` runs build/bootscope with its JSON summary in $J,
# guest text in $OUT, stderr in $ERR and the exit status in $RC; `expect`
# and friends print what differed and fail the test.

set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BOOTSCOPE=${BOOTSCOPE:-$PWD/build/bootscope}
FW=$PWD/build/firmware
TMP=$(mktemp -d /tmp/bootscope-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
J=$TMP/summary.json OUT=$TMP/out ERR=$TMP/err RC=0
_n=0

t() {
	local name=$1 fn=$2
	_n=$((_n + 1))
	rm -f "$J" "$OUT" "$ERR"
	(
		set -e
		_failed=0
		"$fn"
		exit "$_failed"
	) >"$TMP/log" 2>&1
	if [ $? -eq 0 ]; then
		echo "ok $_n - $name"
	else
		echo "not ok $_n - $name"
		sed 's/^/# /' "$TMP/log"
		[ -s "$ERR" ] && sed 's/^/#   stderr: /' "$ERR" | head -20
	fi
}

skip_all() {
	local reason=$1 fn
	for fn in "${@:2}"; do
		_n=$((_n + 1))
		echo "ok $_n - $fn # SKIP $reason"
	done
}

# Integration tests need a KVM this process can open.
kvm_usable() {
	if [ ! -e /dev/kvm ]; then
		KVM_SKIP="/dev/kvm does not exist"
		return 1
	fi
	if ! { exec 3<>/dev/kvm; } 2>/dev/null; then
		KVM_SKIP="/dev/kvm cannot be opened by $(id -un)"
		return 1
	fi
	exec 3>&-
	return 0
}

bs() {
	RC=0
	"$BOOTSCOPE" run --json "$J" -q "$@" >"$OUT" 2>"$ERR" || RC=$?
}

# jqv FILTER: a value from the last summary.
jqv() { jq -r "$1" "$J"; }

expect() { # WHAT ACTUAL EXPECTED
	if [ "$2" != "$3" ]; then
		echo "$1: got '$2', expected '$3'"
		_failed=1
		return 1
	fi
}

expect_status() { expect "exit status" "$RC" "$1"; }

expect_line() { # FILE LINE: an exact line must be there
	if ! grep -qxF -- "$2" "$1"; then
		echo "no line '$2' in $(basename "$1"):"
		sed 's/^/    /' "$1" | head -40
		_failed=1
		return 1
	fi
}

expect_grep() { # FILE REGEX
	if ! grep -qE -- "$2" "$1"; then
		echo "nothing matches /$2/ in $(basename "$1"):"
		sed 's/^/    /' "$1" | head -20
		_failed=1
		return 1
	fi
}

# Wait (up to 60 s) until the guest text in $OUT has a line matching REGEX.
wait_for_output() { # REGEX
	local i
	for ((i = 0; i < 600; i++)); do
		grep -qE -- "$1" "$OUT" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Guest text without the CRs boot code prints.
text() { tr -d '\r' <"$OUT"; }
