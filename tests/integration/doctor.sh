#!/usr/bin/env bash
# `bootscope doctor`: every check reports, the modes every KVM runs pass, and
# what it concludes follows from what it found.
source "$(dirname "$0")/../lib.sh"

test_doctor_json() {
	"$BOOTSCOPE" doctor --json >"$J"
	local c
	for c in "/dev/kvm" "in-kernel irqchip and PIT" "read-only memory (ROM)" "real mode" "32-bit protected mode" \
		"32-bit paging (PSE)" "PAE paging" "long mode, 4-level paging" "INT n and IRET in protected mode" \
		"CPUID as programmed" "MSR filter (CPU models' MSRs)" "SMM" "hardware breakpoints (BIOS milestones)" \
		"single-step (--stop-at-entry)" "QEMU device model (BIOS boots)" "port-I/O exit to user space" "host CPU"; do
		expect "check '$c'" "$(jqv "[.checks[] | select(.check == \"$c\")] | length")" 1
	done
	# bootscope's own guests run in these modes: if they failed, every other test would too.
	expect "real mode" "$(jqv '.checks[] | select(.check == "real mode") | .result')" ok
	expect "protected mode" "$(jqv '.checks[] | select(.check == "32-bit protected mode") | .result')" ok
	expect_grep <(jqv '.checks[] | select(.check == "port-I/O exit to user space") | .detail') \
		'^[0-9]+\.[0-9] us per exit, nothing handled \([1-9][0-9]* exits\)$'
	# QEMU is installed with the other dependencies, so BIOS boots' device model must start.
	expect "device model" "$(jqv '.checks[] | select(.check == "QEMU device model (BIOS boots)") | .result')" ok
	expect_grep <(jqv '.checks[] | select(.check == "QEMU device model (BIOS boots)") | .detail') \
		' up in [0-9]+ ms, [0-9]+ us per round trip$'
	# Conclusions follow from the checks.
	local paging linux_listed
	paging=$(jqv '.checks[] | select(.check == "32-bit paging (PSE)") | .result')
	linux_listed=$(jqv '[.will_not_boot[] | select(startswith("Linux"))] | length')
	expect "Linux listed as not booting" "$linux_listed" "$([ "$paging" = ok ] && echo 0 || echo 1)"
	# The CPUID check agrees with `cpus --verify` about leaf 1.
	"$BOOTSCOPE" cpus --verify --json pentium2 >"$TMP/verify.json"
	expect "CPUID verdict" "$(jqv '.checks[] | select(.check == "CPUID as programmed") | .result')" \
		"$([ "$(jq '[.[0].verify.differences[] | select(.leaf == "00000001")] | length' "$TMP/verify.json")" -eq 0 ] && echo ok || echo differs)"
}

# Inside QEMU's software emulation (the test VM) the profile is known: everything
# bootscope needs works, but the outer emulation loses a nested guest's breakpoints.
test_doctor_in_the_test_vm() {
	"$BOOTSCOPE" doctor --json >"$J"
	[ "$(jqv .host.under_tcg)" = true ] || skip_because "this KVM is not inside QEMU's software emulation"
	local c
	for c in "real mode" "32-bit protected mode" "32-bit paging (PSE)" "PAE paging" "long mode, 4-level paging" \
		"INT n and IRET in protected mode" "CPUID as programmed" "MSR filter (CPU models' MSRs)" "SMM" \
		"single-step (--stop-at-entry)" "QEMU device model (BIOS boots)" "in-kernel irqchip and PIT" \
		"read-only memory (ROM)"; do
		expect "$c" "$(jqv ".checks[] | select(.check == \"$c\") | .result")" ok
	done
	expect "breakpoints" "$(jqv '.checks[] | select(.check == "hardware breakpoints (BIOS milestones)") | "\(.result): \(.detail)"')" \
		"FAILS: a breakpoint on the first instruction did not fire: the code ran past it (QEMU's software emulation loses a nested guest's breakpoints)"
	expect "host CPU" "$(jqv '.checks[] | select(.check == "host CPU") | "\(.result): \(.detail)"')" \
		"emulated: QEMU's software emulation (TCG), hypervisor signature TCGTCGTCGTCG"
	expect "module" "$(jqv .host.kvm_module)" kvm_amd
	expect "timings" "$(jqv .host.hardware_timings)" false
	expect "will not boot" "$(jqv '.will_not_boot | length')" 0
	expect_grep <(jqv '.notes[]') "^this KVM runs inside QEMU's software emulation \(TCG\): not hardware timings"
}

test_doctor_text() {
	RC=0
	"$BOOTSCOPE" doctor >"$OUT" || RC=$?
	expect_status 0
	expect_line "$OUT" "bootscope doctor: what this host's KVM can run"
	expect_grep "$OUT" '^  real mode +ok +ran$'
	expect_grep "$OUT" '^guests that will not boot on this host:'
	RC=0
	"$BOOTSCOPE" doctor --bogus 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: doctor: the only option is --json"
}

tk doctor_json test_doctor_json
tk doctor_in_the_test_vm test_doctor_in_the_test_vm
tk doctor_text test_doctor_text
