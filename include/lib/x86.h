/*
 * x86.h - the architectural register bits bootscope reads and sets, named
 * as the Intel SDM names them (as the KVM selftests' processor.h does), so
 * that no file spells them as numbers.
 */
#ifndef BOOTSCOPE_X86_H
#define BOOTSCOPE_X86_H

/* CR0 */
#define X86_CR0_PE	(1u << 0)	/* protection enable */
#define X86_CR0_ET	(1u << 4)	/* extension type (387 present) */
#define X86_CR0_PG	(1u << 31)	/* paging */

/* CR4 */
#define X86_CR4_PSE	(1u << 4)	/* 4 MiB pages */
#define X86_CR4_PAE	(1u << 5)	/* physical address extension */

/* EFER (MSR 0xc0000080) */
#define X86_EFER_LME	(1u << 8)	/* long mode enable */
#define X86_EFER_LMA	(1u << 10)	/* long mode active */

/* EFLAGS */
#define X86_EFLAGS_FIXED	(1u << 1)	/* always 1 */
#define X86_EFLAGS_IF		(1u << 9)	/* interrupts enabled */
#define X86_EFLAGS_RF		(1u << 16)	/* resume: no instruction breakpoint on the next instruction */

/* Page-table entries */
#define X86_PTE_P	(1u << 0)	/* present */
#define X86_PTE_RW	(1u << 1)	/* writable */
#define X86_PTE_PS	(1u << 7)	/* a large page (4 MiB, or 2 MiB under PAE) */

/* Local APIC register offsets (each 256-bit register is 8 words 16 bytes apart) */
#define X86_APIC_ISR	0x100	/* in service */
#define X86_APIC_IRR	0x200	/* requested */

/* The reset vector: CS selector 0xf000, base 0xffff0000, IP 0xfff0. */
#define X86_RESET_CS_SELECTOR	0xf000
#define X86_RESET_CS_BASE	0xffff0000u
#define X86_RESET_IP		0xfff0

#endif
