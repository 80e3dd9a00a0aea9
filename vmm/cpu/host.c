/*
 * host.c - the machine's KVM and CPU, as far as they change what a time means.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cpu/host.h"
#include "lib/util.h"

static struct host_info info;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static const char *kvm_module(void)
{
	static const char *const mods[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };

	for (size_t i = 0; i < ARRAY_SIZE(mods); i++) {
		char path[64];

		snprintf(path, sizeof(path), "/sys/module/%s", mods[i]);
		if (access(path, F_OK) == 0)
			return mods[i];
	}
	return "unknown";
}

/* The host CPU's CPUID (the project's cpuid.h is about guests, so no <cpuid.h> here). */
static void host_cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

/* CPUID 1 ECX bit 31 says a hypervisor is there; leaf 0x40000000 names it. */
static void read_hypervisor(char sig[13])
{
	uint32_t r[4];

	sig[0] = '\0';
	host_cpuid(1, r);
	if (!(r[2] & (1u << 31)))
		return;
	host_cpuid(0x40000000, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
}

static void probe(void)
{
	info.kvm_module = kvm_module();
	read_hypervisor(info.hypervisor);
	info.under_tcg = !strcmp(info.hypervisor, "TCGTCGTCGTCG");
	if (info.under_tcg)
		info.timing_note = "this KVM runs inside QEMU's software emulation (TCG): not hardware timings; "
				   "compare them only with QEMU+KVM on the same KVM in the same run";
	else if (!strcmp(info.kvm_module, "kvm_pvm"))
		info.timing_note = "this KVM (kvm_pvm) emulates every guest instruction: not hardware timings; "
				   "compare them only with QEMU+KVM on the same KVM in the same run";
	info.hardware_timings = !info.timing_note;
}

const struct host_info *host__info(void)
{
	pthread_once(&once, probe);
	return &info;
}
