; halt.asm - prints one line, then halts with interrupts off: the run must
; end as "halted" (status 0).
bits 16
org 0x7c00
%include "com1.mac"
    print "halt: stopping", 13, 10
    cli
    hlt
    jmp $
%include "com1.inc"
