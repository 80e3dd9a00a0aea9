#!/usr/bin/env bash
# Exit tracing: exactly the exits a guest makes are recorded, in order, with
# nothing lost; a run ended by a signal leaves a readable file; every report
# format is well-formed; a damaged file gets a clear error.
source "$(dirname "$0")/../lib.sh"

# The bench guest makes exactly 100000 writes to port 0x70, then one to 0xf4.
test_exact_records() {
	bs --raw "$FW/bench.bin" --trace "$TMP/t.bin"
	expect_status 1
	expect "trace records (summary)" "$(jqv .trace.records)" "$(jqv '.exits.total + .events.total + ([.milestones[] | select(.t_ns != null)] | length)')"
	expect "dropped" "$(jqv .trace.dropped)" 0
	"$BOOTSCOPE" report "$TMP/t.bin" --format csv >"$TMP/t.csv"
	expect "CSV rows" "$(($(wc -l <"$TMP/t.csv") - 1))" "$(jqv .trace.records)"
	expect "port 0x70 exits" "$(awk -F, '$1 == "exit" && $3 == "io" && $9 == "0x70" && $11 == 1' "$TMP/t.csv" | wc -l)" 100000
	expect "port 0xf4 exits" "$(awk -F, '$1 == "exit" && $9 == "0xf4"' "$TMP/t.csv" | wc -l)" 1
	# Per vCPU: entered <= left <= handled, and the next entry after the last handling.
	awk -F, 'NR > 1 && $1 == "exit" {
		if ($4 > $5 || $5 > $6) { print "record " NR ": times out of order: " $0; bad = 1 }
		if (seen && $4 < last) { print "record " NR ": entered before the previous exit was handled"; bad = 1 }
		last = $6; seen = 1 }
		END { exit bad }' "$TMP/t.csv" || _failed=1
	# The summary's per-port table saw the same.
	expect "summary port 0x70" "$(jqv '.exits.ports[] | select(.port == 112) | .count')" 100000
	expect "summary port 0x70 device" "$(jqv '.exits.ports[] | select(.port == 112) | .device')" cmos
	# Phases cover the run: their exits add up to all exits, their durations to the run.
	expect "phase exits" "$(jqv '[.phases[].exits] | add')" "$(jqv .exits.total)"
	expect "phase time" "$(jqv '[.phases[].duration_ns] | add')" "$(jqv .wall_ns)"
}

# A trace kept as test data (tests/data/demo.trace, with its run's summary
# demo.json): the demo kernel with --mark mem='^memory:' --until '^demo: done'.
test_report_formats() {
	cp tests/data/demo.trace "$TMP/t.bin"
	cp tests/data/demo.json "$J"
	"$BOOTSCOPE" report "$TMP/t.bin" >"$OUT"
	expect_grep "$OUT" "^[0-9]+ records \($(jqv .exits.total) exits\) from 1 vCPU, 0 dropped; outcome until after"
	expect_grep "$OUT" '^  io +[0-9]+ +100.0%'
	expect_grep "$OUT" '^  io 0x03f8 uart '
	expect_grep "$OUT" '^  mem -> until '
	"$BOOTSCOPE" report "$TMP/t.bin" --format json >"$TMP/r.json"
	expect "json exits" "$(jq .exits "$TMP/r.json")" "$(jqv .exits.total)"
	expect "json io count" "$(jq '.reasons[] | select(.reason=="io") | .count' "$TMP/r.json")" "$(jqv .exits.reasons.io.count)"
	expect "json phases" "$(jq -r '[.phases[] | "\(.from)>\(.to)"] | join(" ")' "$TMP/r.json")" \
		"start>entry entry>first-output first-output>mem mem>until until>end"
	expect "phase exits add up" "$(jq '[.phases[].exits] | add' "$TMP/r.json")" "$(jqv .exits.total)"
	"$BOOTSCOPE" report "$TMP/t.bin" --format chrome -o "$TMP/c.json"
	expect "chrome slices" "$(jq '[.traceEvents[] | select(.ph=="X")] | length' "$TMP/c.json")" "$(jqv .exits.total)"
	expect "chrome milestones" "$(jq -r '[.traceEvents[] | select(.ph=="i" and .cat=="milestone") | .name] | join(",")' "$TMP/c.json")" \
		"entry,first-output,mem,until"
	"$BOOTSCOPE" report "$TMP/t.bin" --format svg -o "$TMP/t.svg"
	xmllint --noout "$TMP/t.svg"
	expect_grep "$TMP/t.svg" '<text[^>]*>boot time \(ms\)</text>'
	expect_grep "$TMP/t.svg" '>until [0-9.]+ ms</text>'
}

test_sigterm_leaves_readable_trace() {
	local pid i
	"$BOOTSCOPE" run --raw "$FW/spin.bin" --timeout 120 --trace "$TMP/t.bin" --json "$J" -q >"$OUT" 2>"$ERR" &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q "spin: forever" "$OUT" 2>/dev/null && break
		sleep 0.1
	done
	kill -TERM "$pid"
	RC=0
	wait "$pid" || RC=$?
	expect_status 143
	"$BOOTSCOPE" report "$TMP/t.bin" --format json >"$TMP/r.json"
	expect "trace outcome" "$(jq -r .outcome "$TMP/r.json")" interrupted
	expect "records" "$(jq .records "$TMP/r.json")" "$(jqv .trace.records)"
	[ "$(jq .records "$TMP/r.json")" -gt 10 ]
}

# A run killed outright leaves no trailer: report reads every complete record and says so.
test_sigkill_leaves_partial_trace() {
	local pid
	"$BOOTSCOPE" run --raw "$FW/spin.bin" --trace "$TMP/k.bin" -q >"$OUT" 2>"$ERR" &
	pid=$!
	for ((i = 0; i < 600; i++)); do
		grep -q "spin: forever" "$OUT" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.5	# the writer drains every few ms
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	printf 'torn' >>"$TMP/k.bin"	# and a record cut short at the end
	RC=0
	"$BOOTSCOPE" report "$TMP/k.bin" >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	local n
	n=$(( ($(stat -c %s "$TMP/k.bin") - 64 - 4) / 48 ))
	expect_grep "$OUT" "^$n records \([0-9]+ exits\) from 1 vCPU; unfinished: the last record is at [0-9.]+ ms$"
	expect_line "$OUT" "partial trace: its trailer is missing (the run that wrote it was killed or crashed); read $n complete records (the bytes after them are a record cut short, not read); milestones are known by number, and the device map, the records the rings dropped and the outcome are unknown"
	"$BOOTSCOPE" report "$TMP/k.bin" --format json >"$TMP/k.json"
	expect "json" "$(jq -c '[.partial, .records, .outcome]' "$TMP/k.json")" "[true,$n,\"unfinished\"]"
	[ "$n" -gt 10 ] || { echo "only $n records"; return 1; }
}

# A trace stopped by --output-limit keeps its trailer: read whole, and the limit named as the reason.
test_trace_at_output_limit() {
	RC=0
	"$BOOTSCOPE" run --raw "$FW/bench.bin" --trace "$TMP/l.bin" --output-limit 300K -q --json "$J" >"$OUT" 2>"$ERR" || RC=$?
	expect_status 1	# the bench guest's isa-debug-exit with 0
	RC=0
	"$BOOTSCOPE" report "$TMP/l.bin" --format json >"$TMP/l.json" 2>"$ERR" || RC=$?
	expect_status 0
	expect "ended at the limit" "$(jq .ended_at_output_limit "$TMP/l.json")" true
	expect "records" "$(jq .records "$TMP/l.json")" "$(jqv .trace.records)"
	expect "dropped" "$(jq .dropped "$TMP/l.json")" "$(jqv .trace.dropped)"
	expect "all of them" "$(( $(jqv .trace.records) + $(jqv .trace.dropped) ))" "$(( $(jqv .exits.total) + $(jq '[.milestones[] | select(.t_ns)] | length' "$J") ))"
	[ "$(stat -c %s "$TMP/l.bin")" -le $((300 * 1024)) ]
	"$BOOTSCOPE" report "$TMP/l.bin" >"$OUT"
	expect_line "$OUT" "the trace reached --output-limit: the records after that were not written (counted as dropped)"
}

test_damaged_traces() {
	cp tests/data/demo.trace "$TMP/t.bin"
	local size
	size=$(stat -c %s "$TMP/t.bin")
	report_fails() { # FILE MESSAGE
		RC=0
		"$BOOTSCOPE" report "$1" >"$OUT" 2>"$ERR" || RC=$?
		expect "status for $2" "$RC" 1
		expect "message" "$(head -1 "$ERR")" "bootscope: $1: $2"
	}
	head -c $((size - 5)) "$TMP/t.bin" >"$TMP/cut.bin"
	# (tests/data/demo.trace predates the clock in the header, so a cut copy cannot be read.)
	report_fails "$TMP/cut.bin" "truncated: the trailer is missing (the run that wrote it did not finish), and its header has no clock to read it by (a trace from an older bootscope)"
	: >"$TMP/empty.bin"
	report_fails "$TMP/empty.bin" "not a bootscope trace (no BSTRACE header)"
	{ printf 'BSTRACE\0\x09\0\0\0'; tail -c +13 "$TMP/t.bin"; } >"$TMP/ver.bin"
	report_fails "$TMP/ver.bin" "trace format version 9; this bootscope reads version 1"
	# One record taken out of the middle: the trailer's count no longer matches.
	{ head -c 64 "$TMP/t.bin"; tail -c +$((64 + 48 + 1)) "$TMP/t.bin"; } >"$TMP/short.bin"
	RC=0
	"$BOOTSCOPE" report "$TMP/short.bin" 2>"$ERR" >/dev/null || RC=$?
	expect "status" "$RC" 1
	expect_grep "$ERR" "^bootscope: $TMP/short.bin: corrupt"
	# A record's kind byte set to 7.
	cp "$TMP/t.bin" "$TMP/kind.bin"
	printf '\x07' | dd of="$TMP/kind.bin" bs=1 seek=$((64 + 42)) conv=notrunc status=none
	report_fails "$TMP/kind.bin" "corrupt record 0 (kind 7, vCPU 0)"
	report_fails "$TMP/none.bin" "No such file or directory"
	RC=0
	"$BOOTSCOPE" report "$TMP/t.bin" --format pdf 2>"$ERR" || RC=$?
	expect "bad format status" "$RC" 2
	expect "bad format" "$(head -1 "$ERR")" "bootscope: report: unknown format 'pdf'; choose text, json, csv, chrome or svg"
}

test_trace_file_error() {
	RC=0
	"$BOOTSCOPE" run --raw "$FW/halt.bin" --trace /nonexistent-dir/t.bin -q 2>"$ERR" || RC=$?
	expect_status 1
	# After the warnings about the CPU model that this KVM may print.
	expect message "$(tail -1 "$ERR")" "bootscope: --trace /nonexistent-dir/t.bin: No such file or directory"
}

t report_formats test_report_formats
t damaged_traces test_damaged_traces
tk exact_records test_exact_records
tk sigterm_leaves_readable_trace test_sigterm_leaves_readable_trace
tk sigkill_leaves_partial_trace test_sigkill_leaves_partial_trace
tk trace_at_output_limit test_trace_at_output_limit
tk trace_file_error test_trace_file_error
