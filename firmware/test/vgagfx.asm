; vgagfx.asm - a guest that puts a line on the text screen, then turns the
; VGA to graphics (the attribute controller's mode register and the
; graphics controller's, as a mode set does) and halts. The screen console
; notes the switch and goes quiet.
bits 16
org 0x7c00
    cli
    mov ax, 0xb800
    mov es, ax
    xor di, di
    mov si, msg
    xor ax, ax
    mov ds, ax
.put:
    lodsb
    test al, al
    jz .gfx
    mov ah, 0x07
    stosw
    jmp .put
.gfx:
    mov dx, 0x3da
    in al, dx                   ; the attribute flip-flop to "index"
    mov dx, 0x3c0
    mov al, 0x10                ; mode control, palette source off
    out dx, al
    mov al, 0x41                ; graphics, 8-bit colour (mode 13h's)
    out dx, al
    mov al, 0x20                ; palette source on: the screen shows
    out dx, al
    mov dx, 0x3ce
    mov ax, 0x0506              ; graphics controller 6: graphics, A0000 64K
    out dx, ax
    hlt
    jmp $
msg: db "vga: text before graphics", 0
