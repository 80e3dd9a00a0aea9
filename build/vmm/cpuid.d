build/vmm/cpuid.o: vmm/cpuid.c include/cpuid.h include/vm.h include/bus.h \
 include/events.h include/memmap.h include/milestone.h include/util.h
include/cpuid.h:
include/vm.h:
include/bus.h:
include/events.h:
include/memmap.h:
include/milestone.h:
include/util.h:
