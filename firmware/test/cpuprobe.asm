; cpuprobe.asm - what CPUID and the MSRs really say, from inside the guest.
;
; A 512-byte boot sector, so that the same image boots under bootscope
; (--raw) and under QEMU (as a disk, through SeaBIOS). It prints one line
; per CPUID leaf of the basic, hypervisor (0x40000000) and extended
; (0x80000000) ranges, subleaf 0:
;     c LEAF EAX EBX ECX EDX
; then, for each MSR in its list, whether RDMSR worked or raised #GP:
;     m MSR ok|gp
; and exits through isa-debug-exit with 0x10 (status 33).

bits 16
org 0x7c00
%include "com1.mac"

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    mov word [0x0d * 4], gp_handler     ; #GP in real mode: vector 13
    mov word [0x0d * 4 + 2], 0

    xor eax, eax
    call leaves
    mov eax, 0x40000000
    call leaves
    mov eax, 0x80000000
    call leaves

    mov si, msrs
.msr:
    mov ecx, [si]
    cmp ecx, -1
    je .done
    mov byte [faulted], 0
    rdmsr
    mov al, 'm'
    call putc
    mov al, ' '
    call putc
    mov eax, ecx
    call puthex
    mov al, ' '
    call putc
    mov ax, 'ok'
    cmp byte [faulted], 0
    je .print
    mov ax, 'gp'
.print:
    call putc
    mov al, ah
    call putc
    call eol
    add si, 4
    jmp .msr
.done:
    debug_exit 0x10

; Print the leaves from EAX up to the range's maximum (at most 32 of them).
leaves:
    mov ebp, eax
    lea edi, [eax + 31]
    xor ecx, ecx
    cpuid
    cmp eax, ebp
    jb .out                             ; an empty range
    cmp eax, edi
    ja .loop
    mov edi, eax
.loop:
    mov eax, ebp
    xor ecx, ecx
    cpuid
    push eax
    mov al, 'c'
    call putc
    mov eax, ebp
    call space_hex
    pop eax
    call space_hex
    mov eax, ebx
    call space_hex
    mov eax, ecx
    call space_hex
    mov eax, edx
    call space_hex
    call eol
    inc ebp
    cmp ebp, edi
    jbe .loop
.out:
    ret

space_hex:
    push ax
    mov al, ' '
    call putc
    pop ax
    jmp puthex

eol:
    mov al, 13
    call putc
    mov al, 10
    jmp putc

; Skip the faulting RDMSR (2 bytes) and note the fault.
gp_handler:
    push bp
    mov bp, sp
    add word [bp + 2], 2
    mov byte [faulted], 1
    pop bp
    iret

%include "com1.inc"

faulted: db 0
msrs:
    dd 0x00000010                       ; TSC
    dd 0x0000001b                       ; APIC_BASE
    dd 0x0000008b                       ; microcode revision
    dd 0x000000fe                       ; MTRRcap
    dd 0x00000174                       ; SYSENTER_CS
    dd 0x00000179                       ; MCG_CAP
    dd 0x00000200                       ; MTRRphysBase0
    dd 0x00000277                       ; PAT
    dd 0x000002ff                       ; MTRRdefType
    dd 0xc0000080                       ; EFER
    dd 0x4b564d01                       ; KVM system time
    dd -1

    times 510 - ($ - $$) db 0
    dw 0xaa55
