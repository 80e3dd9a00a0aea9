; spin.asm - prints a line and a prompt without a newline, then loops
; forever with interrupts on: only --timeout, --until or a signal ends it.
bits 16
org 0x7c00
%include "com1.mac"
    print "spin: forever", 13, 10, "spin> "
    mov si, 0
.loop:
    inc si
    jmp .loop
%include "com1.inc"
