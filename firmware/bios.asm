; bios.asm - bootscope's firmware for direct boots (64 KiB ROM).
;
; Mapped read-only at 0xf0000 and 0xffff0000. Every vCPU's reset vector
; lands at the end of the image; the BSP runs a short POST that leaves the
; machine as a PC BIOS leaves it for a boot sector:
;   - interrupt vector table: services below, every other vector on a stub
;     that reports the call to bootscope (port 0x610) and returns CF=1;
;   - BIOS data area: COM1 at 0x3f8, equipment word, 639 KiB base memory,
;     1 KiB extended BIOS data area at 0x9fc00 (also the POST stack);
;   - 8259 PICs at vectors 0x08 and 0x70, only IRQ 0 (and the cascade)
;     unmasked; PIT channel 0 in mode 3 at 18.2 Hz; IRQ 0 counts ticks at
;     0040:006C and sends EOI.
; Then it enters the guest as the hand-off block at offset 0 says (filled
; by the VMM, see include/firmware.h): a real-mode far jump with DL set, or
; flat 32-bit protected mode with EAX/EBX set (Multiboot).
;
; Services: INT 10h AH=0Eh teletype to COM1, AH=03h/0Fh cursor and mode
; queries; INT 11h, 12h; INT 15h E820, E801, 88h, A20 2400h-2403h; INT 16h
; no key (AH=00h waits forever, reported); INT 18h/19h end the run ("no boot
; device"); INT 1Ah tick count and RTC time/date.

bits 16
org 0

%define FW_PORT          0x610
%define FW_EV_ENTRY      0x01
%define FW_EV_UNSUPPORTED 0x02
%define FW_EV_NO_BOOT    0x03
%define FW_EV_KEY_WAIT   0x04
%define ROM_LINEAR       0xf0000
%define COM1             0x3f8
%define SMAP             0x534d4150
%define EBDA_SCRATCH     0x9fc10         ; 6 bytes in the EBDA for a far pointer

; ---- hand-off block (offsets match include/firmware.h) ----
ho_magic:    dd 0x57465342          ; "BSFW"
ho_version:  dd 2
ho_mode:     dd 0
ho_entry:    dd 0
ho_eax:      dd 0
ho_ebx:      dd 0
ho_ecx:      dd 0
ho_edx:      dd 0
ho_esi:      dd 0
ho_edi:      dd 0
ho_ebp:      dd 0
ho_esp:      dd 0
ho_cs:       dd 0
ho_ds:       dd 0
ho_e820_nr:  dd 0
ho_ext_kb:   dd 0
ho_e801_ax:  dd 0
ho_e801_bx:  dd 0
ho_base_kb:  dd 0
             times 0x50-($-$$) db 0
ho_e820:     times 8*20 db 0
             times 0x100-($-$$) db 0

; ---- GDT for the protected-mode entry. Accessed bits preset: the ROM is read-only. ----
align 8
gdt:
    dq 0
    dq 0x00cf9b000000ffff           ; 0x08: code, base 0, limit 4 GiB, 32-bit (Multiboot)
    dq 0x00cf9b000000ffff           ; 0x10: the same, Linux's __BOOT_CS
    dq 0x00cf93000000ffff           ; 0x18: data, base 0, limit 4 GiB (__BOOT_DS)
gdt_end:
gdt_desc:
    dw gdt_end - gdt - 1
    dd ROM_LINEAR + gdt

; ---- POST ----
post:
    cli
    cld
    mov ax, 0x9fc0                  ; stack at the top of the EBDA
    mov ss, ax
    mov sp, 0x400
    xor ax, ax
    mov ds, ax
    mov es, ax

    ; Every vector to its reporting stub, segment 0xf000.
    xor di, di
    mov ax, stubs
    mov cx, 256
.ivt:
    stosw
    mov word [di], 0xf000
    add di, 2
    add ax, STUB_SIZE
    loop .ivt

%macro setvec 2
    mov word [%1*4], %2
%endmacro
    setvec 0x08, irq0
%assign v 0x09
%rep 7
    setvec v, irq_master
%assign v v+1
%endrep
%assign v 0x70
%rep 8
    setvec v, irq_slave
%assign v v+1
%endrep
    setvec 0x10, int10
    setvec 0x11, int11
    setvec 0x12, int12
    setvec 0x15, int15
    setvec 0x16, int16
    setvec 0x18, int18
    setvec 0x19, int19
    setvec 0x1a, int1a
    setvec 0x1c, iret_only
    setvec 0x4a, iret_only
    ; 1Dh-1Fh are table pointers, not code: there are no tables.
    xor eax, eax
    mov [0x1d*4], eax
    mov [0x1e*4], eax
    mov [0x1f*4], eax

    ; BIOS data area.
    mov di, 0x400
    xor ax, ax
    mov cx, 128
    rep stosw
    mov word [0x400], COM1          ; COM1 base
    mov word [0x410], 0x0202        ; equipment: one serial port, math coprocessor
    mov ax, [cs:ho_base_kb]
    mov [0x413], ax                 ; base memory in KiB
    mov word [0x40e], 0x9fc0        ; EBDA segment
    mov byte [ss:0], 1              ; EBDA size in KiB

    ; 8259 PICs: vectors 0x08 and 0x70, cascade on IRQ 2, IRQ 0 unmasked.
    mov al, 0x11
    out 0x20, al
    out 0xa0, al
    mov al, 0x08
    out 0x21, al
    mov al, 0x70
    out 0xa1, al
    mov al, 0x04
    out 0x21, al
    mov al, 0x02
    out 0xa1, al
    mov al, 0x01
    out 0x21, al
    out 0xa1, al
    mov al, 0xfa
    out 0x21, al
    mov al, 0xff
    out 0xa1, al

    ; PIT channel 0: mode 3, divisor 65536 (18.2 Hz).
    mov al, 0x36
    out 0x43, al
    xor al, al
    out 0x40, al
    out 0x40, al

    cmp dword [cs:ho_mode], 1
    je enter_pm

    ; Real-mode entry, as INT 19h enters a boot sector: SS:SP from the
    ; hand-off, DS=ES=0, DL = boot drive, interrupts on.
    mov eax, [cs:ho_entry]
    mov bx, ax
    and bx, 0x000f
    shr eax, 4
    xor cx, cx
    mov ss, cx
    mov sp, [cs:ho_esp]
    push ax                         ; segment
    push bx                         ; offset
    mov dx, FW_PORT
    mov eax, FW_EV_ENTRY << 24
    out dx, eax
    mov eax, [cs:ho_eax]
    mov ebx, [cs:ho_ebx]
    mov ecx, [cs:ho_ecx]
    mov esi, [cs:ho_esi]
    mov edi, [cs:ho_edi]
    mov ebp, [cs:ho_ebp]
    mov edx, [cs:ho_edx]
    sti
    retf

enter_pm:
    o32 lgdt [cs:gdt_desc]
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword 0x08:(ROM_LINEAR + pm32)

bits 32
pm32:
    mov ax, [cs:ROM_LINEAR + ho_ds]      ; DS still has its real-mode 64 KiB limit
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    ; The code selector the hand-off names: known only at run time, so the
    ; far jump goes through a pointer built in the EBDA.
    mov eax, ROM_LINEAR + pm32_cs
    mov [EBDA_SCRATCH], eax
    mov ax, [ROM_LINEAR + ho_cs]
    mov [EBDA_SCRATCH + 4], ax
    jmp far [EBDA_SCRATCH]
pm32_cs:
    mov esp, [ROM_LINEAR + ho_esp]
    mov dx, FW_PORT
    mov eax, FW_EV_ENTRY << 24
    out dx, eax
    mov eax, [ROM_LINEAR + ho_eax]
    mov ebx, [ROM_LINEAR + ho_ebx]
    mov ecx, [ROM_LINEAR + ho_ecx]
    mov edx, [ROM_LINEAR + ho_edx]
    mov esi, [ROM_LINEAR + ho_esi]
    mov edi, [ROM_LINEAR + ho_edi]
    mov ebp, [ROM_LINEAR + ho_ebp]
    jmp dword [ROM_LINEAR + ho_entry]
bits 16

; ---- returns that set flags in the caller's saved FLAGS ----
; Stack at entry: IP, CS, FLAGS.
iret_cf0:
    push bp
    mov bp, sp
    and word [bp+6], ~1
    pop bp
    iret
iret_cf1:
    push bp
    mov bp, sp
    or word [bp+6], 1
    pop bp
    iret
iret_only:
    iret

; ---- unsupported calls: report vector and AX, return with CF=1 ----
; Stack at entry: vector, IP, CS, FLAGS.
unsupported:
    push bp
    mov bp, sp
    push eax
    push edx
    movzx eax, byte [bp+2]
    shl eax, 16
    mov ax, [bp-4]                  ; the caller's AX
    or eax, FW_EV_UNSUPPORTED << 24
    mov dx, FW_PORT
    out dx, eax
    pop edx
    pop eax
    or word [bp+8], 1
    pop bp
    add sp, 2
    iret

STUB_SIZE equ 6
stubs:
%assign v 0
%rep 256
    push strict word v
    jmp strict near unsupported
%assign v v+1
%endrep

; ---- hardware interrupts ----
irq0:
    push ds
    push eax
    xor ax, ax
    mov ds, ax
    mov eax, [0x46c]
    inc eax
    cmp eax, 0x1800b0               ; ticks per day
    jb .same_day
    xor eax, eax
    mov byte [0x470], 1
.same_day:
    mov [0x46c], eax
    int 0x1c
    mov al, 0x20
    out 0x20, al
    pop eax
    pop ds
    iret

irq_master:
    push ax
    mov al, 0x20
    out 0x20, al
    pop ax
    iret

irq_slave:
    push ax
    mov al, 0x20
    out 0xa0, al
    out 0x20, al
    pop ax
    iret

; ---- INT 10h: video, as far as a serial console goes ----
int10:
    cmp ah, 0x0e
    je .teletype
    cmp ah, 0x0f
    je .mode
    cmp ah, 0x03
    je .cursor
    push word 0x10
    jmp unsupported
.teletype:
    push dx
    mov dx, COM1
    out dx, al
    pop dx
    iret
.mode:
    mov ax, 0x5003                  ; 80 columns, mode 3
    xor bh, bh
    iret
.cursor:
    mov cx, 0x0607
    xor dx, dx
    iret

int11:
    push ds
    xor ax, ax
    mov ds, ax
    mov ax, [0x410]
    pop ds
    iret

int12:
    push ds
    xor ax, ax
    mov ds, ax
    mov ax, [0x413]
    pop ds
    iret

; ---- INT 15h: memory size and A20 ----
int15:
    cmp eax, 0xe820
    je .e820
    cmp ax, 0xe801
    je .e801
    cmp ah, 0x88
    je .ext
    cmp ax, 0x2401
    je .a20_on
    cmp ax, 0x2402
    je .a20_status
    cmp ax, 0x2403
    je .a20_support
    mov ah, 0x86
    push word 0x15
    jmp unsupported
.e820:
    cmp edx, SMAP
    jne .fail
    cmp ecx, 20
    jb .fail
    cmp ebx, [cs:ho_e820_nr]
    jae .fail
    push ds
    push si
    push di
    push cs
    pop ds
    imul si, bx, 20
    add si, ho_e820
    mov cx, 20
    rep movsb
    pop di
    pop si
    pop ds
    inc ebx
    cmp ebx, [cs:ho_e820_nr]
    jb .e820_more
    xor ebx, ebx
.e820_more:
    mov eax, SMAP
    mov ecx, 20
    jmp iret_cf0
.fail:
    mov ah, 0x86
    jmp iret_cf1
.e801:
    mov ax, [cs:ho_e801_ax]
    mov bx, [cs:ho_e801_bx]
    mov cx, ax
    mov dx, bx
    jmp iret_cf0
.ext:
    mov ax, [cs:ho_ext_kb]
    jmp iret_cf0
.a20_on:
    xor ah, ah
    jmp iret_cf0
.a20_status:
    mov ax, 0x0001                  ; A20 is always on
    jmp iret_cf0
.a20_support:
    xor ah, ah
    mov bx, 0x0003
    jmp iret_cf0

; ---- INT 16h: there is no keyboard ----
int16:
    cmp ah, 0x01
    je .no_key
    cmp ah, 0x11
    je .no_key
    cmp ah, 0x02
    je .shift
    cmp ah, 0x12
    je .shift
    cmp ah, 0x00
    je .wait
    cmp ah, 0x10
    je .wait
    push word 0x16
    jmp unsupported
.no_key:
    push bp
    mov bp, sp
    or word [bp+6], 0x40            ; ZF: buffer empty
    pop bp
    iret
.shift:
    xor al, al
    iret
.wait:
    ; A real BIOS would wait for a key; so do we, after saying so.
    movzx eax, ax                   ; the caller's AX
    or eax, FW_EV_KEY_WAIT << 24
    mov dx, FW_PORT
    out dx, eax
.forever:
    sti
    hlt
    jmp .forever

; ---- INT 18h/19h: nothing to boot ----
int18:
    mov eax, (FW_EV_NO_BOOT << 24) | (0x18 << 16)
    jmp no_boot
int19:
    mov eax, (FW_EV_NO_BOOT << 24) | (0x19 << 16)
no_boot:
    mov dx, FW_PORT
    out dx, eax
.stop:
    cli
    hlt
    jmp .stop

; ---- INT 1Ah: tick count and RTC ----
int1a:
    cmp ah, 0x00
    je .get_ticks
    cmp ah, 0x01
    je .set_ticks
    cmp ah, 0x02
    je .get_time
    cmp ah, 0x04
    je .get_date
    push word 0x1a
    jmp unsupported
.get_ticks:
    push ds
    push word 0
    pop ds
    cli
    mov dx, [0x46c]
    mov cx, [0x46e]
    mov al, [0x470]
    mov byte [0x470], 0
    pop ds
    jmp iret_cf0
.set_ticks:
    push ds
    push word 0
    pop ds
    mov [0x46c], dx
    mov [0x46e], cx
    mov byte [0x470], 0
    pop ds
    jmp iret_cf0
.get_time:
    mov al, 4
    call cmos_read
    mov ch, al
    mov al, 2
    call cmos_read
    mov cl, al
    mov al, 0
    call cmos_read
    mov dh, al
    xor dl, dl
    jmp iret_cf0
.get_date:
    mov al, 0x32
    call cmos_read
    mov ch, al
    mov al, 9
    call cmos_read
    mov cl, al
    mov al, 8
    call cmos_read
    mov dh, al
    mov al, 7
    call cmos_read
    mov dl, al
    jmp iret_cf0

cmos_read:                          ; AL = register -> AL = value
    out 0x70, al
    in al, 0x71
    ret

; ---- 0x8000-0xbfff: the VMM writes the MP and ACPI tables here (FW_TABLES_*) ----
%if ($ - $$) > 0x8000
%error "firmware code runs into the table area"
%endif
    times 0x8000-($-$$) db 0xff
    times 0x4000 db 0

; ---- the last 16 bytes: reset vector, BIOS date, model byte ----
    times 0xfff0-($-$$) db 0xff
reset:
    jmp 0xf000:post
    db "11/25/26"
    db 0
    db 0xfc                         ; model: AT
    db 0
