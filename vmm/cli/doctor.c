/*
 * doctor.c - `bootscope doctor [--json]`: a table of what this host's KVM
 * runs, and which kinds of guests will therefore not boot here.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "cpu/cpu_model.h"
#include "cpu/cpuid.h"
#include "cli/doctor.h"
#include "cpu/probe.h"
#include "cpu/host.h"
#include "pc/qtest.h"
#include "lib/util.h"
#include "core/kvm.h"
#include "core/vm.h"

/*
 * BIOS boots need QEMU as a device model: start one as `run` would, with
 * 16 MiB of RAM, and time 200 sequential round trips (reads of CMOS
 * register 0x0b). That is the floor of what a forwarded access costs here.
 */
static bool device_model_works(char *detail, size_t len)
{
	static struct qtest q = { .fd = -1, .child.output_fd = -1 };
	struct qtest_config c = { .qemu = qtest__qemu_binary(), .ram_size = 16 * MiB, .smp = 1,
				  .cdrom_fd = -1, .hda_fd = -1 };
	char err[400];
	uint64_t t0, v;
	bool ok = false;

	c.ram_fd = memfd_create("bootscope-doctor-ram", MFD_CLOEXEC);
	if (c.ram_fd < 0 || ftruncate(c.ram_fd, (off_t)c.ram_size) < 0) {
		snprintf(detail, len, "memfd: %s", strerror(errno));
	} else if (qtest__start(&q, &c, NULL, NULL, err, sizeof(err))) {
		snprintf(detail, len, "%s", err);
	} else {
		int i;

		t0 = clock__mono_ns();
		for (i = 0; i < 200; i++)
			if (qtest__exchange(&q, "outb 0x70 0xb\n", 14, 1, &v, NULL, NULL))
				break;
		ok = i == 200;
		if (ok)
			snprintf(detail, len, "%s up in %.0f ms, %.0f us per round trip", c.qemu, q.start_ns / 1e6,
				 (double)(clock__mono_ns() - t0) / 200 / 1e3);
		else
			snprintf(detail, len, "%s stopped answering: %s", c.qemu, q.last);
	}
	qtest__stop(&q);
	if (c.ram_fd >= 0)
		close(c.ram_fd);
	return ok;
}

struct row {
	const char *check;
	const char *result;	/* "ok", "FAILS", "missing", "differs", or a measurement */
	char detail[512];
};

int doctor__main(int argc, char **argv)
{
	static struct row rows[28];
	const struct host_info *host = host__info();
	char err[256], buf[400];
	bool json = argc > 1 && !strcmp(argv[1], "--json"), paging, pae, iret, same, bps, step;
	int n = 0, kvm;
	double cost;
	uint64_t nr_exits;

	if (argc > 2 || (argc == 2 && !json))
		die_usage("doctor: the only option is --json");
	clock__init();
	kvm = kvm__open(err, sizeof(err));
	if (kvm < 0)
		die("%s", err);

#define ROW(c, r, ...) do { rows[n].check = (c); rows[n].result = (r); snprintf(rows[n].detail, sizeof(rows[n].detail), __VA_ARGS__); n++; } while (0)
#define CAP(x) ioctl(kvm, KVM_CHECK_EXTENSION, (x))
	ROW("/dev/kvm", "ok", "API version %d, module %s, up to %d vCPUs", ioctl(kvm, KVM_GET_API_VERSION, 0),
	    host->kvm_module, CAP(KVM_CAP_MAX_VCPUS));
	ROW("host CPU", host->under_tcg ? "emulated" : *host->hypervisor ? "virtual" : "hardware", "%s%s%s",
	    host->under_tcg ? "QEMU's software emulation (TCG)" : *host->hypervisor ? "a virtual machine" : "bare metal",
	    *host->hypervisor ? ", hypervisor signature " : "", host->hypervisor);
	ROW("in-kernel irqchip and PIT", CAP(KVM_CAP_IRQCHIP) > 0 && CAP(KVM_CAP_PIT2) > 0 ? "ok" : "missing",
	    "KVM_CAP_IRQCHIP %d, KVM_CAP_PIT2 %d", CAP(KVM_CAP_IRQCHIP), CAP(KVM_CAP_PIT2));
	ROW("read-only memory (ROM)", CAP(KVM_CAP_READONLY_MEM) > 0 ? "ok" : "missing", "KVM_CAP_READONLY_MEM %d",
	    CAP(KVM_CAP_READONLY_MEM));
	ROW("real mode", probe__mode(kvm, PR_REAL, buf, sizeof(buf)) ? "ok" : "FAILS", "%s", buf);
	ROW("32-bit protected mode", probe__mode(kvm, PR_PM32, buf, sizeof(buf)) ? "ok" : "FAILS", "%s", buf);
	paging = probe__mode(kvm, PR_PSE, buf, sizeof(buf));
	ROW("32-bit paging (PSE)", paging ? "ok" : "FAILS", "%s", buf);
	pae = probe__mode(kvm, PR_PAE, buf, sizeof(buf));
	ROW("PAE paging", pae ? "ok" : "FAILS", "%s", buf);
	ROW("long mode, 4-level paging", probe__mode(kvm, PR_LONG, buf, sizeof(buf)) ? "ok" : "FAILS", "%s", buf);
	iret = probe__mode(kvm, PR_IRET, buf, sizeof(buf));
	ROW("INT n and IRET in protected mode", iret ? "ok" : "FAILS", "%s", buf);
	probe__cpuid_as_programmed(kvm, buf, sizeof(buf), &same);
	ROW("CPUID as programmed", same ? "ok" : "differs", "%s", buf);
	ROW("MSR filter (CPU models' MSRs)", probe__msr_filter_works(kvm, buf, sizeof(buf)) ? "ok" : "FAILS", "%s", buf);
	ROW("SMM", CAP(KVM_CAP_X86_SMM) > 0 ? "ok" : "missing", "KVM_CAP_X86_SMM %d", CAP(KVM_CAP_X86_SMM));
	bps = probe__breakpoints_work(kvm, buf, sizeof(buf));
	ROW("hardware breakpoints (BIOS milestones)", bps ? "ok" : "FAILS", "%s", buf);
	step = probe__single_step_works(kvm, buf, sizeof(buf));
	ROW("single-step (--stop-at-entry)", step ? "ok" : "FAILS", "%s", buf);
	ROW("QEMU device model (BIOS boots)", device_model_works(buf, sizeof(buf)) ? "ok" : "FAILS", "%s", buf);
	{
		char anon_mode[32], shmem_mode[32];
		const char *anon = kvm__thp_mode("enabled", anon_mode, sizeof(anon_mode));
		const char *thp = kvm__thp_mode("shmem_enabled", shmem_mode, sizeof(shmem_mode));
		long free_huge = kvm__free_huge_pages();
		bool shmem_huge = strcmp(thp, "never") && strcmp(thp, "deny") && strcmp(thp, "unknown");
		bool anon_huge = !strcmp(anon, "always") || !strcmp(anon, "madvise");

		ROW("huge pages for guest RAM (direct boots)", anon_huge ? "ok" : "4 KiB",
		    "anonymous memory with MADV_HUGEPAGE, as QEMU's: transparent huge pages are %s%s", anon,
		    anon_huge ? "" : ": 4 KiB pages; echo madvise >/sys/kernel/mm/transparent_hugepage/enabled "
				     "gives them huge pages");
		ROW("huge pages for guest RAM (BIOS boots)", free_huge > 0 ? "ok" : shmem_huge ? "ok" : "4 KiB",
		    "shared with the QEMU child: %ld free 2 MiB hugetlbfs pages (used when they hold all of RAM), "
		    "shmem_enabled %s%s", free_huge < 0 ? 0 : free_huge, thp,
		    free_huge > 0 || shmem_huge ? "" :
		    ": 4 KiB pages; echo advise >/sys/kernel/mm/transparent_hugepage/shmem_enabled, or reserve "
		    "pages in /proc/sys/vm/nr_hugepages, gives them huge pages");
	}
	cost = probe__exit_cost_ns(kvm, &nr_exits);
	snprintf(buf, 32, "%.1f us", cost / 1e3);
	ROW("port-I/O exit to user space", cost > 0 ? "measured" : "FAILS", "%s per exit, nothing handled (%llu exits)",
	    cost > 0 ? buf : "?", (unsigned long long)nr_exits);
#undef ROW
#undef CAP

	{
		const char *cannot[4], *notes[4];
		int nc = 0, nn = 0;
		cJSON *root = cJSON_CreateObject(), *arr;

		if (!paging)
			cannot[nc++] = "Linux (every i386 kernel turns on paging) and MINIX 3, whatever the boot path, on KVM "
				       "(QEMU's software emulation can: bootscope qemu --accel tcg; so can tools/testvm)";
		else if (!pae)
			cannot[nc++] = "kernels that use PAE paging (Linux built with PAE, such as Debian's 686-pae)";
		if (!iret)
			cannot[nc++] = "boot loaders and kernels that take interrupts in protected mode (isolinux, iPXE, ...)";
		if (host->timing_note)
			notes[nn++] = host->timing_note;
		if (!bps)
			notes[nn++] = step ? "BIOS boots take int19 and entry from SeaBIOS's debug console lines, and "
					     "--stop-at-entry single-steps from the last of them to 0000:7C00"
					   : "BIOS boots take int19 from SeaBIOS's debug console; their entry milestone "
					     "and --stop-at-entry are not available";
		else if (!step)
			notes[nn++] = "--stop-at-entry of direct boots is not available";
		if (json) {
			cJSON *o = cJSON_AddObjectToObject(root, "host");

			cJSON_AddStringToObject(o, "kvm_module", host->kvm_module);
			cJSON_AddStringToObject(o, "hypervisor", host->hypervisor);
			cJSON_AddBoolToObject(o, "under_tcg", host->under_tcg);
			cJSON_AddBoolToObject(o, "hardware_timings", host->hardware_timings);
			arr = cJSON_AddArrayToObject(root, "checks");
			for (int i = 0; i < n; i++) {
				cJSON *c = cJSON_CreateObject();

				cJSON_AddStringToObject(c, "check", rows[i].check);
				cJSON_AddStringToObject(c, "result", rows[i].result);
				cJSON_AddStringToObject(c, "detail", rows[i].detail);
				cJSON_AddItemToArray(arr, c);
			}
			arr = cJSON_AddArrayToObject(root, "will_not_boot");
			for (int i = 0; i < nc; i++)
				cJSON_AddItemToArray(arr, cJSON_CreateString(cannot[i]));
			arr = cJSON_AddArrayToObject(root, "notes");
			for (int i = 0; i < nn; i++)
				cJSON_AddItemToArray(arr, cJSON_CreateString(notes[i]));
			{
				char *s = cJSON_Print(root);

				puts(s);
				free(s);
			}
		} else {
			printf("bootscope doctor: what this host's KVM can run\n");
			printf("  %-40s %-9s %s\n", "check", "result", "detail");
			for (int i = 0; i < n; i++)
				printf("  %-40s %-9s %s\n", rows[i].check, rows[i].result, rows[i].detail);
			printf("guests that will not boot on this host:%s\n", nc ? "" : " none found");
			for (int i = 0; i < nc; i++)
				printf("  - %s\n", cannot[i]);
			if (nn)
				printf("notes:\n");
			for (int i = 0; i < nn; i++)
				printf("  - %s\n", notes[i]);
		}
		cJSON_Delete(root);
	}
	cpuid__exit();
	close(kvm);
	return EXIT_OK;
}
