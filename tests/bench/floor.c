/*
 * floor.c - the floor of `make bench`: the least a VMM can do per exit.
 *
 * A bare VM (1 MiB of RAM, one vCPU in real mode at 0x7c00, no interrupt
 * controllers, no devices) runs the bench guest; every KVM_EXIT_IO is
 * answered by re-entering at once, until the guest writes port 0xf4.
 * Prints: exits and nanoseconds from the first KVM_RUN to the last exit.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void fail(const char *what)
{
	perror(what);
	exit(1);
}

int main(int argc, char **argv)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, cpu, img;
	uint8_t *ram = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region region = { .memory_size = 1 << 20, .userspace_addr = (uintptr_t)ram };
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = 0x7c00, .rflags = 2 };
	struct kvm_run *run;
	uint64_t exits = 0, t0, t1;
	ssize_t n;

	if (argc != 2)
		return fprintf(stderr, "usage: floor GUEST.bin\n"), 2;
	if (kvm < 0 || (vm = ioctl(kvm, KVM_CREATE_VM, 0)) < 0)
		fail("kvm");
	if ((img = open(argv[1], O_RDONLY)) < 0 || (n = read(img, ram + 0x7c00, 0x10000)) <= 0)
		fail(argv[1]);
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0 || (cpu = ioctl(vm, KVM_CREATE_VCPU, 0)) < 0)
		fail("vcpu");
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE, MAP_SHARED, cpu, 0);
	if (run == MAP_FAILED || ioctl(cpu, KVM_GET_SREGS, &sregs) < 0)
		fail("run");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(cpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(cpu, KVM_SET_REGS, &regs) < 0)
		fail("regs");
	t0 = now();
	for (;;) {
		if (ioctl(cpu, KVM_RUN, 0) < 0)
			fail("KVM_RUN");
		exits++;
		if (run->exit_reason != KVM_EXIT_IO)
			return fprintf(stderr, "floor: unexpected exit %u\n", run->exit_reason), 1;
		if (run->io.port == 0xf4)
			break;
	}
	t1 = now();
	printf("%llu %llu\n", (unsigned long long)exits, (unsigned long long)(t1 - t0));
	return 0;
}
