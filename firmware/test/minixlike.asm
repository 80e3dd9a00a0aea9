; minixlike.asm - a boot shaped like MINIX 3's, for the screen console and --type.
;
; A Multiboot kernel (a.out kludge, loaded at 2 MiB), booted with its
; boot-image modules as MINIX's are (twelve in the tests). Like MINIX it
; talks to the PC's screen and keyboard, not to a serial line:
;
;   1. A boot menu on the screen counts down (RTC seconds; "timeout=D" on
;      the command line, 3 by default) and polls the i8042 for a key:
;      1 or Enter boots entry 1 now, 2 boots entry 2 (single user), any
;      other key stops the countdown until 1, 2 or Enter comes.
;   2. The "kernel" (below the menu) writes straight into VGA text memory at 0xb8000 and
;      scrolls by moving the CRTC start address (index 0x0c/0x0d), as
;      MINIX's console does; when the 32 KiB window is used up it copies
;      the screen back to the start. It lists the modules the loader gave
;      it and starts a "service" for each.
;   3. Entry 1 asks "login: ", reads a line from the keyboard (scancode set
;      1) with echo, and answers "root" with the shell prompt "# ". Entry 2
;      goes to "# " without a login.
;
; With "serial" on the command line (MINIX's cttyline=0), steps 2 and 3 use
; COM1 instead of the screen: output to THR, input from RBR.
;
; Lines, for tests to match:
;     Press 1 or 2 to choose, Enter to boot now, any other key to stop.
;     menu: key pressed, booting entry N | menu: timed out, booting entry 1 |
;         menu: countdown stopped
;     MINIX-shaped kernel: N boot modules
;     module I: START-END STRING
;     service I up
;     login:             (then the typed name)
;     Login incorrect
;     #

bits 32
org 0x200000
%include "com1.mac"

%define FLAGS 0x00010003            ; a.out kludge, page-aligned modules, memory info
header:
    dd 0x1BADB002
    dd FLAGS
    dd -(0x1BADB002 + FLAGS)
    dd header, header, load_end, bss_end, entry

%define VIDEO 0xb8000
%define COLS 80
%define ROWS 25
%define WINDOW_CELLS 16384          ; the 32 KiB text window, in cells
%define CRTC_INDEX 0x3d4
%define CRTC_START_HI 0x0c
%define CRTC_CURSOR_HI 0x0e
%define KBD_DATA 0x60
%define KBD_STATUS 0x64
%define KBD_OBF 0x01
%define SC_1 0x02
%define SC_2 0x03
%define SC_ENTER 0x1c
%define COM1_LSR (COM1 + 5)
%define LSR_DR 0x01
%define RTC_INDEX 0x70
%define RTC_DATA 0x71
%define MENU_ROW 6                  ; the countdown's row

entry:
    cld
    mov esp, stack_top
    mov [mbi], ebx
    call parse_cmdline
    call scr_reset
    call menu
    mov [boot_entry], eax
    call kernel                     ; below the menu, which scrolls away
    cmp dword [boot_entry], 2
    je .single
.login:
    mov esi, s_login
    call kputs
    call read_line
    mov esi, line
    mov edi, s_root
    call streq
    jz .shell
    mov esi, s_incorrect
    call kputs
    jmp .login
.single:
    mov esi, s_single
    call kputs
.shell:
    mov esi, s_prompt
    call kputs
.idle:                              ; a shell that waits: the run ends on its prompt
    call read_key
    jmp .idle

; ---------------------------------------------------------------- command line
; "serial" anywhere: console on COM1; "timeout=D": the countdown's seconds.
parse_cmdline:
    mov ebx, [mbi]
    test dword [ebx], 1 << 2
    jz .done
    mov esi, [ebx + 16]
    mov edi, s_serial
    call find
    test eax, eax
    jz .timeout
    mov byte [serial], 1
.timeout:
    mov esi, [ebx + 16]
    mov edi, s_timeout
    call find
    test eax, eax
    jz .done
    movzx eax, byte [eax]
    sub eax, '0'
    cmp eax, 9
    ja .done
    mov [countdown], eax
.done:
    ret

; EAX = the byte after the first NUL-terminated EDI found in ESI, or 0.
find:
    push esi
    push edi
    push ecx
.start:
    cmp byte [esi], 0
    je .none
    xor ecx, ecx
.cmp:
    mov al, [edi + ecx]
    test al, al
    jz .found
    cmp al, [esi + ecx]
    jne .next
    inc ecx
    jmp .cmp
.next:
    inc esi
    jmp .start
.found:
    lea eax, [esi + ecx]
    jmp .out
.none:
    xor eax, eax
.out:
    pop ecx
    pop edi
    pop esi
    ret

; ZF set when the strings at ESI and EDI are equal.
streq:
    push esi
    push edi
.loop:
    mov al, [esi]
    cmp al, [edi]
    jne .out
    test al, al
    jz .out
    inc esi
    inc edi
    jmp .loop
.out:
    pop edi
    pop esi
    ret

; ---------------------------------------------------------------- boot menu
; EAX = the entry to boot.
menu:
    mov esi, s_menu
    call scr_puts
    mov ecx, [countdown]
    call rtc_second
    mov [last_second], al
.show:
    mov eax, ecx
    call show_countdown
    test ecx, ecx
    jz .timed_out
.poll:
    call kbd_poll
    jc .key
    call rtc_second
    cmp al, [last_second]
    je .poll
    mov [last_second], al
    dec ecx
    jmp .show
.timed_out:
    mov esi, s_timed_out
    call scr_puts
    mov eax, 1
    ret
.key:
    test al, 0x80                   ; a release
    jnz .poll
    call choice
    test eax, eax
    jnz .chosen
    mov esi, s_stopped              ; any other key: wait for a choice
    call scr_puts
.wait:
    call kbd_poll
    jnc .wait
    test al, 0x80
    jnz .wait
    call choice
    test eax, eax
    jz .wait
.chosen:
    mov esi, s_key
    call scr_puts
    push eax
    add al, '0'
    call scr_putc
    mov al, 10
    call scr_putc
    pop eax
    ret

; Scancode AL: EAX = 1 (1 or Enter), 2 (2), or 0.
choice:
    cmp al, SC_1
    je .one
    cmp al, SC_ENTER
    je .one
    cmp al, SC_2
    je .two
    xor eax, eax
    ret
.one:
    mov eax, 1
    ret
.two:
    mov eax, 2
    ret

; Rewrite the countdown's row in place with EAX seconds, as a boot menu does.
show_countdown:
    push eax
    push esi
    mov dword [row], MENU_ROW
    mov dword [col], 0
    mov esi, s_count
    call scr_puts
    add al, '0'
    call scr_putc
    mov esi, s_seconds
    call scr_puts
    mov dword [row], MENU_ROW + 2
    mov dword [col], 0
    call set_cursor
    pop esi
    pop eax
    ret

; AL = the RTC's seconds register.
rtc_second:
    mov al, 0
    out RTC_INDEX, al
    in al, RTC_DATA
    ret

; CF set and AL = a byte from the keyboard, if one is waiting.
kbd_poll:
    in al, KBD_STATUS
    test al, KBD_OBF
    jz .none
    in al, KBD_DATA
    stc
    ret
.none:
    clc
    ret

; ---------------------------------------------------------------- the kernel
kernel:
    mov esi, s_banner
    call kputs
    mov ebx, [mbi]
    mov eax, [ebx + 20]             ; mods_count
    mov [nr_mods], eax
    call kputdec
    mov esi, s_modules
    call kputs
    mov edi, [ebx + 24]             ; mods_addr
    xor ecx, ecx
.module:
    cmp ecx, [nr_mods]
    jae .services
    inc ecx
    mov esi, s_module
    call kputs
    mov eax, ecx
    call kputdec
    mov esi, s_colon
    call kputs
    mov eax, [edi]
    call kputhex
    mov al, '-'
    call kputc
    mov eax, [edi + 4]
    call kputhex
    mov al, ' '
    call kputc
    mov esi, [edi + 8]
    test esi, esi
    jz .nl
    call kputs
.nl:
    mov al, 10
    call kputc
    add edi, 16
    jmp .module
.services:
    xor ecx, ecx
.service:
    cmp ecx, [nr_mods]
    jae .done
    inc ecx
    mov esi, s_service
    call kputs
    mov eax, ecx
    call kputdec
    mov esi, s_up
    call kputs
    jmp .service
.done:
    mov esi, s_ready
    call kputs
    ret

; A line into `line`, with echo, from the console's input; Enter ends it.
read_line:
    xor ecx, ecx
.key:
    call read_key
    cmp al, 13
    je .end
    cmp al, 10
    je .end
    cmp ecx, 31
    jae .key
    mov [line + ecx], al
    inc ecx
    call kputc
    jmp .key
.end:
    mov byte [line + ecx], 0
    mov al, 10
    call kputc
    ret

; AL = the next character typed: from COM1 in serial mode, else a key press (set 1) with a character.
read_key:
    cmp byte [serial], 0
    je .keyboard
.serial:
    push edx
    mov dx, COM1_LSR
.wait:
    in al, dx
    test al, LSR_DR
    jz .wait
    mov dx, COM1
    in al, dx
    pop edx
    ret
.keyboard:
    call kbd_poll
    jnc .keyboard
    test al, 0x80
    jnz .keyboard
    cmp al, scancodes_end - scancodes
    jae .keyboard
    push ebx
    movzx ebx, al
    mov al, [scancodes + ebx]
    pop ebx
    test al, al
    jz .keyboard
    ret

; Set 1 make codes to characters (0: none).
scancodes:
    db 0, 27, '1234567890-=', 8, 9
    db 'qwertyuiop[]', 13, 0
    db 'asdfghjkl;', 39, '`', 0, '\'
    db 'zxcvbnm,./', 0, '*', 0, ' '
scancodes_end:

; ---------------------------------------------------------------- console
; The kernel's console: the screen, or COM1 with "serial".
kputc:
    cmp byte [serial], 0
    jne .com1
    jmp scr_putc
.com1:
    push edx
    mov dx, COM1
    cmp al, 10
    jne .out
    mov al, 13
    out dx, al
    mov al, 10
.out:
    out dx, al
    pop edx
    ret

kputs:
    push eax
    push esi
.next:
    lodsb
    test al, al
    jz .done
    call kputc
    jmp .next
.done:
    pop esi
    pop eax
    ret

kputhex:
    push eax
    push ebx
    push ecx
    mov ebx, eax
    mov ecx, 8
.digit:
    rol ebx, 4
    mov al, bl
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '0' - 10
.out:
    call kputc
    dec ecx
    jnz .digit
    pop ecx
    pop ebx
    pop eax
    ret

kputdec:
    push eax
    push ebx
    push ecx
    push edx
    mov ebx, 10
    xor ecx, ecx
.div:
    xor edx, edx
    div ebx
    push edx
    inc ecx
    test eax, eax
    jnz .div
.print:
    pop eax
    add al, '0'
    call kputc
    dec ecx
    jnz .print
    pop edx
    pop ecx
    pop ebx
    pop eax
    ret

; The screen: origin 0, every cell blank, cursor home.
scr_reset:
    push eax
    push ecx
    push edi
    mov edi, VIDEO
    mov ecx, WINDOW_CELLS
    mov ax, 0x0720
    rep stosw
    xor eax, eax
    mov [origin], eax
    mov [row], eax
    mov [col], eax
    call set_origin
    call set_cursor
    pop edi
    pop ecx
    pop eax
    ret

scr_puts:
    push eax
    push esi
.next:
    lodsb
    test al, al
    jz .done
    call scr_putc
    jmp .next
.done:
    pop esi
    pop eax
    ret

; AL at the cursor, grey on black; 10 starts a new line.
scr_putc:
    push eax
    push edi
    cmp al, 10
    je .newline
    mov edi, [row]
    imul edi, COLS
    add edi, [col]
    add edi, [origin]
    mov ah, 0x07
    mov [VIDEO + edi * 2], ax
    inc dword [col]
    cmp dword [col], COLS
    jb .done
.newline:
    call scr_newline
.done:
    call set_cursor
    pop edi
    pop eax
    ret

; Column 0 of the next row; at the bottom, scroll by moving the start address a row on.
scr_newline:
    push eax
    push ecx
    push esi
    push edi
    mov dword [col], 0
    cmp dword [row], ROWS - 1
    jae .scroll
    inc dword [row]
    jmp .done
.scroll:
    mov eax, [origin]
    add eax, COLS
    cmp eax, WINDOW_CELLS - ROWS * COLS
    jbe .moved
    ; The window is used up: the screen's last 24 rows go back to its start.
    mov esi, [origin]
    lea esi, [VIDEO + esi * 2 + COLS * 2]
    mov edi, VIDEO
    mov ecx, (ROWS - 1) * COLS
    rep movsw
    xor eax, eax
.moved:
    mov [origin], eax
    lea edi, [VIDEO + eax * 2 + (ROWS - 1) * COLS * 2]
    mov ecx, COLS
    mov ax, 0x0720
    rep stosw
    call set_origin
.done:
    pop edi
    pop esi
    pop ecx
    pop eax
    ret

; CRTC start address = origin (high byte first: the low byte latches the pair).
set_origin:
    push eax
    push ecx
    mov ecx, [origin]
    mov ah, CRTC_START_HI
    call crtc_pair
    pop ecx
    pop eax
    ret

; CRTC cursor location = the cursor's cell.
set_cursor:
    push eax
    push ecx
    mov ecx, [row]
    imul ecx, COLS
    add ecx, [col]
    add ecx, [origin]
    mov ah, CRTC_CURSOR_HI
    call crtc_pair
    pop ecx
    pop eax
    ret

; CX into CRTC registers AH (high byte) and AH+1 (low byte).
crtc_pair:
    push edx
    mov dx, CRTC_INDEX
    mov al, ah
    out dx, al
    inc dx
    mov al, ch
    out dx, al
    dec dx
    mov al, ah
    inc al
    out dx, al
    inc dx
    mov al, cl
    out dx, al
    pop edx
    ret

s_menu:
    db "MINIX-shaped boot menu (a bootscope test guest)", 10, 10
    db "  1. Start MINIX 3", 10
    db "  2. Start MINIX 3 in single-user mode", 10, 10
    db "Press 1 or 2 to choose, Enter to boot now, any other key to stop.", 10, 0
s_count: db "Booting entry 1 in ", 0
s_seconds: db " s", 0
s_timed_out: db "menu: timed out, booting entry 1", 10, 0
s_stopped: db "menu: countdown stopped", 10, 0
s_key: db "menu: key pressed, booting entry ", 0
s_banner: db "MINIX-shaped kernel: ", 0
s_modules: db " boot modules", 10, 0
s_module: db "module ", 0
s_colon: db ": ", 0
s_service: db "service ", 0
s_up: db " up", 10, 0
s_ready: db "all services up", 10, 0
s_login: db "login: ", 0
s_root: db "root", 0
s_incorrect: db "Login incorrect", 10, 0
s_single: db "single-user mode: no login", 10, 0
s_prompt: db "# ", 0
s_serial: db "serial", 0
s_timeout: db "timeout=", 0

align 4
countdown: dd 3
serial: db 0

align 4
mbi: dd 0
boot_entry: dd 0
nr_mods: dd 0
origin: dd 0
row: dd 0
col: dd 0
last_second: db 0
line: times 32 db 0
load_end:

section .bss follows=.text nobits
alignb 16
    resb 4096
stack_top:
bss_end:
