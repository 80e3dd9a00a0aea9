build/vmm/kvm_cpu.o: vmm/kvm_cpu.c include/clock.h include/cpuid.h \
 include/msr.h include/cpu_model.h include/vm.h include/bus.h \
 include/events.h include/memmap.h include/milestone.h include/trace.h \
 include/util.h
include/clock.h:
include/cpuid.h:
include/msr.h:
include/cpu_model.h:
include/vm.h:
include/bus.h:
include/events.h:
include/memmap.h:
include/milestone.h:
include/trace.h:
include/util.h:
