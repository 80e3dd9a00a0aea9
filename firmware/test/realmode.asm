; realmode.asm - a real-mode test guest for --raw (loaded at 0x7c00).
;
; Exercises what a boot sector relies on from the firmware and prints each
; result on COM1, one "key value" line per check, for the tests to compare:
; INT 10h teletype, INT 11h/12h, INT 15h E820/E801/88h, INT 1Ah ticks
; advancing (PIT IRQ 0 and its handler), an unsupported call (INT 13h),
; an unclaimed port, POST codes, debugcon; then protected mode, and exit
; through isa-debug-exit with value 0x10 (status 33).

bits 16
org 0x7c00
%include "com1.mac"
%include "pm.mac"

start:
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov [boot_drive], dl

    ; INT 10h teletype: the firmware sends it to COM1.
    mov si, hello
.tty:
    lodsb
    test al, al
    jz .tty_done
    mov ah, 0x0e
    int 0x10
    jmp .tty
.tty_done:

    print "drive "
    movzx eax, byte [boot_drive]
    call puthex
    print 13, 10, "int12 "
    int 0x12
    movzx eax, ax
    call putdec
    print 13, 10, "int11 "
    int 0x11
    movzx eax, ax
    call puthex
    print 13, 10

    ; E820: walk the whole map.
    xor ebx, ebx
.e820:
    mov eax, 0xe820
    mov edx, 0x534d4150
    mov ecx, 24
    mov di, e820_buf
    int 0x15
    jc .e820_done
    cmp eax, 0x534d4150
    jne .e820_done
    print "e820 "
    mov eax, [e820_buf + 4]
    call puthex
    mov eax, [e820_buf]
    call puthex
    print " "
    mov eax, [e820_buf + 12]
    call puthex
    mov eax, [e820_buf + 8]
    call puthex
    print " "
    mov eax, [e820_buf + 16]
    call putdec
    print 13, 10
    test ebx, ebx
    jnz .e820
.e820_done:

    mov ax, 0xe801
    int 0x15
    print "e801 "
    movzx eax, ax
    call putdec
    print " "
    movzx eax, bx
    call putdec
    print 13, 10, "int15-88 "
    mov ah, 0x88
    int 0x15
    movzx eax, ax
    call putdec
    print 13, 10

    ; The PIT ticks at 18.2 Hz: two tick changes prove IRQ 0 works.
    mov ah, 0
    int 0x1a
    mov bx, dx
    mov si, 2
.wait_tick:
    sti
    hlt
    mov ah, 0
    int 0x1a
    cmp dx, bx
    je .wait_tick
    mov bx, dx
    dec si
    jnz .wait_tick
    print "ticks advance", 13, 10

    ; An unsupported service: INT 13h (no disks) must return CF=1.
    mov ah, 0x02
    clc
    int 0x13
    setc al
    print "int13 cf "
    movzx eax, al
    call putdec
    print 13, 10

    ; An unclaimed port reads as all ones.
    mov dx, 0x1234
    in al, dx
    print "port1234 "
    movzx eax, al
    call puthex
    print 13, 10

    mov al, 0x42
    out 0x80, al
    mov al, 0x43
    out 0x80, al

    ; debugcon: a line on port 0xe9.
    mov esi, on_e9
    call puts_e9

    ; Protected mode, flat, paging off.
    enter_pm32 pm

bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7c00
    ; The VGA hole has nothing behind it: one unclaimed MMIO read.
    mov eax, [0xa0000]
    ; One string I/O exit carries the whole line (rep outsb).
    mov esi, pm_line
    mov ecx, pm_line_len
    mov dx, COM1
    rep outsb
    debug_exit 0x10

bits 16
%include "com1.inc"

pm_line: db "protected mode ok", 13, 10
pm_line_len equ $ - pm_line
hello: db "realmode: hello through INT 10h", 13, 10, 0
on_e9: db "realmode: hello on debugcon", 10, 0
boot_drive: db 0
flat_gdt
e820_buf: times 24 db 0
