#!/usr/bin/env bash
# Boots every firmware guest through the real binary and checks what the
# guest printed, the outcome, the exit status and the JSON summary.
source "$(dirname "$0")/../lib.sh"

# The PC a guest must see for -m MIB: the same map from E820, E801, 88h, CMOS and Multiboot.
expected_memory() { # MIB -> lines the realmode guest prints about memory
	local mib=$1 ext_kb=$(( ($1 - 1) * 1024 ))
	echo "int12 639"
	echo "e820 0000000000000000 000000000009fc00 1"
	echo "e820 000000000009fc00 0000000000000400 2"
	echo "e820 00000000000f0000 0000000000010000 2"
	[ "$mib" -gt 1 ] && printf 'e820 0000000000100000 %016x 1\n' $(( (mib - 1) * 1024 * 1024 ))
	echo "e820 00000000feffc000 0000000000004000 2"
	echo "e820 00000000ffff0000 0000000000010000 2"
	echo "e801 $(( ext_kb < 15360 ? ext_kb : 15360 )) $(( mib > 16 ? (mib - 16) * 16 : 0 ))"
	echo "int15-88 $(( ext_kb < 65472 ? ext_kb : 65472 ))"
}

realmode_at() { # MIB
	bs --raw "$FW/realmode.bin" -m "$1M"
	expect_status 33
	expect outcome "$(jqv .outcome)" exit
	expect guest_exit_code "$(jqv .guest_exit_code)" 16
	text >"$TMP/text"
	expected_memory "$1" >"$TMP/want"
	while IFS= read -r line; do expect_line "$TMP/text" "$line"; done <"$TMP/want"
	expect "e820 entries" "$(grep -c '^e820' "$TMP/text")" "$(grep -c '^e820' "$TMP/want")"
}

test_realmode_firmware_services() {
	realmode_at 256
	for line in "realmode: hello through INT 10h" "drive 00000080" "int11 00000202" \
		"ticks advance" "int13 cf 1" "port1234 000000ff" \
		"realmode: hello on debugcon" "protected mode ok"; do
		expect_line "$TMP/text" "$line"
	done
	# The POST codes, the unclaimed port and the unsupported INT 13h are events.
	expect "post codes" "$(jqv '[.events.list[] | select(.kind=="post_code") | .value] | join(",")')" "66,67"
	expect "unhandled port" "$(jqv '.unhandled_io | map("\(.port):\(.reads):\(.writes)") | join(",")')" "4660:1:0"
	expect "int 13h" "$(jqv '[.events.list[] | select(.kind=="firmware_unsupported_call") | "\(.vector):\(.ax)"] | join(",")')" "19:512"
	expect "boot kind" "$(jqv .boot.kind)" raw
	expect "entry" "$(jqv .boot.entry)" 31744
	# A read of the empty VGA window: an event, and an MMIO exit of no device.
	expect "mmio event" "$(jqv '[.events.list[] | select(.kind=="unhandled_mmio") | "\(.address):\(.size):\(.write)"] | join(",")')" "655360:4:false"
	expect "mmio table" "$(jqv '.exits.mmio | map("\(.device):\(.count)") | join(",")')" "none:1"
	expect "milestone order" "$(jqv '[.milestones[].name] | join(",")')" "entry,first-output"
	[ "$(jqv '.milestones[0].t_ns')" -gt 0 ]
	[ "$(jqv '.milestones[0].t_ns')" -lt "$(jqv '.milestones[1].t_ns')" ]
	[ "$(jqv '.milestones[1].t_ns')" -le "$(jqv .wall_ns)" ]
	[ "$(jqv .exits.reasons.io.count)" -gt 30 ]
	expect "exit total" "$(jqv '.exits.total')" "$(jqv '[.exits.reasons[].count] | add')"
}

test_memory_sizes() {
	for mib in 1 2 16 17 64 3584; do
		realmode_at "$mib" || { echo "with -m ${mib}M"; return 1; }
		expect memory "$(jqv .memory)" $((mib * 1024 * 1024))
	done
}

test_multiboot_demo() {
	local args=(--kernel "$FW/demo.elf" --append "console=ttyS0 x=1"
		--module "$FW/realmode.bin,first arg" --module "$FW/halt.bin")
	bs "${args[@]}" -m 64M
	expect_status 0
	expect outcome "$(jqv .outcome)" halted
	text >"$TMP/text"
	expect_line "$TMP/text" "magic 2badb002"
	expect_line "$TMP/text" "flags 0000024d"
	expect_line "$TMP/text" "cmdline: $FW/demo.elf console=ttyS0 x=1"
	expect_line "$TMP/text" "memory: lower 639 KiB, upper $((63 * 1024)) KiB"
	expect_line "$TMP/text" "mmap 0000000000100000 0000000003f00000 1"
	expect_line "$TMP/text" "modules: 2"
	expect_line "$TMP/text" "loader: bootscope $("$BOOTSCOPE" version | cut -d' ' -f2)"
	expect_line "$TMP/text" "demo: hello on debugcon"
	expect_line "$TMP/text" "demo: done"
	# Each module page aligned, in order, its bytes intact, its string "FILE ARGS".
	local i=0 prev_end=0 start end sum want f
	for f in "$FW/realmode.bin" "$FW/halt.bin"; do
		i=$((i + 1))
		read -r start end sum <<<"$(sed -n "s/^module $i \([0-9a-f]*\)-\([0-9a-f]*\) sum \([0-9a-f]*\) .*/\1 \2 \3/p" "$TMP/text")"
		expect "module $i alignment" $((0x$start % 4096)) 0
		expect "module $i size" $((0x$end - 0x$start)) "$(stat -c %s "$f")"
		[ $((0x$start)) -ge "$prev_end" ] || { echo "module $i overlaps"; return 1; }
		want=$(od -An -v -tu1 "$f" | tr -s ' ' '\n' | awk '{s += $1} END {printf "%08x", s}')
		expect "module $i byte sum" "$sum" "$want"
		prev_end=$((0x$end))
	done
	expect_grep "$TMP/text" "^module 1 [0-9a-f-]+ sum [0-9a-f]+ string $FW/realmode.bin first arg\$"
	expect_grep "$TMP/text" "^module 2 [0-9a-f-]+ sum [0-9a-f]+ string $FW/halt.bin\$"
	expect "post codes" "$(jqv '[.events.list[] | select(.kind=="post_code") | .value] | join(",")')" "16,17,18"
	expect "boot kind" "$(jqv .boot.kind)" multiboot
}

test_until_and_marks() {
	bs --kernel "$FW/demo.elf" --mark mem='^memory:' --mark never='^no such line' --until '^demo: done'
	expect_status 0
	expect outcome "$(jqv .outcome)" until
	expect "milestones" "$(jqv '[.milestones[].name] | join(",")')" "entry,first-output,mem,until,never"
	expect "never" "$(jqv '.milestones[4].t_ns')" null
	expect "until time is the end" "$(jqv '.milestones[3].t_ns')" "$(jqv .wall_ns)"
	expect "ended by" "$(jqv .ended_by_vcpu)" 0
	# The run ends at the match: the halt after it is never seen.
	expect_line "$OUT" "demo: done"$'\r'
}

test_until_not_reached_is_failure() {
	bs --raw "$FW/halt.bin" --until 'never printed'
	expect_status 3
	expect outcome "$(jqv .outcome)" halted
	expect "until" "$(jqv '.milestones[] | select(.name=="until") | .t_ns')" null
}

test_aout_kludge_kernel() {
	bs --kernel "$FW/aout.bin" -m 32M
	expect_status 67
	expect outcome "$(jqv .outcome)" exit
	text >"$TMP/text"
	expect_line "$TMP/text" "aout: magic 2badb002"
	expect_line "$TMP/text" "aout: mem_upper $((31 * 1024))"
	expect_line "$TMP/text" "aout: cs 00000008 ds 00000018"
	expect_line "$TMP/text" "aout: bss 0"
	expect entry "$(jqv .boot.entry)" "$((0x200020))"
	expect "post codes" "$(jqv '[.events.list[] | select(.kind=="post_code") | .value] | join(",")')" "33"
}

test_halted() {
	bs --raw "$FW/halt.bin"
	expect_status 0
	expect outcome "$(jqv .outcome)" halted
	expect_line "$OUT" "halt: stopping"$'\r'
	# The halt time is the machine's last exit, not when it was noticed.
	expect "halt time" "$(jqv .wall_ns)" "$(jqv '[.exits.per_vcpu[].last_exit_ns] | max')"
	# The main thread saw the halt, by kicking the quiet vCPU out of KVM_RUN.
	expect "ended by" "$(jqv .ended_by_vcpu)" null
	[ "$(jqv '.exits.per_vcpu[0].kicks')" -ge 1 ]
	jqv .message >"$TMP/msg"
	expect_grep "$TMP/msg" '^every vCPU halted with interrupts disabled or never started \(seen [0-9]+ ms later\)$'
	# Where it halted, with the registers halt.asm set just before its HLT.
	expect "state" "$(jqv '.exits.per_vcpu[0].at_end.state')" halted-interrupts-off
	expect "registers" "$(jqv '.exits.per_vcpu[0].at_end.regs | "\(.eax) \(.ebx) \(.ecx) \(.edx) \(.esi) \(.edi) \(.ebp) \(.esp)"')" \
		"0xa1a2a3a4 0xb1b2b3b4 0xc1c2c3c4 0xd1d2d3d4 0x51525354 0xd5d6d7d8 0xe1e2e3e4 0x7bf0"
	expect "IF" $(( $(jqv '.exits.per_vcpu[0].at_end.regs.eflags') & 0x200 )) 0
}

# A vCPU that makes no exits is asked for its state (kicked out of KVM_RUN)
# only when no vCPU exited for a whole 100 ms tick. Here vCPU 0 reads the
# CMOS clock for one to two seconds while the AP is never started: asking the
# AP every tick, as bootscope did, gave it 10 or more kicks; now it gets one
# question when the machine has gone quiet and one to stop (a slow host may
# need to ask again).
test_quiet_vcpus_left_alone() {
	local k
	bs --raw "$FW/busy.bin" --smp 2 --timeout 120
	expect_status 0
	expect outcome "$(jqv .outcome)" halted
	expect_line "$OUT" "busy: done"$'\r'
	expect "AP exits" "$(jqv '.exits.per_vcpu[1].exits')" 0
	[ "$(jqv '.exits.per_vcpu[0].exits')" -ge 4 ]
	k=$(jqv '.exits.per_vcpu[1].kicks')
	[ "$k" -ge 2 ] && [ "$k" -le 4 ] || { echo "AP kicked $k times, expected 2 to 4"; return 1; }
	jqv .message >"$TMP/msg"
	expect_grep "$TMP/msg" '^every vCPU halted with interrupts disabled or never started \(seen [0-9]+ ms later\)$'
}

test_triple_fault() {
	bs --raw "$FW/triple.bin"
	expect_status 3
	expect outcome "$(jqv .outcome)" shutdown
	# It names the faulting instruction: the guest's ud2 (0f 0b), loaded at 0x7c00. KVM on AMD
	# puts a vCPU that shut down back in its reset state, so there it says it cannot.
	local ud2
	ud2=$(printf '%08x' $((0x7c00 + $(LC_ALL=C grep -obUaP '\x0f\x0b' "$FW/triple.bin" | head -1 | cut -d: -f1))))
	if [ "$(doctor_json | jq -r .host.kvm_module)" = kvm_amd ]; then
		expect message "$(jqv .message)" "vCPU 0 shut down (triple fault); this KVM reset its registers, so where is not known"
	else
		expect message "$(jqv .message)" "vCPU 0 shut down (triple fault) at CS:EIP 0008:$ud2 (linear 0x$(printf %x $((16#$ud2))), protected mode)"
	fi
	expect_line "$ERR" "bootscope: $(jqv .message)"
}

test_no_boot_device() {
	bs --raw "$FW/noboot.bin"
	expect_status 3
	expect outcome "$(jqv .outcome)" no-boot-device
	expect message "$(jqv .message)" "no boot device: the guest called INT 19h"
}

test_smp_tables_and_init_sipi() {
	local n k
	for n in 1 2 4 8; do
		bs --raw "$FW/smp.bin" --smp "$n" --timeout 120
		expect_status 39
		text >"$TMP/text"
		expect_line "$TMP/text" "fwcfg: QEMU cpus $n ram 268435456"
		expect_line "$TMP/text" "mp: cpu 0 bsp"
		for ((k = 1; k < n; k++)); do
			expect_line "$TMP/text" "mp: cpu $k"
			expect_line "$TMP/text" "AP $k up"
		done
		for ((k = 0; k < n; k++)); do expect_line "$TMP/text" "madt: cpu $k"; done
		expect "MP processors" "$(grep -c '^mp: cpu' "$TMP/text")" "$n"
		expect "MADT processors" "$(grep -c '^madt: cpu' "$TMP/text")" "$n"
		expect "APs up" "$(grep -c '^AP [0-9]* up$' "$TMP/text")" $((n - 1))
		expect_line "$TMP/text" "mp: ioapic $n at fec00000"
		expect_line "$TMP/text" "madt: ioapic $n at fec00000"
		expect_line "$TMP/text" "ioapic: id register $n"
		expect_line "$TMP/text" "mp: irq 0 -> pin 2"
		expect_line "$TMP/text" "madt: irq 0 -> gsi 2"
		expect_line "$TMP/text" "mp: all $n cpus up"
		expect smp "$(jqv .smp)" "$n"
		expect "per-vcpu" "$(jqv '.exits.per_vcpu | length')" "$n"
	done
}

# MINIX-style: twelve modules of different sizes through QEMU's -initrd shorthand,
# checked from inside the guest and, with --stop-at-entry, from outside.
test_twelve_modules() {
	local i=0 size f list="" names=()
	mkdir -p "$TMP/mods"
	for size in 1 100 4095 4096 4097 10000 65536 3 777 8192 12345 50000; do
		i=$((i + 1))
		f="$TMP/mods/mod$i"
		[ $i -eq 12 ] && f="$TMP/mods/mod,12"	# a comma in a name is written ",,"
		head -c "$size" /dev/urandom >"$f"
		names+=("$f")
		list+="${list:+,}${f//,/,,} arg=$i"
	done
	bs --kernel "$FW/modules.bin" --initrd "$list" -m 64M
	expect_status 97
	text >"$TMP/text"
	expect_line "$TMP/text" "memory: mem_lower and mem_upper agree with the map"
	expect_line "$TMP/text" "modules: 12 checked, 0 bad"
	for i in $(seq 1 12); do
		f=${names[$((i - 1))]}
		expect_grep "$TMP/text" "^module $i [0-9a-f]{5}000-[0-9a-f]{8} sum $(od -An -v -tu1 "$f" | tr -s ' ' '\n' | awk '{s += $1} END {printf "%08x", s}') string $f arg=$i\$"
	done
	bs --kernel "$FW/modules.bin" --initrd "$list" -m 64M --stop-at-entry
	expect_status 0
	expect outcome "$(jqv .outcome)" entry
	expect "module count" "$(jqv '.entry.multiboot.modules | length')" 12
	for i in $(seq 1 12); do
		f=${names[$((i - 1))]}
		expect "module $i sha256" "$(jqv ".entry.multiboot.modules[$((i - 1))].sha256")" "$(sha256sum "$f" | cut -d' ' -f1)"
		expect "module $i size" "$(jqv ".entry.multiboot.modules[$((i - 1))].size")" "$(stat -c %s "$f")"
		expect "module $i string" "$(jqv ".entry.multiboot.modules[$((i - 1))].cmdline")" "$f arg=$i"
		expect "module $i alignment" $(( $(jqv ".entry.multiboot.modules[$((i - 1))].start") % 4096 )) 0
	done
	expect "mem_lower" "$(jqv .entry.multiboot.mem_lower)" 639
	expect "mem_upper" "$(jqv .entry.multiboot.mem_upper)" $((63 * 1024))
	expect "mmap" "$(jqv '[.entry.multiboot.mmap[] | "\(.base)+\(.length):\(.type)"] | join(" ")')" \
		"0x0+0x9fc00:1 0x9fc00+0x400:2 0xf0000+0x10000:2 0x100000+0x3f00000:1 0xfeffc000+0x4000:2 0xffff0000+0x10000:2"
	# The entry state the Multiboot specification states.
	expect eax "$(jqv .entry.eax)" 0x2badb002
	expect ebx "$(jqv .entry.ebx)" "$(jqv .entry.multiboot.info_address)"
	expect "IF" $(( $(jqv .entry.eflags) & 0x200 )) 0
	expect "CR0 PE, PG" $(( $(jqv .entry.cr0) & 0x80000001 )) 1
	expect cs "$(jqv '.entry.cs | "\(.base) \(.limit) \(.db)"')" "0x0 0xffffffff true"
	expect ds "$(jqv '.entry.ds | "\(.base) \(.limit) \(.db)"')" "0x0 0xffffffff true"
	RC=0
	"$BOOTSCOPE" run --kernel "$FW/modules.bin" --initrd "$TMP/mods/mod1,,$TMP/mods/none" -q 2>"$ERR" >/dev/null || RC=$?
	expect_status 1
	expect_line "$ERR" "bootscope: $TMP/mods/mod1,$TMP/mods/none: No such file or directory"
}

TESTS=(test_realmode_firmware_services test_memory_sizes test_multiboot_demo test_until_and_marks
	test_until_not_reached_is_failure test_aout_kludge_kernel test_halted test_triple_fault
	test_no_boot_device test_quiet_vcpus_left_alone test_smp_tables_and_init_sipi test_twelve_modules)
for fn in "${TESTS[@]}"; do tk "${fn#test_}" "$fn"; done
