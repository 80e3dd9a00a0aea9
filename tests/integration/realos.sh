#!/usr/bin/env bash
# Real operating systems from a CD, the whole way: SeaBIOS, El Torito, a boot
# loader that talks on COM1 (isolinux, GRUB 2), a kernel that pages and
# starts the other CPUs (Debian's i386 Linux), and userspace, under
# `bootscope run` and under `bootscope qemu` (QEMU+KVM) on the same KVM.
# The images come from Debian's packages (tools/make-os-images, cached in
# build/os): the study's ISOs.
source "$(dirname "$0")/../lib.sh"

IMG=$PWD/build/os
# The study's milestones: the boot loader's first line, the kernel's first,
# the hand-over to userspace, and /init's marker. They split a boot into
# BIOS, boot loader, kernel and userspace.
MARKS=(--mark loader='^(ISOLINUX |GRUB-MARKER)' --mark kernel='^\[ *[0-9.]+\] Linux version'
	--mark init='^\[ *[0-9.]+\] Run /init') # --until '^USERSPACE-MARKER' or -DONE

ms() { jqv ".milestones[] | select(.name==\"$1\") | .t_ns"; } # NAME: its time, or nothing

# Each milestone after the one before it.
expect_in_order() { # NAME...
	local prev=-1 t n
	for n in "$@"; do
		t=$(ms "$n")
		[ -n "$t" ] && [ "$t" != null ] || { echo "milestone $n not reached"; _failed=1; return 1; }
		[ "$t" -gt "$prev" ] || { echo "milestone $n at $t ns, not after $prev"; _failed=1; return 1; }
		prev=$t
	done
}

# An isolinux ISO under ENGINE to /init's last line; cpuinfo lines into OUTFILE.
isolinux_boot() { # ENGINE(run|qemu) MODEL SMP OUTFILE [ISO]
	RC=0
	"$BOOTSCOPE" "$1" --json "$J" -q --cdrom "$IMG/${5:-isolinux.iso}" --cpu "$2" --smp "$3" -m 256M "${MARKS[@]}" \
		--mark userspace='^USERSPACE-MARKER' --until '^USERSPACE-DONE' --timeout 900 >"$OUT" 2>"$ERR" || RC=$?
	expect "status of $1 --cpu $2 --smp $3" "$RC" 0 || { tr -d '\r' <"$OUT" | tail -5; return 1; }
	expect "outcome of $1" "$(jqv .outcome)" until
	text >"$TMP/guest.txt"
	expect_line "$TMP/guest.txt" "Loading /vmlinuz... ok"
	if [ "$1" = run ]; then
		# bootscope's own BIOS milestones come first, then the guest's lines.
		expect_in_order reset int19 boot-read entry loader kernel init userspace until
		expect "IDE accesses forwarded" "$(jqv '[.device_model.devices[] | select(.device | test("^ide"))] | length')" 0
	else
		expect_in_order loader kernel init userspace until
	fi
	echo "$1: loader $(($(ms loader) / 1000000)) ms, kernel $(($(ms kernel) / 1000000)) ms," \
		"init $(($(ms init) / 1000000)) ms, userspace $(($(ms userspace) / 1000000)) ms"
	cpuinfo_of "$OUT" >"$4"
	expect "processors under $1 --smp $3" "$(sed -n 's/^cpuinfo processors: //p' "$4")" "$3"
	expect_grep "$TMP/guest.txt" '^meminfo MemTotal: [0-9]+ kB$'
}

# isolinux, Debian's 686 kernel, busybox: what Linux saw of a Pentium III with
# two CPUs is the same under both engines.
test_isolinux_to_userspace() {
	require_paging
	isolinux_boot run pentium3 2 "$TMP/run.txt" || return 1
	isolinux_boot qemu pentium3 2 "$TMP/qemu.txt" || return 1
	expect_same_cpuinfo pentium3 "$TMP/qemu.txt" "$TMP/run.txt"
	expect "model name" "$(sed -n 's/^cpuinfo model name: //p' "$TMP/run.txt")" "Pentium III (Katmai)"
}

# The same Linux on the VGA screen only, as a PC boots it: isolinux's "boot:"
# prompt answered with a key, then console=tty0 (vgacon scrolling by the CRTC
# start address). Both engines reach userspace on the screen, and what /init
# printed there about the CPU, read off the screen, is the same.
test_isolinux_tty0_screen() {
	require_paging
	tty0_boots isolinux-tty0.iso pentium3 &&
		expect_grep "$TMP/run.screen" '^cpuinfo model name: Pentium III \(Katmai\)$'
}

# The same on the study's own kernel (tools/build-486-kernel) on a 486.
test_486_kernel_tty0_screen() {
	require_paging
	tty0_boots isolinux-486-tty0.iso 486 &&
		expect "family on the screen" "$(sed -n 's/^cpuinfo cpu family: //p' "$TMP/run.screen")" 4
}

tty0_boots() { # ISO CPU: both engines to userspace on the screen, the same cpuinfo there
	local e iso=$1 cpu=$2
	for e in run qemu; do
		RC=0
		"$BOOTSCOPE" "$e" --json "$TMP/$e.json" -q --cdrom "$IMG/$iso" --cpu "$cpu" -m 256M \
			--type 'boot:=<enter>' --mark loader='^ISOLINUX ' --mark userspace='^USERSPACE-MARKER' \
			--until '^USERSPACE-DONE' --screen "$TMP/$e.log" --timeout 900 >"$OUT" 2>"$ERR" || RC=$?
		expect "status of $e" "$RC" 0 || { tail -5 "$ERR"; return 1; }
		J=$TMP/$e.json
		expect "consoles under $e" "$(jqv '[.milestones[] | select(.name | test("^(loader|type1|userspace|until)$")) | "\(.name):\(.console)"] | join(",")')" \
			"loader:screen,type1:screen,userspace:screen,until:screen"
		expect "keys under $e" "$(jqv '[.typing.presses[].key] | join(",")')" "<enter>"
		# /init's cpuinfo lines as the screen showed them: a line longer than 80 columns
		# wraps onto the next row, which is joined back (it is no line of its own).
		sed -E 's/^ *[0-9]+\.[0-9]{3} ms  //' "$TMP/$e.log" |
			awk '/^(cpuinfo|meminfo|USERSPACE|\[ )/ { if (l != "") print l; l = $0; next } { l = l $0 } END { print l }' |
			grep '^cpuinfo ' >"$TMP/$e.screen"
		expect_grep "$TMP/$e.screen" '^cpuinfo flags: fpu '
		echo "$iso under $e: userspace on the screen at $(($(jqv '.milestones[] | select(.name == "userspace") | .t_ns') / 1000000)) ms"
	done
	expect_same_cpuinfo "$cpu" "$TMP/qemu.screen" "$TMP/run.screen"
}

# The kernel built for the 486 (tools/build-486-kernel) on a 486 with two CPUs:
# the same cpuinfo under both engines, without the flags a 486 lacks. QEMU
# gives its 486 an APIC when there is more than one CPU, and so does bootscope.
test_486_kernel_to_userspace() {
	require_paging
	isolinux_boot run 486 2 "$TMP/run.txt" isolinux-486.iso || return 1
	isolinux_boot qemu 486 2 "$TMP/qemu.txt" isolinux-486.iso || return 1
	expect_same_cpuinfo 486 "$TMP/qemu.txt" "$TMP/run.txt"
	expect "family, model" "$(sed -n 's/^cpuinfo \(cpu family\|model\): //p' "$TMP/run.txt" | paste -sd' ')" "4 8"
	local flags=" $(sed -n 's/^cpuinfo flags: //p' "$TMP/run.txt") "
	for f in cmov pae sse tsc; do
		[[ $flags != *" $f "* ]] || { echo "a 486 with flag $f:$flags"; _failed=1; }
	done
	[[ $flags == *" apic "* ]] || { echo "no APIC on a 486 with 2 CPUs:$flags"; _failed=1; }
	# One CPU: no APIC, as under QEMU.
	isolinux_boot run 486 1 "$TMP/run1.txt" isolinux-486.iso || return 1
	flags=" $(sed -n 's/^cpuinfo flags: //p' "$TMP/run1.txt") "
	[[ $flags != *" apic "* ]] || { echo "an APIC on a 486 with 1 CPU:$flags"; _failed=1; }
}

# The study's other rows: the same kernel sees the same CPUs under both engines.
cpuinfo_matches_qemu() { # MODEL SMP
	require_paging
	isolinux_boot run "$1" "$2" "$TMP/run.txt" isolinux-486.iso || return 1
	isolinux_boot qemu "$1" "$2" "$TMP/qemu.txt" isolinux-486.iso || return 1
	expect_same_cpuinfo "$1" "$TMP/qemu.txt" "$TMP/run.txt"
}
test_pentium_smp4_cpuinfo() { cpuinfo_matches_qemu pentium 4; }
test_athlon_cpuinfo() { cpuinfo_matches_qemu athlon 1; }

# MINIX 3's shape: GRUB 2 loads a Multiboot kernel and 12 modules from the CD;
# the kernel checks where each landed and sums it. The --until pattern runs to
# the end of the kernel's last line: an unfinished line is matched as it
# stands, and the run ends at once.
minix_boot() { # ENGINE
	RC=0
	"$BOOTSCOPE" "$1" --json "$J" -q --cdrom "$IMG/minix.iso" -m 64M --mark loader='^GRUB-MARKER' \
		--until '^modules: [0-9]+ checked, [0-9]+ bad' --timeout 600 >"$OUT" 2>"$ERR" || RC=$?
	expect "status of $1" "$RC" 0 || { tr -d '\r' <"$OUT" | tail -5; return 1; }
	text >"$TMP/guest.txt"
	expect_line "$TMP/guest.txt" "modules: 12 checked, 0 bad"
	expect_line "$TMP/guest.txt" "memory: mem_lower and mem_upper agree with the map"
	local i=1 f sum
	for f in "$IMG"/mod[0-9][0-9]_*; do
		sum=$(od -An -v -tu1 "$f" | tr -s ' ' '\n' | awk '{s += $1} END {printf "%08x", s}')
		expect_grep "$TMP/guest.txt" "^module $i [0-9a-f]{5}000-[0-9a-f]{8} sum $sum string $(basename "$f")\$"
		i=$((i + 1))
	done
	expect "modules" "$((i - 1))" 12
}

test_minix_shaped_grub_iso() {
	minix_boot run || return 1
	expect_in_order reset int19 boot-read entry loader until
	minix_boot qemu
}

# memtest86+ 6.10 from GRUB (linux16), its console on COM1, under both
# engines, up to its bit-fade test (which then waits 80 s of real time per
# pattern). It draws its screen with cursor moves; each ends a line for the
# patterns. Between steps it polls the keyboard controller's status, which
# bootscope answers itself while nothing else reaches the QEMU child
# (pc/kbc.c). `--cpu pentium`, a model without PAE, so memtest86+ runs
# without paging: in the test VM, the outer QEMU's TCG sets the accessed bit
# in legacy-PAE PDPTEs, and when memtest86+ relocates itself and turns paging
# on again, the inner KVM finds that reserved bit and raises #GP, under
# either engine (docs/test-vm.md).
memtest_boot() { # ENGINE
	RC=0
	"$BOOTSCOPE" "$1" --json "$J" -q --cdrom "$IMG/memtest.iso" --cpu pentium -m 32M --mark loader='^GRUB-MARKER' \
		--mark memtest='Memtest86\+ v6\.10' --mark test0='^ #0  \[Address test' \
		--until '^ #10 \[Bit fade test' --timeout 400 >"$OUT" 2>"$ERR" || RC=$?
	expect "status of $1" "$RC" 0 || { cat "$ERR"; return 1; }
	expect "outcome of $1" "$(jqv .outcome)" until
	# Not test0: memtest86+ redraws only what changed on its serial screen, and
	# once in four QEMU+KVM boots its first test's name did not come as one piece.
	expect_in_order loader memtest until
	# Its status line, "Errors: 0", never counts one.
	sed 's/\x1b\[[0-9;]*[Hf]/\n/g; s/\x1b\[[0-9;?]*[A-Za-z]//g' "$OUT" | tr -d '\r' >"$TMP/screen-$1.txt"
	if grep -aE 'Errors: +[1-9]' "$TMP/screen-$1.txt"; then
		echo "memtest86+ found errors under $1"
		_failed=1
	fi
	# The processor it names, from CPUID, for the other engine to compare.
	grep -aom1 'Memtest86+ v6\.10 *| [A-Za-z0-9 -]*[A-Za-z0-9]' "$TMP/screen-$1.txt" >"$TMP/memtest-cpu-$1" ||
		{ echo "no processor name on memtest86+'s screen under $1"; _failed=1; }
	echo "$1: memtest $(($(ms memtest) / 1000000)) ms, test 0 $(ms test0) ns, bit fade $(($(ms until) / 1000000)) ms"
}

# One test per engine: each stays well inside the test VM's quiet watchdog.
test_memtest_to_bit_fade() {
	require_paging
	memtest_boot run || return 1
	expect_in_order reset int19 boot-read entry loader memtest
	expect "processor memtest86+ names" "$(cat "$TMP/memtest-cpu-run")" "Memtest86+ v6.10      | Pentium-MMX"
	local kept fwd
	kept=$(jqv .device_model.kbc_status_kept)
	fwd=$(jqv '.device_model.devices[] | select(.device == "kbc") | .accesses')
	echo "KBC status reads answered here $kept, KBC accesses forwarded $fwd"
	[ "$kept" -gt "$fwd" ] || { echo "the KBC status was forwarded: kept $kept, forwarded $fwd"; _failed=1; }
}
test_memtest_to_bit_fade_under_qemu() {
	require_paging
	memtest_boot qemu || return 1
	# The same family and model, so the same name, as under bootscope.
	expect "processor memtest86+ names under qemu" "$(cat "$TMP/memtest-cpu-qemu")" \
		"$(cat "$TMP/memtest-cpu-run" 2>/dev/null || echo "Memtest86+ v6.10      | Pentium-MMX")"
}

# memtest86+ as Debian ships it, on the VGA screen only: its banner and its
# first test are screen milestones under both engines, and no error shows.
test_memtest_on_the_screen() {
	require_paging
	local e
	for e in run qemu; do
		RC=0
		"$BOOTSCOPE" "$e" --json "$J" -q --cdrom "$IMG/memtest-screen.iso" --cpu pentium -m 32M \
			--mark banner='Memtest86\+ v6\.10' --until '\[Address test' --screen "$TMP/$e.log" --timeout 400 \
			>"$OUT" 2>"$ERR" || RC=$?
		expect "status of $e" "$RC" 0 || { tail -3 "$ERR"; return 1; }
		expect "consoles under $e" "$(jqv '[.milestones[] | select(.name == "banner" or .name == "until") | "\(.name):\(.console)"] | join(",")')" \
			"banner:screen,until:screen"
		expect "errors under $e" "$(grep -cE 'Errors: +[1-9]' "$TMP/$e.log")" 0
		echo "$e: banner $(($(jqv '.milestones[] | select(.name == "banner") | .t_ns') / 1000000)) ms, test 0 $(($(jqv '.milestones[] | select(.name == "until") | .t_ns') / 1000000)) ms"
	done
}

# The study's command on the isolinux ISO, two cells: one boot per engine,
# then the phase table with a bootscope/QEMU ratio for each phase.
test_isolinux_matrix() {
	require_paging
	local res=$TMP/study.jsonl
	RC=0
	"$BOOTSCOPE" matrix --cpus athlon --smp 1 --samples 1 --engines kvm,qemu --out "$res" \
		--cdrom "$IMG/isolinux.iso" -m 256M "${MARKS[@]}" --until '^USERSPACE-MARKER' --timeout 900 \
		>"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 0
	expect "cells" "$(grep -vc bootscope_matrix "$res")" 2
	expect "outcomes" "$(jq -r 'select(.engine) | .outcome' "$res" | sort -u)" until
	RC=0
	"$BOOTSCOPE" matrix-report "$res" --phases-csv "$TMP/phases.csv" --svg "$TMP/phases.svg" --chart phases \
		>"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect "phases" "$(grep '^phase ' "$OUT" | cut -d' ' -f2)" "$(printf '%s\n' launch..first-output \
		first-output..loader loader..kernel kernel..init init..until)"
	expect "phase rows with a ratio" "$(sed -n '/^Phases:/,$p' "$OUT" | grep -cE '^  athlon +1  [0-9.]+ \[[0-9.-]+\] 1 +[0-9.]+ \[[0-9.-]+\] 1 +[0-9]+\.[0-9]{3}$')" 5
	# Each engine's phases add up to its until from launch.
	local e want got
	for e in kvm qemu; do
		want=$(jq -r "select(.engine==\"$e\") | (.milestones_ns.until + .setup_ns) / 1e6" "$res")
		got=$(awk -F, -v e=$e '!/^#/ && $3 == e { s += $9 } END { printf "%.3f", s }' "$TMP/phases.csv")
		awk -v a="$want" -v b="$got" 'BEGIN { exit !(a - b < 0.01 && b - a < 0.01) }' ||
			{ echo "$e: phases add up to $got ms, until is $want ms"; _failed=1; }
	done
	xmllint --noout "$TMP/phases.svg"
}

# Here too in the host's part: the test VM has no network.
if ! tools/make-os-images "$IMG" >"$TMP/images.log" 2>&1; then
	echo "not ok 1 - building the real-OS images from Debian's packages"
	sed 's/^/# /' "$TMP/images.log"
	exit 1
fi
tk minix_shaped_grub_iso test_minix_shaped_grub_iso
tk isolinux_to_userspace test_isolinux_to_userspace
tk isolinux_tty0_screen test_isolinux_tty0_screen
tk 486_kernel_tty0_screen test_486_kernel_tty0_screen
tk memtest_on_the_screen test_memtest_on_the_screen
tk 486_kernel_to_userspace test_486_kernel_to_userspace
tk pentium_smp4_cpuinfo test_pentium_smp4_cpuinfo
tk athlon_cpuinfo test_athlon_cpuinfo
tk isolinux_matrix test_isolinux_matrix
tk memtest_to_bit_fade test_memtest_to_bit_fade
tk memtest_to_bit_fade_under_qemu test_memtest_to_bit_fade_under_qemu
