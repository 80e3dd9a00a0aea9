; demo.asm - the bundled demo guest: a Multiboot kernel (ELF32, linked at
; 1 MiB) that reports what it was handed, one line per fact, then halts.
;
; It prints the boot information exactly as received: magic, flags,
; command line, memory sizes, the memory map, each module's range,
; string and byte sum, the boot loader's name; writes POST codes to port
; 0x80 and a line to debugcon; ends with "demo: done" and cli; hlt.
; The tests compare these lines with what bootscope was asked to load.

bits 32
%include "com1.mac"

section .text
global _start
align 4
mb_header:
    dd 0x1BADB002                   ; magic
    dd 0x00000003                   ; page-aligned modules, memory info
    dd -(0x1BADB002 + 0x00000003)   ; checksum

_start:
    mov esp, stack_top
    mov [mb_magic], eax
    mov [mb_info], ebx
    mov al, 0x10
    out 0x80, al

    print "bootscope demo: a Multiboot kernel in 32-bit protected mode", 13, 10
    print "magic "
    mov eax, [mb_magic]
    call puthex
    print 13, 10, "flags "
    mov ebx, [mb_info]
    mov eax, [ebx]
    call puthex
    print 13, 10, "cmdline: "
    mov esi, [ebx + 16]
    call puts
    print 13, 10, "memory: lower "
    mov eax, [ebx + 4]
    call putdec
    print " KiB, upper "
    mov eax, [ebx + 8]
    call putdec
    print " KiB", 13, 10

    ; The memory map: size-prefixed entries.
    mov esi, [ebx + 48]
    mov edi, esi
    add edi, [ebx + 44]
.mmap:
    cmp esi, edi
    jae .mmap_done
    print "mmap "
    mov eax, [esi + 8]
    call puthex
    mov eax, [esi + 4]
    call puthex
    print " "
    mov eax, [esi + 16]
    call puthex
    mov eax, [esi + 12]
    call puthex
    print " "
    mov eax, [esi + 20]
    call putdec
    print 13, 10
    add esi, [esi]
    add esi, 4
    jmp .mmap
.mmap_done:
    mov al, 0x11
    out 0x80, al

    ; Modules: "module N START-END sum SUM string".
    print "modules: "
    mov ecx, [ebx + 20]
    mov eax, ecx
    call putdec
    print 13, 10
    mov edi, [ebx + 24]
    xor edx, edx
.module:
    cmp edx, ecx
    jae .modules_done
    inc edx
    call print_module
    add edi, 16
    jmp .module
.modules_done:

    print "loader: "
    mov esi, [ebx + 64]
    call puts
    print 13, 10

    ; The same kind of line on the debug console.
    mov esi, on_e9
    call puts_e9
    mov al, 0x12
    out 0x80, al
    print "demo: done", 13, 10
.halt:
    cli
    hlt
    jmp .halt

%include "com1.inc"
%include "multiboot.inc"

on_e9: db "demo: hello on debugcon", 10, 0

section .bss
mb_magic: resd 1
mb_info:  resd 1
alignb 16
          resb 4096
stack_top:
