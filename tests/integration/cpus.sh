#!/usr/bin/env bash
# CPU models: the probe guest sees under bootscope exactly the CPUID that
# QEMU+KVM presents for the same model (same host), the MSRs the model
# implies and no others, and `bootscope cpus [--verify]` reports both.
source "$(dirname "$0")/../lib.sh"

MODELS=(486 pentium pentium2 pentium3 athlon)
declare -A VENDOR=([486]=GenuineIntel [pentium]=GenuineIntel [pentium2]=GenuineIntel
	[pentium3]=GenuineIntel [athlon]=AuthenticAMD)
# What RDMSR of each probed MSR does per model (0x10 0x1b 0x8b 0xfe 0x174 0x179 0x200 0x277 0x2ff EFER kvmclock).
declare -A MSRS=(
	[486]="gp gp gp gp gp gp gp gp gp gp ok"
	[pentium]="ok ok gp gp gp gp gp gp gp gp ok"
	[pentium2]="ok ok ok ok ok ok ok ok ok gp ok"
	[pentium3]="ok ok ok ok ok ok ok ok ok gp ok"
	[athlon]="ok ok gp ok ok ok ok ok ok gp ok")
PROBED="00000010 0000001b 0000008b 000000fe 00000174 00000179 00000200 00000277 000002ff c0000080 4b564d01"

qemu_probe() { # MODEL SMP OUTFILE
	RC=0
	timeout 300 qemu-system-i386 -M pc -enable-kvm -cpu "$1,vendor=${VENDOR[$1]}" -m 256M -smp "$2" \
		-display none -nodefaults -no-reboot -serial "file:$3" \
		-drive "file=$FW/cpuprobe.bin,format=raw,if=ide,index=0,snapshot=on" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 $(qemu_vapic_args) 2>"$TMP/qemu.err" || RC=$?
	expect "QEMU probe status ($1, smp $2)" "$RC" 33
}

test_cpuid_identical_to_qemu() {
	local m smp
	for m in "${MODELS[@]}"; do
		for smp in 1 2; do
			bs --raw "$FW/cpuprobe.bin" --cpu "$m" --smp "$smp"
			expect_status 33
			text | grep '^c ' >"$TMP/bootscope.c"
			qemu_probe "$m" "$smp" "$TMP/qemu.txt"
			tr -d '\r' <"$TMP/qemu.txt" | grep '^c ' >"$TMP/qemu.c"
			[ -s "$TMP/qemu.c" ] || { echo "QEMU printed no leaves for $m"; _failed=1; }
			if ! diff "$TMP/qemu.c" "$TMP/bootscope.c" >"$TMP/diff"; then
				echo "CPUID of $m (smp $smp) differs from QEMU's (< qemu, > bootscope):"
				cat "$TMP/diff"
				_failed=1
			fi
		done
	done
}

test_msrs_follow_the_model() {
	local m want got msr
	for m in "${MODELS[@]}"; do
		bs --raw "$FW/cpuprobe.bin" --cpu "$m"
		expect_status 33
		want=${MSRS[$m]}
		got=$(text | awk '/^m / {print $3}' | tr '\n' ' ' | sed 's/ $//')
		expect "MSRs of $m ($PROBED)" "$got" "$want"
		# Every #GP is an msr_denied event naming the MSR.
		want=$(paste -d' ' <(tr ' ' '\n' <<<"$PROBED") <(tr ' ' '\n' <<<"${MSRS[$m]}") |
			while read -r msr r; do [ "$r" = gp ] && printf '%d\n' "0x$msr"; done | paste -sd,)
		got=$(jqv '[.events.list[] | select(.kind=="msr_denied") | .msr] | join(",")')
		expect "denied MSR events of $m" "$got" "$want"
	done
	# QEMU+KVM does not filter MSRs: there every probed MSR reads (the difference docs/cpu-models.md names).
	qemu_probe pentium 1 "$TMP/qemu.txt"
	expect "MSRs under QEMU" "$(tr -d '\r' <"$TMP/qemu.txt" | awk '/^m / {print $3}' | sort -u)" ok
}

test_run_reports_model() {
	bs --raw "$FW/halt.bin" --cpu athlon
	expect_status 0
	expect model "$(jqv .cpu.model)" athlon
	expect vendor "$(jqv .cpu.vendor)" AuthenticAMD
	expect family "$(jqv '"\(.cpu.family)/\(.cpu.model_number)/\(.cpu.stepping)"')" 6/2/3
	expect_only_feature_warnings "$ERR"
	bs --raw "$FW/halt.bin"
	expect "default model" "$(jqv .cpu.model)" pentium2
}

test_486_without_apic_still_ticks() {
	bs --raw "$FW/realmode.bin" --cpu 486
	expect_status 33
	expect_line <(text) "ticks advance"
	bs --raw "$FW/cpuprobe.bin" --cpu 486
	# CPUID 1 EDX bit 9 (APIC) is clear: the local APIC is off, as under QEMU.
	local edx
	edx=$(text | awk '$1 == "c" && $2 == "00000001" {print $6}')
	expect "APIC bit" $(( (0x$edx >> 9) & 1 )) 0
}

test_cpus_listing() {
	"$BOOTSCOPE" cpus >"$OUT"
	expect_line "$OUT" "486: Intel 486 (GenuineIntel family 4 model 8 stepping 0)"
	expect_line "$OUT" "pentium2: Intel Pentium II (GenuineIntel family 6 model 5 stepping 2)"
	expect_line "$OUT" "athlon: AMD Athlon (AuthenticAMD family 6 model 2 stepping 3)"
	expect_line "$OUT" "  00000002 00000001 00000000 0000004d 002c307d"
	expect_line "$OUT" "  MSRs: 0x11-0x12 0x4b564d00-0x4b564d04"
	"$BOOTSCOPE" cpus --json >"$J"
	expect models "$(jqv '[.[].name] | join(",")')" "486,pentium,pentium2,pentium3,athlon,host"
	expect "athlon brand leaf" "$(jqv '.[4].leaves[] | select(.leaf=="80000002") | .eax')" 554d4551
	RC=0
	"$BOOTSCOPE" run --raw x --cpu i7 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --cpu 'i7': unknown CPU model; choose one of 486, pentium, pentium2, pentium3, athlon, host"
	RC=0
	"$BOOTSCOPE" cpus k6 2>"$ERR" || RC=$?
	expect_status 2
}

# --verify must report exactly the registers in which what a guest sees differs
# from what `cpus` says is programmed, and name the feature bits.
test_verify_reports_every_difference() {
	local m
	"$BOOTSCOPE" cpus --verify --json >"$J"
	for m in "${MODELS[@]}"; do
		expect "verify error ($m)" "$(jqv ".[] | select(.name==\"$m\") | .verify.error // \"none\"")" none
		bs --raw "$FW/cpuprobe.bin" --cpu "$m" --json "$TMP/run.json"
		text | awk '$1 == "c" {print $2, $3, $4, $5, $6}' >"$TMP/seen"
		jq -r ".[] | select(.name==\"$m\") | .leaves[] | \"\(.leaf) \(.eax) \(.ebx) \(.ecx) \(.edx)\"" "$J" >"$TMP/prog"
		# Differing (leaf register) pairs, computed here from the two.
		awk 'NR == FNR {p[$1] = $0; next}
		     { split(p[$1], q, " "); if (!($1 in p)) { q[2] = q[3] = q[4] = q[5] = "00000000" }
		       split("eax ebx ecx edx", r, " ");
		       for (i = 2; i <= 5; i++) if ($i != q[i]) print $1, r[i - 1] }' "$TMP/prog" "$TMP/seen" |
			sort >"$TMP/want"
		jqv ".[] | select(.name==\"$m\") | .verify.differences[] | \"\(.leaf) \(.register)\"" | sort >"$TMP/got"
		if ! diff "$TMP/want" "$TMP/got"; then
			echo "verify of $m does not list exactly the differing registers"
			_failed=1
		fi
		# Each difference in a feature word names the bits.
		expect "unnamed leaf-1 differences of $m" \
			"$(jqv "[.[] | select(.name==\"$m\") | .verify.differences[] | select(.leaf==\"00000001\" and (.register==\"ecx\" or .register==\"edx\")) | select((.host_sets + .host_clears | length) == 0)] | length")" 0
		expect "MSR differences of $m" "$(jqv ".[] | select(.name==\"$m\") | .verify.msr_differences | length")" 0
	done
	"$BOOTSCOPE" cpus --verify pentium2 >"$OUT"
	expect_grep "$OUT" '^  verify: the probe saw 5 leaves and 11 MSRs; [0-9]+ differences$'
}

TESTS=(test_cpuid_identical_to_qemu test_msrs_follow_the_model test_run_reports_model test_486_without_apic_still_ticks
	test_cpus_listing test_verify_reports_every_difference)
for fn in "${TESTS[@]}"; do tk "${fn#test_}" "$fn"; done
