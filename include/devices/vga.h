/*
 * vga.h - the VGA's registers, answered in bootscope, and what they say
 * about the text screen.
 *
 * Text memory (0xb8000, or 0xb0000 in mono mode) is plain guest RAM: a
 * guest writing characters makes no exit at all. Only the register ports
 * 0x3b0-0x3df trap. The device keeps every register a VGA BIOS programs
 * and reads back (misc output, sequencer, graphics controller, attribute
 * controller with its index/data flip-flop, CRTC, DAC, input status), so
 * SeaVGABIOS runs on it, and it tells the screen console (core/screen.h)
 * what the guest shows: text or graphics, where text memory starts, the
 * CRTC start address (hardware scrolling), the cursor and the geometry.
 *
 * Without a VGA BIOS (direct boots) it starts in mode 3, 80x25 colour
 * text, as a PC does after POST.
 */
#ifndef BOOTSCOPE_VGA_H
#define BOOTSCOPE_VGA_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

#define VGA_PORT_BASE	0x3b0
#define VGA_PORT_COUNT	0x30	/* 0x3b0-0x3df */
#define VGA_ISA_ROM	"/usr/share/seabios/vgabios-isavga.bin"	/* SeaVGABIOS, standard VGA registers only */

/* Register file sizes (indices beyond them read 0xff and are ignored on write). */
#define VGA_SEQ_REGS	5
#define VGA_GC_REGS	9
#define VGA_AC_REGS	21
#define VGA_CRTC_REGS	25

/* Named bits this device interprets. */
#define VGA_MISC_COLOUR		0x01	/* misc output: CRTC at 0x3d4, status at 0x3da (else 0x3b4/0x3ba) */
#define VGA_GC_MISC_GRAPHICS	0x01	/* graphics controller 6: graphics mode */
#define VGA_GC_MISC_MAP_SHIFT	2	/* graphics controller 6 bits 2-3: the memory map */
#define VGA_AC_MODE_GRAPHICS	0x01	/* attribute controller 0x10: graphics */
#define VGA_AC_INDEX_PAS	0x20	/* attribute index: palette address source (screen on) */
#define VGA_ST01_DISP_ENABLE	0x01	/* input status 1 */
#define VGA_ST01_V_RETRACE	0x08
#define VGA_CRTC_CURSOR_OFF	0x20	/* CRTC 0x0a: cursor disabled */
#define VGA_CRTC_PROTECT	0x80	/* CRTC 0x11: registers 0-7 read-only */

enum vga_crtc_reg {
	CRTC_H_DISPLAY_END = 0x01, CRTC_OVERFLOW = 0x07, CRTC_MAX_SCAN = 0x09, CRTC_CURSOR_START = 0x0a,
	CRTC_START_HI = 0x0c, CRTC_START_LO = 0x0d, CRTC_CURSOR_HI = 0x0e, CRTC_CURSOR_LO = 0x0f,
	CRTC_V_RETRACE_END = 0x11, CRTC_V_DISPLAY_END = 0x12, CRTC_OFFSET = 0x13,
};

struct vga {
	pthread_mutex_t lock;	/* vCPUs write, the screen console reads */
	uint8_t misc, feature;
	uint8_t seq_index, seq[VGA_SEQ_REGS];
	uint8_t gc_index, gc[VGA_GC_REGS];
	uint8_t ac_index, ac[VGA_AC_REGS];
	bool ac_data;		/* the 0x3c0 flip-flop: the next write is data */
	uint8_t crtc_index, crtc[VGA_CRTC_REGS];
	/*
	 * The start address and the cursor as the screen shows them. Each is
	 * two registers written one after the other; a real VGA latches the
	 * start at vertical retrace, so a half-written value is never shown.
	 * Here a pair is taken once its low byte is written, or once the guest
	 * moves on to another register after writing the high byte.
	 */
	uint16_t start_shown, cursor_shown;
	bool start_hi_pending, cursor_hi_pending;
	uint8_t st01;
	uint8_t pel_mask, dac_read, dac_write, dac_sub, dac_state;
	uint8_t dac[256][3];	/* 6-bit R, G, B */
	const uint8_t *ram;	/* guest RAM, where text memory is read */
	uint64_t ram_size;
};

/* What the screen shows, read under the lock. Geometry is clamped to sane bounds. */
struct vga_view {
	bool graphics;
	uint32_t mem_base;	/* guest physical address of text memory */
	uint32_t start;		/* CRTC start address, in character cells */
	uint32_t cursor;	/* cell, or UINT32_MAX when the cursor is off */
	uint16_t cols, rows, pitch;	/* pitch: cells from one row to the next */
	bool geometry_clamped;	/* the CRTC said something impossible */
	uint8_t palette[16][3];	/* attribute colour 0-15 as 8-bit R, G, B, through the AC and DAC */
};

void vga__init(struct vga *v);
/* Puts the VGA on the bus (ports 0x3b0-0x3df) and on vm->vga. */
int vga__register(struct vm *vm);
/* One register access, as the bus hands it (for tests and the fuzzer too). */
void vga__io(struct vga *v, uint16_t port, uint8_t *data, bool is_write);
void vga__view(struct vga *v, struct vga_view *out);
/* The screen console's reader (core/screen.h's screen_read_fn): arg is the struct vga. */
struct screen_frame;
int vga__read_screen(void *arg, struct screen_frame *f);

#endif
