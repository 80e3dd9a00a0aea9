; vgabad.asm - a guest that writes garbage into the VGA's registers: every
; CRTC register (protection bit cleared first) with bytes that make no
; geometry a screen can have (0 columns of pitch, 256 columns), an index
; past every register file, then halts. The screen console must clamp
; the geometry, say so, and neither crash nor read outside text memory.
bits 16
org 0x7c00
    cli
    mov dx, 0x3d4
    mov ax, 0x0011              ; CRTC 0x11 = 0: registers 0-7 writable
    out dx, ax
    xor cx, cx
    mov bl, 0xa5
.crtc:
    mov al, cl
    mov ah, bl
    out dx, ax                  ; index cl, value bl
    add bl, 37
    inc cx
    cmp cx, 0x19
    jb .crtc
    mov ax, 0xff01              ; 256 columns
    out dx, ax
    mov ax, 0x0013              ; pitch 0
    out dx, ax
    mov ax, 0x557f              ; no such register
    out dx, ax
    mov dx, 0x3c4
    mov ax, 0x3309              ; no such sequencer register
    out dx, ax
    mov dx, 0x3ce
    mov ax, 0x7710              ; no such graphics register
    out dx, ax
    hlt
    jmp $
