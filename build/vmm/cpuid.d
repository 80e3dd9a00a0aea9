build/vmm/cpuid.o: vmm/cpuid.c include/cpu_model.h include/cpuid.h \
 include/vm.h include/bus.h include/cpu_model.h include/events.h \
 include/memmap.h include/milestone.h include/trace.h include/util.h
include/cpu_model.h:
include/cpuid.h:
include/vm.h:
include/bus.h:
include/cpu_model.h:
include/events.h:
include/memmap.h:
include/milestone.h:
include/trace.h:
include/util.h:
