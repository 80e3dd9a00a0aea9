build/vmm/uart.o: vmm/uart.c include/uart.h include/vm.h include/bus.h \
 include/cpu_model.h include/events.h include/memmap.h \
 include/milestone.h include/trace.h include/util.h
include/uart.h:
include/vm.h:
include/bus.h:
include/cpu_model.h:
include/events.h:
include/memmap.h:
include/milestone.h:
include/trace.h:
include/util.h:
