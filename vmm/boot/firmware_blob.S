/*
 * Guest code linked into the binary: the firmware ROM (firmware/bios.asm)
 * and the CPU probe `bootscope cpus --verify` boots (firmware/test/cpuprobe.asm).
 */
	.section .rodata
	.balign 16
	.globl bootscope_bios
	.globl bootscope_bios_end
bootscope_bios:
	.incbin BIOS_BIN
bootscope_bios_end:
	.balign 16
	.globl bootscope_probe
	.globl bootscope_probe_end
bootscope_probe:
	.incbin PROBE_BIN
bootscope_probe_end:
	.section .note.GNU-stack,"",@progbits
