#!/usr/bin/env bash
# The bad-input table: every kind of file bootscope reads, made truncated,
# zero-length, huge, overlapping, wrong-magic and self-referencing. Each row
# is one image and the exact first line and exit status it must get (docs/sandbox.md,
# "Bad input"). The images are built here from the demo kernel and from bytes.
source "$(dirname "$0")/../lib.sh"

# put FILE OFFSET BYTES...: write bytes (hex) at OFFSET, in place.
put() {
	local f=$1 off=$2 hex=
	shift 2
	for b in "$@"; do hex+="\\x$b"; done
	printf "$hex" | dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}
le32() { printf '%02x %02x %02x %02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)); }
be32() { printf '%02x %02x %02x %02x' $(($1 >> 24 & 255)) $(($1 >> 16 & 255)) $(($1 >> 8 & 255)) $(($1 & 255)); }
be64() { echo "$(be32 $(($1 >> 32))) $(be32 $(($1 & 0xffffffff)))"; }

# A copy of the demo kernel (ELF32, one PT_LOAD at file offset 0x1000, program headers at 52).
elf() { cp "$FW/demo.elf" "$TMP/$1"; echo "$TMP/$1"; }
# A Multiboot a.out-kludge image: header at 0, loaded at LOAD..LOAD_END, bss to BSS_END, entry ENTRY.
aout() { # NAME HEADER_ADDR LOAD LOAD_END BSS_END ENTRY
	local f=$TMP/$1 flags=$((0x10000)) magic=$((0x1BADB002))
	head -c 64 /dev/zero >"$f"
	put "$f" 0 $(le32 $magic) $(le32 $flags) $(le32 $(((-(magic + flags)) & 0xffffffff))) \
		$(le32 "$2") $(le32 "$3") $(le32 "$4") $(le32 "$5") $(le32 "$6")
	echo "$f"
}
# A bzImage setup header: 8 KiB, HdrS, protocol VERSION, setup_sects SECTS, loadflags FLAGS.
# Its rows stop at entry: a Linux boot on a host without 32-bit paging warns first.
bzimage() { # NAME VERSION SECTS FLAGS
	local f=$TMP/$1
	head -c 8192 /dev/zero >"$f"
	put "$f" $((0x1f1)) "$(printf %02x "$3")"
	put "$f" $((0x1fe)) 55 aa
	put "$f" $((0x201)) 66
	put "$f" $((0x202)) 48 64 72 53 $(le32 "$2" | cut -d' ' -f1-2)
	put "$f" $((0x211)) "$(printf %02x "$4")"
	put "$f" $((0x238)) $(le32 255)
	echo "$f"
}
# A qcow2 header: VERSION, a backing file name at 0x100 (or none), incompatible features.
qcow2() { # NAME VERSION BACKING INCOMPAT [LENGTH]
	local f=$TMP/$1
	head -c 512 /dev/zero >"$f"
	put "$f" 0 51 46 49 fb $(be32 "$2")
	if [ -n "$3" ]; then
		put "$f" 8 $(be64 256) $(be32 ${#3})
		printf '%s' "$3" | dd of="$f" bs=1 seek=256 conv=notrunc status=none
	fi
	put "$f" 72 $(be64 "$4")
	[ -n "${5:-}" ] && truncate -s "$5" "$f"
	echo "$f"
}

ROWS=0
# row KIND STATUS MESSAGE ARGS...: bootscope ARGS exits STATUS, MESSAGE first on stderr.
row() {
	local kind=$1 status=$2 msg=$3
	shift 3
	ROWS=$((ROWS + 1))
	RC=0
	timeout 60 "$BOOTSCOPE" "$@" >"$OUT" 2>"$ERR" || RC=$?
	expect "[$kind] status of $*" "$RC" "$status"
	expect "[$kind] message of $*" "$(head -1 "$ERR")" "bootscope: $msg"
}

test_kernels() {
	local f
	# zero-length
	: >"$TMP/empty"
	row zero-length 1 "$TMP/empty: empty file" run --kernel "$TMP/empty"
	# truncated
	local seg_end=$((4096 + $(readelf -lW "$FW/demo.elf" | awk '/LOAD/ {print $5; exit}')))
	f=$(elf cut.elf); truncate -s 4200 "$f"
	row truncated 1 "$f: truncated: ELF segment 0 needs bytes 4096-$seg_end of the file, which has 4200" run --kernel "$f"
	f=$(bzimage short.bz 0x20f 60 1)
	row truncated 1 "$f: truncated: the setup code needs 31232 bytes, the file has 8192" run --kernel "$f" --stop-at-entry
	f=$(aout short.bin 0x200000 0x200000 0x300000 0 0x200020)
	row truncated 1 "$f: truncated: Multiboot load range needs 1048576 bytes from offset 0, the file has 64" run --kernel "$f"
	# huge
	truncate -s 2G "$TMP/huge.bin"
	row huge 1 "$TMP/huge.bin: too large (2147483648 bytes, at most 654336)" run --raw "$TMP/huge.bin"
	f=$(elf phnum.elf); put "$f" 44 ff ff
	row huge 1 "$f: ELF program headers (65535 at offset 52) lie outside the file" run --kernel "$f"
	f=$(elf phoff.elf); put "$f" 28 $(le32 0xffffffe0)
	row huge 1 "$f: ELF program headers (1 at offset 4294967264) lie outside the file" run --kernel "$f"
	f=$(elf filesz.elf); put "$f" 68 $(le32 0x7fffffff); put "$f" 72 $(le32 0x7fffffff)
	row huge 1 "$f: truncated: ELF segment 0 needs bytes 4096-2147487743 of the file, which has $(stat -c %s "$f")" run --kernel "$f"
	f=$(elf memsz.elf); put "$f" 72 $(le32 0xfffff000)
	row huge 1 "kernel $f segment 0 at 0x100000-0x1000fefff is not in guest RAM (0x0-0x9fbff and 0x100000-0xfffffff with -m 262144K)" run --kernel "$f"
	# overlapping: the same PT_LOAD twice; an a.out image over the interrupt vector table
	f=$(elf twice.elf); put "$f" 44 02 00
	dd if="$FW/demo.elf" of="$f" bs=1 skip=52 seek=84 count=32 conv=notrunc status=none
	local seg=$(printf '0x100000-0x%x' $((0x100000 + $(readelf -lW "$FW/demo.elf" | awk '/LOAD/ {print $6; exit}') - 1)))
	row overlapping 1 "kernel $f segment 1 at $seg overlaps kernel $f segment 0 at $seg" run --kernel "$f"
	f=$(aout low.bin 0 0 0 0 0x20)
	row overlapping 1 "kernel $f at 0x0-0x3f overlaps interrupt vector table and BIOS data area at 0x0-0x4ff" run --kernel "$f"
	f=$(aout bss.bin 0x200000 0x200000 0x200040 0x200010 0x200020)
	row overlapping 1 "$f: Multiboot bss_end_addr 0x200010 lies inside the loaded image" run --kernel "$f"
	# wrong magic
	f=$(elf x86_64.elf); put "$f" 18 3e 00
	row wrong-magic 1 "$f: not a little-endian i386 ELF executable (machine 62, type 2)" run --kernel "$f"
	row wrong-magic 1 "$FW/halt.bin: neither a Linux bzImage nor a Multiboot kernel (no HdrS header, no Multiboot header in the first 8 KiB)" \
		run --kernel "$FW/halt.bin"
	f=$(bzimage old.bz 0x204 4 1)
	row wrong-magic 1 "$f: Linux boot protocol 2.04 is older than 2.06, which bootscope needs" run --kernel "$f" --stop-at-entry
	f=$(bzimage zimage.bz 0x20f 4 0)
	row wrong-magic 1 "$f: a zImage (loaded below 1 MiB); only bzImage kernels are supported" run --kernel "$f" --stop-at-entry
	# self-referencing: program headers read from the ELF header itself; a header that places itself elsewhere
	f=$(elf phoff0.elf); put "$f" 28 00 00 00 00
	row self-referencing 1 "$f: ELF file has no loadable segment" run --kernel "$f"
	f=$(aout self.bin 0x300000 0x200000 0x200040 0 0x200020)
	row self-referencing 1 "$f: Multiboot header_addr 0x300000 and load_addr 0x200000 do not match the header's place in the file" \
		run --kernel "$f"
	f=$(elf entry.elf); put "$f" 24 $(le32 0x500000)
	row self-referencing 1 "$f: ELF entry point 0x500000 lies in no loaded segment" run --kernel "$f"
}

test_disks_and_bios() {
	local f
	: >"$TMP/empty"
	row zero-length 1 "--cdrom $TMP/empty: the file is empty" run --cdrom "$TMP/empty"
	row zero-length 1 "--hda $TMP/empty: the file is empty" run --hda "$TMP/empty"
	row zero-length 1 "--bios $TMP/empty: 0 bytes; a PC BIOS image is a multiple of 64 KiB (64 KiB..16 MiB)" run --bios "$TMP/empty"
	head -c 32768 /dev/zero >"$TMP/cut.iso"
	row truncated 1 "--cdrom $TMP/cut.iso: not an ISO 9660 image (no CD001 volume descriptor at 32 KiB)" run --cdrom "$TMP/cut.iso"
	f=$(qcow2 cut.qcow2 3 "" 0 40)
	row truncated 1 "--hda $f: a qcow2 header cut short (40 bytes)" run --hda "$f"
	truncate -s 32M "$TMP/huge.rom"
	row huge 1 "$TMP/huge.rom: too large (33554432 bytes, at most 16777216)" run --bios "$TMP/huge.rom"
	head -c 65536 /dev/zero >"$TMP/zero.rom"
	row wrong-magic 1 "--bios $TMP/zero.rom: nothing at the reset vector (the image's last 16 bytes)" run --bios "$TMP/zero.rom"
	head -c 65536 /dev/zero >"$TMP/zero.iso"
	row wrong-magic 1 "--cdrom $TMP/zero.iso: not an ISO 9660 image (no CD001 volume descriptor at 32 KiB)" run --cdrom "$TMP/zero.iso"
	f=$(qcow2 v9.qcow2 9 "" 0)
	row wrong-magic 1 "--hda $f: qcow2 version 9; QEMU's qcow2 is version 2 or 3" run --hda "$f"
	# A qcow2 image whose backing file is itself, or another host file: QEMU would open it.
	f=$(qcow2 self.qcow2 3 "$TMP/self.qcow2" 0)
	row self-referencing 1 "--hda $f: a qcow2 image with a backing file; bootscope does not let QEMU open other files (flatten it: qemu-img convert -O qcow2 $f flat.qcow2)" \
		run --hda "$f"
	row self-referencing 1 "--hda $f: a qcow2 image with a backing file; bootscope does not let QEMU open other files (flatten it: qemu-img convert -O qcow2 $f flat.qcow2)" \
		qemu --hda "$f" --dry-run
	f=$(qcow2 data.qcow2 3 "" 4)
	row self-referencing 1 "--hda $f: a qcow2 image with an external data file; bootscope does not let QEMU open other files" \
		run --hda "$f"
}

test_traces_and_results() {
	local f
	: >"$TMP/empty"
	cp tests/data/demo.trace "$TMP/good.trace"
	row zero-length 1 "$TMP/empty: not a bootscope trace (no BSTRACE header)" report "$TMP/empty"
	row zero-length 1 "matrix-report: no finished cells in $TMP/empty" matrix-report "$TMP/empty"
	head -c 100 "$TMP/good.trace" >"$TMP/cut.trace"
	# (tests/data/demo.trace predates the clock in the header: a cut copy has nothing to be read by.)
	row truncated 1 "$TMP/cut.trace: truncated: the trailer is missing (the run that wrote it did not finish), and its header has no clock to read it by (a trace from an older bootscope)" \
		report "$TMP/cut.trace"
	cp /etc/os-release "$TMP/wrong.trace"
	row wrong-magic 1 "$TMP/wrong.trace: not a bootscope trace (no BSTRACE header)" report "$TMP/wrong.trace"
	echo '{"some":"json"}' >"$TMP/wrong.jsonl"
	row wrong-magic 1 "matrix-report: $TMP/wrong.jsonl: not a bootscope matrix results file (no header line)" \
		matrix-report "$TMP/wrong.jsonl"
}

# Every file is checked before /dev/kvm is opened: none of these needs a KVM.
t disks_and_bios test_disks_and_bios
t kernels test_kernels
t traces_and_results test_traces_and_results
