#!/usr/bin/env bash
# `bootscope qemu`: the same boot on stock qemu-system-i386, with the same
# options, milestone engine and JSON summary as `bootscope run`.
source "$(dirname "$0")/../lib.sh"

ISO=$TMP/bootload.iso
DEMO=(--kernel "$FW/demo.elf" --append "console=ttyS0 demo" --module "$FW/realmode.bin,first"
	--module "firmware/demo.asm,second")

# Needs no KVM: the command line only.
test_dry_run() {
	RC=0
	BOOTSCOPE_QEMU=qemu-system-i386 "$BOOTSCOPE" qemu "${DEMO[@]}" --cpu athlon --smp 2 -m 64M --dry-run \
		>"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect "command line" "$(cat "$OUT")" "qemu-system-i386 -M pc -accel kvm -cpu athlon,vendor=AuthenticAMD \
-m 64M -smp 2 -nodefaults -no-user-config -display none -no-reboot -sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny -chardev stdio,id=com1,signal=off \
-serial chardev:com1 -chardev file,id=debugcon-e9,path=/dev/stderr -device isa-debugcon,iobase=0xe9,chardev=debugcon-e9 \
-chardev file,id=debugcon-402,path=/dev/stderr -device isa-debugcon,iobase=0x402,chardev=debugcon-402 \
-device isa-debug-exit,iobase=0xf4,iosize=4 -device isa-vga \
-kernel $FW/demo.elf -append 'console=ttyS0 demo' \
-initrd '$FW/realmode.bin first,firmware/demo.asm second'"
	# The line is one to paste: run as a shell would, it boots the demo to its end.
	local line
	line=$(BOOTSCOPE_QEMU=qemu-system-i386 "$BOOTSCOPE" qemu --kernel "$FW/demo.elf" --append 'console=ttyS0 demo' --accel tcg --dry-run)
	RC=0
	timeout 30 sh -c "$line" </dev/null >"$TMP/pasted" 2>"$TMP/pasted.err" || RC=$?
	expect "pasted line's status" "$RC" 124	# the demo halts, and QEMU waits on until the timeout
	expect_grep "$TMP/pasted" '^demo: done'
	expect_grep "$TMP/pasted.err" '^SeaBIOS \(version '	# the debug console on stderr
	# Disk paths with commas are escaped as QEMU's option parser wants; TCG and the host CPU.
	BOOTSCOPE_QEMU=qemu-system-i386 "$BOOTSCOPE" qemu --cdrom "$TMP/a,b.iso" --accel tcg --cpu host --dry-run \
		--qemu-arg -rtc --qemu-arg 'base=utc,clock=vm' >"$OUT" 2>"$ERR" || RC=$?
	expect_grep "$OUT" " -accel tcg -cpu max "
	# A qcow2 disk is named qcow2 to stock QEMU too, as to the device model; QEMU never probes.
	{ printf 'QFI\xfb\0\0\0\3'; head -c 504 /dev/zero; } >"$TMP/disk.qcow2"	# a version 3 header
	BOOTSCOPE_QEMU=qemu-system-i386 "$BOOTSCOPE" qemu --hda "$TMP/disk.qcow2" --dry-run >"$TMP/q2" 2>"$ERR"
	expect_grep "$TMP/q2" " -drive file=$TMP/disk.qcow2,format=qcow2,if=ide,index=0,media=disk,snapshot=on -boot order=c$"
	expect_grep "$OUT" " -drive file=$TMP/a,,b.iso,format=raw,if=ide,index=2,media=cdrom,readonly=on -boot order=d -rtc base=utc,clock=vm$"
}

test_refused_options() {
	local opts
	for opts in "--raw $FW/halt.bin" "--kernel $FW/demo.elf --stop-at-entry"; do
		RC=0
		# shellcheck disable=SC2086
		"$BOOTSCOPE" qemu $opts >"$OUT" 2>"$ERR" || RC=$?
		expect_status 2
		expect_grep "$ERR" "^bootscope: bootscope qemu: --(raw|stop-at-entry).* is not available with the QEMU engine$"
	done
	RC=0
	"$BOOTSCOPE" qemu --kernel "$FW/demo.elf" --accel xen >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --accel 'xen': give kvm or tcg"
	RC=0
	"$BOOTSCOPE" run --kernel "$FW/demo.elf" --dry-run >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --dry-run, --accel and --qemu-arg go with \`bootscope qemu\`"
}

# What the kernel is handed is the same under both engines: command line and module strings.
test_demo_same_handoff_both_engines() {
	RC=0
	"$BOOTSCOPE" qemu "${DEMO[@]}" --mark memory='^memory:' --until '^demo: done' --timeout 120 --json "$J" -q \
		>"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect engine "$(jqv .engine)" qemu
	expect outcome "$(jqv .outcome)" until
	expect "boot kind" "$(jqv .boot.kind)" multiboot
	expect exits "$(jqv .exits)" null
	[ "$(jqv '.milestones[] | select(.name=="until") | .t_ns')" -gt "$(jqv '.milestones[] | select(.name=="memory") | .t_ns')" ]
	text >"$TMP/text"
	expect_line "$TMP/text" "loader: qemu"
	grep -E '^(cmdline|module [0-9])' "$OUT" | sed 's/ [0-9a-f]*-[0-9a-f]* sum/ sum/' >"$TMP/qemu.lines"
	bs "${DEMO[@]}" --until '^demo: done'
	expect_status 0
	grep -E '^(cmdline|module [0-9])' "$OUT" | sed 's/ [0-9a-f]*-[0-9a-f]* sum/ sum/' >"$TMP/run.lines"
	expect "hand-off lines" "$(cat "$TMP/qemu.lines")" "$(cat "$TMP/run.lines")"
	expect "three lines" "$(wc -l <"$TMP/run.lines")" 3
}

test_debug_exit_status() {
	bs_qemu --kernel "$FW/aout.bin" --timeout 120
	expect_status 67
	expect outcome "$(jqv .outcome)" exit
	expect "guest exit code" "$(jqv .guest_exit_code)" 33
}

# The CPU model's vendor reaches the guest (QEMU under KVM would show the host's otherwise).
test_cdrom_cpu_vendor() {
	bs_qemu --cdrom "$ISO" --cpu athlon --until 'BOOT-OK' --timeout 120
	expect_status 0
	expect_line "$OUT" "bootload: stage 2 running, CPUID vendor AuthenticAMD family 6 model 2"
	bs_qemu --cdrom "$ISO" --cpu pentium2 --until 'BOOT-OK' --timeout 120
	expect_line "$OUT" "bootload: stage 2 running, CPUID vendor GenuineIntel family 6 model 5"
	expect "boot kind" "$(jqv .boot.kind)" bios
}

test_tcg() {
	bs_qemu "${DEMO[@]}" --accel tcg --until '^demo: done' --timeout 120
	expect_status 0
	expect engine "$(jqv .engine)" qemu-tcg
	expect "timing note" "$(jqv .timing_note)" "QEMU's software emulation (TCG): not hardware timings"
}

test_sigterm_kills_qemu() {
	local pid qemu i
	"$BOOTSCOPE" qemu --cdrom "$ISO" --until 'never printed' --timeout 120 --json "$J" -q >"$OUT" 2>"$ERR" &
	pid=$!
	wait_for_output "^Found 1 cpu"
	qemu=$(pgrep -P "$pid" | head -1)
	[ -n "$qemu" ] || { echo "no QEMU child"; return 1; }
	# QEMU's console sockets have room for a loaded host's lag: 16 MiB, doubled by the kernel
	# (SO_SNDBUFFORCE, as root). With the default, QEMU's serial stalled for good in 1 of 5 to 40 TCG boots under load.
	if [ "$(id -u)" -eq 0 ]; then
		expect "QEMU's sockets with a 32 MiB send buffer" \
			"$(ss -xmp | grep -A1 "pid=$qemu," | grep -c 'tb33554432')" 3
	fi
	kill -TERM "$pid"
	RC=0
	wait "$pid" || RC=$?
	expect_status 143
	expect outcome "$(jqv .outcome)" interrupted
	! kill -0 "$qemu" 2>/dev/null || { echo "QEMU $qemu still running"; return 1; }
}

# QEMU's own kvm_run_exit events become a bootscope trace that `report` reads.
test_trace_from_qemu() {
	BOOTSCOPE_QEMU=qemu-system-i386 "$BOOTSCOPE" qemu --kernel "$FW/demo.elf" --trace "$TMP/x.bin" --dry-run >"$OUT"
	expect_grep "$OUT" " -trace enable=kvm_run_exit -D qemu-trace.log -msg timestamp=on$"
	bs_qemu --cdrom "$ISO" --until 'BOOT-OK' --timeout 120 --trace "$TMP/q.bin"
	expect_status 0
	"$BOOTSCOPE" report "$TMP/q.bin" --format json >"$TMP/r.json"
	local exits
	exits=$(jq -r .exits "$TMP/r.json")
	[ "$exits" -gt 1000 ] || { echo "only $exits exits"; return 1; }
	expect "records in the summary" "$(jqv .trace.records)" "$(jq -r .records "$TMP/r.json")"
	# What QEMU's events do not say is "not recorded", never a column of zeros.
	expect "not recorded" "$(jq -c '[.vmm_time_recorded, (.ports | length), .reasons[0].total_ns, .split.bootscope_ns]' "$TMP/r.json")" \
		"[false,0,null,null]"
	"$BOOTSCOPE" report "$TMP/q.bin" >"$TMP/r.txt"
	expect_grep "$TMP/r.txt" '^exits per reason +count  \(recorded by the QEMU engine: the time QEMU took per exit, and the port or address, are not recorded\)$'
	expect "dropped" "$(jqv .trace.dropped)" 0
	expect "outcome" "$(jq -r .outcome "$TMP/r.json")" until
	# Port I/O dominates a BIOS boot; QEMU's trace does not say which port, nor its handling time.
	expect "io exits counted" "$(jq -r '.reasons | max_by(.count) | .reason' "$TMP/r.json")" io
	"$BOOTSCOPE" report "$TMP/q.bin" --format csv | awk -F, 'NR > 1 && $1 == "exit" && $2 != 0 { bad++ } END { exit bad > 0 }'
}

# QEMU's failure status is also what isa-debug-exit gives for 0; the error line tells them apart.
test_qemu_failure() {
	printf '#!/bin/sh\necho "qemu-system-i386: cannot do that" >&2\nexit 1\n' >"$TMP/failing-qemu"
	chmod +x "$TMP/failing-qemu"
	BOOTSCOPE_QEMU=$TMP/failing-qemu bs_qemu --kernel "$FW/demo.elf" --timeout 120
	expect_status 1
	expect outcome "$(jqv .outcome)" error
	expect message "$(jqv .message)" "QEMU exited with status 1: qemu-system-i386: cannot do that"
	BOOTSCOPE_QEMU=$TMP/no-such-qemu bs_qemu --kernel "$FW/demo.elf" --timeout 120
	expect_status 1
	expect_grep "$ERR" "^bootscope: cannot find QEMU \($TMP/no-such-qemu\): No such file or directory"
}

bs_qemu() {
	RC=0
	"$BOOTSCOPE" qemu --json "$J" -q "$@" >"$OUT" 2>"$ERR" || RC=$?
}

TESTS=(test_demo_same_handoff_both_engines test_debug_exit_status test_cdrom_cpu_vendor test_trace_from_qemu
	test_sigterm_kills_qemu)
if ! tools/make-iso "$ISO" "$FW/bootload.bin" >"$TMP/build.log" 2>&1; then
	echo "not ok 1 - building the test ISO"
	sed 's/^/# /' "$TMP/build.log"
	exit 1
fi
t dry_run test_dry_run
t refused_options test_refused_options
t tcg test_tcg
t qemu_failure test_qemu_failure
for fn in "${TESTS[@]}"; do tk "${fn#test_}" "$fn"; done
