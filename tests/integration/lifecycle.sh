#!/usr/bin/env bash
# How a run ends and where its output goes: timeout, signals, a prompt as
# --until target, --serial and --json destinations, version and help.
source "$(dirname "$0")/../lib.sh"

test_timeout() {
	bs --raw "$FW/spin.bin" --timeout 1 --trace "$TMP/t.bin"
	expect_status 124
	# The trace of a timed-out run is complete.
	expect "trace outcome" "$("$BOOTSCOPE" report "$TMP/t.bin" --format json | jq -r .outcome)" timeout
	expect outcome "$(jqv .outcome)" timeout
	expect message "$(jqv .message)" "no end after 1 s (--timeout)"
	[ "$(jqv .wall_ns)" -ge 1000000000 ]
	# The unfinished prompt line is written out at the end.
	expect "output" "$(text)" $'spin: forever\nspin> '
}

# A run the guest did not end says where each vCPU was left: vCPU 0 in the
# spin loop, vCPU 1 never started.
test_timeout_says_where_vcpus_were() {
	local loop
	# spin.asm's loop, `inc si; jmp .loop`: 46 eb fd, at 0x7c00 + its offset.
	loop=$(od -An -v -tx1 "$FW/spin.bin" | tr -s ' \n' ' ' | sed 's/^ //' | grep -ob '46 eb fd' | cut -d: -f1)
	[ -n "$loop" ] || { echo "spin.bin has no loop"; return 1; }
	loop=$((loop / 3))
	RC=0
	"$BOOTSCOPE" run --json "$J" --raw "$FW/spin.bin" --smp 2 --timeout 1 >"$OUT" 2>"$ERR" || RC=$?
	expect_status 124
	# --raw enters at 07c0:0000.
	expect "vCPU 0 at the end" "$(jqv '.exits.per_vcpu[0].at_end | "\(.state) \(.cs) \(.mode)"')" "running 0x7c0 real"
	local eip
	eip=$(jqv '.exits.per_vcpu[0].at_end.eip')
	[ $((eip)) -eq $loop ] || [ $((eip)) -eq $((loop + 1)) ] ||
		{ echo "vCPU 0 at $eip, not in the loop at $(printf 0x%x $loop)"; _failed=1; }
	expect "its linear address" "$(jqv '.exits.per_vcpu[0].at_end.linear')" "$(printf 0x%x $((0x7c00 + eip)))"
	expect "vCPU 1 at the end" "$(jqv '.exits.per_vcpu[1].at_end.state')" waiting-for-sipi
	# Its local APIC as reset left it: nothing requested or in service, the timer masked.
	expect "vCPU 0's LAPIC" "$(jqv '.exits.per_vcpu[0].at_end.lapic | "\(.requested) \(.in_service) \(.tpr) \(.timer_lvt)"')" \
		"null null 0 0x10000"
	expect_grep "$ERR" "^  vCPU 0 at the end: running at CS:EIP 07c0:$(printf %08x $((eip))) \\(linear $(printf 0x%x $((0x7c00 + eip))), real mode\\); last exit at +[0-9.]+ ms; LAPIC requested none, in service none, TPR 0, timer LVT 0x10000 count 0 of 0\$"
	expect_grep "$ERR" '^  vCPU 1 at the end: waiting for SIPI at CS:EIP f000:0000fff0 \(linear 0xfffffff0, real mode\); no exit; LAPIC '
}

test_prompt_as_until() {
	bs --raw "$FW/spin.bin" --until 'spin> $' --timeout 60
	expect_status 0
	expect outcome "$(jqv .outcome)" until
	[ "$(jqv '.milestones[] | select(.name=="until") | .t_ns')" -gt 0 ]
}

# Start a spinning guest, wait for its first line, send SIGNAL, check the summary.
interrupt_with() { # SIGNAL STATUS NAME
	local pid i
	"$BOOTSCOPE" run --raw "$FW/spin.bin" --timeout 120 --json "$J" -q >"$OUT" 2>"$ERR" &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q "spin: forever" "$OUT" 2>/dev/null && break
		sleep 0.1
	done
	kill -s "$1" "$pid"
	RC=0
	wait "$pid" || RC=$?
	expect_status "$2"
	expect outcome "$(jqv .outcome)" interrupted
	expect message "$(jqv .message)" "interrupted by $3"
	expect_line "$OUT" "spin: forever"$'\r'
}

test_sigterm_keeps_results() { interrupt_with TERM 143 SIGTERM; }

test_sigint_keeps_results() {
	# Background jobs of a script ignore SIGINT; give it back its default, as a terminal would.
	local BOOTSCOPE_REAL=$BOOTSCOPE
	BOOTSCOPE="$TMP/bs-int"
	printf '#!/bin/sh\nexec env --default-signal=INT "%s" "$@"\n' "$BOOTSCOPE_REAL" >"$BOOTSCOPE"
	chmod +x "$BOOTSCOPE"
	interrupt_with INT 130 SIGINT
}

test_serial_file_and_json_stdout() {
	# --json - alone: the summary is all of stdout (guest text goes to stderr), so jq reads it.
	RC=0
	"$BOOTSCOPE" run --raw "$FW/halt.bin" --json - -q 2>"$ERR" | jq -r .outcome >"$OUT" || RC=$?
	expect "piped into jq" "$(cat "$OUT")" halted
	expect_grep "$ERR" '^halt: stopping'
	# --serial -: guest text on stdout, no file named '-'.
	( cd "$TMP" && "$BOOTSCOPE" run --raw "$FW/halt.bin" --serial - -q >"$OUT" 2>"$ERR" )
	expect "serial on stdout" "$(tr -d '\r' <"$OUT")" "halt: stopping"
	[ ! -e "$TMP/-" ] || { echo "a file named '-'"; return 1; }
	RC=0
	"$BOOTSCOPE" run --raw "$FW/halt.bin" --serial "$TMP/serial.txt" --json - -q >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect "serial file" "$(tr -d '\r' <"$TMP/serial.txt")" "halt: stopping"
	expect "stdout is the summary" "$(jq -r .outcome "$OUT")" halted
	# Nothing on stderr but what this KVM cannot give the CPU model, if anything.
	cp "$OUT" "$J"
	expect_only_feature_warnings "$ERR"
}

test_summary_table_on_stderr() {
	RC=0
	"$BOOTSCOPE" run --raw "$FW/halt.bin" --mark stop=stopping >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect_grep "$ERR" '^bootscope: halted after [0-9.]+ ms: every vCPU halted'
	expect_grep "$ERR" '^  milestone +time +vcpu +console$'
	expect_grep "$ERR" '^  entry +[0-9.]+ ms +0$'
	expect_grep "$ERR" '^  stop +[0-9.]+ ms +0 +com1$'
	expect_grep "$ERR" '^  exits: [0-9]+ \(io [0-9]+\); in the VMM [0-9.]+ ms, in the guest [0-9.]+ ms$'
}

test_version_and_help() {
	expect version "$("$BOOTSCOPE" version)" "bootscope $(sed -n 's/^VERSION := //p' Makefile)"
	"$BOOTSCOPE" help >"$OUT"
	expect_grep "$OUT" '^Usage: bootscope COMMAND'
	expect_grep "$OUT" '--until REGEX'
	"$BOOTSCOPE" run --help >"$OUT"
	expect_grep "$OUT" '^Exit status:'
	# --help after every command: its own usage and examples, exit 0.
	local c
	for c in compare matrix matrix-report report cpus doctor sandbox-check; do
		RC=0
		"$BOOTSCOPE" "$c" --some-option --help >"$OUT" 2>"$ERR" || RC=$?
		expect "$c --help status" "$RC" 0
		expect "$c --help" "$(head -1 "$OUT")" "Usage: bootscope $c$(sed -n "s/^Usage: bootscope $c//p" "$OUT" | head -1)"
		[ "$c" = sandbox-check ] || expect_grep "$OUT" '^Examples?:$'
	done
}

# The command line as people type it, QEMU's spellings included; checked without KVM
# through bootscope qemu --dry-run, which parses run's options.
test_qemu_spellings() {
	local long short
	long=$("$BOOTSCOPE" qemu --kernel "$FW/demo.elf" --append 'a b' --initrd "$FW/halt.bin" --smp 2 -m 64 --cpu pentium --dry-run)
	short=$("$BOOTSCOPE" qemu -kernel "$FW/demo.elf" -append 'a b' -initrd "$FW/halt.bin" -smp 2 -m 64 -cpu pentium --dry-run)
	expect "single-dash spellings" "$short" "$long"
	expect_grep <(echo "$short") " -m 64M -smp 2 .* -kernel $FW/demo.elf -append 'a b' -initrd $FW/halt.bin$"
	RC=0
	"$BOOTSCOPE" run --kernel "$FW/demo.elf" -enable-kvm >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: unknown option '-enable-kvm': a QEMU option bootscope does not take; bootscope run always runs on KVM, and bootscope qemu gives QEMU -enable-kvm (--accel tcg for software emulation)"
	RC=0
	"$BOOTSCOPE" run -kernel "$FW/demo.elf" -nographic >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect_grep "$ERR" "^bootscope: unknown option '-nographic': a QEMU option bootscope does not take; bootscope shows no display"
	RC=0
	"$BOOTSCOPE" run --kernel "$FW/demo.elf" -x >"$OUT" 2>"$ERR" || RC=$?
	expect message "$(head -1 "$ERR")" "bootscope: unknown option '-x'"
	RC=0
	"$BOOTSCOPE" run --kernel "$FW/demo.elf" --output-limit 100 >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --output-limit '100': give a size with its unit, at least 4K (e.g. 100M)"
	RC=0
	"$BOOTSCOPE" run --raw "$FW/halt.bin@0xzz" >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --raw '$FW/halt.bin@0xzz': '0xzz' is not an address (give FILE@ADDR, e.g. boot.bin@0x7c00)"
	RC=0
	"$BOOTSCOPE" run --raw "$FW/halt.bin" --json - --serial - >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --json - and --serial - both want stdout; send one to a file"
}

# The options are written once, in options.c's table and its help text: the
# manual page is made from the help, and the docs must name every option and
# command the code has.
test_every_option_documented() {
	local opts cmds o c missing=""
	opts=$(sed -n 's/^\t{ "\([a-z-]*\)", .*_argument.*/\1/p' vmm/cli/options.c)
	cmds=$(sed -n '/^} commands\[\] = {/,/^};/p' vmm/cli/main.c | grep -o '{ "[a-z-]*"' | tr -d '{" ')
	# (the extraction itself must find the tables: run's options and the commands)
	expect "options found" "$(grep -cw -e kernel -e until -e quiet <<<"$opts")" 3
	expect "commands found" "$(grep -cw -e qemu -e matrix-report -e sandbox-check <<<"$cmds")" 3
	"$BOOTSCOPE" help >"$OUT"
	sed 's/\\//g' build/bootscope.1 >"$TMP/man"	# troff's escapes off: \-\- is --
	expect_grep build/bootscope.1 '^\.TH BOOTSCOPE 1 "" "bootscope [0-9.]+" "User Commands"$'
	for o in $opts; do
		[ "$o" = help ] && continue
		grep -q -- "--$o\b" "$OUT" || missing+=" help:--$o"
		grep -q -- "--$o\b" "$TMP/man" || missing+=" man:--$o"
		cat docs/usage.md docs/studies.md | grep -q -- "--$o\b" || missing+=" docs:--$o"
	done
	for c in $cmds run version help; do
		grep -q "^  $c\b" "$OUT" || missing+=" help:$c"
		grep -A1 '^\.TP' "$TMP/man" | grep -q "^$c\b" || missing+=" man:$c"
	done
	expect "undocumented" "$missing" ""
}

TESTS=(test_timeout test_timeout_says_where_vcpus_were test_prompt_as_until test_sigterm_keeps_results test_sigint_keeps_results
	test_serial_file_and_json_stdout test_summary_table_on_stderr)
for fn in "${TESTS[@]}"; do tk "${fn#test_}" "$fn"; done
t version_and_help test_version_and_help
t qemu_spellings test_qemu_spellings
t every_option_documented test_every_option_documented
