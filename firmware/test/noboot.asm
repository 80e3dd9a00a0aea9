; noboot.asm - asks the firmware to boot the next device (INT 19h), of
; which there is none: outcome "no-boot-device".
bits 16
org 0x7c00
%include "com1.mac"
    print "noboot: calling INT 19h", 13, 10
    int 0x19
    jmp $
%include "com1.inc"
