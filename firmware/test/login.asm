; login.asm - a boot sector that asks for a name on the screen, as a login
; prompt does, and reads it from the keyboard through the BIOS (INT 16h),
; echoing each key (INT 10h). Enter ends the name; then "welcome NAME" and
; a shell prompt "# ", and a halt. Boot it from a disk (--hda) through
; SeaBIOS; nothing goes to a serial port.
bits 16
org 0x7c00
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    sti
    mov si, banner
    call puts
    mov si, prompt
    call puts
    mov di, name
.key:
    xor ah, ah
    int 0x16                    ; wait for a key: AL = its character
    cmp al, 13
    je .done
    cmp di, name + 31
    jae .key
    stosb
    call putc
    jmp .key
.done:
    mov byte [di], 0
    mov si, crlf
    call puts
    mov si, welcome
    call puts
    mov si, name
    call puts
    mov si, crlf
    call puts
    mov si, shell
    call puts
    cli
    hlt
    jmp $

puts:
    lodsb
    test al, al
    jz .end
    call putc
    jmp puts
.end:
    ret

putc:
    push bx
    mov ah, 0x0e                ; teletype
    mov bx, 0x0007
    int 0x10
    pop bx
    ret

banner: db "bootscope keyboard test", 13, 10, 0
prompt: db "login: ", 0
welcome: db "welcome ", 0
crlf: db 13, 10, 0
shell: db "# ", 0
name: times 32 db 0
    times 510 - ($ - $$) db 0
    dw 0xaa55
