/*
 * acpi_pm.h - the ACPI power-management block of QEMU's PIIX4 (00:01.3):
 *
 *   base + 0   PM1a event: status (write 1 to clear), enable     4 bytes
 *   base + 4   PM1a control: SCI_EN, SLP_TYP, SLP_EN                2 bytes
 *   base + 8   PM timer: 24 bits counting at 3.579545 MHz           4 bytes
 *
 * The timer and the power-off are what guests touch often or must not miss,
 * so both live in bootscope. Direct boots get the whole block at QEMU's
 * base 0x600, described by the FADT (boot/acpi.c). BIOS boots keep the
 * block in the QEMU child, where the BIOS programs its base, and answer
 * the timer and SLP_EN here (pc/delegate.c): a SeaBIOS delay loop or a
 * kernel's clocksource read costs no round trip.
 */
#ifndef BOOTSCOPE_ACPI_PM_H
#define BOOTSCOPE_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct kvm_cpu;

#define ACPI_PM_BASE 0x600	/* where SeaBIOS puts QEMU's, and direct boots have it */
#define ACPI_PM_LEN 0x0c	/* what direct boots decode: event, control, timer (0x610 is the firmware's) */
#define ACPI_PM1_CNT 4
#define ACPI_PM_TMR 8
#define ACPI_PM_TIMER_HZ 3579545ULL
#define ACPI_SCI_IRQ 9
#define ACPI_SLP_EN 0x2000
#define ACPI_SCI_EN 0x0001

/* The timer's value at ns on the monotonic clock (it has run since the clock's zero). */
uint32_t acpi_pm__timer(uint64_t ns);
/*
 * A read of len bytes at port inside the timer of a block at base: fill data
 * and return true; false when the access is not the timer's.
 */
bool acpi_pm__read_timer(uint16_t base, uint64_t port, uint8_t *data, uint32_t len);
/*
 * A write of count items of size bytes at port: if one sets SLP_EN in PM1
 * control of the block at base, end the run as a shutdown (QEMU powers off)
 * and return true.
 */
bool acpi_pm__powers_off(struct kvm_cpu *cpu, uint16_t base, uint64_t port, const uint8_t *data, uint32_t size,
			 uint32_t count);
/* Direct boots: the whole block at ACPI_PM_BASE. */
int acpi_pm__register(struct vm *vm);

#endif
