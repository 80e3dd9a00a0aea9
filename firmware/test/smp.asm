; smp.asm - starts every application processor the way an OS does: the
; BSP enables its local APIC and sends INIT, SIPI, SIPI to all others; each
; AP starts in real mode at 0x8000, prints "smp: AP <APIC ID> up" and
; halts. When all have checked in (the count comes from CPUID leaf 1
; EBX[23:16]), the BSP prints "smp: N CPUs up" and exits with 0x12
; (status 37).

bits 16
org 0x7c00
%include "com1.mac"

%define LAPIC 0xfee00000

start:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    mov eax, 1
    cpuid
    shr ebx, 16
    movzx eax, bl
    mov [ncpus], eax
    print "smp: BSP sees "
    call putdec
    print " CPUs", 13, 10

    lgdt [gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:pm

bits 32
pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, 0x7c00
    or dword [LAPIC + 0xf0], 0x100          ; spurious vector register: APIC on
    mov dword [LAPIC + 0x310], 0
    mov dword [LAPIC + 0x300], 0x000c4500   ; INIT to all but self
    mov dword [LAPIC + 0x300], 0x000c4608   ; SIPI, vector 0x08: start at 0x8000
    mov dword [LAPIC + 0x300], 0x000c4608
    mov ecx, [ncpus]
    dec ecx
.wait:
    cmp [aps_up], ecx
    jb .wait
    ; Take the console lock, then report.
.lock:
    mov al, 1
    xchg [console_lock], al
    test al, al
    jnz .lock
    mov esi, done_line
    mov dx, COM1
.text:
    lodsb
    test al, al
    jz .text_done
    out dx, al
    jmp .text
.text_done:
    mov eax, [ncpus]
    add al, '0'
    out dx, al
    mov esi, done_tail
.tail:
    lodsb
    test al, al
    jz .tail_done
    out dx, al
    jmp .tail
.tail_done:
    debug_exit 0x12

bits 16
ap_main:
    xor ax, ax
    mov ds, ax
    mov ss, ax
.lock:
    mov al, 1
    xchg [console_lock], al
    test al, al
    jnz .lock
    mov sp, ap_stack_top
    mov eax, 1
    cpuid
    shr ebx, 24
    print "smp: AP "
    mov eax, ebx
    call putdec
    print " up", 13, 10
    lock inc dword [aps_up]
    mov byte [console_lock], 0
.halt:
    cli
    hlt
    jmp .halt

%include "com1.inc"

align 8
gdt:
    dq 0
    dq 0x00cf9a000000ffff
    dq 0x00cf92000000ffff
gdt_desc:
    dw 23
    dd gdt
done_line: db "smp: ", 0
done_tail: db " CPUs up", 13, 10, 0
align 4
ncpus: dd 0
aps_up: dd 0
console_lock: db 0
align 16
ap_stack: times 256 db 0             ; shared: APs use it one at a time, under the lock
ap_stack_top:

; The SIPI vector 0x08 starts APs at 0800:0000; jump to segment 0 at once.
    times 0x8000 - 0x7c00 - ($ - $$) db 0
ap_entry:
    jmp 0x0000:ap_main
