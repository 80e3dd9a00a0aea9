#!/usr/bin/env bash
# Storage in bootscope (devices/ide.c, atapi.c, ide_bmdma.c): Linux's own
# drivers (ata_piix, sr_mod, sd_mod, isofs) read a CD and a disk that
# bootscope's IDE serves straight from the image files, with no access to
# the disks forwarded to the QEMU child. GRUB 2 loads Debian's i386 kernel
# and an initramfs (busybox and the kernel's storage modules) from the CD
# through the BIOS; the initramfs then mounts the CD, hashes a file on it and
# the whole disk, writes a sector and reads it back, and prints what libata
# found. The same ISO under `bootscope qemu` (QEMU+KVM, QEMU's own IDE) must
# print the same: the guest sees the same drives under both engines.
source "$(dirname "$0")/../lib.sh"

CACHE=$PWD/build/cache/i386
K=$CACHE/vmlinuz
ISO=$TMP/linux.iso DISK=$TMP/disk.img

make_initramfs() { # OUT
	local root=$TMP/root
	rm -rf "$root"
	mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$root/mnt" "$root/modules"
	cp "$CACHE/busybox" "$root/bin/busybox"
	cp "$CACHE"/modules/*.ko "$CACHE/modules/order" "$root/modules/"
	cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do insmod /modules/$m.ko || echo "storage: insmod $m failed"; done
i=0
while { [ ! -b /dev/sr0 ] || [ ! -b /dev/sda ]; } && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
mount -t iso9660 -o ro /dev/sr0 /mnt && echo "storage: cd kernel $(sha256sum /mnt/boot/kernel | cut -c1-64)"
echo "storage: disk $(sha256sum /dev/sda | cut -c1-64)"
printf 'written by the guest\n' | dd of=/dev/sda bs=512 seek=100 conv=sync,fsync 2>/dev/null
echo 3 >/proc/sys/vm/drop_caches
echo "storage: sector 100 $(dd if=/dev/sda bs=512 skip=100 count=1 2>/dev/null | sha256sum | cut -c1-64)"
dmesg | sed -n 's/^\[[^]]*\] \(ata[0-9]\.00: .*\|ata[0-9]: PATA .*\|sr [0-9:]*: .*\|sd [0-9:]*: \[sda\] [0-9]* .*\)$/storage: \1/p'
echo STORAGE-DONE
poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$1"
}

sha() { sha256sum | cut -c1-64; }

# The lines the guest printed about its storage, sorted: libata probes the two
# channels in parallel, so their lines interleave as timing has it.
storage_lines() { tr -d '\r' <"$1" | grep '^storage: ' | sort; }

# What the guest must print under either engine, from the files themselves.
expect_storage() { # OUTPUT
	expect_line "$1" "storage: cd kernel $(sha <"$K")"
	expect_line "$1" "storage: disk $(sha <"$DISK")"
	expect_line "$1" "storage: sector 100 $({ printf 'written by the guest\n'; head -c 491 /dev/zero; } | sha)"
	expect_line "$1" "storage: ata2.00: ATAPI: QEMU DVD-ROM, 2.5+, max UDMA/100"
	expect_line "$1" "storage: ata1.00: 8192 sectors, multi 16: LBA48 "
	expect "insmod failures" "$(grep -c 'insmod .* failed' "$1")" 0
}

test_linux_reads_cd_and_disk() {
	local before
	require_paging
	before=$(sha <"$DISK")
	bs --cdrom "$ISO" --hda "$DISK" --until '^STORAGE-DONE' --timeout 900
	expect_status 0
	text >"$TMP/run.txt"
	expect_storage "$TMP/run.txt"
	expect "disk unchanged" "$(sha <"$DISK")" "$before"
	# Everything went through bootscope's IDE: nothing of it reached the child.
	expect "IDE" "$(jqv .device_model.storage.ide)" bootscope
	expect "IDE accesses forwarded" "$(jqv '[.device_model.devices[] | select(.device | test("^ide"))] | length')" 0
	expect "guest writes" "$(jqv .device_model.storage.hda.writes_to)" overlay
	# SeaBIOS and GRUB read by PIO; Linux's ata_piix reads both drives by bus-master DMA.
	[ "$(jqv .device_model.storage.dma_transfers)" -gt 0 ] && [ "$(jqv .device_model.storage.pio_blocks)" -gt 0 ] ||
		{ echo "DMA transfers $(jqv .device_model.storage.dma_transfers), PIO blocks $(jqv .device_model.storage.pio_blocks)"; return 1; }
	[ "$(jqv .device_model.storage.hda.write_bytes)" -ge 512 ] || { echo "no disk write counted"; return 1; }
	# The CD's reads cover at least the kernel, read twice: by GRUB through the BIOS, by Linux from /mnt.
	[ "$(jqv .device_model.storage.cdrom.read_bytes)" -ge $((2 * $(stat -c %s "$K"))) ] ||
		{ echo "only $(jqv .device_model.storage.cdrom.read_bytes) bytes read from the CD"; return 1; }
	storage_lines "$TMP/run.txt" >"$TMP/run-lines"

	"$BOOTSCOPE" qemu --cdrom "$ISO" --hda "$DISK" --until '^STORAGE-DONE' --timeout 900 --json "$J" -q \
		>"$OUT" 2>"$ERR" || RC=$?
	expect "QEMU's status" "$RC" 0
	text >"$TMP/qemu.txt"
	expect_storage "$TMP/qemu.txt"
	storage_lines "$TMP/qemu.txt" >"$TMP/qemu-lines"
	diff -u "$TMP/qemu-lines" "$TMP/run-lines" || { echo "Linux saw other drives under bootscope (+) than under QEMU+KVM (-)"; return 1; }
}

test_hda_writable_reaches_the_file() {
	require_paging
	cp "$DISK" "$TMP/rw.img"
	bs --cdrom "$ISO" --hda "$TMP/rw.img" --hda-writable --until '^STORAGE-DONE' --timeout 900
	expect_status 0
	expect "guest writes" "$(jqv .device_model.storage.hda.writes_to)" file
	expect "sector 100 of the file" "$(dd if="$TMP/rw.img" bs=512 skip=100 count=1 2>/dev/null | head -c 21)" \
		"written by the guest"
	expect "the rest of the file" "$(cmp -l "$DISK" "$TMP/rw.img" | awk '$1 <= 51200 || $1 > 51712' | wc -l)" 0
}

build_guests() {
	make_initramfs "$TMP/initrd.gz" &&
		tools/make-grub-iso --linux "$TMP/initrd.gz" build/cache "$ISO" "$K" "console=ttyS0 panic=-1" &&
		head -c 4M "$K" >"$DISK"
}

# Here too in the host's part: the test VM has no network.
tools/fetch-i386 "$CACHE" >"$TMP/fetch.log" 2>&1 || {
	echo "not ok 1 - downloading Debian's i386 kernel, its storage modules and busybox"
	sed 's/^/# /' "$TMP/fetch.log"
	exit 1
}
if kvm_part && ! build_guests >"$TMP/build.log" 2>&1; then
	echo "not ok 1 - building the Linux ISO and disk"
	sed 's/^/# /' "$TMP/build.log"
	exit 1
fi
tk linux_reads_cd_and_disk test_linux_reads_cd_and_disk
tk hda_writable_reaches_the_file test_hda_writable_reaches_the_file
