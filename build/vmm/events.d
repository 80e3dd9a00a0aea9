build/vmm/events.o: vmm/events.c include/events.h
include/events.h:
