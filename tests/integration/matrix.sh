#!/usr/bin/env bash
# `bootscope matrix` and `matrix-report`: cells appended as they finish,
# resumed after a kill without repeats, shards merged, tables, CSV and SVG.
source "$(dirname "$0")/../lib.sh"

DEMO=(--kernel "$FW/demo.elf" --append "console=ttyS0 demo" --mark memory='^memory:' --until '^demo: done')
RES=$TMP/results.jsonl

cells() { grep -vc bootscope_matrix "$1"; }
keys() { jq -r 'select(.engine) | "\(.engine) \(.cpu) \(.smp) \(.sample)"' "$1"; }

# The issue's small matrix, both engines; killed after its first cells and run again.
test_matrix_killed_and_resumed() {
	local pid first
	rm -f "$RES"
	"$BOOTSCOPE" matrix --cpus 486,pentium2 --smp 1,2 --samples 2 --engines kvm,qemu --out "$RES" "${DEMO[@]}" \
		>"$OUT" 2>"$ERR" </dev/null &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		[ -f "$RES" ] && [ "$(cells "$RES")" -ge 3 ] && break
		sleep 0.1
	done
	kill -INT "$pid"
	RC=0
	wait "$pid" || RC=$?
	expect_status 130
	expect_grep "$ERR" "^matrix: interrupted by SIGINT: [0-9]+ of 16 cells done; run the same command again to finish$"
	first=$(cells "$RES")
	[ "$first" -ge 3 ] && [ "$first" -lt 16 ] || { echo "$first cells before the kill"; return 1; }
	head -n "$((first + 1))" "$RES" >"$TMP/before"
	RC=0
	"$BOOTSCOPE" matrix --cpus 486,pentium2 --smp 1,2 --samples 2 --engines kvm,qemu --out "$RES" "${DEMO[@]}" \
		>"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 0
	expect_line "$ERR" "matrix: 16 cells, $((16 - first)) of them in shard 1/1 still to run, into $RES"
	expect_grep "$ERR" "^matrix: done, $((16 - first)) cells run, none failed; "
	# Every cell carries its host's kind and timing note, as the boot's own summary said them.
	expect "hosts" "$(jq -r 'select(.engine) | .host' "$RES" | sort -u | wc -l)" 1
	expect "failed" "$(jq -r 'select(.engine) | .failed' "$RES" | sort -u)" false
	expect "cells" "$(cells "$RES")" 16
	expect "distinct cells" "$(keys "$RES" | sort -u | wc -l)" 16
	expect "finished cells kept as they were" "$(head -n "$((first + 1))" "$RES")" "$(cat "$TMP/before")"
	expect "outcomes" "$(jq -r 'select(.engine) | .outcome' "$RES" | sort -u)" until
	expect "progress lines" "$(grep -cE '^matrix: [0-9]+/[0-9]+ (kvm|qemu) (486|pentium2) smp=[12] sample=[12] until \(elapsed' "$ERR")" \
		"$((16 - first))"
	# The report: one row per CPU and SMP count, the medians as the cells say.
	RC=0
	"$BOOTSCOPE" matrix-report "$RES" --csv "$TMP/r.csv" --svg "$TMP/r.svg" >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect_grep "$OUT" '^16 cells from 1 file, boot options \["--kernel",'
	# The caveat of this KVM (a KVM under TCG in the test VM, kvm_pvm, ...), as the cells carry it.
	local note
	note=$(jq -r 'select(.engine == "kvm") | .timing_note' "$RES" | head -1)
	if [ -n "$note" ]; then expect_line "$OUT" "times: $note"; fi
	# Two clocks: from launch and from the first guest output, each with bootscope/QEMU.
	expect_grep "$OUT" '^until, from launch \(ms\): median \[min-max\] samples; kvm/qemu is bootscope.s median over QEMU.s$'
	expect_grep "$OUT" '^until, from the first guest output \(ms\): median \[min-max\] samples; kvm/qemu is bootscope.s median over QEMU.s$'
	expect "until rows" "$(sed -n '/^until, from launch (ms)/,/^$/p' "$OUT" | grep -cE '^  (486|pentium2) +[12]  [0-9.]+ \[[0-9.]+-[0-9.]+\] 2 +[0-9.]+ \[[0-9.]+-[0-9.]+\] 2 +[0-9.]+$')" 4
	local head
	head=$(grep -v '^#' "$TMP/r.csv" | head -1)
	expect "CSV header" "$head" "cpu,smp,engine,milestone,clock,samples,not_reached,median_ms,min_ms,max_ms"
	local want
	want=$(jq -s '[.[] | select(.engine=="kvm" and .cpu=="486" and .smp==1) | (.milestones_ns.until + .setup_ns) / 1e6] | add / 2' "$RES")
	expect "kvm 486 smp 1 until median from launch" "$(grep '^486,1,kvm,until,launch,' "$TMP/r.csv" | cut -d, -f8)" "$(printf '%.3f' "$want")"
	want=$(jq -s '[.[] | select(.engine=="qemu" and .cpu=="486" and .smp==1) | (.milestones_ns.until - .milestones_ns["first-output"]) / 1e6] | add / 2' "$RES")
	expect "qemu 486 smp 1 until median from the first output" "$(grep '^486,1,qemu,until,first-output,' "$TMP/r.csv" | cut -d, -f8)" "$(printf '%.3f' "$want")"
	expect "qemu never reaches entry" "$(grep -c '^[a-z0-9]*,[12],qemu,entry,[a-z-]*,0,2,,,$' "$TMP/r.csv")" 8
	xmllint --noout "$TMP/r.svg"
	expect "SVG points" "$(grep -c '<circle' "$TMP/r.svg")" 8
}

# Two cells at a time: the same cells, each once. This and the tests after it
# use QEMU's software emulation (qemu-tcg), which needs no KVM.
test_jobs() {
	RC=0
	"$BOOTSCOPE" matrix --cpus 486,pentium,pentium2 --smp 1,2 --jobs 2 --engines qemu-tcg --out "$TMP/jobs.jsonl" "${DEMO[@]}" \
		>"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 0
	expect "cells" "$(cells "$TMP/jobs.jsonl")" 6
	expect "distinct cells" "$(keys "$TMP/jobs.jsonl" | sort -u | wc -l)" 6
	expect "outcomes" "$(jq -r 'select(.engine) | .outcome' "$TMP/jobs.jsonl" | sort -u)" until
}

# Shards split the cells between them; the report merges them.
test_shards_merge() {
	local s
	for s in 1 2; do
		RC=0
		"$BOOTSCOPE" matrix --cpus 486,pentium,pentium2 --smp 1 --samples 2 --shard "$s/2" --engines qemu-tcg --out "$TMP/shard$s.jsonl" \
			"${DEMO[@]}" >"$OUT" 2>"$ERR" </dev/null || RC=$?
		expect_status 0
	done
	expect "shard 1" "$(cells "$TMP/shard1.jsonl")" 3
	expect "shard 2" "$(cells "$TMP/shard2.jsonl")" 3
	expect "disjoint" "$(cat <(keys "$TMP/shard1.jsonl") <(keys "$TMP/shard2.jsonl") | sort -u | wc -l)" 6
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/shard1.jsonl" "$TMP/shard2.jsonl" "$TMP/shard1.jsonl" >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect_grep "$OUT" '^6 cells from 3 files, .* \(duplicates counted once\)$'
}

# A cell that fails is recorded with what ended it, and the matrix goes on; it
# exits 1 and counts the failures. Run again, failed cells run again (and count
# as their later line in the report), unless --keep-failed.
test_failed_cell_recorded() {
	RC=0
	"$BOOTSCOPE" matrix --cpus 486,pentium --out "$TMP/fail.jsonl" --raw "$FW/triple.bin" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 1
	expect "outcomes" "$(jq -r 'select(.engine) | .outcome' "$TMP/fail.jsonl" | sort -u)" shutdown
	expect "failed" "$(jq -r 'select(.engine) | .failed' "$TMP/fail.jsonl" | sort -u)" true
	expect "cells" "$(cells "$TMP/fail.jsonl")" 2
	expect_grep "$ERR" '^matrix: done, 2 cells run; 2 of the 2 cells failed \(kvm 486 smp 1 #1: shutdown: vCPU 0 shut down \(triple fault\)'
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/fail.jsonl" >"$OUT" 2>"$ERR" || RC=$?
	expect "failed lines" "$(grep -c '^failed: kvm \(486\|pentium\) smp 1 sample 1: shutdown: vCPU 0 shut down (triple fault)' "$OUT")" 2
	# Kept: nothing runs, and it still says they failed.
	RC=0
	"$BOOTSCOPE" matrix --cpus 486,pentium --out "$TMP/fail.jsonl" --raw "$FW/triple.bin" --keep-failed >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 1
	expect_line "$ERR" "matrix: 2 cells, 0 of them in shard 1/1 still to run, into $TMP/fail.jsonl"
	expect "cells" "$(cells "$TMP/fail.jsonl")" 2
	# Retried by default: both run again.
	RC=0
	"$BOOTSCOPE" matrix --cpus 486,pentium --out "$TMP/fail.jsonl" --raw "$FW/triple.bin" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 1
	expect_line "$ERR" "matrix: 2 cells, 2 of them in shard 1/1 still to run, into $TMP/fail.jsonl"
	expect "cells" "$(cells "$TMP/fail.jsonl")" 4
}

# A typo in the image's name is a usage error before any cell runs, and no file is made.
test_missing_image() {
	RC=0
	"$BOOTSCOPE" matrix --cpus 486,pentium,pentium2,pentium3,athlon --smp 1,2,4,8 --samples 3 --engines kvm,qemu \
		--out "$TMP/s.jsonl" --cdrom "$TMP/minx.iso" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: matrix: --cdrom $TMP/minx.iso: No such file or directory"
	[ ! -e "$TMP/s.jsonl" ] || { echo "a results file was made"; return 1; }
	RC=0
	"$BOOTSCOPE" matrix --cpus 486 --out "$TMP/s.jsonl" --kernel "$FW/modules.bin" --initrd "$FW/demo.elf a,$TMP/nosuch b" \
		>"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: matrix: --initrd $TMP/nosuch: No such file or directory"
}

# A study as shards on a job runner people use (GNU parallel): the merged shards
# hold exactly the cells of one unsharded run.
test_shards_under_parallel() {
	local args=(--cpus 486,pentium,pentium2 --smp 1,2 --engines qemu-tcg "${DEMO[@]}")
	RC=0
	parallel --will-cite --halt now,fail=1 -j 2 \
		"$BOOTSCOPE" matrix --shard {}/3 --out "$TMP/par{}.jsonl" "${args[@]@Q}" ::: 1 2 3 \
		>"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 0
	RC=0
	"$BOOTSCOPE" matrix --out "$TMP/whole.jsonl" "${args[@]}" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 0
	expect "cells" "$(cat <(keys "$TMP/par1.jsonl") <(keys "$TMP/par2.jsonl") <(keys "$TMP/par3.jsonl") | sort)" \
		"$(keys "$TMP/whole.jsonl" | sort)"
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/par1.jsonl" "$TMP/par2.jsonl" "$TMP/par3.jsonl" --csv "$TMP/par.csv" >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect_grep "$OUT" '^6 cells from 3 files, '
	# The caveat: in the text, as the CSV's first line, under the chart.
	expect_line "$OUT" "times: QEMU's software emulation (TCG): not hardware timings"
	expect "CSV note" "$(head -1 "$TMP/par.csv")" "# times: QEMU's software emulation (TCG): not hardware timings"
	"$BOOTSCOPE" matrix-report "$TMP/par1.jsonl" --svg "$TMP/par.svg" >/dev/null
	expect_grep "$TMP/par.svg" "QEMU&apos;s software emulation \(TCG\): not hardware timings"
}

# Results from different kinds of host are refused together; an unknown
# --milestone, and a chart with no until, are usage errors before any output.
test_report_refusals() {
	local line='{"engine":"kvm","cpu":"486","smp":1,"sample":%d,"outcome":"until","exit_status":0,"wall_ns":1,"milestones_ns":{"first-output":1000000,"loader":%d},"setup_ns":0,"exits":1,"last_line":"x","failed":false,"host":"%s","timing_note":""}\n'
	{ echo '{"bootscope_matrix": 1, "boot": ["--cdrom", "x.iso"]}'; printf "$line" 1 2000000 kvm_pvm; printf "$line" 2 3000000 "kvm_amd under TCG"; } >"$TMP/mixed.jsonl"
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/mixed.jsonl" >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: matrix-report: these cells were measured on different kinds of host (kvm_pvm, kvm_amd under TCG), whose times cannot be compared; report each kind's files on their own"
	expect "nothing printed" "$(wc -c <"$OUT")" 0
	sed -i 's/kvm_amd under TCG/kvm_pvm/' "$TMP/mixed.jsonl"
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/mixed.jsonl" --milestone nosuch >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: matrix-report: --milestone 'nosuch': no cell reached it; the milestones reached are first-output, loader"
	expect "nothing printed" "$(wc -c <"$OUT")" 0
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/mixed.jsonl" --svg "$TMP/m.svg" >"$OUT" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: matrix-report: the chart's milestone, by default 'until': no cell reached it; the milestones reached are first-output, loader (choose one with --milestone)"
	# The y axis in round steps with the decimals they need (1 to 3 ms here).
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/mixed.jsonl" --svg "$TMP/m.svg" --milestone loader >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect "y labels" "$(grep -o 'text-anchor="end">[^<]*' "$TMP/m.svg" | cut -d'>' -f2 | paste -sd' ')" "0 1 2 3"
}

# Phases, from a results file written here: two engines that reach different
# milestones (int19 only under kvm) and a QEMU cell that timed out.
test_phase_report() {
	{
		echo '{"bootscope_matrix": 1, "boot": ["--cdrom", "x.iso"]}'
		cell() { # ENGINE SAMPLE OUTCOME MILESTONES_JSON
			printf '{"engine":"%s","cpu":"pentium2","smp":1,"sample":%d,"outcome":"%s","exit_status":%d,"wall_ns":1,"milestones_ns":%s,"setup_ns":0,"exits":null,"last_line":"x"}\n' \
				"$1" "$2" "$3" "$([ "$3" = until ] && echo 0 || echo 3)" "$4"
		}
		cell kvm 1 until '{"first-output":1000000,"int19":2000000,"loader":10000000,"kernel":30000000,"until":70000000}'
		cell qemu 1 until '{"first-output":50000000,"loader":80000000,"kernel":100000000,"until":180000000}'
		cell kvm 2 until '{"first-output":3000000,"int19":4000000,"loader":12000000,"kernel":36000000,"until":80000000}'
		cell qemu 2 timeout '{"first-output":60000000,"loader":90000000}'
	} >"$TMP/ph.jsonl"
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/ph.jsonl" --phases-csv "$TMP/ph.csv" --svg "$TMP/ph.svg" --chart phases \
		>"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	# int19 is kvm's alone, so it is no phase boundary; the phases run in boot order.
	expect "phase tables" "$(grep '^phase ' "$OUT")" "$(printf '%s\n' \
		'phase launch..first-output (ms): median [min-max] samples' \
		'phase first-output..loader (ms): median [min-max] samples' \
		'phase loader..kernel (ms): median [min-max] samples' \
		'phase kernel..until (ms): median [min-max] samples')"
	expect_line "$OUT" "  pentium2      1  9.0 [9.0-9.0] 2                   30.0 [30.0-30.0] 2                0.300"
	expect_line "$OUT" "  pentium2      1  22.0 [20.0-24.0] 2                20.0 [20.0-20.0] 1 +not reached   1.100"
	expect "CSV" "$(cat "$TMP/ph.csv")" "$(printf '%s\n' \
		cpu,smp,engine,phase,from,to,samples,not_reached,median_ms,min_ms,max_ms \
		pentium2,1,kvm,1,launch,first-output,2,0,2.000,1.000,3.000 \
		pentium2,1,kvm,2,first-output,loader,2,0,9.000,9.000,9.000 \
		pentium2,1,kvm,3,loader,kernel,2,0,22.000,20.000,24.000 \
		pentium2,1,kvm,4,kernel,until,2,0,42.000,40.000,44.000 \
		pentium2,1,qemu,1,launch,first-output,2,0,55.000,50.000,60.000 \
		pentium2,1,qemu,2,first-output,loader,2,0,30.000,30.000,30.000 \
		pentium2,1,qemu,3,loader,kernel,1,1,20.000,20.000,20.000 \
		pentium2,1,qemu,4,kernel,until,1,1,80.000,80.000,80.000)"
	xmllint --noout "$TMP/ph.svg"
	# A segment per phase and engine the cells completed: 4 for kvm, 4 for qemu.
	expect "SVG segments" "$(grep -c '<rect x="[0-9]*" y="[0-9]*" width="16"' "$TMP/ph.svg")" 8
	expect_grep "$TMP/ph.svg" '<title>qemu pentium2 smp 1, kernel\.\.until: median 80\.0 ms, 1 samples</title>'
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/ph.jsonl" --chart gantt 2>"$ERR" >/dev/null || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: matrix-report: --chart 'gantt': give milestone or phases"
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/ph.jsonl" --phases-csv "$TMP/no/such/dir.csv" 2>"$ERR" >/dev/null || RC=$?
	expect_status 1
	expect message "$(head -1 "$ERR")" "bootscope: matrix-report: --phases-csv $TMP/no/such/dir.csv: No such file or directory"
}

test_bad_matrix_input() {
	RC=0
	"$BOOTSCOPE" matrix --cpus 486 "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: matrix: give --cpus LIST and --out FILE"
	RC=0
	"$BOOTSCOPE" matrix --cpus 486,i7 --out "$TMP/x" "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect_grep "$ERR" "^bootscope: --cpus: unknown CPU model 'i7'"
	RC=0
	"$BOOTSCOPE" matrix --cpus 486 --engines kvm,xen --out "$TMP/x" "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --engines: 'xen' is not kvm, qemu or qemu-tcg"
	RC=0
	"$BOOTSCOPE" matrix --cpus 486,486 --out "$TMP/x" "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --cpus: '486' is given twice"
	RC=0
	"$BOOTSCOPE" matrix --cpus 486 --shard 3/2 --out "$TMP/x" "${DEMO[@]}" 2>"$ERR" || RC=$?
	expect_status 2
	expect message "$(head -1 "$ERR")" "bootscope: --shard '3/2': give I/N with 1 <= I <= N"
	echo '{"engine": "kvm"}' >"$TMP/nohdr.jsonl"
	RC=0
	"$BOOTSCOPE" matrix-report "$TMP/nohdr.jsonl" 2>"$ERR" || RC=$?
	expect_status 1
	expect message "$(head -1 "$ERR")" "bootscope: matrix-report: $TMP/nohdr.jsonl: not a bootscope matrix results file (no header line)"
}

# Another study's file is refused, not mixed in.
test_other_boot_options_refused() {
	RC=0
	"$BOOTSCOPE" matrix --cpus 486 --engines qemu-tcg --out "$TMP/one.jsonl" "${DEMO[@]}" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 0
	RC=0
	"$BOOTSCOPE" matrix --cpus 486 --engines qemu-tcg --out "$TMP/one.jsonl" --kernel "$FW/demo.elf" --until x >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 1
	expect_grep "$ERR" "^bootscope: $TMP/one.jsonl was written for other boot options .*; use another --out, or the same options$"
	expect "cells" "$(cells "$TMP/one.jsonl")" 1
}

# Power lost in the middle of a line: the torn line is cut and the cell run again.
# A file that is not a results file is refused and left alone.
test_torn_line_and_foreign_file() {
	RC=0
	"$BOOTSCOPE" matrix --cpus 486 --engines qemu-tcg --out "$TMP/torn.jsonl" "${DEMO[@]}" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 0
	head -c 40 <(tail -1 "$TMP/torn.jsonl") >"$TMP/half"
	sed -i '$d' "$TMP/torn.jsonl"
	cat "$TMP/half" >>"$TMP/torn.jsonl"
	RC=0
	"$BOOTSCOPE" matrix --cpus 486 --engines qemu-tcg --out "$TMP/torn.jsonl" "${DEMO[@]}" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 0
	expect_line "$ERR" "matrix: 1 cells, 1 of them in shard 1/1 still to run, into $TMP/torn.jsonl"
	expect "lines that parse" "$(jq -c . "$TMP/torn.jsonl" | wc -l)" 2
	printf 'my notes\n' >"$TMP/notes.txt"
	RC=0
	"$BOOTSCOPE" matrix --cpus 486 --engines qemu-tcg --out "$TMP/notes.txt" "${DEMO[@]}" >"$OUT" 2>"$ERR" </dev/null || RC=$?
	expect_status 1
	expect message "$(head -1 "$ERR")" "bootscope: --out $TMP/notes.txt: not a bootscope matrix results file (no header line); give another file"
	expect "file untouched" "$(cat "$TMP/notes.txt")" "my notes"
}

t phase_report test_phase_report
t bad_matrix_input test_bad_matrix_input
t torn_line_and_foreign_file test_torn_line_and_foreign_file
t jobs test_jobs
t shards_merge test_shards_merge
t other_boot_options_refused test_other_boot_options_refused
tk matrix_killed_and_resumed test_matrix_killed_and_resumed
tk failed_cell_recorded test_failed_cell_recorded
t missing_image test_missing_image
t shards_under_parallel test_shards_under_parallel
t report_refusals test_report_refusals
