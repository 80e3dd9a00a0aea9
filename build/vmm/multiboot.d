build/vmm/multiboot.o: vmm/multiboot.c include/firmware.h \
 include/loader.h include/util.h include/multiboot.h include/vm.h \
 include/bus.h include/cpu_model.h include/events.h include/memmap.h \
 include/milestone.h include/trace.h
include/firmware.h:
include/loader.h:
include/util.h:
include/multiboot.h:
include/vm.h:
include/bus.h:
include/cpu_model.h:
include/events.h:
include/memmap.h:
include/milestone.h:
include/trace.h:
