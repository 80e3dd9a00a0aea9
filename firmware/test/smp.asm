; smp.asm - finds the CPUs the way an OS of the era does, and starts them.
;
; In flat protected mode the BSP reads fw_cfg (signature, CPU count, RAM
; size), the Intel MP table (processors, I/O APIC, where IRQ 0 goes) and
; the ACPI MADT (the same, as ACPI says it), printing one line per fact.
; Then it starts every processor the MP table lists, except itself, one at
; a time with INIT, SIPI, SIPI to its APIC ID; each AP starts in real mode
; at 0x9000, enters protected mode, prints "AP <APIC ID> up" and halts.
; When all have come up, the BSP prints "mp: all N cpus up" and exits
; with 0x13 (status 39).

bits 16
org 0x7c00
%include "com1.mac"
%include "pm.mac"

%define LAPIC 0xfee00000
%define MAX_CPUS 16

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    enter_pm32 bsp32

bits 32
bsp32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7c00

    ; ---- fw_cfg: "fwcfg: QEMU cpus N ram BYTES" ----
    print "fwcfg: "
    mov dx, 0x510
    xor ax, ax
    out dx, ax
    inc dx
    mov ecx, 4
.sig:
    in al, dx
    call putc
    loop .sig
    print " cpus "
    dec dx
    mov ax, 0x05
    out dx, ax
    inc dx
    in al, dx
    movzx ebx, al
    in al, dx
    mov bh, al
    mov eax, ebx
    call putdec
    print " ram "
    dec dx
    mov ax, 0x03
    out dx, ax
    inc dx
    mov ecx, 4
    xor ebx, ebx
.ram:
    in al, dx
    shrd ebx, eax, 8
    loop .ram
    mov eax, ebx
    call putdec
    print 13, 10

    ; ---- the MP floating pointer, on a 16-byte boundary in the BIOS ROM ----
    mov esi, 0xf0000
.find_mp:
    cmp dword [esi], '_MP_'
    je .mp_found
    add esi, 16
    cmp esi, 0x100000
    jb .find_mp
    print "mp: no floating pointer", 13, 10
    debug_exit 0x7e
.mp_found:
    mov ebx, [esi + 4]
    cmp dword [ebx], 'PCMP'
    je .mp_table
    print "mp: no configuration table", 13, 10
    debug_exit 0x7e
.mp_table:
    movzx ecx, word [ebx + 34]
    lea edi, [ebx + 44]
.mp_entry:
    movzx eax, byte [edi]
    cmp al, 0
    je .mp_cpu
    cmp al, 2
    je .mp_ioapic
    cmp al, 3
    je .mp_int
    add edi, 8
    jmp .mp_next
.mp_cpu:
    print "mp: cpu "
    movzx eax, byte [edi + 1]
    call putdec
    mov edx, [ncpus]
    mov [cpu_ids + edx], al
    mov al, [edi + 3]
    mov [cpu_flags + edx], al
    inc dword [ncpus]
    test byte [edi + 3], 2
    jz .mp_cpu_done
    print " bsp"
.mp_cpu_done:
    print 13, 10
    add edi, 20
    jmp .mp_next
.mp_ioapic:
    print "mp: ioapic "
    movzx eax, byte [edi + 1]
    call putdec
    print " at "
    mov eax, [edi + 4]
    call puthex
    print 13, 10
    add edi, 8
    jmp .mp_next
.mp_int:
    cmp byte [edi + 1], 0               ; vectored interrupt
    jne .mp_int_done
    cmp byte [edi + 5], 0               ; ISA IRQ 0
    jne .mp_int_done
    print "mp: irq 0 -> pin "
    movzx eax, byte [edi + 7]
    call putdec
    print 13, 10
.mp_int_done:
    add edi, 8
.mp_next:
    dec ecx
    jnz .mp_entry

    ; ---- ACPI: RSDP in 0xe0000-0xfffff, then RSDT, then the MADT ----
    mov esi, 0xe0000
.find_rsdp:
    cmp dword [esi], 'RSD '
    jne .rsdp_next
    cmp dword [esi + 4], 'PTR '
    je .rsdp_found
.rsdp_next:
    add esi, 16
    cmp esi, 0x100000
    jb .find_rsdp
    print "acpi: no RSDP", 13, 10
    debug_exit 0x7e
.rsdp_found:
    mov ebx, [esi + 16]
    mov ecx, [ebx + 4]
    sub ecx, 36
    shr ecx, 2
    lea esi, [ebx + 36]
.rsdt_entry:
    mov ebx, [esi]
    cmp dword [ebx], 'APIC'
    je .madt
    add esi, 4
    loop .rsdt_entry
    print "acpi: no MADT", 13, 10
    debug_exit 0x7e
.madt:
    mov edx, ebx
    add edx, [ebx + 4]                  ; end of the table
    lea edi, [ebx + 44]
.madt_entry:
    cmp edi, edx
    jae .madt_done
    movzx eax, byte [edi]
    cmp al, 0
    je .madt_cpu
    cmp al, 1
    je .madt_ioapic
    cmp al, 2
    je .madt_override
    jmp .madt_next
.madt_cpu:
    test byte [edi + 4], 1
    jz .madt_next
    print "madt: cpu "
    movzx eax, byte [edi + 3]
    call putdec
    print 13, 10
    jmp .madt_next
.madt_ioapic:
    print "madt: ioapic "
    movzx eax, byte [edi + 2]
    call putdec
    print " at "
    mov eax, [edi + 4]
    call puthex
    print 13, 10
    jmp .madt_next
.madt_override:
    print "madt: irq "
    movzx eax, byte [edi + 3]
    call putdec
    print " -> gsi "
    mov eax, [edi + 4]
    call putdec
    print 13, 10
.madt_next:
    movzx eax, byte [edi + 1]
    add edi, eax
    jmp .madt_entry
.madt_done:

    ; ---- the I/O APIC's own ID register must say what the tables say ----
    mov dword [0xfec00000], 0           ; IOREGSEL: ID
    mov eax, [0xfec00010]               ; IOWIN
    shr eax, 24
    and eax, 0x0f
    print "ioapic: id register "
    call putdec
    print 13, 10

    ; ---- start each AP the MP table lists, one at a time ----
    xor esi, esi
.start_ap:
    cmp esi, [ncpus]
    jae .all_up
    test byte [cpu_flags + esi], 2      ; the BSP is running already
    jnz .start_next
    or dword [LAPIC + 0xf0], 0x100      ; software-enable our local APIC
    movzx eax, byte [cpu_ids + esi]
    shl eax, 24
    mov ebx, [aps_up]
    mov [LAPIC + 0x310], eax
    mov dword [LAPIC + 0x300], 0x00004500   ; INIT
    mov [LAPIC + 0x310], eax
    mov dword [LAPIC + 0x300], 0x00004609   ; SIPI: start at 0x9000
    mov [LAPIC + 0x310], eax
    mov dword [LAPIC + 0x300], 0x00004609
.wait:
    cmp [aps_up], ebx
    je .wait
.start_next:
    inc esi
    jmp .start_ap
.all_up:
    print "mp: all "
    mov eax, [aps_up]
    inc eax
    call putdec
    print " cpus up", 13, 10
    debug_exit 0x13

ap32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, ap_stack_top
    print "AP "
    mov eax, [LAPIC + 0x20]
    shr eax, 24
    call putdec
    print " up", 13, 10
    lock inc dword [aps_up]
.halt:
    cli
    hlt
    jmp .halt

%include "com1.inc"

flat_gdt
align 4
ncpus: dd 0
aps_up: dd 0
cpu_ids: times MAX_CPUS db 0
cpu_flags: times MAX_CPUS db 0
align 16
ap_stack: times 256 db 0                ; one AP runs at a time
ap_stack_top:

; SIPI vector 0x09 starts an AP at 0900:0000 in real mode.
bits 16
    times 0x9000 - 0x7c00 - ($ - $$) db 0
ap_entry:
    jmp 0x0000:ap16
ap16:
    xor ax, ax
    mov ds, ax
    enter_pm32 ap32
