#!/usr/bin/env bash
# tools/layers, the check that vmm/'s calls only go down its layers: the real
# build passes it, and trees of tiny objects built here break it each way.
source "$(dirname "$0")/../lib.sh"

LAYERS="lib core cpu devices boot tracing pc studies cli"

# obj LAYER/NAME 'C SOURCE': one object in the fake tree $TMP/o (each test starts a new one).
obj() {
	mkdir -p "$TMP/o/${1%/*}"
	printf '%s\n' "$2" >"$TMP/src.c"
	cc -c -o "$TMP/o/$1.o" "$TMP/src.c"
}
layers() { RC=0; tools/layers "$TMP/o" $LAYERS >"$OUT" 2>&1 || RC=$?; }

test_the_build_passes() {
	RC=0
	tools/layers --sources vmm include build/vmm $LAYERS >"$OUT" 2>&1 || RC=$?
	expect_status 0
	expect_grep "$OUT" "^layers: $(find build/vmm -name '*.o' | wc -l) files in 9 layers \\($LAYERS\\), [0-9]+ calls between files and their includes, all downward"
	# Every source file is in a layer folder, and the Makefile builds them all.
	expect "sources outside the layers" "$(find vmm -maxdepth 1 -type f | wc -l)" 0
	expect "layer folders" "$(find vmm -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | tr '\n' ' ')" \
		"$(tr ' ' '\n' <<<"$LAYERS" | sort | tr '\n' ' ')"
}

test_upward_call_fails() {
	rm -rf "$TMP/o"
	obj lib/util 'int util__x(void) { return 1; }'
	obj core/run 'int summary__write(void); int run__x(void) { return summary__write(); }'
	obj tracing/summary 'int util__x(void); int summary__write(void) { return util__x(); }'
	layers
	expect_status 1
	expect "message" "$(cat "$OUT")" "layers: core/run uses summary__write from tracing/summary: core is below tracing"
}

test_cycle_fails() {
	rm -rf "$TMP/o"
	obj devices/uart 'int cmos__a(void); int uart__a(void) { return cmos__a(); }'
	obj devices/cmos 'int post__a(void); int cmos__a(void) { return post__a(); }'
	obj devices/post 'int uart__a(void); int post__a(void) { return uart__a(); }'
	layers
	expect_status 1
	expect_grep "$OUT" '^layers: a cycle among devices/(cmos|post|uart) devices/(cmos|post|uart) devices/(cmos|post|uart): '
	expect_grep "$OUT" 'devices/uart -> devices/cmos \(cmos__a\)'
	expect_grep "$OUT" 'devices/post -> devices/uart \(uart__a\)'
}

test_the_ide_files_may_cycle() {
	rm -rf "$TMP/o"
	obj devices/ide 'int atapi__a(void); int ide__a(void) { return atapi__a(); }'
	obj devices/atapi 'int ide_bmdma__a(void); int atapi__a(void) { return ide_bmdma__a(); }'
	obj devices/ide_bmdma 'int ide__a(void); int ide_bmdma__a(void) { return ide__a(); }'
	layers
	expect_status 0
	# The two groups stay apart: a loop through both is still a loop.
	obj pc/pam 'int ide__a(void); int pam__a(void) { return ide__a(); }'
	obj devices/atapi 'int pam__a(void); int atapi__a(void) { return pam__a(); }'
	layers
	expect_status 1
}

test_the_pc_trio_may_cycle() {
	rm -rf "$TMP/o"
	obj pc/pam 'int delegate__a(void); int pam__a(void) { return delegate__a(); }'
	obj pc/delegate 'int reset__a(void); int delegate__a(void) { return reset__a(); }'
	obj pc/reset 'int pam__a(void); int reset__a(void) { return pam__a(); }'
	layers
	expect_status 0
	# ... but nothing else may join it.
	obj pc/qtest 'int pam__a(void); int qtest__a(void) { return pam__a(); }'
	obj pc/delegate 'int reset__a(void); int qtest__a(void); int delegate__a(void) { return reset__a() + qtest__a(); }'
	layers
	expect_status 1
	expect_grep "$OUT" '^layers: a cycle among (pc/qtest pc/\{pam,delegate,reset\}|pc/\{pam,delegate,reset\} pc/qtest): '
	expect_grep "$OUT" 'pc/qtest -> pc/\{pam,delegate,reset\} \(pam__a\)'
}

test_stray_object_fails() {
	rm -rf "$TMP/o"
	obj lib/util 'int util__x(void) { return 1; }'
	obj gui/window 'int window__x(void) { return 2; }'
	layers
	expect_status 1
	expect "message" "$(cat "$OUT")" "layers: $TMP/o/gui/window.o is not in a layer folder ($LAYERS)"
}

# A call can go down while a header reaches up; the include is named.
test_upward_include_fails() {
	rm -rf "$TMP/o" "$TMP/src" "$TMP/inc"
	obj core/run 'int run__x(void) { return 0; }'
	mkdir -p "$TMP/src/core" "$TMP/inc/core" "$TMP/inc/pc"
	printf '#include "lib/util.h"\n#include "pc/pc.h"\n' >"$TMP/src/core/run.c"
	printf '#include "core/run.h"\n' >"$TMP/inc/pc/pc.h"
	printf '#  include "tracing/summary.h" /* why */\n' >"$TMP/inc/core/run.h"
	RC=0
	tools/layers --sources "$TMP/src" "$TMP/inc" "$TMP/o" $LAYERS >"$OUT" 2>&1 || RC=$?
	expect_status 1
	expect "messages" "$(cat "$OUT")" "layers: $TMP/src/core/run.c includes pc/pc.h: core is below pc
layers: $TMP/inc/core/run.h includes tracing/summary.h: core is below tracing"
}

test_usage() {
	RC=0
	tools/layers "$TMP/none" lib >"$OUT" 2>&1 || RC=$?
	expect_status 2
	expect "message" "$(cat "$OUT")" "layers: $TMP/none: no such directory (build first)"
}

t the_build_passes test_the_build_passes
t upward_call_fails test_upward_call_fails
t cycle_fails test_cycle_fails
t the_pc_trio_may_cycle test_the_pc_trio_may_cycle
t the_ide_files_may_cycle test_the_ide_files_may_cycle
t stray_object_fails test_stray_object_fails
t upward_include_fails test_upward_include_fails
t usage test_usage
