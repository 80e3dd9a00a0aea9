# tests/lib.sh - helpers for the integration tests (bash, TAP output).
#
# A test is a function. `t NAME FUNCTION` runs one that needs no KVM,
# `tk NAME FUNCTION` one that does; each prints one TAP line. A test runs
# under `set -e`; the expect helpers also record a failure, so one that
# happens where bash suspends set -e (inside `||`, `if`) still counts. A
# test that finds nothing to check on this KVM calls `skip_because WHY`.
# Inside, `bs ARGS...` runs build/bootscope with its JSON summary in $J,
# guest text in $OUT, stderr in $ERR and the exit status in $RC; `expect`
# and friends print what differed and fail the test.
#
# Where tests run (tests/run sets these; a script run by hand runs all):
#   BOOTSCOPE_TEST_PART  all, host (only t tests) or kvm (only tk tests:
#                        tests/run runs that part in the test VM when this
#                        machine's KVM is missing or cannot page)
#   BOOTSCOPE_TEST_FROM  NAME: start at that test (after the test VM died)
#   BOOTSCOPE_TEST_AFTER NAME: start after it
#   BOOTSCOPE_TEST_DOCTOR  a `bootscope doctor --json` of this KVM, made once

set -u
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BOOTSCOPE=${BOOTSCOPE:-$PWD/build/bootscope}
FW=$PWD/build/firmware
TMP=$(mktemp -d /tmp/bootscope-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
J=$TMP/summary.json OUT=$TMP/out ERR=$TMP/err RC=0
_n=0

TEST_PART=${BOOTSCOPE_TEST_PART:-all}
_from=${BOOTSCOPE_TEST_FROM:-} _after=${BOOTSCOPE_TEST_AFTER:-}

# Is NAME to be run here: this part, and not before a resume point?
_wanted() { # NAME KVM(0|1)
	if [ -n "$_from" ]; then
		[ "$1" = "$_from" ] || return 1
		_from=
	fi
	if [ -n "$_after" ]; then
		[ "$1" = "$_after" ] && _after=
		return 1
	fi
	case $TEST_PART in
	host) [ "$2" = 0 ] ;;
	kvm) [ "$2" = 1 ] ;;
	*) return 0 ;;
	esac
}

_run_test() { # NAME FUNCTION
	local name=$1 fn=$2 rc
	_n=$((_n + 1))
	rm -f "$J" "$OUT" "$ERR" "$TMP/skip"
	echo "# begin $name"
	(
		set -e
		_failed=0
		"$fn"
		exit "$_failed"
	) >"$TMP/log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "ok $_n - $name"
	elif [ $rc -eq 77 ] && [ -s "$TMP/skip" ]; then
		echo "ok $_n - $name # SKIP $(cat "$TMP/skip")"
	else
		echo "not ok $_n - $name"
		sed 's/^/# /' "$TMP/log"
		[ -s "$ERR" ] && sed 's/^/#   stderr: /' "$ERR" | head -20
	fi
}

t() { _wanted "$1" 0 && _run_test "$1" "$2"; return 0; }

# A test that needs a KVM: run here only if this process can open one.
tk() {
	_wanted "$1" 1 || return 0
	if ! kvm_usable; then
		_n=$((_n + 1))
		echo "not ok $_n - $1"
		echo "# needs a KVM, and $KVM_WHY: run it through tests/run, which then uses the test VM (tools/testvm)"
		return 0
	fi
	_run_test "$1" "$2"
}

# skip_all KVM(0|1) WHY NAME...: tests that cannot run here, for a reason other than a missing KVM.
skip_all() {
	local kvm=$1 why=$2 name
	for name in "${@:3}"; do
		_wanted "$name" "$kvm" || continue
		_n=$((_n + 1))
		echo "ok $_n - $name # SKIP $why"
	done
}

# Inside a test: nothing to check here, for a reason of this KVM's (not for the lack of one).
skip_because() {
	echo "$*" >"$TMP/skip"
	exit 77
}

# Does this process have a KVM it can open?
kvm_usable() {
	if [ ! -e /dev/kvm ]; then
		KVM_WHY="/dev/kvm does not exist"
		return 1
	fi
	if ! { exec 3<>/dev/kvm; } 2>/dev/null; then
		KVM_WHY="/dev/kvm cannot be opened by $(id -un)"
		return 1
	fi
	exec 3>&-
	return 0
}

# Does the part of the script that runs here need a KVM (so its setup is worth doing)?
kvm_part() { [ "$TEST_PART" != host ]; }

# `bootscope doctor --json` of this KVM, once per suite.
doctor_json() {
	if [ -n "${BOOTSCOPE_TEST_DOCTOR:-}" ] && [ -s "$BOOTSCOPE_TEST_DOCTOR" ]; then
		cat "$BOOTSCOPE_TEST_DOCTOR"
	else
		[ -s "$TMP/doctor.json" ] || "$BOOTSCOPE" doctor --json >"$TMP/doctor.json"
		cat "$TMP/doctor.json"
	fi
}

# doctor_says CHECK: the result of one of doctor's checks on this KVM (ok, FAILS, ...).
doctor_says() { doctor_json | jq -r --arg c "$1" '.checks[] | select(.check == $c) | .result'; }

# Inside a test whose guest turns on paging (Linux): skip where KVM=host chose a KVM that cannot.
require_paging() {
	[ "$(doctor_says "32-bit paging (PSE)")" = ok ] ||
		skip_because "KVM=host was chosen and this KVM cannot run 32-bit paging (bootscope doctor)"
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

# FILE (a run's stderr) holds nothing but the warnings that this KVM cannot give
# the CPU model some features, and names exactly the ones `bootscope cpus` says it
# cannot (the run's summary in $J names the model).
expect_only_feature_warnings() { # FILE
	local model names want
	model=$(jqv .cpu.model)
	want=$("$BOOTSCOPE" cpus --json "$model" | jq -r '.[0].missing_features[]' | sort -u | paste -sd' ')
	expect "missing features of $model (summary, cpus)" "$(jqv '.cpu.missing_features[]' | sort -u | paste -sd' ')" "$want"
	if grep -v "^bootscope: warning: this host's KVM cannot give CPU model $model these features (CPUID [^)]*): " "$1"; then
		echo "^ other lines on stderr"
		_failed=1
		return 1
	fi
	names=$(sed 's/.*): //' "$1" | tr ' ' '\n' | sed '/^$/d' | sort -u | paste -sd' ')
	expect "features the warnings name" "$names" "$want"
}

# Arguments for a QEMU+KVM that a test starts itself: inside QEMU's software emulation
# (the test VM) its vapic must be off, as `bootscope qemu` does there (qemu.c).
qemu_vapic_args() {
	[ "$(doctor_json | jq -r .host.under_tcg)" = true ] && echo "-global apic-common.vapic=off"
	return 0
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

# What Linux printed about the CPU, one "cpuinfo ..." line each, from guest text.
cpuinfo_of() { tr -d '\r' <"$1" | grep '^cpuinfo ' | sed 's/ *$//'; }

# Is MSR in the model's list (bootscope cpus: "0x10-0x12", "0x1b", ...)?
model_has_msr() { # MODEL MSR
	local r m=$(($2))
	for r in $("$BOOTSCOPE" cpus --json "$1" | jq -r '.[0].msrs[]'); do
		[ "$m" -ge $((${r%-*})) ] && [ "$m" -le $((${r#*-})) ] && return 0
	done
	return 1
}

# The cpuinfo lines Linux printed under QEMU+KVM and under bootscope must be equal.
expect_same_cpuinfo() { # MODEL QEMU_LINES RUN_LINES
	# Linux's cpuid_fault comes from MSR 0xce (PLATFORM_INFO), which QEMU+KVM lets any
	# model read; bootscope answers #GP for MSRs the model does not have (docs/cpu-models.md).
	if ! model_has_msr "$1" 0xce; then
		sed -i '/^cpuinfo flags: /s/ cpuid_fault//' "$2"
		expect "cpuid_fault under bootscope" "$(grep -c 'cpuid_fault' "$3")" 0
	fi
	if ! diff "$2" "$3"; then
		echo "what Linux saw differs (< QEMU+KVM, > bootscope), --cpu $1"
		_failed=1
	fi
}
