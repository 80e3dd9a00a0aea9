/*
 * qemu_trace.c - QEMU's own record of its KVM exits, as a bootscope trace.
 *
 * With --trace, `bootscope qemu` runs QEMU with the kvm_run_exit trace
 * event on its log backend, written to a memfd, with timestamps
 * (-msg timestamp=on): "PID@SECONDS.MICROSECONDS:kvm_run_exit cpu_index N,
 * reason R". Afterwards each line becomes an exit record on vCPU N's ring
 * (docs/trace-format.md says what such records hold and lack). QEMU stamps
 * the host's real-time clock; bootscope read that clock and its own tick
 * counter together just before it started QEMU, which maps one onto the
 * other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "studies/qemu.h"
#include "core/trace.h"
#include "core/vm.h"

#define MAX_LOG (256u << 20)

int qemu_trace__convert(struct vm *vm, int log_fd, uint64_t rt0_ns, uint64_t ticks0, uint64_t *converted)
{
	uint64_t last[MAX_VCPUS], n = 0;
	off_t size = lseek(log_fd, 0, SEEK_END);
	char *buf, *line, *save = NULL;

	*converted = 0;
	if (size <= 0)
		return 0;
	if ((uint64_t)size > MAX_LOG || !(buf = malloc((size_t)size + 1)))
		return -EFBIG;
	if (pread(log_fd, buf, (size_t)size, 0) != size) {
		free(buf);
		return -EIO;
	}
	buf[size] = '\0';
	for (int i = 0; i < MAX_VCPUS; i++)
		last[i] = vm->t0;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long long sec, usec;
		int pid, cpu, reason;
		uint64_t rt, t;
		struct trace_rec r;

		if (sscanf(line, "%d@%llu.%llu:kvm_run_exit cpu_index %d, reason %d", &pid, &sec, &usec, &cpu, &reason) != 5 ||
		    cpu < 0 || cpu >= vm->cfg.smp || reason < 0)
			continue;
		rt = sec * 1000000000ull + usec * 1000ull;
		t = ticks0 + (rt > rt0_ns ? clock__ticks((double)(rt - rt0_ns) / 1e9) : 0);
		r = (struct trace_rec){ .t_enter = last[cpu], .t_exit = t, .t_done = t, .vcpu = (uint16_t)cpu,
					.kind = TR_EXIT, .reason = (uint8_t)MIN(reason, NR_EXIT_REASONS - 1),
					.flags = TRF_NO_ADDR };
		last[cpu] = t;
		if (trace__append(cpu, &r) == 0)
			n++;
	}
	free(buf);
	*converted = n;
	return 0;
}
