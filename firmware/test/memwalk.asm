; memwalk.asm - a paging, memory-walking Multiboot kernel for `make bench`:
; how fast guest code runs when its memory accesses miss the TLB, which is
; where the host's page size for guest RAM shows (a 4 KiB host page under
; every guest page makes each TLB miss a longer two-dimensional walk).
;
; Loaded at 2 MiB (a.out kludge, so `bootscope qemu` boots it too). It maps
; the first 448 MiB with 4 KiB pages, turns paging on, prints
; "memwalk: paging on", then writes one word to each 4 KiB page from 32 MiB
; to 448 MiB, ROUNDS times, and prints "memwalk: done ROUNDS rounds" and
; halts. Needs -m 512M. The bench times "paging on" to "done".

bits 32
org 0x200000
%include "com1.mac"

%define FLAGS 0x00010002            ; a.out kludge, memory info
%define MAP_MB 448
%define WALK_FROM (32 << 20)
%define ROUNDS 24
%define PD 0x300000                 ; page directory, then the page tables
%define PT (PD + 0x1000)

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
    ; Page tables: MAP_MB / 4 tables of 1024 entries, identity, present and writable.
    mov edi, PT
    mov eax, 0x003
    mov ecx, MAP_MB * 256
.pte:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    loop .pte
    mov edi, PD
    mov eax, PT | 0x003
    mov ecx, MAP_MB / 4
.pde:
    mov [edi], eax
    add eax, 0x1000
    add edi, 4
    loop .pde
    mov eax, PD
    mov cr3, eax
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    jmp .paged
.paged:
    print "memwalk: paging on", 13, 10
    mov ebx, ROUNDS
.round:
    mov edi, WALK_FROM
.page:
    mov [edi], ebx
    add edi, 0x1000
    cmp edi, MAP_MB << 20
    jb .page
    dec ebx
    jnz .round
    print "memwalk: done "
    mov eax, ROUNDS
    call putdec
    print " rounds", 13, 10
    cli
.halt:
    hlt
    jmp .halt

%include "com1.inc"
load_end:

section .bss follows=.text nobits
    resb 4096
bss_end:
