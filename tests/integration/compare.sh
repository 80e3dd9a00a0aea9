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
	expect "only-a on A" "$(jqv '.milestones[] | select(.name=="only-a") | "\(.a.n) \(.b.n)"')" "3 0"
	expect "only-b on B" "$(jqv '.milestones[] | select(.name=="only-b") | "\(.a.n) \(.b.n)"')" "0 3"
	expect_line "$OUT" "  only-a           reached in 3 of A's and 0 of B's samples"
	# The ratio is the medians' ratio, and lies in its interval; the medians are the samples' medians.
	expect "until ratio" "$(jqv '.milestones[] | select(.name=="until") |
		((.b.median_ns / .a.median_ns) - .ratio | fabs < 1e-3) and .ci95_low <= .ratio and .ratio <= .ci95_high')" true
	expect "A median" "$(jqv '.milestones[] | select(.name=="until") | .a.median_ns')" \
		"$(jqv '[.a.samples[].milestones_ns.until] | sort | .[1] | round')"
	expect_grep "$OUT" '^  until +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+  \[[0-9.]+, [0-9.]+\]$'
	# The exits line: the median, smallest and largest of A's samples' exits.
	expect_line "$OUT" "$(jqv '[.a.samples[].exits] | sort |
		"  exits (A)       median \(.[1]), min \(.[0]), max \(.[2])"')"
	expect "progress lines" "$(grep -c '^compare: [1-6]/6 ' "$ERR")" 6
}

# The same with QEMU's software emulation on both sides: no KVM needed.
test_two_configurations_under_qemu_tcg() {
	cmp_run --samples 2 --engine qemu --a '--accel tcg -m 64M' --b '--accel tcg -m 128M' "${DEMO[@]}" --json "$J"
	expect_status 0
	expect "engines" "$(jqv '[.a.engine, .b.engine] | join(" ")')" "qemu qemu"
	expect "B options" "$(jqv .b.options)" "--accel tcg -m 128M"
	expect "A order" "$(jqv '[.a.samples[].order] | join(" ")' | tr -d '"')" "0 2"
	expect "until on both" "$(jqv '.milestones[] | select(.name=="until") | "\(.a.n) \(.b.n)"')" "2 2"
	expect "until ratio" "$(jqv '.milestones[] | select(.name=="until") |
		((.b.median_ns / .a.median_ns) - .ratio | fabs < 1e-3) and .ci95_low <= .ratio and .ratio <= .ci95_high')" true
	expect "progress lines" "$(grep -c '^compare: [1-4]/4 ' "$ERR")" 4
}

# The default sides: bootscope run (KVM) against stock QEMU.
test_run_against_qemu() {
	cmp_run --samples 2 "${DEMO[@]}" --json "$J"
	expect_status 0
	expect "engines" "$(jqv '[.a.engine, .b.engine] | join(" ")')" "kvm qemu"
	expect "until on both" "$(jqv '.milestones[] | select(.name=="until") | "\(.a.n) \(.b.n)"')" "2 2"
	# QEMU's exits are not seen; bootscope's are counted.
	expect "B exits" "$(jqv '[.b.samples[].exits] | unique | .[0]')" null
	[ "$(jqv '.a.samples[0].exits')" -gt 0 ]
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
