; bootload.asm - a two-stage boot loader for BIOS boots, from CD or disk.
;
; The first 512 bytes are both an El Torito "no emulation" boot image and
; a disk's boot sector. The BIOS loads them to 0000:7C00 and jumps there.
; They print a marker on COM1, then read the second stage (the 2 KiB at
; byte offset 2048 of this image) through INT 13h extended reads to
; 1000:0000 and jump to it. That stage says which CPU it runs on and halts.
;
; Where the second stage is: on a CD, xorriso's -boot-info-table writes
; the image's own LBA (2 KiB sectors) at offset 12, so it is one sector
; further; on a disk, byte 2048 is LBA 4 (512-byte sectors).
;
; Lines, for tests to match:
;     bootload: stage 1 from cd|disk (drive 0xNN)
;     bootload: stage 2 running, CPUID vendor V family F model M
;     bootload: kbc command byte CC, status SS after reading it, self-test TT status UU,
;               4096 polls with a byte waiting: and AA or OO, status EE
;     bootload: BOOT-OK
; or  bootload: read error AH=NN   (then halts)

bits 16
org 0x7c00
%include "com1.mac"

STAGE2_SEG equ 0x1000

start:
    jmp short main
    nop
    times 8-($-$$) db 0
bi_pvd:     dd 0            ; boot information table (El Torito, filled by xorriso)
bi_file:    dd 0
bi_length:  dd 0
bi_csum:    dd 0
            times 40 db 0

main:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov [drive], dl
    mov si, msg_stage1
    call puts
    mov eax, [bi_file]
    test eax, eax
    jz .disk
    inc eax                     ; CD: the 2 KiB sector after this one
    mov [dap_lba], eax
    mov word [dap_count], 1
    mov si, msg_cd
    jmp .read
.disk:
    mov dword [dap_lba], 4      ; disk: byte 2048
    mov word [dap_count], 4
    mov si, msg_disk
.read:
    call puts
    mov si, msg_drive
    call puts
    movzx eax, byte [drive]
    call puthex8
    mov si, msg_close
    call puts
    mov si, dap
    mov dl, [drive]
    mov ah, 0x42
    int 0x13
    jc .error
    push word STAGE2_SEG
    pop es
    cmp dword [es:0], 'BSL2'
    jne .bad
    mov dl, [drive]
    jmp STAGE2_SEG:4
.bad:
    mov ah, 0xff
.error:
    mov al, ah
    movzx eax, al
    mov si, msg_error
    call puts
    call puthex8
    mov al, 10
    call putc
.halt:
    cli
    hlt
    jmp .halt

; Print AL as two hex digits.
puthex8:
    push eax
    shl eax, 24
    push cx
    push dx
    mov cx, 2
    mov dx, COM1
.d:
    rol eax, 4
    push ax
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .o
    add al, 'a' - '0' - 10
.o:
    out dx, al
    pop ax
    dec cx
    jnz .d
    pop dx
    pop cx
    pop eax
    ret

%include "com1.inc"

align 4
dap:        db 16, 0
dap_count:  dw 0
            dw 0, STAGE2_SEG    ; offset, segment
dap_lba:    dd 0, 0
drive:      db 0
msg_stage1: db "bootload: stage 1 from ", 0
msg_cd:     db "cd", 0
msg_disk:   db "disk", 0
msg_drive:  db " (drive 0x", 0
msg_close:  db ")", 10, 0
msg_error:  db "bootload: read error AH=", 0

    times 510-($-$$) db 0
    dw 0xaa55
    times 2048-($-$$) db 0

; Stage 2, at 1000:0000 (linear 0x10000). Its own tiny output routines:
; stage 1's are in another segment.
section stage2 follows=.text vstart=0
    db "BSL2"
stage2:
    mov ax, cs
    mov ds, ax
    mov si, s2_running
    call s2_puts
    xor eax, eax
    cpuid
    mov [s2_vendor], ebx
    mov [s2_vendor + 4], edx
    mov [s2_vendor + 8], ecx
    mov si, s2_vendor
    call s2_puts
    mov si, s2_family
    call s2_puts
    mov eax, 1
    cpuid
    mov ebx, eax
    shr eax, 8
    call s2_hexdigit
    mov si, s2_model
    call s2_puts
    mov eax, ebx
    shr eax, 4
    call s2_hexdigit
    call s2_kbc
    mov si, s2_ok
    call s2_puts
.halt:
    cli
    hlt
    jmp .halt

; The keyboard controller as a BIOS or a kernel drives it: read the command
; byte (0x20), the status once the byte is taken, the self-test's answer
; (0xaa gives 0x55) and the status after it; then ask for the command byte
; again and poll the status 4096 times while it waits, as memtest86+ polls,
; then take it and read the status once more. The polls are ANDed and ORed:
; a status that missed the change would show. Interrupts stay off, so the
; BIOS's IRQ 1 handler does not take the bytes first.
s2_kbc:
    cli
    mov al, 0x20
    call kbc_command
    call kbc_data
    mov [s2_kbc_cmd], al
    in al, 0x64
    mov [s2_kbc_after], al
    mov al, 0xaa
    call kbc_command
    call kbc_data
    mov [s2_kbc_test], al
    in al, 0x64
    mov [s2_kbc_test_st], al
    mov al, 0x20                ; the command byte again, left waiting while polling
    call kbc_command
    mov bx, 0x00ff              ; BL: the polls ANDed, BH: ORed
    mov cx, 4096
.poll:
    in al, 0x64
    and bl, al
    or bh, al
    loop .poll
    mov [s2_kbc_and], bl
    mov [s2_kbc_or], bh
    in al, 0x60
    in al, 0x64
    mov [s2_kbc_end], al
    mov si, s2_kbc_msg
    call s2_puts
    mov al, [s2_kbc_cmd]
    call s2_hex8
    mov si, s2_kbc_msg2
    call s2_puts
    mov al, [s2_kbc_after]
    call s2_hex8
    mov si, s2_kbc_msg3
    call s2_puts
    mov al, [s2_kbc_test]
    call s2_hex8
    mov si, s2_kbc_msg4
    call s2_puts
    mov al, [s2_kbc_test_st]
    call s2_hex8
    mov si, s2_kbc_msg5
    call s2_puts
    mov al, [s2_kbc_and]
    call s2_hex8
    mov si, s2_kbc_msg6
    call s2_puts
    mov al, [s2_kbc_or]
    call s2_hex8
    mov si, s2_kbc_msg7
    call s2_puts
    mov al, [s2_kbc_end]
    call s2_hex8
    ret

; Write the command in AL to 0x64 once the input buffer is empty (bit 1).
kbc_command:
    mov ah, al
    mov cx, 0xffff
.wait:
    in al, 0x64
    test al, 2
    loopnz .wait
    mov al, ah
    out 0x64, al
    ret

; The next byte from 0x60 once the output buffer is full (bit 0), or what
; 0x60 holds after 65535 tries.
kbc_data:
    mov cx, 0xffff
.wait:
    in al, 0x64
    test al, 1
    loopz .wait
    in al, 0x60
    ret

; AL as two hex digits.
s2_hex8:
    push ax
    shr al, 4
    call s2_hexdigit
    pop ax
    jmp s2_hexdigit

s2_puts:
    mov dx, COM1
.next:
    lodsb
    test al, al
    jz .done
    out dx, al
    jmp .next
.done:
    ret

; The low 4 bits of AL as one hex digit.
s2_hexdigit:
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '0' - 10
.out:
    mov dx, COM1
    out dx, al
    ret

s2_running: db "bootload: stage 2 running, CPUID vendor ", 0
s2_vendor:  times 13 db 0
s2_family:  db " family ", 0
s2_model:   db " model ", 0
s2_kbc_msg: db 10, "bootload: kbc command byte ", 0
s2_kbc_msg2: db ", status ", 0
s2_kbc_msg3: db " after reading it, self-test ", 0
s2_kbc_msg4: db " status ", 0
s2_kbc_msg5: db ", 4096 polls with a byte waiting: and ", 0
s2_kbc_msg6: db " or ", 0
s2_kbc_msg7: db ", status ", 0
s2_kbc_and: db 0
s2_kbc_or: db 0
s2_kbc_end: db 0
s2_kbc_cmd: db 0
s2_kbc_after: db 0
s2_kbc_test: db 0
s2_kbc_test_st: db 0
s2_ok:      db 10, "bootload: BOOT-OK", 10, 0
    times 2048-($-$$) db 0
