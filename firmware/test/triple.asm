; triple.asm - a triple fault: in protected mode with an empty IDT, #UD
; cannot be delivered (#GP), nor can that (#DF), and the CPU shuts down:
; outcome "shutdown". (Real mode will not do: KVM's emulator ignores the
; IVT limit there.)
bits 16
org 0x7c00
%include "com1.mac"
%include "pm.mac"
    print "triple: faulting", 13, 10
    cli
    lidt [empty_idt]
    enter_pm32 pm
bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov ss, ax
    ud2
    jmp $
bits 16
flat_gdt
empty_idt:
    dw 0
    dd 0
%include "com1.inc"
