/*
 * kvm.h - the VM on /dev/kvm: its memory (RAM, ROM, slots) and interrupt
 * lines (kvm.c).
 */
#ifndef BOOTSCOPE_KVM_H
#define BOOTSCOPE_KVM_H

#include <stddef.h>
#include <stdint.h>

#include "core/vm.h"

/* Memory slots; PAM windows use SLOT_PAM .. SLOT_PAM + 12 (pc.h). */
enum { SLOT_LOW_RAM, SLOT_HIGH_RAM, SLOT_ROM, SLOT_ROM_HIGH, SLOT_VGA_RAM, SLOT_PAM };

int kvm__set_slot(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size, void *host, uint32_t flags);
/* Open /dev/kvm; on failure a one-line reason in err and -errno. */
int kvm__open(char *err, size_t errlen);
/*
 * Guest RAM (a memfd) and the ROM buffer. No KVM is needed for them, so the
 * firmware and the guest's files are loaded and checked before /dev/kvm is
 * opened: a bad file gets its own message on a machine without KVM too.
 */
int kvm__alloc_memory(struct vm *vm, char *err, size_t errlen);
#define HUGE_PAGE (2 * 1024 * 1024)
/*
 * What the host allows for huge guest RAM: the mode of transparent_hugepage/WHICH
 * ("enabled" or "shmem_enabled": "never", "madvise", "advise", ...; "unknown"),
 * written into mode; free 2 MiB hugetlbfs pages (-1: none).
 */
const char *kvm__thp_mode(const char *which, char *mode, size_t len);
long kvm__free_huge_pages(void);
/* /dev/kvm, the VM, its interrupt controllers, and the RAM slots (after kvm__alloc_memory). */
int kvm__init(struct vm *vm, char *err, size_t errlen);
void kvm__exit(struct vm *vm);
int kvm__irq_line(struct vm *vm, int gsi, int level);
/* Map the (filled) firmware ROM at 0xf0000 and 0xffff0000, read-only. */
int kvm__map_rom(struct vm *vm, char *err, size_t errlen);

/* Guest physical gpa..gpa+len as a host pointer, or NULL if it is not all RAM. */
static inline void *guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa > vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return vm->ram + gpa;
}

#endif
