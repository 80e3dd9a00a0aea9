; halt.asm - prints one line, then halts with interrupts off: the run must
; end as "halted" (status 0). The registers it halts with are known, for the
; summary's at_end.regs.
bits 16
org 0x7c00
%include "com1.mac"
    print "halt: stopping", 13, 10
    cli
    mov eax, 0xa1a2a3a4
    mov ebx, 0xb1b2b3b4
    mov ecx, 0xc1c2c3c4
    mov edx, 0xd1d2d3d4
    mov esi, 0x51525354
    mov edi, 0xd5d6d7d8
    mov ebp, 0xe1e2e3e4
    mov esp, 0x7bf0
    hlt
    jmp $
%include "com1.inc"
