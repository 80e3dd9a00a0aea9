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
	"$BOOTSCOPE" run --raw "$FW/screen.bin" --type 'login:=root<enter>' 2>"$ERR" || RC=$?
	expect_status 2
	expect_grep "$ERR" "^bootscope: --type types on a PS/2 keyboard, which a direct boot does not have here"
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
	expect "resolution" "$(jqv .screen.interval_ns)" 10000000
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

TESTS=(test_hardware_scrolled_console test_no_screen test_crtc_garbage test_graphics_mode test_bios_screen
	test_type_at_login test_type_trigger_never_seen test_qemu_engine_screen_and_typing test_grub_menu_answered)
for fn in "${TESTS[@]}"; do tk "${fn#test_}" "$fn"; done
t type_bad_input test_type_bad_input
