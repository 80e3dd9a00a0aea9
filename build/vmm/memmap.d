build/vmm/memmap.o: vmm/memmap.c include/memmap.h include/util.h
include/memmap.h:
include/util.h:
