build/vmm/main.o: vmm/main.c include/clock.h include/compare.h \
 include/matrix.h include/cpuid.h include/cpus.h include/devices.h \
 include/doctor.h include/firmware.h include/loader.h include/util.h \
 include/msr.h include/cpu_model.h include/options.h include/pc.h \
 include/qtest.h include/child.h include/qemu.h include/report.h \
 include/trace.h include/summary.h include/tables.h include/trace.h \
 include/uart.h include/vm.h include/bus.h include/events.h \
 include/memmap.h include/milestone.h
include/clock.h:
include/compare.h:
include/matrix.h:
include/cpuid.h:
include/cpus.h:
include/devices.h:
include/doctor.h:
include/firmware.h:
include/loader.h:
include/util.h:
include/msr.h:
include/cpu_model.h:
include/options.h:
include/pc.h:
include/qtest.h:
include/child.h:
include/qemu.h:
include/report.h:
include/trace.h:
include/summary.h:
include/tables.h:
include/trace.h:
include/uart.h:
include/vm.h:
include/bus.h:
include/events.h:
include/memmap.h:
include/milestone.h:
