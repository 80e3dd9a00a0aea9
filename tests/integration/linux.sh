#!/usr/bin/env bash
# Linux: Debian's i386 kernel and a busybox initramfs, loaded as the x86 boot
# protocol says, checked at the hand-off with --stop-at-entry; and the
# kernels a loader must refuse. The kernel and busybox are downloaded once
# into build/cache/i386 (tools/fetch-i386).
source "$(dirname "$0")/../lib.sh"

CACHE=$PWD/build/cache/i386
K=$CACHE/vmlinuz

hdr8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
hdr16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
hdr32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
hex() { printf '0x%x' "$1"; }

make_initramfs() { # OUT
	local root=$TMP/root
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp "$CACHE/busybox" "$root/bin/busybox"
	printf '#!/bin/busybox sh\n/bin/busybox echo BOOT-OK\n/bin/busybox poweroff -f\n' >"$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$1"
}

test_linux_handoff() {
	local initrd=$TMP/initrd.gz append="console=ttyS0 rdinit=/init panic=-1 bootscope-test=1"
	make_initramfs "$initrd"
	bs --kernel "$K" --initrd "$initrd" --append "$append" -m 256M --stop-at-entry
	expect_status 0
	expect outcome "$(jqv .outcome)" entry
	expect "boot kind" "$(jqv .boot.kind)" linux
	# The 32-bit boot protocol's register state.
	expect eip "$(jqv .entry.eip)" 0x100000
	expect esi "$(jqv .entry.esi)" "$(jqv .entry.linux.boot_params_address)"
	expect "ebx edi ebp" "$(jqv '"\(.entry.ebx) \(.entry.edi) \(.entry.ebp)"')" "0x0 0x0 0x0"
	expect "IF" $(( $(jqv .entry.eflags) & 0x200 )) 0
	expect "CR0 PE, PG" $(( $(jqv .entry.cr0) & 0x80000001 )) 1
	expect cs "$(jqv '.entry.cs | "\(.selector) \(.base) \(.limit) \(.db) \(.type)"')" "0x10 0x0 0xffffffff true 11"
	for seg in ds es ss; do
		expect "$seg" "$(jqv ".entry.$seg | \"\(.selector) \(.base) \(.limit) \(.db)\"")" "0x18 0x0 0xffffffff true"
	done
	# boot_params: the image's setup header, and what the loader must fill in.
	local L=.entry.linux
	expect header "$(jqv $L.header)" 0x53726448
	expect boot_flag "$(jqv $L.boot_flag)" 0xaa55
	expect version "$(jqv $L.version)" "$(hex "$(hdr16 "$K" $((0x206)))")"
	expect setup_sects "$(jqv $L.setup_sects)" "$(hdr8 "$K" $((0x1f1)))"
	expect type_of_loader "$(jqv $L.type_of_loader)" 0xff
	expect loadflags "$(jqv $L.loadflags)" "$(hex $(( $(hdr8 "$K" $((0x211))) | 0x80 )))"
	expect code32_start "$(jqv $L.code32_start)" 0x100000
	expect heap_end_ptr "$(jqv $L.heap_end_ptr)" 0xfe00
	expect cmdline "$(jqv $L.cmdline)" "$append"
	expect cmdline_size "$(jqv $L.cmdline_size)" "$(hex "$(hdr32 "$K" $((0x238)))")"
	expect initrd_addr_max "$(jqv $L.initrd_addr_max)" "$(hex "$(hdr32 "$K" $((0x22c)))")"
	expect init_size "$(jqv $L.init_size)" "$(hex "$(hdr32 "$K" $((0x260)))")"
	expect alt_mem_k "$(jqv $L.alt_mem_k)" $((255 * 1024))
	# The command line and boot_params lie in conventional memory.
	[ $(( $(jqv $L.cmd_line_ptr) )) -ge $((0x10000)) ] && [ $(( $(jqv $L.cmd_line_ptr) )) -lt $((0x9fc00)) ]
	# The initrd: whole, page aligned, inside RAM and below initrd_addr_max, clear of the kernel.
	local rd size max
	rd=$(( $(jqv $L.ramdisk_image) )) size=$(jqv $L.ramdisk_size) max=$(( $(jqv $L.initrd_addr_max) ))
	expect ramdisk_size "$size" "$(stat -c %s "$initrd")"
	expect initrd_sha256 "$(jqv $L.initrd_sha256)" "$(sha256sum "$initrd" | cut -d' ' -f1)"
	expect "initrd alignment" $((rd % 4096)) 0
	[ $((rd + size)) -le $((256 << 20)) ] && [ $((rd + size - 1)) -le "$max" ]
	[ "$rd" -ge $((0x100000 + $(hdr32 "$K" $((0x260))))) ]
	# The e820 map is the machine's.
	expect e820 "$(jqv '[.entry.linux["e820"][] | "\(.base)+\(.length):\(.type)"] | join(" ")')" \
		"0x0+0x9fc00:1 0x9fc00+0x400:2 0xf0000+0x10000:2 0x100000+0xff00000:1 0xfeffc000+0x4000:2 0xffff0000+0x10000:2"
}

test_refused_kernels() {
	head -c 4096 "$K" >"$TMP/cut"
	fails_with "$TMP/cut" "$TMP/cut: truncated: the setup code needs $(( ($(hdr8 "$K" $((0x1f1))) + 1) * 512 )) bytes, the file has 4096"
	cp "$K" "$TMP/old"
	printf '\x05\x02' | dd of="$TMP/old" bs=1 seek=$((0x206)) conv=notrunc status=none
	fails_with "$TMP/old" "$TMP/old: Linux boot protocol 2.05 is older than 2.06, which bootscope needs"
	cp "$K" "$TMP/magic"
	printf 'HdrX' | dd of="$TMP/magic" bs=1 seek=$((0x202)) conv=notrunc status=none
	fails_with "$TMP/magic" "$TMP/magic: neither a Linux bzImage nor a Multiboot kernel (no HdrS header, no Multiboot header in the first 8 KiB)"
	head -c $((20 << 20)) /dev/zero >"$TMP/big.img"
	fails_with "$K" "$TMP/big.img: initrd of $((20 << 20)) bytes does not fit in guest RAM below the kernel's initrd_addr_max $(hex "$(hdr32 "$K" $((0x22c)))") (-m 32M)" \
		--initrd "$TMP/big.img" -m 32M
	fails_with "$K" "$K: the command line is 3000 bytes; this kernel takes at most $(hdr32 "$K" $((0x238)))" \
		--append "$(head -c 3000 /dev/zero | tr '\0' x)"
	fails_with "$K" "$K: --module is for Multiboot kernels; give a Linux kernel one --initrd" --module "$TMP/cut"
}

fails_with() { # KERNEL MESSAGE [ARGS...]
	local k=$1 msg=$2
	shift 2
	RC=0
	"$BOOTSCOPE" run --kernel "$k" --stop-at-entry -q "$@" >"$OUT" 2>"$ERR" || RC=$?
	expect "status" "$RC" 1
	expect "message" "$(tail -1 "$ERR")" "bootscope: $msg"
}

# The kernel boots to the initramfs's /init, which prints BOOT-OK. Every i386
# Linux turns paging on: tests/run gives this test a KVM that pages (the test
# VM where this machine's cannot); only KVM=host on such a machine skips it.
test_linux_boots_to_userspace() {
	require_paging
	make_initramfs "$TMP/initrd.gz"
	bs --kernel "$K" --initrd "$TMP/initrd.gz" --append "console=ttyS0 rdinit=/init panic=-1" \
		--mark kernel='] Linux version' --mark userspace='^BOOT-OK' --timeout 600
	# /init's poweroff goes through the FADT's PM1 control, as under QEMU: a shutdown.
	expect_status 3
	expect outcome "$(jqv .outcome)" shutdown
	expect message "$(jqv .message)" \
		"vCPU 0 powered the machine off (ACPI PM1 control, SLP_EN in 0x20 written to port 0x605)"
	# The kernel found the PM timer the FADT describes, and its checks of it passed.
	text >"$TMP/text"
	expect_grep "$TMP/text" '\] clocksource: acpi_pm: mask: 0xffffff '
	# The kernel's banner (after printk's time stamp) comes between the entry and userspace.
	local entry kernel userspace
	entry=$(jqv '.milestones[] | select(.name=="entry") | .t_ns')
	kernel=$(jqv '.milestones[] | select(.name=="kernel") | .t_ns')
	userspace=$(jqv '.milestones[] | select(.name=="userspace") | .t_ns')
	[ "$kernel" != null ] && [ "$entry" -lt "$kernel" ] && [ "$kernel" -lt "$userspace" ] ||
		{ echo "milestones out of order: entry $entry, kernel $kernel, userspace $userspace"; return 1; }
}

# The same kernel and initramfs under QEMU's software emulation, which boots where
# this host's KVM cannot: to userspace, and the poweroff there ends the run.
test_linux_userspace_under_qemu_tcg() {
	make_initramfs "$TMP/initrd.gz"
	RC=0
	"$BOOTSCOPE" qemu --accel tcg --kernel "$K" --initrd "$TMP/initrd.gz" -m 256M \
		--append "console=ttyS0 rdinit=/init panic=-1" --mark kernel='] Linux version' --timeout 600 \
		--json "$J" -q >"$OUT" 2>"$ERR" || RC=$?
	expect engine "$(jqv .engine)" qemu-tcg
	expect_grep "$OUT" '^BOOT-OK'
	# busybox poweroff -f: QEMU exits under -no-reboot, which ends the run as a shutdown.
	expect outcome "$(jqv .outcome)" shutdown
	expect_status 3
	[ "$(jqv '.milestones[] | select(.name=="kernel") | .t_ns')" -gt 0 ]
}

# Where the host cannot run paging, `run` says so before it starts the kernel.
test_paging_warning() {
	[ "$(doctor_says "32-bit paging (PSE)")" != ok ] || skip_because "this KVM runs 32-bit paging: there is nothing to warn about"
	make_initramfs "$TMP/initrd.gz"
	bs --kernel "$K" --initrd "$TMP/initrd.gz" --append "console=ttyS0" --timeout 600
	expect_grep "$ERR" "^bootscope: warning: this host's KVM cannot run 32-bit paging \(triple fault \(KVM_EXIT_SHUTDOWN\); see bootscope doctor\): this Linux kernel will stop when it turns paging on$"
	# On the development machines the decompressor stops at RDRAND first (docs/host-limits.md).
	[ "$RC" -ne 0 ]
	jqv .message >"$TMP/msg"
	expect_grep "$TMP/msg" "^vCPU 0: KVM could not emulate|^vCPU 0 shut down \(triple fault\)"
}

# A real OS through bootscope's own vCPUs, model by model: /init says what Linux
# saw in /proc/cpuinfo, and QEMU+KVM on the same KVM, given the same kernel,
# initramfs and model, must make Linux see the same. Debian's 686 kernel cannot
# start on a 486 through QEMU's -kernel (its real-mode setup refuses the CPU),
# so the 486 is held to QEMU+KVM's CPUID for the model (the probe guest) instead.
make_cpuinfo_initramfs() { # OUT
	local root=$TMP/root
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev"
	cp "$CACHE/busybox" "$root/bin/busybox"
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox echo "USERSPACE-MARKER"
/bin/busybox awk -F ': *' '/^processor/ { n++ } n == 1 && /^(vendor_id|cpu family|model|model name|flags)\t/ { sub(/\t+$/, "", $1); print "cpuinfo " $1 ": " $2 } END { print "cpuinfo processors: " n }' /proc/cpuinfo
/bin/busybox echo "USERSPACE-DONE"
/bin/busybox poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) >"$1"
}

linux_sees() { # MODEL SMP ENGINE(run|qemu) OUTFILE
	local args=(--kernel "$K" --initrd "$TMP/cpuinfo.gz" --append "console=ttyS0 rdinit=/init panic=-1 quiet"
		-m 256M --cpu "$1" --smp "$2" --mark userspace='^USERSPACE-MARKER' --until '^USERSPACE-DONE' --timeout 900)
	RC=0
	if [ "$3" = run ]; then
		"$BOOTSCOPE" run --json "$J" -q "${args[@]}" >"$OUT" 2>"$ERR" || RC=$?
	else
		"$BOOTSCOPE" qemu --json "$J" -q "${args[@]}" >"$OUT" 2>"$ERR" || RC=$?
	fi
	expect "status of $3 --cpu $1 --smp $2" "$RC" 0 || { tail -5 "$OUT"; return 1; }
	expect "outcome of $3 --cpu $1" "$(jqv .outcome)" until
	[ "$(jqv '.milestones[] | select(.name=="userspace") | .t_ns')" -gt 0 ]
	cpuinfo_of "$OUT" >"$4"
	expect "processors under $3 --cpu $1" "$(sed -n 's/^cpuinfo processors: //p' "$4")" "$2"
}

real_os_matches_qemu() { # MODEL SMP
	require_paging
	make_cpuinfo_initramfs "$TMP/cpuinfo.gz"
	linux_sees "$1" "$2" run "$TMP/run.txt" || return 1
	echo "bootscope run: Linux to userspace in $(jqv '.milestones[] | select(.name=="userspace") | .t_ns / 1e9') s"
	linux_sees "$1" "$2" qemu "$TMP/qemu.txt" || return 1
	expect_same_cpuinfo "$1" "$TMP/qemu.txt" "$TMP/run.txt"
}

test_real_os_pentium2() { real_os_matches_qemu pentium2 1; }
test_real_os_pentium3_smp4() { real_os_matches_qemu pentium3 4; }

test_real_os_486() {
	require_paging
	make_cpuinfo_initramfs "$TMP/cpuinfo.gz"
	linux_sees 486 1 run "$TMP/run.txt" || return 1
	# QEMU+KVM's 486 as the probe guest reads it: vendor, family and model from leaves 0 and 1.
	RC=0
	timeout 300 qemu-system-i386 -M pc -enable-kvm -cpu 486,vendor=GenuineIntel -m 64M -display none -nodefaults \
		-no-reboot -serial "file:$TMP/probe.txt" -device isa-debug-exit,iobase=0xf4,iosize=4 \
		-drive "file=$FW/cpuprobe.bin,format=raw,if=ide,index=0,snapshot=on" $(qemu_vapic_args) 2>"$TMP/qemu.err" || RC=$?
	expect "QEMU probe status" "$RC" 33
	local l0 l1 vendor eax edx
	l0=$(tr -d '\r' <"$TMP/probe.txt" | awk '$1 == "c" && $2 == "00000000"')
	l1=$(tr -d '\r' <"$TMP/probe.txt" | awk '$1 == "c" && $2 == "00000001"')
	# EBX, EDX, ECX of leaf 0 as little-endian ASCII.
	vendor=$(for r in $(awk '{ print $4, $6, $5 }' <<<"$l0"); do printf "\\x${r:6:2}\\x${r:4:2}\\x${r:2:2}\\x${r:0:2}"; done)
	vendor=$(printf "$vendor")
	eax=$((16#$(awk '{print $3}' <<<"$l1"))) edx=$((16#$(awk '{print $6}' <<<"$l1")))
	expect "vendor_id" "$(sed -n 's/^cpuinfo vendor_id: //p' "$TMP/run.txt")" "$vendor"
	expect "cpu family" "$(sed -n 's/^cpuinfo cpu family: //p' "$TMP/run.txt")" $(((eax >> 8) & 15))
	expect "model" "$(sed -n 's/^cpuinfo model: //p' "$TMP/run.txt")" $(((eax >> 4) & 15))
	# Linux's names for leaf 1 EDX: the bits QEMU's 486 has are the ones Linux lists.
	local names=(fpu vme de pse tsc msr pae mce cx8 apic - sep mtrr pge mca cmov pat pse36 pn clflush - dts acpi mmx fxsr sse sse2 ss ht tm ia64 pbe)
	local want=() got=() b f
	for b in "${!names[@]}"; do
		[ "${names[$b]}" = - ] && continue
		# The APIC bit of a lone 486 follows its switched-off local APIC, under both.
		[ $((edx >> b & 1)) = 1 ] && want+=("${names[$b]}")
	done
	for f in $(sed -n 's/^cpuinfo flags: //p' "$TMP/run.txt"); do
		[[ " ${names[*]} " == *" $f "* ]] && got+=("$f")
	done
	expect "leaf 1 EDX flags" "${got[*]}" "${want[*]}"
}

tools/fetch-i386 "$CACHE" >"$TMP/fetch.log" 2>&1 || {
	echo "not ok 1 - downloading Debian's i386 kernel and busybox"
	sed 's/^/# /' "$TMP/fetch.log"
	exit 1
}
t refused_kernels test_refused_kernels
t linux_userspace_under_qemu_tcg test_linux_userspace_under_qemu_tcg
tk linux_handoff test_linux_handoff
tk paging_warning test_paging_warning
tk linux_boots_to_userspace test_linux_boots_to_userspace
tk real_os_486 test_real_os_486
tk real_os_pentium2 test_real_os_pentium2
tk real_os_pentium3_smp4 test_real_os_pentium3_smp4
