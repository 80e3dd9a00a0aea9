; spin.asm - prints a line, then loops forever with interrupts on: only
; --timeout (or --until on the line) ends it.
bits 16
org 0x7c00
%include "com1.mac"
    print "spin: forever", 13, 10
    mov si, 0
.loop:
    inc si
    jmp .loop
%include "com1.inc"
