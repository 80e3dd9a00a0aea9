; stamp.asm - the screen console's resolution, measured against the guest's
; own word: ten times, "debug N" to the debug console 0xe9 (its newline an
; exit, timestamped as it happens), and at once "screen N" straight into text
; memory (no exit). The screen milestone's time minus the debug console's is
; how late the screen console saw the line. Between stamps the guest spins, so each
; is seen on its own; then it halts. Runs as --raw, and from a disk (--hda)
; under either engine.
bits 16
org 0x7c00
    cli
    xor ax, ax
    mov ds, ax
    mov ax, 0xb800
    mov es, ax
    xor di, di                  ; a clear screen first (a BIOS boot left its lines)
    mov ax, 0x0720
    mov cx, 80 * 25
    rep stosw
    xor bp, bp                  ; the stamp's number
.stamp:
    mov si, debug_word          ; the debug console: its line ends with the exit of '\n'
    call out_e9
    mov al, '0'
    add ax, bp
    out 0xe9, al
    mov al, 10
    out 0xe9, al
    mov ax, bp                  ; then, at once, the screen
    imul ax, ax, 160
    mov di, ax                  ; row bp
    mov si, screen_word
    call textmem_put
    mov ax, bp
    add al, '0'
    mov ah, 0x07
    stosw
    mov ecx, 400000
.spin:
    dec ecx
    jnz .spin
    inc bp
    cmp bp, 10
    jb .stamp
    hlt
    jmp $

%include "textmem.inc"

out_e9:
    lodsb
    test al, al
    jz .end
    out 0xe9, al
    jmp out_e9
.end:
    ret

screen_word: db "screen ", 0
debug_word: db "debug ", 0
    times 510 - ($ - $$) db 0
    dw 0xaa55                   ; a boot sector too: `bootscope qemu --hda` boots it through SeaBIOS
