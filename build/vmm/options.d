build/vmm/options.o: vmm/options.c include/clock.h include/loader.h \
 include/util.h include/options.h include/pc.h include/qtest.h \
 include/child.h include/vm.h include/bus.h include/cpu_model.h \
 include/events.h include/memmap.h include/milestone.h include/trace.h
include/clock.h:
include/loader.h:
include/util.h:
include/options.h:
include/pc.h:
include/qtest.h:
include/child.h:
include/vm.h:
include/bus.h:
include/cpu_model.h:
include/events.h:
include/memmap.h:
include/milestone.h:
include/trace.h:
