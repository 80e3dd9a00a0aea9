build/vmm/run.o: vmm/run.c include/clock.h include/pc.h include/qtest.h \
 include/child.h include/summary.h include/vm.h include/bus.h \
 include/cpu_model.h include/events.h include/memmap.h \
 include/milestone.h include/trace.h include/util.h
include/clock.h:
include/pc.h:
include/qtest.h:
include/child.h:
include/summary.h:
include/vm.h:
include/bus.h:
include/cpu_model.h:
include/events.h:
include/memmap.h:
include/milestone.h:
include/trace.h:
include/util.h:
