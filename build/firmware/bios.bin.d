build/firmware/bios.bin : firmware/bios.asm

