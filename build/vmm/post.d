build/vmm/post.o: vmm/post.c include/devices.h include/vm.h include/bus.h \
 include/cpu_model.h include/events.h include/memmap.h \
 include/milestone.h include/trace.h include/util.h
include/devices.h:
include/vm.h:
include/bus.h:
include/cpu_model.h:
include/events.h:
include/memmap.h:
include/milestone.h:
include/trace.h:
include/util.h:
