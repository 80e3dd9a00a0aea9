; busy.asm - keeps exiting to the VMM (reads of the CMOS clock's seconds)
; until the second has changed twice, so for one to two seconds of real
; time, then prints one line and halts with interrupts off. Booted with
; --smp 2, its AP is never started: the test checks that bootscope leaves a
; quiet vCPU alone while another one exits, and still sees the machine stop.
bits 16
org 0x7c00
%include "com1.mac"
    cli
    call seconds
    mov bl, al
    mov cx, 2
.wait:
    call seconds
    cmp al, bl
    je .wait
    mov bl, al
    loop .wait
    print "busy: done", 13, 10
    cli
    hlt
    jmp $

seconds:
    mov al, 0x00
    out 0x70, al
    in al, 0x71
    ret
%include "com1.inc"
