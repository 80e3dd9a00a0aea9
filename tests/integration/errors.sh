#!/usr/bin/env bash
# Bad input through the real binary: each gets one clear line on stderr and
# its documented exit status (2 usage, 1 file or host problem), never a
# crash; with --json the summary says outcome "error".
source "$(dirname "$0")/../lib.sh"

# fails STATUS MESSAGE ARGS...: bootscope ARGS exits STATUS with exactly MESSAGE first on stderr.
fails() {
	local status=$1 msg=$2
	shift 2
	RC=0
	"$BOOTSCOPE" "$@" >"$OUT" 2>"$ERR" || RC=$?
	expect "status of bootscope $*" "$RC" "$status"
	expect "message of bootscope $*" "$(head -1 "$ERR")" "$msg"
}

le32() { printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }

# A Multiboot a.out-kludge image loaded at LOAD with entry ENTRY, 64 bytes long.
aout_image() { # FILE LOAD ENTRY
	local flags=$((0x10000)) magic=$((0x1BADB002))
	{
		le32 $magic; le32 $flags; le32 $(((-(magic + flags)) & 0xffffffff))
		le32 "$2"; le32 "$2"; le32 0; le32 0; le32 "$3"
		head -c 32 /dev/zero
	} >"$1"
}

# The C library's own words for an unbalanced '(' (they differ between libcs and locales).
regex_error() {
	"$BOOTSCOPE" run --raw x --until '(' 2>&1 | sed -n "1s/^bootscope: bad regular expression '(' for until: //p"
}

test_usage_errors() {
	fails 2 "Usage: bootscope COMMAND [OPTIONS]"
	fails 2 "bootscope: unknown command 'frob'" frob
	fails 2 "bootscope: give one of --kernel, --raw (direct boots) or --cdrom, --hda, --bios (BIOS boots)" run
	fails 2 "bootscope: --smp '0': give a number of vCPUs from 1 to 8" run --raw x --smp 0
	fails 2 "bootscope: --memory '4G': give 1M..3.5G in whole 4 KiB pages (e.g. 256M)" run --raw x -m 4G
	fails 2 "bootscope: --timeout 'soon': give seconds greater than 0" run --raw x --timeout soon
	fails 2 "bootscope: bad regular expression '(' for until: $(regex_error)" run --raw x --until '('
	fails 2 "bootscope: milestone name 'entry' is used twice (or is built in)" run --raw x --mark entry=x
	fails 2 "bootscope: --append, --initrd and --module go with --kernel, not --raw" run --raw x --module y
	expect_grep "$ERR" "^Try 'bootscope help' for more information.$"
}

test_file_errors() {
	fails 1 "bootscope: /nonexistent/k.elf: No such file or directory" run --kernel /nonexistent/k.elf
	fails 1 "bootscope: $TMP: not a regular file" run --raw "$TMP"
	: >"$TMP/empty.bin"
	fails 1 "bootscope: $TMP/empty.bin: empty file" run --raw "$TMP/empty.bin"
	head -c 700000 /dev/zero >"$TMP/big.bin"
	fails 1 "bootscope: $TMP/big.bin: too large (700000 bytes, at most 654336)" run --raw "$TMP/big.bin"
	fails 1 "bootscope: $FW/halt.bin: neither a Linux bzImage nor a Multiboot kernel (no HdrS header, no Multiboot header in the first 8 KiB)" run --kernel "$FW/halt.bin"
	fails 1 "bootscope: /nonexistent.mod: No such file or directory" run --kernel "$FW/demo.elf" --module /nonexistent.mod
	# Cut inside the loaded segment: the header is still found, the segment is not whole.
	head -c 4200 "$FW/demo.elf" >"$TMP/cut.elf"
	fails 1 "bootscope: $TMP/cut.elf: truncated: ELF segment 0 needs bytes 4096-$((4096 + $(readelf -lW "$FW/demo.elf" | awk '/LOAD/ {print $5; exit}'))) of the file, which has 4200" \
		run --kernel "$TMP/cut.elf"
	# The summary is still written, saying what went wrong.
	RC=0
	"$BOOTSCOPE" run --raw "$TMP/empty.bin" --json "$J" 2>"$ERR" || RC=$?
	expect_status 1
	expect outcome "$(jqv .outcome)" error
	expect message "$(jqv .message)" "$TMP/empty.bin: empty file"
	expect "ended by" "$(jqv .ended_by_vcpu)" null
}

test_placement_errors() {
	fails 1 "bootscope: $FW/halt.bin: $(stat -c %s "$FW/halt.bin") bytes at 0x100 do not fit in conventional memory (0x500-0x9fbff); a real-mode image must lie there" \
		run --raw "$FW/halt.bin@0x100"
	fails 1 "bootscope: kernel $FW/demo.elf segment 0 at 0x100000-$(printf '0x%x' $((0x100000 + $(readelf -lW "$FW/demo.elf" | awk '/LOAD/ {print $6; exit}') - 1))) is not in guest RAM (0x0-0x9fbff and 0x100000-0xfffff with -m 1024K)" \
		run --kernel "$FW/demo.elf" -m 1M
	head -c $((1536 * 1024)) /dev/zero >"$TMP/big.mod"
	fails 1 "bootscope: $TMP/big.mod: module 1 (1572864 bytes) does not fit in guest RAM after 0x102000 (-m 2M)" \
		run --kernel "$FW/demo.elf" -m 2M --module "$TMP/big.mod"
	aout_image "$TMP/low.bin" 0 0x20
	fails 1 "bootscope: kernel $TMP/low.bin at 0x0-0x3f overlaps interrupt vector table and BIOS data area at 0x0-0x4ff" \
		run --kernel "$TMP/low.bin"
	aout_image "$TMP/entry.bin" 0x200000 0x300000
	fails 1 "bootscope: $TMP/entry.bin: Multiboot entry_addr 0x300000 is outside the loaded image 0x200000-0x20003f" \
		run --kernel "$TMP/entry.bin"
}

test_no_kvm_device() {
	RC=0
	unshare -m sh -c 'mount -t tmpfs none /dev && exec "$0" run --raw "$1"' "$BOOTSCOPE" "$FW/halt.bin" \
		>"$OUT" 2>"$ERR" || RC=$?
	expect_status 1
	expect message "$(head -1 "$ERR")" "bootscope: /dev/kvm does not exist: KVM is not available (load kvm_intel or kvm_amd, or enable virtualization)"
}

t usage_errors test_usage_errors
t file_errors test_file_errors
t placement_errors test_placement_errors
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
	t no_kvm_device test_no_kvm_device
else
	skip_all 0 "needs root and mount namespaces" no_kvm_device
fi
