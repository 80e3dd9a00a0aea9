#!/usr/bin/env bash
# The VGA text screen as a console: guests that write straight into text
# memory and scroll by the CRTC start address, SeaBIOS and SeaVGABIOS
# printing through INT 10h, a guest that writes garbage into the VGA's
# registers, and one that leaves text mode.
source "$(dirname "$0")/../lib.sh"

# A --screen log's text, without the times.
log_text() { sed -E 's/^ *[0-9]+\.[0-9]{3} ms  //' "$1"; }

# The log's times never go back.
expect_times_in_order() { # LOG
	local bad
	bad=$(awk '{ t = $1 + 0; if (NR > 1 && t < last) print NR": "$0; last = t }' "$1")
	expect "times in order in $(basename "$1")" "$bad" ""
}

test_hardware_scrolled_console() {
	bs --raw "$FW/screen.bin" --screen "$TMP/screen.log" --screen-svg "$TMP/screen.svg" \
		--mark banner='^screen: a console' --mark login='^login:$'
	expect_status 0
	expect outcome "$(jqv .outcome)" halted
	# Every line once, in order, although 35 of them scrolled past the top between two reads.
	{ echo "screen: a console in VGA text memory"; for i in $(seq 0 59); do printf 'line %02d\n' "$i"; done
	  echo "login:"; } >"$TMP/want"
	log_text "$TMP/screen.log" >"$TMP/got"
	expect "screen log" "$(diff "$TMP/want" "$TMP/got" | head -5)" ""
	expect_times_in_order "$TMP/screen.log"
	expect "serial text" "$(jqv .guest_output.bytes)" 0
	expect consoles "$(jqv '[.milestones[] | "\(.name):\(.console)"] | join(",")')" \
		"entry:null,first-output:screen,banner:screen,login:screen"
	expect "screen milestones' vCPU" "$(jqv '[.milestones[] | select(.console == "screen") | .vcpu] | unique | join(",")')" ""
	[ "$(jqv '.milestones[2].t_ns')" -le "$(jqv '.milestones[3].t_ns')" ]
	# The last screen: memory rows 37..61, through the start address.
	expect geometry "$(jqv '"\(.screen.cols)x\(.screen.rows)"')" 80x25
	expect "first row" "$(jqv '.screen.last[0]')" "line 36"
	expect "row 24" "$(jqv '.screen.last[23]')" "line 59"
	expect "row 25" "$(jqv '.screen.last[24]')" "login:"
	expect cursor "$(jqv '"\(.screen.cursor.row),\(.screen.cursor.col)"')" "24,7"
	expect clamped "$(jqv .screen.geometry_clamped)" false
	expect "graphics" "$(jqv .screen.graphics.switches)" 0
	expect "read errors" "$(jqv .screen.read_errors)" 0
	[ "$(jqv .screen.lines)" -ge 62 ]	# every row state matched; a row caught half-written counts too
	[ "$(jqv .screen.polls)" -gt 0 ]
	# The picture: well-formed, one text node per visible character.
	xmllint --noout "$TMP/screen.svg"
	expect "characters drawn" "$(grep -c '<text ' "$TMP/screen.svg")" \
		"$(jqv '[.screen.last[] | gsub(" "; "") | length] | add')"
}

test_no_screen() {
	bs --raw "$FW/screen.bin" --no-screen --mark login='^login:'
	expect_status 0
	expect screen "$(jqv .screen)" null
	expect login "$(jqv '.milestones[] | select(.name == "login") | .t_ns')" null
	RC=0
	"$BOOTSCOPE" run --raw "$FW/screen.bin" --no-screen --screen "$TMP/x" 2>"$ERR" || RC=$?
	expect_status 2
	expect_line "$ERR" "bootscope: --screen and --screen-svg read the screen that --no-screen turns off"
}

test_crtc_garbage() {
	bs --raw "$FW/vgabad.bin" --screen "$TMP/screen.log"
	expect_status 0
	expect outcome "$(jqv .outcome)" halted
	expect clamped "$(jqv .screen.geometry_clamped)" true
	expect cols "$(jqv .screen.cols)" 132
	[ "$(jqv .screen.rows)" -ge 1 ] && [ "$(jqv .screen.rows)" -le 60 ]
	expect "read errors" "$(jqv .screen.read_errors)" 0
}

test_graphics_mode() {
	bs --raw "$FW/vgagfx.bin" --screen "$TMP/screen.log"
	expect_status 0
	expect outcome "$(jqv .outcome)" halted
	expect switches "$(jqv .screen.graphics.switches)" 1
	expect "graphics at the end" "$(jqv .screen.graphics.at_end)" true
	[ "$(jqv .screen.graphics.last_t_ns)" -gt 0 ]
	expect_grep "$TMP/screen.log" 'ms  \[the guest switched to a graphics mode; the screen console is quiet\]$'
}

test_bios_screen() {
	bs --bios /usr/share/seabios/bios-256k.bin --screen "$TMP/screen.log" --screen-svg "$TMP/screen.svg" \
		--timeout 240
	expect_status 3
	expect outcome "$(jqv .outcome)" no-boot-device
	# SeaVGABIOS ran on bootscope's VGA, and SeaBIOS's INT 10h text is on the screen.
	expect "no-boot-device from" "$(jqv '.milestones[] | select(.name == "no-boot-device") | .console')" debugcon-402
	log_text "$TMP/screen.log" >"$TMP/got"
	expect_grep "$TMP/got" '^SeaBIOS \(version '
	expect_line "$TMP/got" "Booting from Hard Disk..."
	# The run ends on the debug console's copy of this line: the screen's may lack its last dot.
	expect_grep "$TMP/got" '^No bootable device'
	expect_times_in_order "$TMP/screen.log"
	expect "last screen" "$(jqv '[.screen.last[] | select(test("^No bootable device"))] | length')" 1
	xmllint --noout "$TMP/screen.svg"
	# The VGA's ports are answered here (the BIOS programmed the CRTC): none reached the QEMU child.
	expect "CRTC index port" "$(jqv '.exits.ports[] | select(.port == 980) | .device')" vga
	[ "$(jqv '.exits.ports[] | select(.port == 980) | .count')" -gt 0 ]
	expect "VGA forwarded" "$(jqv '[.device_model.devices[] | select(.device == "vga")] | length')" 0
	[ "$(jqv '.device_model.devices | length')" -gt 0 ]
}

# login.bin on a disk: a boot sector that reads a name through INT 16h at "login: ".
login_disk() {
	cp "$FW/login.bin" "$TMP/login.img"
	truncate -s 1M "$TMP/login.img"
}

test_type_at_login() {
	login_disk
	bs --hda "$TMP/login.img" --type 'login:$=root<enter>' --until '^#$' --screen "$TMP/screen.log" --timeout 240
	expect_status 0
	expect outcome "$(jqv .outcome)" until
	expect "trigger" "$(jqv '.milestones[] | select(.name == "type1") | .console')" screen
	expect "until" "$(jqv '.milestones[] | select(.name == "until") | .console')" screen
	expect "presses" "$(jqv '[.typing.presses[] | .key] | join(",")')" "r,o,o,t,<enter>"
	expect "rule" "$(jqv '[.typing.presses[] | .rule] | unique | join(",")')" 1
	expect "rule state" "$(jqv '.typing.rules[0] | "\(.milestone) \(.text) \(.fired) \(.pressed)/\(.keys)"')" "type1 root<enter> true 5/5"
	expect "typing error" "$(jqv .typing.error)" null
	# What the guest read is what was typed: it echoed the name and welcomed it.
	log_text "$TMP/screen.log" >"$TMP/got"
	expect_line "$TMP/got" "login: root"
	expect_line "$TMP/got" "welcome root"
	expect "last screen" "$(jqv '.screen.last[2:6] | join("|")')" "bootscope keyboard test|login: root|welcome root|#"
	# In time order: the trigger, the presses, the end.
	local trig until first last
	trig=$(jqv '.milestones[] | select(.name == "type1") | .t_ns')
	until=$(jqv '.milestones[] | select(.name == "until") | .t_ns')
	first=$(jqv '.typing.presses[0].t_ns') last=$(jqv '.typing.presses[4].t_ns')
	[ "$trig" -le "$first" ] && [ "$first" -lt "$last" ] && [ "$last" -le "$until" ]
	expect "in order" "$(jqv '[.typing.presses[].t_ns] | . == sort')" true
}

test_type_trigger_never_seen() {
	login_disk
	RC=0
	"$BOOTSCOPE" run --hda "$TMP/login.img" --type 'password:=secret<enter>' --timeout 8 --json "$J" \
		>"$OUT" 2>"$ERR" || RC=$?
	expect_status 124
	expect outcome "$(jqv .outcome)" timeout
	expect "fired" "$(jqv .typing.rules[0].fired)" false
	expect "presses" "$(jqv '.typing.presses | length')" 0
	# The hung boot's first clue: its last screen, on stderr and in the JSON.
	expect_grep "$ERR" '^  the screen at the end \(rows 1-4 of 25\):$'
	expect_line "$ERR" "  | login:"
	expect_line "$ERR" "  typing: --type 'password:=secret<enter>' never fired: no line matched"
	expect "last screen" "$(jqv '.screen.last[3]')" "login:"
}

test_type_bad_input() {
	RC=0
	"$BOOTSCOPE" run --hda /dev/null --type 'login:=root<entr>' 2>"$ERR" || RC=$?
	expect_status 2
	expect_grep "$ERR" "^bootscope: --type: unknown key <entr>; the names are <enter> <esc> "
	RC=0
	"$BOOTSCOPE" run --hda /dev/null --type 'login:' 2>"$ERR" || RC=$?
	expect_status 2
	expect_line "$ERR" "bootscope: --type 'login:': write REGEX=KEYS (e.g. 'login:=root<enter>')"
	RC=0
	"$BOOTSCOPE" run --hda /dev/null --type 'login:=a<b' 2>"$ERR" || RC=$?
	expect_status 2
	expect_grep "$ERR" "^bootscope: --type: 'a<b' has a '<' that starts no key name \(<lt> types '<'\)"
	RC=0
	"$BOOTSCOPE" qemu --kernel "$FW/minixlike.bin" --type 'login:=<up><bogus>' 2>"$ERR" || RC=$?
	expect_status 2
	expect_grep "$ERR" "^bootscope: --type: unknown key <bogus>; the names are <enter> "
}

# The same boot under stock QEMU (an ISA VGA read through QMP, keys through QMP): the same
# screen milestones on the same console, the same keys, the same last screen.
test_qemu_engine_screen_and_typing() {
	local opts=(--type 'login:$=root<enter>' --until '^#$' --mark banner='^bootscope keyboard test$' --timeout 240)
	login_disk
	bs --hda "$TMP/login.img" "${opts[@]}"
	expect_status 0
	cp "$J" "$TMP/run.json"
	RC=0
	"$BOOTSCOPE" qemu --hda "$TMP/login.img" "${opts[@]}" --json "$J" --screen "$TMP/qemu.log" -q >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	expect engine "$(jqv .engine)" qemu
	local want='[.milestones[] | select(.console == "screen") | "\(.name):\(.console)"] | join(",")'
	expect "screen milestones" "$(jqv "$want")" "$(jq -r "$want" "$TMP/run.json")"
	expect "screen milestones" "$(jqv "$want")" "banner:screen,type1:screen,until:screen"
	expect "presses" "$(jqv '[.typing.presses[].key] | join(",")')" "$(jq -r '[.typing.presses[].key] | join(",")' "$TMP/run.json")"
	expect "last screen" "$(jqv '.screen.last[0:6] | join("|")')" "$(jq -r '.screen.last[0:6] | join("|")' "$TMP/run.json")"
	expect "resolution" "$(jqv .screen.interval_ns)" 1000000
	expect "typing error" "$(jqv .typing.error)" null
	log_text "$TMP/qemu.log" >"$TMP/got"
	expect_line "$TMP/got" "welcome root"
}

# A GRUB 2 menu on the screen only, counting down from 10 s (tools/make-menu-iso).
menu_iso() {
	[ -s build/cache/menu.iso ] || tools/make-menu-iso build/cache build/cache/menu.iso 10
}

# GRUB's menu answered: <enter> boots the first entry, <down><enter> the second,
# under each engine; the countdown never got near its end.
test_grub_menu_answered() {
	local e keys want
	menu_iso
	for e in run qemu; do
		for keys in '<enter>' '<down><enter>'; do
			want=$([ "$keys" = '<enter>' ] && echo ONE || echo TWO)
			RC=0
			"$BOOTSCOPE" "$e" --cdrom build/cache/menu.iso --json "$J" --screen "$TMP/screen.log" -q \
				--type "executed automatically=$keys" --mark menu='GNU GRUB' --until '^ENTRY-(ONE|TWO): booted' \
				--timeout 600 >"$OUT" 2>"$ERR" || RC=$?
			expect "status of $e $keys" "$RC" 0 || return 1
			expect "entry booted by $e $keys" "$(jqv '.screen.last | map(select(test("^ENTRY-"))) | join(",")')" \
				"ENTRY-$want: booted"
			expect "consoles" "$(jqv '[.milestones[] | select(.name | test("^(menu|type1|until)$")) | "\(.name):\(.console)"] | join(",")')" \
				"menu:screen,type1:screen,until:screen"
			expect "presses" "$(jqv '[.typing.presses[].key] | join("")')" "$keys"
			# The key stopped the countdown: it never showed its last seconds.
			expect "countdown end under $e" "$(grep -c 'automatically in [0-5]s' "$TMP/screen.log")" 0
		done
	done
}

# The MINIX shape (firmware/test/minixlike.asm): a Multiboot kernel with twelve boot
# modules behind a boot menu that counts down and polls the i8042, writing straight
# into text memory and scrolling by the CRTC start address, then a login prompt.
minix_modules() { # -> $MODS, an --initrd list of twelve modules named as MINIX's boot image's
	local n f
	MODS=""
	mkdir -p "$TMP/minix"
	for n in ds rs pm sched vfs memory tty mib vm pfs mfs init; do
		f="$TMP/minix/$n"
		head -c $(( ${#MODS} * 97 + 1000 )) /dev/zero | tr '\0' "${n:0:1}" >"$f"
		MODS+="${MODS:+,}$f $n"
	done
}

# Time to the login prompt, without a key (the menu counts down 3 s) and with <enter> at the menu.
test_minix_shape_menu() {
	local menu login waited keyed
	minix_modules
	bs --kernel "$FW/minixlike.bin" --initrd "$MODS" -m 64M --append timeout=3 --screen "$TMP/wait.log" \
		--mark menu='^Press 1 or 2 to choose' --until '^login:' --timeout 60
	expect_status 0
	expect outcome "$(jqv .outcome)" until
	log_text "$TMP/wait.log" >"$TMP/got"
	expect_line "$TMP/got" "menu: timed out, booting entry 1"
	expect_line "$TMP/got" "MINIX-shaped kernel: 12 boot modules"
	local i=0 n
	for n in ds rs pm sched vfs memory tty mib vm pfs mfs init; do
		i=$((i + 1))
		expect_grep "$TMP/got" "^module $i: [0-9a-f]{8}-[0-9a-f]{8} $TMP/minix/$n $n\$"
	done
	expect_line "$TMP/got" "service 12 up"
	expect_times_in_order "$TMP/wait.log"
	# 32 lines on 25 rows: the console scrolled by the start address, and no line was lost.
	expect "lines logged once" "$(sort "$TMP/got" | uniq -d | grep -vc '^Booting entry 1 in')" 0
	expect "top row after the scroll" "$(jqv '.screen.last[0] | test("^module 2: [0-9a-f-]+ .*/rs rs$")')" true
	expect "bottom row" "$(jqv '.screen.last[24]')" "login:"
	expect consoles "$(jqv '[.milestones[] | select(.name == "menu" or .name == "until") | .console] | join(",")')" \
		"screen,screen"
	menu=$(jqv '.milestones[] | select(.name == "menu") | .t_ns')
	login=$(jqv '.milestones[] | select(.name == "until") | .t_ns')
	waited=$((login - menu))
	# The guest's own countdown: three RTC second changes, so at least two whole seconds.
	[ "$waited" -ge 2000000000 ] || { echo "login ${waited} ns after the menu: the countdown was not waited out"; return 1; }

	bs --kernel "$FW/minixlike.bin" --initrd "$MODS" -m 64M --append timeout=3 --screen "$TMP/key.log" \
		--mark menu='^Press 1 or 2 to choose' --type 'Press 1 or 2=<enter>' --until '^login:' --timeout 60
	expect_status 0
	log_text "$TMP/key.log" >"$TMP/got"
	expect_line "$TMP/got" "menu: key pressed, booting entry 1"
	expect "no countdown end" "$(grep -c 'timed out' "$TMP/got")" 0
	expect "the key" "$(jqv '[.typing.presses[] | "\(.key):\(.into)"] | join(",")')" "<enter>:keyboard"
	menu=$(jqv '.milestones[] | select(.name == "menu") | .t_ns')
	login=$(jqv '.milestones[] | select(.name == "until") | .t_ns')
	keyed=$((login - menu))
	[ "$keyed" -lt "$waited" ] || { echo "login ${keyed} ns after the menu with a key, ${waited} ns without"; return 1; }
	# Each boot's time to its login prompt, for the log.
	echo "# menu to login: ${waited} ns waiting, ${keyed} ns with <enter>"
}

# root<enter> at login: gives the shell prompt; every press is in the JSON and, as an event, in the trace.
test_minix_shape_login() {
	minix_modules
	bs --kernel "$FW/minixlike.bin" --initrd "$MODS" -m 64M --screen "$TMP/screen.log" --trace "$TMP/t.trace" \
		--type 'Press 1 or 2=<enter>' --type '^login:=root<enter>' --until '^#$' --timeout 60
	expect_status 0
	expect outcome "$(jqv .outcome)" until
	expect consoles "$(jqv '[.milestones[] | select(.name | test("^(type1|type2|until)$")) | "\(.name):\(.console)"] | join(",")')" \
		"type1:screen,type2:screen,until:screen"
	expect presses "$(jqv '[.typing.presses[] | "\(.rule)\(.key)"] | join(",")')" "1<enter>,2r,2o,2o,2t,2<enter>"
	expect "typing error" "$(jqv .typing.error)" null
	log_text "$TMP/screen.log" >"$TMP/got"
	expect_line "$TMP/got" "login: root"
	expect "last rows" "$(jqv '.screen.last[23:25] | join("|")')" "login: root|#"
	# The trace has the six presses as key events, at the JSON's times.
	"$BOOTSCOPE" report --format chrome "$TMP/t.trace" >"$TMP/t.json"
	expect "key events" "$(jq '[.traceEvents[] | select(.cat == "event" and .name == "key")] | length' "$TMP/t.json")" 6
	expect "screen milestones in the trace" \
		"$(jq -r '[.traceEvents[] | select(.cat == "milestone") | .name] | map(select(test("^(type1|type2|until)$"))) | join(",")' "$TMP/t.json")" \
		"type1,type2,until"
	# Entry 2 (single user) needs no login.
	bs --kernel "$FW/minixlike.bin" --initrd "$MODS" -m 64M --type 'Press 1 or 2=2' --until '^#$' --timeout 60 \
		--screen "$TMP/single.log"
	expect_status 0
	expect "single user" "$(log_text "$TMP/single.log" | grep -E '^(single-user|menu: key|login)' | paste -sd'|')" \
		"menu: key pressed, booting entry 2|single-user mode: no login"
}

# With "serial" (MINIX's cttyline=0) the kernel's console is COM1: the login is typed into
# COM1's receiver while the menu's key still goes to the keyboard; both engines.
test_minix_shape_serial_login() {
	local e
	minix_modules
	for e in run qemu; do
		RC=0
		"$BOOTSCOPE" "$e" --kernel "$FW/minixlike.bin" --initrd "$MODS" -m 64M --append serial --json "$J" -q \
			--type 'Press 1 or 2=<enter>' --type '^login:=root<enter>' --until '^#' --timeout 120 \
			>"$OUT" 2>"$ERR" || RC=$?
		expect "status under $e" "$RC" 0 || { cat "$ERR"; return 1; }
		expect "consoles under $e" "$(jqv '[.milestones[] | select(.name | test("^(type1|type2|until)$")) | "\(.name):\(.console)"] | join(",")')" \
			"type1:screen,type2:com1,until:com1"
		expect "presses under $e" "$(jqv '[.typing.presses[] | "\(.key):\(.into)"] | join(",")')" \
			"<enter>:keyboard,r:com1,o:com1,o:com1,t:com1,<enter>:com1"
		expect "typing error under $e" "$(jqv .typing.error)" null
		tr -d '\r' <"$OUT" >"$TMP/serial"
		expect_line "$TMP/serial" "login: root"
		expect "screen under $e" "$(jqv '.screen.last | map(select(test("^(login|service)"))) | length')" 0
	done
}

# The same MINIX-shaped boot under stock QEMU: the same screen milestones on the same
# console, the same keys at the same triggers, the same last rows.
test_minix_shape_engines_agree() {
	local opts
	minix_modules
	opts=(--kernel "$FW/minixlike.bin" --initrd "$MODS" -m 64M --mark menu='^Press 1 or 2' --mark kernel='^MINIX-shaped kernel'
	      --type 'Press 1 or 2=<enter>' --type '^login:=root<enter>' --until '^#$' --timeout 120)
	bs "${opts[@]}"
	expect_status 0
	cp "$J" "$TMP/run.json"
	RC=0
	"$BOOTSCOPE" qemu "${opts[@]}" --json "$J" -q >"$OUT" 2>"$ERR" || RC=$?
	expect_status 0
	# (first-output is SeaBIOS's debug console under QEMU, which boots Multiboot through its BIOS.)
	local want='[.milestones[] | select(.console == "screen" and .name != "first-output") | "\(.name):\(.console)"] | join(",")'
	expect "screen milestones" "$(jqv "$want")" "$(jq -r "$want" "$TMP/run.json")"
	expect "screen milestones" "$(jqv "$want")" "menu:screen,type1:screen,kernel:screen,type2:screen,until:screen"
	expect presses "$(jqv '[.typing.presses[] | "\(.key):\(.into)"] | join(",")')" \
		"$(jq -r '[.typing.presses[] | "\(.key):\(.into)"] | join(",")' "$TMP/run.json")"
	# The modules' addresses differ (each loader places them its own way); the rest is the same.
	local rows='.screen.last | map(select(test("^module ") | not)) | join("|")'
	expect "last rows" "$(jqv "$rows")" "$(jq -r "$rows" "$TMP/run.json")"
	# Between menu and kernel: typing one key, within both engines' resolution of each other.
	local k q
	k=$(jq '[.milestones[] | select(.name == "menu" or .name == "kernel") | .t_ns] | .[1] - .[0]' "$TMP/run.json")
	q=$(jqv '[.milestones[] | select(.name == "menu" or .name == "kernel") | .t_ns] | .[1] - .[0]')
	echo "# menu to kernel: bootscope ${k} ns, qemu ${q} ns"
}

TESTS=(test_hardware_scrolled_console test_no_screen test_crtc_garbage test_graphics_mode test_bios_screen
	test_type_at_login test_type_trigger_never_seen test_qemu_engine_screen_and_typing test_grub_menu_answered
	test_minix_shape_menu test_minix_shape_login test_minix_shape_serial_login test_minix_shape_engines_agree)
for fn in "${TESTS[@]}"; do tk "${fn#test_}" "$fn"; done
t type_bad_input test_type_bad_input
