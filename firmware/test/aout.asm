; aout.asm - a Multiboot kernel that is a flat binary: its header carries
; the a.out-kludge address fields (flag 16), so the loader must use them
; instead of an ELF header. Loaded at 2 MiB with 4 KiB of bss; prints what
; it was handed (EAX, memory size, selectors) and that its bss reads zero,
; then exits through isa-debug-exit with 0x21 (status 67).

bits 32
org 0x200000
%include "com1.mac"

%define FLAGS 0x00010002            ; a.out kludge, memory info
header:
    dd 0x1BADB002
    dd FLAGS
    dd -(0x1BADB002 + FLAGS)
    dd header                       ; header_addr
    dd header                       ; load_addr
    dd load_end                     ; load_end_addr
    dd bss_end                      ; bss_end_addr
    dd entry                        ; entry_addr

entry:
    mov esp, bss_end
    mov [magic], eax
    mov al, 0x21
    out 0x80, al
    print "aout: magic "
    mov eax, [magic]
    call puthex
    print 13, 10, "aout: mem_upper "
    mov eax, [ebx + 8]
    call putdec
    print 13, 10
    ; The segment selectors the firmware loaded.
    print "aout: cs "
    mov eax, cs
    call puthex
    print " ds "
    mov eax, ds
    call puthex
    print 13, 10
    ; The bss must read as zeros.
    mov esi, bss_start
    xor eax, eax
.bss:
    or al, [esi]
    inc esi
    cmp esi, bss_end - 64
    jb .bss
    print "aout: bss "
    call putdec
    print 13, 10
    debug_exit 0x21

%include "com1.inc"
magic: dd 0
load_end:

section .bss follows=.text nobits
bss_start:
    resb 4096
bss_end:
