build/vmm/clock.o: vmm/clock.c include/clock.h
include/clock.h:
