#!/usr/bin/env bash
# `bootscope compare`: two sides, N interleaved samples each, medians and the
# ratio of medians with its bootstrap confidence interval.
source "$(dirname "$0")/../lib.sh"

DEMO=(--kernel "$FW/demo.elf" --append "console=ttyS0 demo" --until '^demo: done')

cmp_run() {
	RC=0
	"$BOOTSCOPE" compare "$@" >"$OUT" 2>"$ERR" || RC=$?
}

# Two configurations of the KVM engine; each side's options reach only its samples.
test_two_configurations() {
	cmp_run --samples 3 --a '-m 64M --mark only-a=^memory:' --b "-m 128M --mark 'only-b=^memory:'" \
		"${DEMO[@]}" --json "$J"
	expect_status 0
	expect samples "$(jqv .samples)" 3
	expect "A options" "$(jqv .a.options)" "-m 64M --mark only-a=^memory:"
	expect "engines" "$(jqv '[.a.engine, .b.engine] | join(" ")')" "kvm kvm"
	# Interleaved: A, B, A, B, A, B.
	expect "A order" "$(jqv '[.a.samples[].order] | join(" ")' | tr -d '"')" "0 2 4"
	expect "B order" "$(jqv '[.b.samples[].order] | join(" ")' | tr -d '"')" "1 3 5"
	expect "outcomes" "$(jqv '[.a.samples[].outcome, .b.samples[].outcome] | unique | join(" ")')" until
	expect "only-a on A" "$(jqv '.milestones[] | select(.name=="only-a") | .launch | "\(.a.n) \(.b.n)"')" "3 0"
	expect "only-b on B" "$(jqv '.milestones[] | select(.name=="only-b") | .launch | "\(.a.n) \(.b.n)"')" "0 3"
	expect "only-a lines" "$(grep -c "^  only-a           reached by 3 of A's 3 and 0 of B's 3 samples with a result$" "$OUT")" 2
	# Two configurations: the ratio is B/A, named so, and lies in its interval; the medians are the samples'.
	expect "ratio name" "$(jqv .ratio)" "B/A"
	expect_grep "$OUT" '^  milestone \(ms\) .* B/A  95% CI$'
	expect "until ratio" "$(jqv '.milestones[] | select(.name=="until") | .launch |
		((.b.median_ns / .a.median_ns) - .ratio | fabs < 1e-3) and .ci95[0] <= .ratio and .ratio <= .ci95[1]')" true
	# Two clocks: from launch (the sample's own set-up added) and from its first output.
	expect "A median from launch" "$(jqv '.milestones[] | select(.name=="until") | .launch.a.median_ns')" \
		"$(jqv '[.a.samples[] | .milestones_ns.until + .setup_ns] | sort | .[1] | round')"
	expect "A median from the first output" "$(jqv '.milestones[] | select(.name=="until") | .first_output.a.median_ns')" \
		"$(jqv '[.a.samples[] | .milestones_ns.until - .milestones_ns["first-output"]] | sort | .[1] | round')"
	expect_line "$OUT" "  from launch (the command's exec; a QEMU's start-up included):"
	expect_line "$OUT" "  from the first guest output:"
	expect_grep "$OUT" '^  until +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+  \[[0-9.]+, [0-9.]+\]$'
	# The exits line: the median, smallest and largest of A's samples' exits.
	expect_line "$OUT" "$(jqv '[.a.samples[].exits] | sort |
		"  exits (A)       median \(.[1]), min \(.[0]), max \(.[2])"')"
	expect "progress lines" "$(grep -c '^compare: [1-6]/6 ' "$ERR")" 6
}

# The same with QEMU's software emulation on both sides: no KVM needed.
test_two_configurations_under_qemu_tcg() {
	cmp_run --samples 3 --engine qemu --a '--accel tcg -m 64M' --b '--accel tcg -m 128M' "${DEMO[@]}" --json "$J"
	expect_status 0
	expect "engines" "$(jqv '[.a.engine, .b.engine] | join(" ")')" "qemu qemu"
	expect "B options" "$(jqv .b.options)" "--accel tcg -m 128M"
	expect "A order" "$(jqv '[.a.samples[].order] | join(" ")' | tr -d '"')" "0 2 4"
	expect "until on both" "$(jqv '.milestones[] | select(.name=="until") | .launch | "\(.a.n) \(.b.n)"')" "3 3"
	expect "until ratio" "$(jqv '.milestones[] | select(.name=="until") | .first_output |
		((.b.median_ns / .a.median_ns) - .ratio | fabs < 1e-3) and .ci95[0] <= .ratio and .ratio <= .ci95[1]')" true
	expect "progress lines" "$(grep -c '^compare: [1-6]/6 ' "$ERR")" 6
	# The caveat travels: TCG's note in the table and in every sample of the JSON.
	expect_line "$OUT" "  times: QEMU's software emulation (TCG): not hardware timings"
	expect "notes" "$(jqv '[.a.samples[].timing_note, .b.samples[].timing_note] | unique | join("|")')" \
		"QEMU's software emulation (TCG): not hardware timings"
}

# The default sides: bootscope run (KVM) against stock QEMU.
test_run_against_qemu() {
	cmp_run --samples 2 "${DEMO[@]}" --json "$J"
	expect_status 0
	expect "engines" "$(jqv '[.a.engine, .b.engine] | join(" ")')" "kvm qemu"
	expect "until on both" "$(jqv '.milestones[] | select(.name=="until") | .launch | "\(.a.n) \(.b.n)"')" "2 2"
	# QEMU's exits are not seen; bootscope's are counted.
	expect "B exits" "$(jqv '[.b.samples[].exits] | unique | .[0]')" null
	[ "$(jqv '.a.samples[0].exits')" -gt 0 ]
	# One direction: bootscope over QEMU, named in the header and the JSON.
	expect "ratio name" "$(jqv .ratio)" "bootscope/qemu"
	expect "until ratio" "$(jqv '.milestones[] | select(.name=="until") | .launch | (.a.median_ns / .b.median_ns) - .ratio | fabs < 1e-3')" true
	# The launch clock has QEMU's start-up in it: bootscope's ratio is smaller there than from the first output.
	expect "launch clock includes QEMU's start" "$(jqv '.milestones[] | select(.name=="first-output") | .launch.b.median_ns > 0')" true
	# Two samples a side: no interval, and why.
	expect "no interval" "$(jqv '.milestones[] | select(.name=="until") | .launch | "\(.ci95) \(.ci95_why_not)"')" \
		"null fewer than 3 samples on a side"
	expect_grep "$OUT" '^  until +[0-9. ]+ none \(fewer than 3 samples\)$'
	# The caveat of this KVM, whatever it is, in the table and the JSON, as `run` says it.
	local note host
	note=$(jqv '.a.samples[0].timing_note') host=$(jqv '.a.samples[0].host')
	[ -n "$host" ] && [ "$host" != null ] || { echo "no host kind"; return 1; }
	if [ -n "$note" ]; then expect_line "$OUT" "  times: $note"; fi
	# --json - is JSON alone on stdout; the table goes to stderr.
	RC=0
	"$BOOTSCOPE" compare --samples 1 "${DEMO[@]}" --json - >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect "stdout is JSON" "$(jq -r .ratio "$OUT")" "bootscope/qemu"
	expect_grep "$ERR" '^  milestone \(ms\) '
}

# Failures are results of their own: listed with why, left out of the statistics, exit 1.
test_failed_samples() {
	cmp_run --samples 1 "${DEMO[@]}" --mark never='^never$' --until '^never$' --timeout 5 --json "$J"
	expect_status 1
	# The milestone nobody reached still has its row.
	expect "until lines" "$(grep -c "^  until            reached by 0 of A's 0 and 0 of B's 0 samples with a result$" "$OUT")" 2
	expect "until row" "$(jqv '.milestones[] | select(.name=="until") | .launch | "\(.a.n) \(.b.n) \(.ratio)"')" "0 0 null"
	expect "failed" "$(jqv .failed)" 2
	expect "why" "$(jqv '[.a.samples[0].failed, .a.samples[0].outcome, .b.samples[0].outcome] | join(" ")')" \
		"true halted timeout"
	expect_grep "$OUT" "^  failed: A sample 1 \(boot 1 of 2\): halted: "
	expect_grep "$OUT" "^  failed: B sample 1 \(boot 2 of 2\): timeout: no end after 5 s"
	expect_line "$ERR" "compare: side A (kvm) has no sample with a result: no comparison was made"
	expect_line "$ERR" "compare: 2 of 2 samples failed (listed above)"
}

test_bad_compare_options() {
	cmp_run "${DEMO[@]}"
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: compare: give --samples N"
	cmp_run --samples 0 "${DEMO[@]}"
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --samples '0': give 1 to 1000"
	cmp_run --samples 1 --a '-m 64M' "${DEMO[@]}"
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: compare: give both --a and --b, or neither"
	cmp_run --samples 1 --a "-m '64M" --b '' "${DEMO[@]}"
	expect_status 2
	expect_grep "$ERR" "unbalanced quotes"
	cmp_run --samples 1 --serial x "${DEMO[@]}"
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: compare: --serial does not go with compare"
	# Checked before the first boot: a missing image, an unwritable --json.
	cmp_run --samples 3 --cdrom "$TMP/minx.iso" --until x
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: compare: --cdrom $TMP/minx.iso: No such file or directory"
	expect "no boot ran" "$(grep -c '^compare: [0-9]' "$ERR")" 0
	cmp_run --samples 3 "${DEMO[@]}" --json "$TMP/no/such/dir/x.json"
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: compare: --json $TMP/no/such/dir/x.json: No such file or directory"
	expect "no boot ran" "$(grep -c '^compare: [0-9]' "$ERR")" 0
}

# A bad boot option is the sample's usage error, passed on.
test_bad_boot_option() {
	cmp_run --samples 1 --a '--cpu i7' --b '' "${DEMO[@]}"
	expect_status 2
	expect_grep "$ERR" "^bootscope: side A: --cpu 'i7': unknown CPU model"
}

t bad_compare_options test_bad_compare_options
t bad_boot_option test_bad_boot_option
t two_configurations_under_qemu_tcg test_two_configurations_under_qemu_tcg
tk two_configurations test_two_configurations
tk run_against_qemu test_run_against_qemu
tk failed_samples test_failed_samples
