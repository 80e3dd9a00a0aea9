; triple.asm - a triple fault: in protected mode with an empty IDT, #UD
; cannot be delivered (#GP), nor can that (#DF), and the CPU shuts down:
; outcome "shutdown". (Real mode will not do: KVM's emulator ignores the
; IVT limit there.)
bits 16
org 0x7c00
%include "com1.mac"
    print "triple: faulting", 13, 10
    cli
    lgdt [gdt_desc]
    lidt [empty_idt]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:pm
bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov ss, ax
    ud2
    jmp $
bits 16
align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff
    dq 0x00cf92000000ffff
gdt_desc:
    dw 23
    dd gdt
empty_idt:
    dw 0
    dd 0
%include "com1.inc"
