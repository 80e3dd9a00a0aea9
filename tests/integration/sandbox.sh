#!/usr/bin/env bash
# The sandbox: the seccomp filter is on in a running VMM (every thread), a
# forbidden call ends the run with status 159 and its name, --no-sandbox,
# --user (checked from /proc), --output-limit against a guest that prints
# forever, and the policy that sandbox-check prints.
source "$(dirname "$0")/../lib.sh"

# A boot sector that spins (jmp $), and one that floods COM1 with 20000 'A's and halts:
# mov cx, 20000; mov dx, 0x3f8; mov al, 'A'; 1: out dx, al; loop 1b; cli; hlt.
printf '\xeb\xfe' >"$TMP/spin.bin"
printf '\xb9\x20\x4e\xba\xf8\x03\xb0\x41\xee\xe2\xfd\xfa\xf4' >"$TMP/flood.bin"
# One that reads the RTC's seconds (CMOS 0), then says OK on the debug console and halts.
printf '\xb0\x00\xe6\x70\xe4\x71\xb0\x4f\xe6\xe9\xb0\x4b\xe6\xe9\xb0\x0a\xe6\xe9\xfa\xf4' >"$TMP/rtc.bin"
DEMO=(--kernel "$FW/demo.elf" --append "console=ttyS0 demo" --until '^demo: done')

# status_field PID FIELD: a line of /proc/PID/status, without its name.
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '[:space:]' ' ' | sed 's/ $//'; }

# Start bootscope in the background on the spinning guest; wait until its vCPU runs,
# which is after the filter went on (or would have).
start_spinning() { # ARGS...
	"$BOOTSCOPE" run --raw "$TMP/spin.bin" --timeout 600 -q --json "$J" "$@" >"$OUT" 2>"$ERR" &
	PID=$!
	local end=$((SECONDS + 120))
	while [ $SECONDS -lt $end ]; do
		[ "$(ls /proc/"$PID"/task 2>/dev/null | wc -l)" -ge 2 ] && return 0
		sleep 0.1
	done
	echo "no vCPU thread in /proc/$PID/task within 120 s"
	return 1
}

stop_spinning() {
	kill -TERM "$PID"
	RC=0
	wait "$PID" || RC=$?
	expect_status 143
	expect outcome "$(jqv .outcome)" interrupted
}

test_filter_on_every_thread() {
	start_spinning
	expect "NoNewPrivs" "$(status_field "$PID" NoNewPrivs)" 1
	# Every thread (main, vCPU, ...). Seccomp_filters counts the stacked filters: ours alone.
	local task n=0
	for task in /proc/"$PID"/task/*; do
		expect "Seccomp of thread ${task##*/} ($(cat "$task/comm"))" \
			"$(sed -n 's/^Seccomp:[[:space:]]*//p' "$task/status")" 2
		n=$((n + 1))
	done
	expect "threads" "$([ "$n" -ge 2 ] && echo 'main and vCPU at least')" 'main and vCPU at least'
	expect "filters" "$(status_field "$PID" Seccomp_filters)" 1
	stop_spinning
	expect "summary sandbox" "$(jq -c .sandbox "$J")" '{"seccomp":true,"user":null,"output_limit":1073741824}'
}

test_no_sandbox() {
	start_spinning --no-sandbox
	expect "Seccomp" "$(status_field "$PID" Seccomp)" 0
	stop_spinning
	expect "summary sandbox" "$(jqv .sandbox.seccomp)" false
	# The summary table says so.
	RC=0
	"$BOOTSCOPE" run "${DEMO[@]}" --no-sandbox >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect_line "$ERR" "  sandbox: off (--no-sandbox): the guest ran without the seccomp allowlist"
}

# Each forbidden call, made by vCPU 0's thread after the filter is on: the run
# ends with its name and status 159, and the results are still written.
forbidden() { # HOOK SYSCALL
	RC=0
	BOOTSCOPE_TEST_FORBIDDEN=$1 "$BOOTSCOPE" run --json "$J" -q "${DEMO[@]}" --trace "$TMP/t.trace" >"$OUT" 2>"$ERR" || RC=$?
	expect "status of $1" "$RC" 159
	local msg="sandbox: the system call $2 is not allowed once the guest runs (see bootscope sandbox-check)"
	# After the warnings about the CPU model that this KVM may print.
	expect "message of $1" "$(grep -v '^bootscope: warning: ' "$ERR" | head -1)" "bootscope: $msg"
	expect "stderr lines of $1" "$(grep -c 'sandbox:' "$ERR")" 1
	expect "outcome of $1" "$(jqv .outcome)" error
	expect "JSON message of $1" "$(jqv .message)" "$msg"
	expect "JSON status of $1" "$(jqv .exit_status)" 159
	# The trace was finished: report reads it.
	"$BOOTSCOPE" report "$TMP/t.trace" >"$TMP/report" || { echo "report failed on the trace of $1"; _failed=1; }
	# Without the sandbox the same hook's call succeeds and the boot ends normally.
	RC=0
	BOOTSCOPE_TEST_FORBIDDEN=$1 "$BOOTSCOPE" run -q "${DEMO[@]}" --no-sandbox >"$OUT" 2>"$ERR" || RC=$?
	expect "status of $1 without the sandbox" "$RC" 0
}

test_forbidden_calls() {
	# A sanitizer build lets LeakSanitizer open /proc/self and fork its tracer: not those two there.
	if ! "$BOOTSCOPE" sandbox-check | grep -q 'SANITIZER BUILD'; then
		forbidden open openat
		forbidden fork clone
	fi
	forbidden socket socket
	forbidden exec execve
}

# The RTC's time comes from gmtime_r(), which reads the time zone file on first use: not after the filter.
test_rtc_read_under_sandbox() {
	bs --raw "$TMP/rtc.bin" --until '^OK'
	expect_status 0
	expect outcome "$(jqv .outcome)" until
	expect "seccomp" "$(jqv .sandbox.seccomp)" true
}

test_bios_boot_sandboxed() {
	# A BIOS boot that never ends (its boot sector reads the RTC forever): vCPU threads,
	# the qtest socket, PAM slot changes and the child, all under the filter.
	{ printf '\xb0\x00\xe6\x70\xe4\x71\xeb\xf8'; } >"$TMP/busy.img"
	truncate -s 510 "$TMP/busy.img"
	printf '\x55\xaa' >>"$TMP/busy.img"
	"$BOOTSCOPE" run --hda "$TMP/busy.img" --timeout 300 -q --json "$J" >"$OUT" 2>"$ERR" &
	PID=$!
	local i child=
	for ((i = 0; i < 300; i++)); do
		[ "$(status_field "$PID" Seccomp 2>/dev/null)" = 2 ] && break
		sleep 0.1
	done
	child=$(pgrep -P "$PID" || true)
	expect "QEMU child" "$([ -n "$child" ] && echo found)" found
	# QEMU's own -sandbox on: its filter, and no new privileges.
	expect "child Seccomp" "$(status_field "$child" Seccomp)" 2
	expect "child NoNewPrivs" "$(status_field "$child" NoNewPrivs)" 1
	wait_for_output '^Booting from Hard Disk' || return 1
	kill -TERM "$PID"
	RC=0
	wait "$PID" || RC=$?
	expect_status 143
	expect outcome "$(jqv .outcome)" interrupted
	expect "seccomp" "$(jqv .sandbox.seccomp)" true
	expect "PAM slot changes" "$([ "$(jqv .device_model.pam_slot_changes)" -gt 0 ] && echo yes)" yes
	expect "disk sectors read" "$([ "$(jqv .device_model.storage.hda.read_bytes)" -ge 512 ] && echo yes)" yes
	expect "child gone" "$(kill -0 "$child" 2>/dev/null && echo alive || echo gone)" gone
}

test_user() {
	chmod 0711 "$TMP"
	mkdir -m 0777 "$TMP/u"
	J=$TMP/u/summary.json
	start_spinning --user nobody --serial "$TMP/u/serial"
	expect "Uid" "$(status_field "$PID" Uid)" "65534 65534 65534 65534"
	expect "Gid" "$(status_field "$PID" Gid)" "65534 65534 65534 65534"
	expect "Groups" "$(status_field "$PID" Groups)" ""
	expect "CapEff" "$(status_field "$PID" CapEff)" 0000000000000000
	# /dev/kvm is root's alone here, and yet the dropped process holds it: opened before the drop.
	expect "/dev/kvm held" "$(ls -l /proc/"$PID"/fd 2>/dev/null | grep -c ' -> /dev/kvm$' || true)" 1
	stop_spinning
	# Outputs are created as the user.
	expect "owner of the summary" "$(stat -c %U "$J")" nobody
	expect "owner of the serial file" "$(stat -c %U "$TMP/u/serial")" nobody
	expect "summary user" "$(jqv .sandbox.user)" nobody
	# A file only root can read is out of reach once the user changed.
	cp "$FW/demo.elf" "$TMP/root-only.elf"
	chmod 0600 "$TMP/root-only.elf"
	RC=0
	"$BOOTSCOPE" run --user nobody --kernel "$TMP/root-only.elf" -q >"$OUT" 2>"$ERR" || RC=$?
	expect_status 1
	expect message "$(head -1 "$ERR")" "bootscope: $TMP/root-only.elf: Permission denied"
}

test_user_errors() {
	RC=0
	"$BOOTSCOPE" run --user no-such-user-here "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --user no-such-user-here: no such user"
	RC=0
	"$BOOTSCOPE" run --user root "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --user root: that is root; give an unprivileged user"
	RC=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$BOOTSCOPE" run --user nobody "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --user nobody: only root can change user (this is uid 65534)"
	RC=0
	"$BOOTSCOPE" qemu --user nobody "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" \
		"bootscope: bootscope qemu: --user or --no-sandbox (QEMU runs under its own -sandbox on) is not available with the QEMU engine"
}

test_output_limit() {
	# 20000 'A's: 8 KiB of them are written, the rest counted, however fast the KVM. (8 KiB: the
	# JSON summary, which the limit also holds, needs more than 4.)
	RC=0
	"$BOOTSCOPE" run --raw "$TMP/flood.bin" --timeout 600 --output-limit 8K --serial "$TMP/serial" -q --json "$J" \
		2>"$ERR" || RC=$?
	expect_status 0
	expect "serial bytes" "$(stat -c %s "$TMP/serial")" 8192
	expect "guest bytes" "$(jqv .guest_output.bytes)" 20000
	expect "dropped" "$(jqv .guest_output.dropped_bytes)" $((20000 - 8192))
	expect "only A" "$(tr -d A <"$TMP/serial" | wc -c)" 0
	# The same limit holds for every file bootscope writes: the trace stops recording within 8 KiB,
	# keeps room for its trailer, and says why records are missing.
	RC=0
	"$BOOTSCOPE" run --raw "$TMP/flood.bin" --timeout 600 --output-limit 8K --serial /dev/null --trace "$TMP/t.trace" \
		-q --json "$J" 2>"$ERR" || RC=$?
	expect_status 0
	expect "trace size" "$([ "$(stat -c %s "$TMP/t.trace")" -le 8192 ] && echo within)" within
	expect "trace error" "$(jqv .trace.error)" null
	[ "$(jqv .trace.dropped)" -gt 0 ] || { echo "nothing dropped at 8 KiB"; return 1; }
	"$BOOTSCOPE" report "$TMP/t.trace" --format json >"$TMP/t.json"
	expect "at the limit" "$(jq .ended_at_output_limit "$TMP/t.json")" true
	expect "records" "$(jq .records "$TMP/t.json")" "$(jqv .trace.records)"
	# Bad values.
	RC=0
	"$BOOTSCOPE" run --output-limit 1K "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --output-limit '1K': give a size with its unit, at least 4K (e.g. 100M)"
}

test_sandbox_check() {
	RC=0
	"$BOOTSCOPE" sandbox-check >"$OUT" || RC=$?
	expect_status 0
	expect_grep "$OUT" '^  KVM_RUN +0x0000ae80  on vCPUs '
	expect_grep "$OUT" '^  KVM_IRQ_LINE +0x4008ae61  on VM '
	expect_grep "$OUT" '^  KVM_GET_LAPIC +0x8400ae8e  on vCPUs '
	expect_grep "$OUT" '^  KVM_SET_USER_MEMORY_REGION +0x4020ae46  on VM .*BIOS boots only'
	expect_grep "$OUT" '^  clone +CLONE_THREAD, no CLONE_NEW\*: threads only '
	expect_grep "$OUT" '^  mmap +without PROT_EXEC '
	local call
	# None of these, but for what only a sanitizer build's LeakSanitizer needs (marked so).
	for call in execve execveat fork vfork socket connect ptrace open openat; do
		if grep -E "^  $call " "$OUT" | grep -qv "SANITIZER BUILD ONLY"; then
			echo "$call is in the allowlist"
			_failed=1
		fi
	done
	RC=0
	"$BOOTSCOPE" sandbox-check --bogus 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: sandbox-check: unexpected argument '--bogus'"
}

t sandbox_check test_sandbox_check
TESTS=(test_filter_on_every_thread test_no_sandbox test_forbidden_calls test_rtc_read_under_sandbox
	test_bios_boot_sandboxed test_output_limit)
ROOT_TESTS=(test_user test_user_errors)
for fn in "${TESTS[@]}"; do tk "${fn#test_}" "$fn"; done
if [ "$(id -u)" -eq 0 ]; then
	for fn in "${ROOT_TESTS[@]}"; do tk "${fn#test_}" "$fn"; done
else
	skip_all 1 "--user needs root" "${ROOT_TESTS[@]#test_}"
fi
