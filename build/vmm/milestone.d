build/vmm/milestone.o: vmm/milestone.c include/milestone.h
include/milestone.h:
