#!/usr/bin/env bash
# BIOS boots: SeaBIOS on bootscope's vCPUs, the PC's devices in a QEMU child
# driven through qtest. The guests are built here: an El Torito ISO and a
# disk image around firmware/test/bootload.asm (a two-stage loader that
# prints on COM1 and reads its second stage through INT 13h), and a GRUB 2
# ISO from Debian's packages that loads the demo Multiboot kernel.
source "$(dirname "$0")/../lib.sh"

SEABIOS=/usr/share/seabios/bios-256k.bin
ISO=$TMP/bootload.iso DISK=$TMP/bootload.img GRUB_ISO=$TMP/grub.iso

ms() { jqv ".milestones[] | select(.name==\"$1\") | .t_ns"; }

# The BIOS milestones, in boot order, each after the one before.
expect_bios_milestones() {
	expect "reset at the origin" "$(ms reset)" 0
	[ "$(ms int19)" -gt 0 ] || { echo "int19 not reached"; return 1; }
	[ "$(ms boot-read)" -gt "$(ms int19)" ] || { echo "boot-read $(ms boot-read) not after int19"; return 1; }
	[ "$(ms entry)" -gt "$(ms boot-read)" ] || { echo "entry $(ms entry) not after boot-read"; return 1; }
}

# --stop-at-entry on a BIOS boot stops on a hardware breakpoint at 0000:7C00.
# Where this KVM fires none (doctor says so), it is refused before the boot:
# true if that is this KVM and the run in $J was that refusal.
stop_at_entry_refused() {
	[ "$(doctor_says "hardware breakpoints (BIOS milestones)")" = ok ] && return 1
	expect_status 1 || return 2
	expect outcome "$(jqv .outcome)" error || return 2
	expect message "$(jqv .message)" \
		"--stop-at-entry: a BIOS boot stops on a hardware breakpoint, and this host's KVM does not fire them (see bootscope doctor)" ||
		return 2
	expect "nothing ran" "$(jqv .exits.total)" 0 || return 2
	return 0
}

test_post_alone_ends_at_no_boot_device() {
	bs --bios "$SEABIOS" --timeout 120
	expect_status 3
	expect outcome "$(jqv .outcome)" no-boot-device
	expect message "$(jqv .message)" 'the BIOS found nothing to boot: "No bootable device."'
	expect "boot kind" "$(jqv .boot.kind)" bios
	expect_grep "$OUT" '^Booting from Hard Disk\.\.\.'
	expect "reset at the origin" "$(ms reset)" 0
	[ "$(ms int19)" -gt 0 ] && [ "$(ms no-boot-device)" -gt "$(ms int19)" ]
	expect "entry" "$(ms entry)" null
	# int19 and entry come from breakpoints where this KVM fires them, else from SeaBIOS's lines.
	if [ "$(doctor_says "hardware breakpoints (BIOS milestones)")" = ok ]; then
		expect "milestone source" "$(jqv .device_model.boot_milestones)" "int19 and entry from hardware breakpoints"
	else
		expect "milestone source" "$(jqv .device_model.boot_milestones)" \
			"int19 and entry from SeaBIOS's debug console (this KVM's hardware breakpoints do not fire)"
	fi
	# SeaBIOS shadowed itself: the PAM windows changed, F-segment and C/D/E read-only at the end.
	[ "$(jqv .device_model.pam_slot_changes)" -gt 13 ]
	# Delegated time is part of the VMM's time, and what is left is bootscope's own.
	local vmm del own
	vmm=$(jqv .exits.vmm_ns) del=$(jqv .exits.delegated_ns) own=$(jqv .exits.vmm_own_ns)
	[ "$del" -gt 0 ] && [ "$del" -le "$vmm" ]
	# Each is rounded to the nanosecond on its own.
	[ $((own + del - vmm)) -le 1 ] && [ $((vmm - own - del)) -le 1 ] || { echo "own $own + delegated $del != $vmm"; return 1; }
	expect "fw_cfg was forwarded" "$(jqv '[.device_model.devices[] | select(.device=="fw_cfg")] | length')" 1
	# SeaBIOS logs to port 0x402, which answers 0xe9 so that it keeps logging to the end.
	expect "debugcon-402 exits" "$(jqv '[.exits.ports[] | select(.port==1026 and .device=="debugcon-402")] | length')" 1
}

test_smp_2_seabios_finds_2_cpus() {
	bs --bios "$SEABIOS" --smp 2 --until 'max supported [0-9]+ cpu' --timeout 120
	expect_status 0
	expect_line "$OUT" "Found 2 cpu(s) max supported 2 cpu(s)"
}

test_cdrom_under_each_cpu_model() {
	local model want
	for model in 486 pentium pentium2 pentium3 athlon; do
		bs --cdrom "$ISO" --cpu "$model" --until 'BOOT-OK' --timeout 120
		expect_status 0 || return 1
		expect_line "$OUT" "bootload: stage 1 from cd (drive 0xe0)"
		# The second stage sees the model's CPUID: vendor, family and model.
		case $model in
		486) want="GenuineIntel family 4 model 8" ;;
		pentium) want="GenuineIntel family 5 model 4" ;;
		pentium2) want="GenuineIntel family 6 model 5" ;;
		pentium3) want="GenuineIntel family 6 model 7" ;;
		athlon) want="AuthenticAMD family 6 model 2" ;;
		esac
		expect_line "$OUT" "bootload: stage 2 running, CPUID vendor $want"
		expect_bios_milestones
		expect "boot file" "$(jqv .boot.file)" "$ISO"
		# The CD's sectors came from bootscope's IDE, not through the child: the
		# boot sector and stage 2 (4 sectors), and the El Torito catalog before them.
		expect "IDE" "$(jqv .device_model.storage.ide)" bootscope
		expect "IDE forwarded" "$(jqv '[.device_model.devices[] | select(.device | test("^ide"))] | length')" 0
		[ "$(jqv .device_model.storage.cdrom.read_bytes)" -ge $((5 * 2048)) ] ||
			{ echo "CD bytes read: $(jqv .device_model.storage.cdrom.read_bytes)"; return 1; }
		# What still goes to the child goes in pipelined batches.
		[ "$(jqv .device_model.commands)" -gt "$(jqv .device_model.round_trips)" ]
		# PCI configuration: the address writes to 0xcf8 stay here (each rides with the
		# next data access), so the child sees at most the data accesses.
		local addr data fwd
		addr=$(jqv '([.exits.ports[] | select(.port == 3320) | .count] | add)')
		data=$(jqv '([.exits.ports[] | select(.port >= 3324 and .port <= 3327) | .count] | add)')
		fwd=$(jqv '.device_model.devices[] | select(.device == "pci-config") | .accesses')
		[ "$addr" -gt 0 ] && [ "$fwd" -le "$data" ] || { echo "0xcf8 $addr, 0xcfc-f $data, forwarded $fwd"; return 1; }
		# The same for the CMOS index at 0x70; and SeaBIOS reads NVRAM bytes more than once.
		addr=$(jqv '([.exits.ports[] | select(.port == 112) | .count] | add)')
		data=$(jqv '([.exits.ports[] | select(.port == 113) | .count] | add)')
		fwd=$(jqv '.device_model.devices[] | select(.device == "rtc") | .accesses')
		[ "$addr" -gt 0 ] && [ "$fwd" -lt "$data" ] || { echo "0x70 $addr, 0x71 $data, forwarded $fwd"; return 1; }
	done
}

# The keyboard controller stays the child's, but its status is answered here
# between forwards (pc/kbc.c). The boot loader's stage 2 drives it as a BIOS
# does (command byte, self-test), then polls the status 4096 times with a
# byte waiting in the output buffer: what it reads, the polls ANDed and ORed
# too, is what QEMU+KVM gives it, and the polls do not reach the child.
test_kbc_status_kept_between_forwards() {
	local want
	RC=0
	"$BOOTSCOPE" qemu --json "$J" -q --cdrom "$ISO" --until 'BOOT-OK' --timeout 120 >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0 || return 1
	want=$(text | grep '^bootload: kbc ')
	expect "the line under QEMU+KVM" "$want" \
		"$(text | grep -E '^bootload: kbc command byte [0-9a-f]{2}, status [0-9a-f]{2} after reading it, self-test 55 status [0-9a-f]{2}, 4096 polls with a byte waiting: and [0-9a-f]{2} or [0-9a-f]{2}, status [0-9a-f]{2}$')"
	bs --cdrom "$ISO" --until 'BOOT-OK' --timeout 120
	expect_status 0 || return 1
	expect_line "$OUT" "$want"
	local kept fwd
	kept=$(jqv .device_model.kbc_status_kept)
	fwd=$(jqv '.device_model.devices[] | select(.device == "kbc") | .accesses')
	[ "$kept" -ge 4096 ] && [ "$fwd" -lt 4096 ] || { echo "status reads kept $kept, KBC accesses forwarded $fwd"; return 1; }
}

test_cdrom_stop_at_entry() {
	bs --cdrom "$ISO" --stop-at-entry --timeout 120
	stop_at_entry_refused; case $? in 0) return 0 ;; 2) return 1 ;; esac
	expect_status 0
	expect outcome "$(jqv .outcome)" entry
	expect eip "$(jqv .entry.eip)" 0x7c00
	expect cs "$(jqv .entry.cs.base)" 0x0
	expect "boot drive (DL)" "$(jqv .entry.bios.boot_drive)" 0xe0
	# The boot image as xorriso wrote it: bootload.bin with the boot information table filled in.
	[ "$(jqv .entry.bios.boot_sector_sha256)" != "$(head -c 512 "$FW/bootload.bin" | sha256sum | cut -c1-64)" ]
	expect_line "$OUT" "Booting from 0000:7c00"
}

# A BIOS that never gets to a boot sector: --stop-at-entry has nothing to stop at,
# and the run ends at --timeout with its results.
test_stop_at_entry_never_reached() {
	head -c 65520 /dev/zero >"$TMP/spin.rom"
	printf '\xeb\xfe' >>"$TMP/spin.rom"	# jmp $ at the reset vector
	truncate -s 65536 "$TMP/spin.rom"
	bs --bios "$TMP/spin.rom" --stop-at-entry --timeout 3
	stop_at_entry_refused; case $? in 0) return 0 ;; 2) return 1 ;; esac
	expect_status 124
	expect outcome "$(jqv .outcome)" timeout
	expect message "$(jqv .message)" "no end after 3 s (--timeout)"
	expect "reset" "$(ms reset)" 0
	expect "entry" "$(ms entry)" null
	expect "no entry state" "$(jqv .entry)" null
}

test_hda_boot_and_read_only() {
	local before
	before=$(sha256sum <"$DISK")
	bs --hda "$DISK" --until 'BOOT-OK' --timeout 120
	expect_status 0
	expect_line "$OUT" "bootload: stage 1 from disk (drive 0x80)"
	expect_line "$OUT" "bootload: BOOT-OK"
	expect_bios_milestones
	expect "disk unchanged" "$(sha256sum <"$DISK")" "$before"
	bs --hda "$DISK" --stop-at-entry --timeout 120
	stop_at_entry_refused; case $? in 0) return 0 ;; 2) return 1 ;; esac
	expect "boot sector" "$(jqv .entry.bios.boot_sector_sha256)" "$(head -c 512 "$DISK" | sha256sum | cut -c1-64)"
	expect "boot drive (DL)" "$(jqv .entry.bios.boot_drive)" 0x80
}

test_boot_order_picks_the_device() {
	bs --cdrom "$ISO" --hda "$DISK" --boot c --until 'BOOT-OK' --timeout 120
	expect_status 0
	expect_line "$OUT" "bootload: stage 1 from disk (drive 0x80)"
}

test_trace_splits_device_model_time() {
	bs --cdrom "$ISO" --until 'BOOT-OK' --timeout 120 --trace "$TMP/t.bin"
	expect_status 0
	"$BOOTSCOPE" report "$TMP/t.bin" --format json >"$TMP/r.json"
	local fwd del
	fwd=$(jq -r .split.forwarded "$TMP/r.json") del=$(jq -r .split.device_model_ns "$TMP/r.json")
	# Every forward the summary counted is a trace record, with the same time.
	expect "forward records" "$fwd" "$(jqv .device_model.forwards)"
	expect "delegated ns" "$del" "$(jqv .exits.delegated_ns)"
	expect "pci-config in the per-device table" "$(jq -r '[.delegated[] | select(.device=="pci-config")] | length' "$TMP/r.json")" 1
	expect "ide1 in it" "$(jq -r '[.delegated[] | select(.device=="ide1")] | length' "$TMP/r.json")" 0
	# Phases are rounded to the nanosecond one by one.
	local sum
	sum=$(jq -r '[.phases[].device_model_ns] | add' "$TMP/r.json")
	[ $((sum - del)) -le 10 ] && [ $((del - sum)) -le 10 ] || { echo "phases add up to $sum, not $del"; return 1; }
	"$BOOTSCOPE" report "$TMP/t.bin" >"$TMP/r.txt"
	expect_grep "$TMP/r.txt" '^time split: guest [0-9.]+ ms, bootscope [0-9.]+ ms, QEMU device model [0-9.]+ ms'
}

test_grub_iso_boots_multiboot_kernel() {
	# GRUB clears the screen with ANSI sequences at the start of its marker's line.
	bs --cdrom "$GRUB_ISO" --until '^demo: done' --mark grub='GRUB-MARKER: grub is running$' --timeout 300
	expect_status 0
	text >"$TMP/text"
	expect_grep "$TMP/text" 'GRUB-MARKER: grub is running$'
	expect_line "$TMP/text" "cmdline: console=ttyS0 from-grub"
	expect_grep "$TMP/text" '^loader: GRUB 2'
	expect_bios_milestones
	[ "$(ms grub)" -gt "$(ms entry)" ] && [ "$(ms until)" -gt "$(ms grub)" ]
}

# Start a boot in the background and wait until SeaBIOS is well into its
# POST; sets PID (bootscope) and CHILD (its QEMU device model). The boot
# sector then reads the RTC forever (mov al,0; out 0x70,al; in al,0x71;
# jmp), so the child is always being asked something.
start_busy_boot() {
	local i
	{ printf '\xb0\x00\xe6\x70\xe4\x71\xeb\xf8'; } >"$TMP/busy.img"
	truncate -s 510 "$TMP/busy.img"
	printf '\x55\xaa' >>"$TMP/busy.img"
	"$BOOTSCOPE" run --hda "$TMP/busy.img" --until 'never printed' --timeout 120 --json "$J" -q >"$OUT" 2>"$ERR" &
	PID=$!
	wait_for_output "^Found 1 cpu"
	CHILD=$(pgrep -P "$PID" | head -1)
	[ -n "$CHILD" ] || { echo "no QEMU child of $PID"; return 1; }
	expect "child binary" "$(basename "$(readlink /proc/"$CHILD"/exe)")" qemu-system-i386
}

# The run ended as an error whose message starts with $1; the child is gone.
expect_child_failure() {
	RC=0
	wait "$PID" || RC=$?
	expect_status 1
	expect outcome "$(jqv .outcome)" error
	[[ "$(jqv .message)" == "$1"* ]] || { echo "message: $(jqv .message)"; return 1; }
	! kill -0 "$CHILD" 2>/dev/null || { echo "child $CHILD still exists"; return 1; }
}

# Kill the child mid-boot: the run ends as an error that says so, the results
# so far are kept, and nothing is left behind.
test_child_killed_mid_boot() {
	local shm_before
	shm_before=$(ls /dev/shm | sort)
	start_busy_boot
	kill -KILL "$CHILD"
	expect_child_failure "the QEMU device model was killed by signal 9 (Killed); the last forwarded access was '"
	expect "reset kept" "$(ms reset)" 0
	expect "output kept" "$(grep -c '^Found 1 cpu' "$OUT")" 1
	expect "/dev/shm" "$(ls /dev/shm | sort)" "$shm_before"
}

# A child that stops answering (SIGSTOP) is declared hung after 10 s.
test_child_stops_answering() {
	start_busy_boot
	kill -STOP "$CHILD"
	expect_child_failure "the QEMU device model did not answer within 10 s; the last forwarded access was '"
}

# bootscope killed outright: the child dies with it (PR_SET_PDEATHSIG).
test_child_dies_with_bootscope() {
	local i
	start_busy_boot
	kill -KILL "$PID"
	wait "$PID" || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$CHILD" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "QEMU child $CHILD outlived bootscope"
	return 1
}

# Bad input: no VM, no child; one line naming the problem.
test_bad_bios_inputs() {
	bs --cdrom "$TMP/missing.iso"
	expect_status 1
	expect_grep "$ERR" "^bootscope: --cdrom $TMP/missing.iso: No such file or directory$"
	bs --cdrom "$FW/bootload.bin"
	expect_status 1
	expect_grep "$ERR" "not an ISO 9660 image \(no CD001 volume descriptor at 32 KiB\)$"
	head -c 1000 /dev/zero >"$TMP/short.rom"
	bs --bios "$TMP/short.rom"
	expect_status 1
	expect_grep "$ERR" "1000 bytes; a PC BIOS image is a multiple of 64 KiB"
	head -c 65536 /dev/zero >"$TMP/zero.rom"
	bs --bios "$TMP/zero.rom"
	expect_status 1
	expect_grep "$ERR" "nothing at the reset vector"
	: >"$TMP/empty.img"
	bs --hda "$TMP/empty.img"
	expect_status 1
	expect_grep "$ERR" "--hda $TMP/empty.img: the file is empty$"
	BOOTSCOPE_QEMU=$TMP/no-qemu bs --cdrom "$ISO"
	expect_status 1
	expect_grep "$ERR" "cannot find QEMU \($TMP/no-qemu\)"
	BOOTSCOPE_QEMU=/bin/false bs --cdrom "$ISO"
	expect_status 1
	expect_grep "$ERR" "the QEMU device model \(/bin/false\) exited with status 1$"
	expect outcome "$(jqv .outcome)" error
}

test_bad_bios_options() {
	bs --cdrom "$ISO" --kernel "$FW/demo.elf"
	expect_status 2
	expect_grep "$ERR" "choose one kind"
	bs --cdrom "$ISO" --boot x
	expect_status 2
	expect_grep "$ERR" "^bootscope: --boot 'x': give c \(disk\), d \(CD-ROM\), or both in order \(dc\)$"
	bs --cdrom "$ISO" --boot c
	expect_status 2
	expect_grep "$ERR" "^bootscope: --boot c: there is no --hda to boot from$"
	bs --cdrom "$ISO" -m 3584M
	expect_status 2
	expect_grep "$ERR" "a BIOS boot takes whole MiB from 16M to 3583M"
	bs --cdrom "$ISO" --hda-writable
	expect_status 2
	expect_grep "$ERR" "^bootscope: --hda-writable needs --hda$"
	bs --raw "$FW/halt.bin" --boot d
	expect_status 2
	expect_grep "$ERR" "go with a BIOS boot"
}

# A boot sector that sets SLP_EN (bit 13 of PM1 control, at the PM base 0x600 SeaBIOS sets + 4) with CODE.
power_off_disk() { # FILE CODE-BYTES
	{ printf "$2"; printf '\xeb\xfe'; } >"$1"
	truncate -s 510 "$1"
	printf '\x55\xaa' >>"$1"
}

# The guest's ACPI power-off ends the run here (QEMU would exit), however it writes the bit.
test_acpi_power_off() {
	power_off_disk "$TMP/off-byte.img" '\xba\x05\x06\xb0\x20\xee'		# mov dx,0x605; mov al,0x20; out dx,al
	bs --hda "$TMP/off-byte.img" --timeout 60
	expect_status 3
	expect outcome "$(jqv .outcome)" shutdown
	expect message "$(jqv .message)" "vCPU 0 powered the machine off (ACPI PM1 control, SLP_EN in 0x20 written to port 0x605)"
	power_off_disk "$TMP/off-word.img" '\xba\x04\x06\xb8\x00\x24\xef'	# mov dx,0x604; mov ax,0x2400; out dx,ax
	bs --hda "$TMP/off-word.img" --timeout 60
	expect_status 3
	expect message "$(jqv .message)" "vCPU 0 powered the machine off (ACPI PM1 control, SLP_EN in 0x24 written to port 0x605)"
}

# bootscope forwards only the ports where the child has a device; all others it
# answers as an empty bus, as QEMU would. So every device in the child's own I/O
# map (QEMU's `info mtree -f`, the child's machine options) must be forwarded,
# or be one bootscope answers itself. A QEMU that adds a device fails this test.
test_forwarded_ports_cover_the_childs_devices() {
	bs --bios "$SEABIOS" --timeout 120
	expect outcome "$(jqv .outcome)" no-boot-device
	jqv '.device_model.ports[] | "\(.first) \(.last) \(.device)"' >"$TMP/fwd"
	(echo "info mtree -f"; sleep 1; echo quit) | timeout 60 qemu-system-i386 \
		-M pc,pit=off,hpet=off,pic=off,smm=off -accel tcg -m 256M -nodefaults -no-user-config \
		-display none -global apic-common.vapic=off -S -monitor stdio 2>&1 | tr -d '\r' |
		awk '/AS "I\/O"/ { on = 1; next } on && /^ *$/ { exit } on && /i\/o\): / { print }' >"$TMP/mtree"
	[ -s "$TMP/mtree" ] || { echo "no I/O map from QEMU's monitor"; return 1; }
	local range name first last n=0 missing=0
	while read -r range _ _ name; do
		name=${name%% @*}
		first=$((0x${range%-*})) last=$((0x${range#*-}))
		case $name in
		io | ide | ioport80 | port92 | apm-io | piix3-reset-control) continue ;;	# bootscope's own
		pm-smbus) name=smbus ;;	# moved by the BIOS: just forwarded somewhere
		esac
		n=$((n + 1))
		if [ "$name" = smbus ]; then
			grep -q ' smbus$' "$TMP/fwd" && continue
		elif awk -v f="$first" -v l="$last" '$1 <= f && l <= $2 { found = 1 } END { exit !found }' "$TMP/fwd"; then
			continue
		fi
		echo "the child's $name at $range is not forwarded"
		missing=$((missing + 1))
	done < <(sed 's/^ *\([0-9a-f]*-[0-9a-f]*\) (prio \([0-9]*\), i\/o): \(.*\)$/\1 x x \3/' "$TMP/mtree")
	expect "child devices checked" "$([ $n -ge 10 ] && echo many)" many
	expect "not forwarded" "$missing" 0
	# The ports SeaBIOS probed where the child has nothing were answered here.
	[ "$(jqv '.unhandled_io | length')" -gt 0 ] || { echo "no empty port answered locally"; return 1; }
}

build_guests() {
	tools/make-iso "$ISO" "$FW/bootload.bin" README.md &&
		cp "$FW/bootload.bin" "$DISK" && truncate -s 1M "$DISK" &&
		tools/make-grub-iso build/cache "$GRUB_ISO" "$FW/demo.elf" "console=ttyS0 from-grub"
}

TESTS=(test_post_alone_ends_at_no_boot_device test_smp_2_seabios_finds_2_cpus test_cdrom_under_each_cpu_model
	test_kbc_status_kept_between_forwards test_cdrom_stop_at_entry test_stop_at_entry_never_reached test_hda_boot_and_read_only test_boot_order_picks_the_device
	test_trace_splits_device_model_time test_child_killed_mid_boot test_child_stops_answering
	test_child_dies_with_bootscope test_acpi_power_off
	test_bad_bios_inputs test_grub_iso_boots_multiboot_kernel test_forwarded_ports_cover_the_childs_devices)
if ! build_guests >"$TMP/build.log" 2>&1; then
	echo "not ok 1 - building the test ISOs and disk"
	sed 's/^/# /' "$TMP/build.log"
	exit 1
fi
for fn in "${TESTS[@]}"; do tk "${fn#test_}" "$fn"; done
t bad_bios_options test_bad_bios_options
