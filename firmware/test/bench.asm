; bench.asm - the guest of `make bench`: exactly 100000 port writes to the
; CMOS index port (0x70), each a VM exit that the VMM handles trivially,
; then isa-debug-exit with 0 (status 1). Real mode, so any KVM runs it.
bits 16
org 0x7c00
    cli
    mov ecx, 100000
    mov al, 0x0f
.loop:
    out 0x70, al
    dec ecx
    jnz .loop
    mov dx, 0xf4
    xor eax, eax
    out dx, eax
    cli
    hlt
