; modules.asm - checks from inside what a Multiboot loader handed over.
;
; A Multiboot kernel (a.out kludge, loaded at 2 MiB) that, for each module,
; prints "module N START-END sum SUM string CMDLINE" and checks that it is
; page aligned, follows the previous one without overlap and lies in RAM the
; memory map reports; it checks that mem_lower and mem_upper agree with the
; map. It prints "modules: N checked, B bad" and exits through
; isa-debug-exit with 0x30 + B (status 97 when all is well).

bits 32
org 0x200000
%include "com1.mac"

%define FLAGS 0x00010003            ; a.out kludge, page-aligned modules, memory info
header:
    dd 0x1BADB002
    dd FLAGS
    dd -(0x1BADB002 + FLAGS)
    dd header, header, load_end, bss_end, entry

entry:
    mov esp, bss_end
    mov [info], ebx
    mov ecx, [ebx + 20]                 ; mods_count
    mov [count], ecx
    mov edi, [ebx + 24]                 ; mods_addr
    xor edx, edx
.module:
    cmp edx, [count]
    jae .memory
    inc edx
    call print_module
    ; Page aligned, not before the previous module's end, not ending before it starts.
    test dword [edi], 0xfff
    jnz .bad
    mov eax, [edi]
    cmp eax, [prev_end]
    jb .bad
    cmp eax, [edi + 4]
    ja .bad
    mov eax, [edi + 4]
    mov [prev_end], eax
    ; Inside a RAM range of the memory map.
    mov eax, [edi]
    mov ebx, [edi + 4]
    call in_ram
    jc .bad
    jmp .next
.bad:
    inc dword [bad]
    print "module "
    mov eax, edx
    call putdec
    print " is misplaced", 13, 10
.next:
    add edi, 16
    jmp .module

.memory:
    ; mem_lower must be the RAM below 640K, mem_upper the RAM from 1 MiB, as the map says.
    mov ebx, [info]
    mov eax, 0
    mov ecx, 0x100000
    call ram_from                       ; EAX = bytes of RAM at 0 (from the map)
    shr eax, 10
    cmp eax, [ebx + 4]
    jne .mem_bad
    mov eax, 0x100000
    call ram_from
    shr eax, 10
    cmp eax, [ebx + 8]
    jne .mem_bad
    print "memory: mem_lower and mem_upper agree with the map", 13, 10
    jmp .done
.mem_bad:
    inc dword [bad]
    print "memory: mem_lower or mem_upper disagrees with the map", 13, 10
.done:
    print "modules: "
    mov eax, [count]
    call putdec
    print " checked, "
    mov eax, [bad]
    call putdec
    print " bad", 13, 10
    mov eax, [bad]
    add eax, 0x30
    mov dx, DEBUG_EXIT
    out dx, eax
    cli
    hlt

; CF clear if [EAX, EBX) lies in one type-1 range of the memory map.
in_ram:
    push esi
    push edi
    push ecx
    mov ecx, [info]
    mov esi, [ecx + 48]
    mov edi, esi
    add edi, [ecx + 44]
.entry:
    cmp esi, edi
    jae .no
    cmp dword [esi + 20], 1
    jne .skip
    cmp eax, [esi + 4]                  ; start >= base (maps below 4 GiB only)
    jb .skip
    mov ecx, [esi + 4]
    add ecx, [esi + 12]                 ; base + length
    cmp ebx, ecx
    ja .skip
    clc
    jmp .out
.skip:
    add esi, [esi]
    add esi, 4
    jmp .entry
.no:
    stc
.out:
    pop ecx
    pop edi
    pop esi
    ret

; EAX = length of the type-1 range starting at EAX, or 0.
ram_from:
    push esi
    push edi
    push ecx
    mov ecx, [info]
    mov esi, [ecx + 48]
    mov edi, esi
    add edi, [ecx + 44]
.entry:
    cmp esi, edi
    jae .none
    cmp dword [esi + 20], 1
    jne .skip
    cmp eax, [esi + 4]
    jne .skip
    mov eax, [esi + 12]
    jmp .out
.skip:
    add esi, [esi]
    add esi, 4
    jmp .entry
.none:
    xor eax, eax
.out:
    pop ecx
    pop edi
    pop esi
    ret

%include "com1.inc"
%include "multiboot.inc"
info: dd 0
count: dd 0
bad: dd 0
prev_end: dd 0
load_end:

section .bss follows=.text nobits
    resb 4096
bss_end:
