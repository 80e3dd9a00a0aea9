/* The firmware ROM image, assembled from firmware/bios.asm, linked in. */
	.section .rodata
	.balign 16
	.globl bootscope_bios
	.globl bootscope_bios_end
bootscope_bios:
	.incbin BIOS_BIN
bootscope_bios_end:
	.section .note.GNU-stack,"",@progbits
