; screen.asm - a console that writes straight into VGA text memory and
; scrolls by moving the CRTC start address, as MINIX's and Linux's do.
; Nothing goes to COM1: every line is on the screen only.
;
; Row 0 gets a banner. Lines "line 00" .. "line 59" follow at memory rows
; 1..60; once the screen is full, each line moves the start address down a
; row (hardware scrolling, no copying), so most of them scroll past the top
; within microseconds of being written, long before the screen console's
; next read. Then "login: " at row 61, the cursor after it, and a halt.
; The last screen shows memory rows 37..61: "line 36" to "line 59", then
; "login:".
bits 16
org 0x7c00
COLS equ 80

    cli
    xor ax, ax
    mov ds, ax
    mov ax, 0xb800
    mov es, ax
    xor di, di                  ; row 0
    mov si, banner
    call textmem_put
    mov bp, 1                   ; bp: the memory row of the next line
    xor cx, cx                  ; cx: the line's number
.line:
    ; "line NN" at row bp
    mov ax, bp
    imul ax, ax, COLS * 2
    mov di, ax
    mov si, word_line
    call textmem_put
    mov ax, cx
    mov bl, 10
    div bl                      ; al tens, ah ones
    add ax, 0x3030
    mov byte [es:di], al
    mov byte [es:di + 1], 0x07
    mov byte [es:di + 2], ah
    mov byte [es:di + 3], 0x07
    call scroll_to_bp
    inc bp
    inc cx
    cmp cx, 60
    jb .line
    ; the prompt, and the cursor after it
    mov ax, bp
    imul ax, ax, COLS * 2
    mov di, ax
    mov si, prompt
    call textmem_put
    call scroll_to_bp
    mov ax, bp
    imul ax, ax, COLS
    add ax, 7
    mov bx, ax
    mov dx, 0x3d4
    mov al, 0x0e
    mov ah, bh
    out dx, ax
    mov al, 0x0f
    mov ah, bl
    out dx, ax
    hlt
    jmp $

; Make memory row bp the last visible one: start address = (bp - 24) rows.
scroll_to_bp:
    push ax
    push bx
    push dx
    mov ax, bp
    sub ax, 24
    jle .done
    imul ax, ax, COLS
    mov bx, ax
    mov dx, 0x3d4
    mov al, 0x0c
    mov ah, bh
    out dx, ax
    mov al, 0x0d
    mov ah, bl
    out dx, ax
.done:
    pop dx
    pop bx
    pop ax
    ret

%include "textmem.inc"

banner: db "screen: a console in VGA text memory", 0
word_line: db "line ", 0
prompt: db "login: ", 0
