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

# On a host that runs paging: the kernel boots to the initramfs's /init, which prints BOOT-OK.
test_linux_boots_to_userspace() {
	make_initramfs "$TMP/initrd.gz"
	bs --kernel "$K" --initrd "$TMP/initrd.gz" --append "console=ttyS0 rdinit=/init panic=-1" \
		--mark kernel='^Linux version' --until '^BOOT-OK' --timeout 600
	expect_status 0
	expect outcome "$(jqv .outcome)" until
	[ "$(jqv '.milestones[] | select(.name=="kernel") | .t_ns')" != null ]
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
	"$BOOTSCOPE" doctor --json >"$TMP/doctor.json"
	if [ "$(jq -r '.checks[] | select(.check == "32-bit paging (PSE)") | .result' "$TMP/doctor.json")" = ok ]; then
		echo "this host runs paging: nothing to warn about"
		return 0
	fi
	make_initramfs "$TMP/initrd.gz"
	bs --kernel "$K" --initrd "$TMP/initrd.gz" --append "console=ttyS0" --timeout 600
	expect_grep "$ERR" "^bootscope: warning: this host's KVM cannot run 32-bit paging \(triple fault \(KVM_EXIT_SHUTDOWN\); see bootscope doctor\): this Linux kernel will stop when it turns paging on$"
	# On the development machines the decompressor stops at RDRAND first (README, "Host limits").
	[ "$RC" -ne 0 ]
	jqv .message >"$TMP/msg"
	expect_grep "$TMP/msg" "^vCPU 0: KVM could not emulate|^vCPU 0 shut down \(triple fault\)"
}

TESTS=(test_linux_handoff test_refused_kernels test_paging_warning test_linux_userspace_under_qemu_tcg)
if ! kvm_usable; then
	skip_all "$KVM_SKIP" "${TESTS[@]}" test_linux_boots_to_userspace
	exit 0
fi
if ! tools/fetch-i386 "$CACHE" >"$TMP/fetch.log" 2>&1; then
	skip_all "cannot download Debian's i386 kernel: $(tail -1 "$TMP/fetch.log")" "${TESTS[@]}" test_linux_boots_to_userspace
	exit 0
fi
for fn in "${TESTS[@]}"; do t "${fn#test_}" "$fn"; done
# Booting to /init needs 32-bit paging: ask the same probe `bootscope run` and `doctor` use.
"$BOOTSCOPE" doctor --json >"$TMP/doctor.json"
paging=$(jq -r '.checks[] | select(.check == "32-bit paging (PSE)") | "\(.result): \(.detail)"' "$TMP/doctor.json")
if [ "${paging%%:*}" = ok ]; then
	t linux_boots_to_userspace test_linux_boots_to_userspace
else
	skip_all "this host's KVM cannot run 32-bit paging (bootscope doctor: $paging)" test_linux_boots_to_userspace
fi
