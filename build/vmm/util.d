build/vmm/util.o: vmm/util.c include/util.h
include/util.h:
