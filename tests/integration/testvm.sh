#!/usr/bin/env bash
# The test VM (tools/testvm) and what stands on it: a command runs in a VM
# with a KVM that pages, on any machine; its faults (an aborting QEMU, a VM
# that ends without a status, a timeout) each give their status and message;
# tests/run survives a dying VM; and a machine without /dev/kvm gets the
# demo through it. These need no KVM of this machine's: the VM is QEMU's
# software emulation, so they run everywhere, here and not inside a VM.
source "$(dirname "$0")/../lib.sh"

ROOT=$PWD

# run_testvm ARGS...: tools/testvm, its stdout in $OUT, stderr in $ERR, status in $RC.
run_testvm() {
	RC=0
	"$ROOT/tools/testvm" "$@" >"$OUT" 2>"$ERR" || RC=$?
}

# A fake of the VM's QEMU (BOOTSCOPE_TESTVM_QEMU) that does BODY, a bash snippet.
fake_qemu() { # BODY
	printf '#!/usr/bin/env bash\n%s\n' "$1" >"$TMP/qemu"
	chmod +x "$TMP/qemu"
}

test_runs_the_command_in_a_vm_with_kvm() {
	local probe=$ROOT/build/testvm-probe.$$
	rm -f "$probe"
	cat >"$TMP/inside.sh" <<'EOF'
echo "cwd $PWD"
echo "env $TESTVM_PROBE"
echo "to stderr" >&2
read -r line || echo "stdin is empty"
for d in /tmp /var/tmp /run /dev/shm; do echo "$d $(stat -f -c %T "$d")"; done
touch /usr/testvm-probe 2>/dev/null && echo "root writable" || echo "root read-only"
echo written >"$PROBE_FILE"
cat <(echo "/dev/fd works")
build_dir=$(dirname "$PROBE_FILE")
"$build_dir/bootscope" doctor --json | jq -r '"module \(.host.kvm_module)", (.checks[] | select(.check == "32-bit paging (PSE)") | "paging \(.result)")'
exit 7
EOF
	# On a fresh clone the first use downloads the VM's packages and says so on
	# stderr; do that first, so that stderr below is the command's alone.
	"$ROOT/tools/testvm" --prepare >/dev/null || return 1
	# The script is on this machine's /tmp, which the VM replaces: it goes in as a command line.
	cd "$ROOT/tests"
	TESTVM_PROBE="a b'c" PROBE_FILE=$probe run_testvm --timeout 900 -- bash -c "$(cat "$TMP/inside.sh")"
	expect_status 7
	printf '%s\n' "cwd $ROOT/tests" "env a b'c" "stdin is empty" "/tmp tmpfs" "/var/tmp tmpfs" "/run tmpfs" \
		"/dev/shm tmpfs" "root read-only" "/dev/fd works" "module kvm_amd" "paging ok" >"$TMP/want"
	expect stdout "$(cat "$OUT")" "$(cat "$TMP/want")"
	expect stderr "$(cat "$ERR")" "to stderr"
	# The checkout is the same directory, read-write.
	expect "file written in the VM" "$(cat "$probe" 2>/dev/null)" written
	rm -f "$probe"
}

test_usage_errors() {
	run_testvm
	expect_status 2
	expect message "$(cat "$ERR")" "usage: tools/testvm [--timeout S] [--smp N] [--mem SIZE] [--] COMMAND [ARG...]"
	run_testvm --timeout 0 true
	expect_status 2
	expect message "$(cat "$ERR")" "testvm: --timeout takes whole seconds, not '0'"
	run_testvm --bogus true
	expect_status 2
	expect message "$(cat "$ERR")" "testvm: unknown option --bogus (see the top of tools/testvm)"
}

# QEMU 7.2's TCG aborts now and then under nested KVM (docs/test-vm.md): status 123.
test_qemu_abort_is_123() {
	fake_qemu 'echo "qemu: fatal: invalid tss type" >&2; kill -ABRT $$'
	BOOTSCOPE_TESTVM_QEMU=$TMP/qemu run_testvm -- true
	expect_status 123
	expect message "$(cat "$ERR")" \
		"testvm: the VM's QEMU aborted (qemu: fatal: invalid tss type), a fault of QEMU's software emulation; run the command again"
	expect stdout "$(cat "$OUT")" ""
}

# A VM that powers off without the command's status (a kernel panic, say): 125, with the console's tail.
test_vm_without_status_is_125() {
	fake_qemu 'for a; do case $a in file:*) echo "Kernel panic - not syncing: fake" >"${a#file:}" ;; esac; done; exit 0'
	BOOTSCOPE_TESTVM_QEMU=$TMP/qemu run_testvm -- true
	expect_status 125
	expect "first line" "$(head -1 "$ERR")" \
		"testvm: the VM ended without the command's exit status (QEMU status 0); the console's last lines:"
	expect_grep "$ERR" '^  Kernel panic - not syncing: fake$'
}

test_timeout_is_124() {
	fake_qemu 'exec sleep 600'
	BOOTSCOPE_TESTVM_QEMU=$TMP/qemu run_testvm --timeout 2 -- true
	expect_status 124
	expect message "$(cat "$ERR")" "testvm: timed out after 2 s; the VM was stopped"
}

# A fake test VM for tests/run: its Nth call prints calls/N (lines of a
# `tests/run --part kvm`) and exits with the status on the file's first line.
fake_testvm() {
	cat >"$TMP/testvm" <<EOF
#!/usr/bin/env bash
n=\$((\$(cat "$TMP/calls/count" 2>/dev/null || echo 0) + 1))
echo \$n >"$TMP/calls/count"
echo "\$*" >"$TMP/calls/args.\$n"
tail -n +2 "$TMP/calls/\$n"
[ -f "$TMP/testvm.\$n" ] && source "$TMP/testvm.\$n"
exit "\$(head -1 "$TMP/calls/\$n")"
EOF
	chmod +x "$TMP/testvm"
	rm -rf "$TMP/calls" "$TMP"/testvm.*
	mkdir "$TMP/calls"
}

# run_suite: tests/run with the fake VM and no script of its own here; output in $OUT.
run_suite() {
	RC=0
	(cd "$ROOT" && KVM=vm TESTS=none BOOTSCOPE_TESTVM=$TMP/testvm tests/run "$@") >"$OUT" 2>&1 || RC=$?
}

# make check's sanitizer pass: --here never starts the test VM, and says why its
# KVM tests are not in the pass; --build names the binary under test.
test_suite_here_keeps_out_of_the_vm() {
	fake_testvm
	printf '%s\n' 0 "## script alpha" "ok 1 - first" "## end alpha 0" "## all done" >"$TMP/calls/1"
	run_suite --here
	expect_status 0
	expect "VM calls" "$(cat "$TMP/calls/count" 2>/dev/null || echo none)" none
	expect_grep "$OUT" "^tests: KVM tests not run in this pass \(--here\): they need the test VM, because "
	expect "last line" "$(tail -1 "$OUT")" "tests: 0 passed, 0 failed, 0 skipped"
	run_suite --build build/nothing-here
	expect_status 2
	expect "output" "$(cat "$OUT")" "tests/run: no build/nothing-here/bootscope: build it first (make all)"
	run_suite --here --build "$TMP"
	expect_status 2
	expect "output" "$(cat "$OUT")" "tests/run: no $TMP/bootscope: build it first (make all)"
	run_suite --build
	expect_status 2
	expect "output" "$(cat "$OUT")" "tests/run: --build needs a value"
}

test_suite_retries_a_test_whose_vm_died() {
	fake_testvm
	printf '%s\n' 123 "## script alpha" "# begin first" "ok 1 - first" "# begin second" >"$TMP/calls/1"
	printf '%s\n' 0 "## script alpha" "# begin second" "ok 1 - second" "# begin third" "ok 2 - third" \
		"## end alpha 0" "## script beta" "# begin fourth" "ok 1 - fourth" "## end beta 0" "## all done" >"$TMP/calls/2"
	run_suite
	expect_status 0
	expect "calls" "$(cat "$TMP/calls/count")" 2
	expect "first call" "$(cat "$TMP/calls/args.1")" "--timeout 4800 -- tests/run --part kvm --build $ROOT/build"
	expect "second call" "$(cat "$TMP/calls/args.2")" "--timeout 4800 -- tests/run --part kvm --build $ROOT/build --from alpha:second"
	expect_line "$OUT" "  the test VM's QEMU aborted (a fault of QEMU's software emulation) during integration/alpha: second"
	expect_line "$OUT" "  RETRIED integration/alpha [test VM]: second passed in a fresh test VM (the first test VM's QEMU aborted (a fault of QEMU's software emulation))"
	expect "last line" "$(tail -1 "$OUT")" "tests: 4 passed, 0 failed, 0 skipped (1 passed only in a retried test VM)"
}

test_suite_fails_a_test_that_kills_two_vms() {
	fake_testvm
	printf '%s\n' 125 "## script alpha" "# begin first" >"$TMP/calls/1"
	printf '%s\n' 125 "## script alpha" "# begin first" >"$TMP/calls/2"
	printf '%s\n' 0 "## script alpha" "# begin second" "ok 2 - second" "## end alpha 0" "## all done" >"$TMP/calls/3"
	run_suite
	expect_status 1
	expect "third call" "$(cat "$TMP/calls/args.3")" "--timeout 4800 -- tests/run --part kvm --build $ROOT/build --after alpha:first"
	expect_line "$OUT" "  integration/alpha [test VM]: not ok - first: the test VM ended without finishing (tools/testvm status 125)"
	expect "last line" "$(tail -1 "$OUT")" "tests: 1 passed, 1 failed, 0 skipped"
}

test_suite_stops_when_the_vm_times_out() {
	fake_testvm
	printf '%s\n' 124 "## script alpha" "# begin slow" >"$TMP/calls/1"
	BOOTSCOPE_TESTVM_TIMEOUT=60 run_suite
	expect_status 1
	expect "calls" "$(cat "$TMP/calls/count")" 1
	expect_line "$OUT" "  the test VM ran out of time (60 s) during integration/alpha: slow"
	expect "last line" "$(tail -1 "$OUT")" "tests: 0 passed, 1 failed, 0 skipped"
}

test_suite_stops_a_silent_vm_and_retries() {
	fake_testvm
	printf '%s\n' 0 "## script alpha" "# begin stuck" >"$TMP/calls/1"
	printf 'exec sleep 600\n' >>"$TMP/testvm.1"
	printf '%s\n' 0 "## script alpha" "# begin stuck" "ok 1 - stuck" "## end alpha 0" "## all done" >"$TMP/calls/2"
	BOOTSCOPE_TESTVM_QUIET=3 run_suite
	expect_status 0
	expect "calls" "$(cat "$TMP/calls/count")" 2
	expect_line "$OUT" "  the test VM gave no output for 3 s (its kernel hung; it was stopped) during integration/alpha: stuck"
	expect "last line" "$(tail -1 "$OUT")" "tests: 1 passed, 0 failed, 0 skipped (1 passed only in a retried test VM)"
}

# run_on_kvm ARGS...: tools/on-kvm in the test VM (the fake), stdout in $OUT, stderr in $ERR.
run_on_kvm() {
	RC=0
	(cd "$ROOT" && KVM=vm BOOTSCOPE_TESTVM=$TMP/testvm tools/on-kvm "$@") >"$OUT" 2>"$ERR" || RC=$?
}

ON_KVM_FIRST="bootscope: this runs in the test VM (tools/testvm), because KVM=vm was given: a KVM inside QEMU's software emulation, whose times are not hardware timings"

# make study's watchdog: a VM silent for ON_KVM_QUIET s is stopped, and the command runs again.
test_on_kvm_stops_a_silent_vm_and_retries() {
	fake_testvm
	printf '%s\n' 0 "matrix: 1/3 kvm 486 smp=1 sample=1 until" >"$TMP/calls/1"
	printf 'exec sleep 600\n' >>"$TMP/testvm.1"
	printf '%s\n' 0 "matrix: 2/3 kvm 486 smp=2 sample=1 until" "matrix: done" >"$TMP/calls/2"
	ON_KVM_QUIET=2 ON_KVM_RETRIES=1 ON_KVM_SMP=2 ON_KVM_TIMEOUT=99 run_on_kvm tools/study out
	expect_status 0
	expect "calls" "$(cat "$TMP/calls/count")" 2
	expect "first call" "$(cat "$TMP/calls/args.1")" "--timeout 99 --smp 2 -- tools/study out"
	expect "second call" "$(cat "$TMP/calls/args.2")" "--timeout 99 --smp 2 -- tools/study out"
	expect stdout "$(cat "$OUT")" "$(printf '%s\n' "matrix: 1/3 kvm 486 smp=1 sample=1 until" \
		"matrix: 2/3 kvm 486 smp=2 sample=1 until" "matrix: done")"
	expect stderr "$(cat "$ERR")" "$(printf '%s\n' "$ON_KVM_FIRST" \
		"on-kvm: the test VM printed nothing for 2 s (ON_KVM_QUIET): taken for hung, and stopped" \
		"on-kvm: running it again in a fresh test VM (1 of 1 retries, ON_KVM_RETRIES)")"
}

# Without retries a silent VM ends with 125; a command's own status, even 125, is not retried.
test_on_kvm_watchdog_statuses() {
	fake_testvm
	printf '%s\n' 0 "started" >"$TMP/calls/1"
	printf 'exec sleep 600\n' >>"$TMP/testvm.1"
	ON_KVM_QUIET=2 run_on_kvm tools/study out
	expect_status 125
	expect "calls" "$(cat "$TMP/calls/count")" 1
	expect "first call" "$(cat "$TMP/calls/args.1")" "--timeout 3600 --smp 1 -- tools/study out"
	expect stdout "$(cat "$OUT")" "started"
	expect stderr "$(cat "$ERR")" "$(printf '%s\n' "$ON_KVM_FIRST" \
		"on-kvm: the test VM printed nothing for 2 s (ON_KVM_QUIET): taken for hung, and stopped")"
	fake_testvm
	printf '%s\n' 125 "could not start" >"$TMP/calls/1"
	ON_KVM_QUIET=60 ON_KVM_RETRIES=3 run_on_kvm true
	expect_status 125
	expect "calls" "$(cat "$TMP/calls/count")" 1
	expect stdout "$(cat "$OUT")" "could not start"
	fake_testvm
	printf '%s\n' 123 "qemu: fatal: invalid tss type" >"$TMP/calls/1"
	printf '%s\n' 7 "second VM" >"$TMP/calls/2"
	ON_KVM_QUIET=60 ON_KVM_RETRIES=3 run_on_kvm true
	expect_status 7
	expect "calls" "$(cat "$TMP/calls/count")" 2
	ON_KVM_QUIET=0 run_on_kvm true
	expect_status 2
	expect message "$(cat "$ERR")" "on-kvm: ON_KVM_QUIET takes seconds and ON_KVM_RETRIES a count, not '0' and '0'"
}

# SIGTERM (or a Ctrl-C) to a watched on-kvm stops its VM too, so that the VM's lock is free.
test_on_kvm_watchdog_passes_sigterm_on() {
	local pid
	fake_testvm
	printf '%s\n' 0 "started" >"$TMP/calls/1"
	printf 'trap "echo stopped >%q; kill \\$!; exit 143" TERM\nsleep 600 & wait $!\n' "$TMP/stopped" >"$TMP/testvm.1"
	RC=0
	(cd "$ROOT" && KVM=vm ON_KVM_QUIET=60 BOOTSCOPE_TESTVM=$TMP/testvm exec tools/on-kvm tools/study out) \
		>"$OUT" 2>"$ERR" &
	pid=$!
	for _ in $(seq 100); do [ -s "$OUT" ] && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid" || RC=$?
	expect_status 143
	expect stdout "$(cat "$OUT")" "started"
	expect "the VM was stopped" "$(cat "$TMP/stopped" 2>/dev/null)" stopped
}

# without_kvm CMD...: CMD in a private mount namespace whose /dev has no kvm.
without_kvm() {
	unshare -m bash -c '
	mkdir -p /run/bootscope-nokvm && mount --bind /dev /run/bootscope-nokvm &&
	mount -t tmpfs -o mode=755 nokvm /dev &&
	for n in null zero full random urandom tty ptmx; do
		touch /dev/$n && mount --bind /run/bootscope-nokvm/$n /dev/$n || exit 1
	done &&
	mkdir /dev/pts /dev/shm && mount --bind /run/bootscope-nokvm/pts /dev/pts &&
	mount --bind /run/bootscope-nokvm/shm /dev/shm &&
	ln -s /proc/self/fd /dev/fd && ln -s fd/0 /dev/stdin && ln -s fd/1 /dev/stdout && ln -s fd/2 /dev/stderr &&
	umount -l /run/bootscope-nokvm && exec "$@"' without-kvm "$@"
}

# The issue's first user: a machine with no /dev/kvm runs `make demo`, and gets the demo's timing.
test_demo_on_a_machine_without_kvm() {
	without_kvm true 2>/dev/null || skip_because "cannot make a mount namespace without /dev/kvm here (needs root)"
	RC=0
	without_kvm "$BOOTSCOPE" doctor >"$OUT" 2>"$ERR" || RC=$?
	expect_status 1
	RC=0
	(cd "$ROOT" && without_kvm make -s demo KVM=auto) >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect "first line on stderr" "$(head -1 "$ERR")" "bootscope: this runs in the test VM (tools/testvm), because this machine has no /dev/kvm: a KVM inside QEMU's software emulation, whose times are not hardware timings"
	expect_grep "$OUT" $'^demo: done\r?$'
	expect_grep "$ERR" '^bootscope: until after [0-9.]+ ms: --until matched \(exit status 0\)$'
	expect_grep "$ERR" "^  times: this KVM runs inside QEMU's software emulation \(TCG\): not hardware timings"
}

t testvm_runs_a_command_with_kvm test_runs_the_command_in_a_vm_with_kvm
t testvm_usage_errors test_usage_errors
t testvm_qemu_abort_is_123 test_qemu_abort_is_123
t testvm_vm_without_status_is_125 test_vm_without_status_is_125
t testvm_timeout_is_124 test_timeout_is_124
t suite_retries_a_test_whose_vm_died test_suite_retries_a_test_whose_vm_died
t suite_fails_a_test_that_kills_two_vms test_suite_fails_a_test_that_kills_two_vms
t suite_stops_when_the_vm_times_out test_suite_stops_when_the_vm_times_out
t suite_here_keeps_out_of_the_vm test_suite_here_keeps_out_of_the_vm
t suite_stops_a_silent_vm_and_retries test_suite_stops_a_silent_vm_and_retries
t on_kvm_stops_a_silent_vm_and_retries test_on_kvm_stops_a_silent_vm_and_retries
t on_kvm_watchdog_statuses test_on_kvm_watchdog_statuses
t on_kvm_watchdog_passes_sigterm_on test_on_kvm_watchdog_passes_sigterm_on
t demo_on_a_machine_without_kvm test_demo_on_a_machine_without_kvm
