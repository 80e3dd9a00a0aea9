/*
 * vga.c - the VGA's register ports, answered locally.
 *
 * A VGA BIOS (SeaVGABIOS in a BIOS boot) programs every register of a mode
 * and reads many of them back; an OS's console driver then moves the CRTC
 * start address to scroll and the cursor registers to show where it types.
 * None of that needs the child: each access is one exit answered here, and
 * what the screen console needs (vga__view) is read from these registers.
 * Pixels are never drawn. In graphics modes the registers still work, and
 * the screen console goes quiet.
 */
#include <string.h>

#include <errno.h>

#include "devices/vga.h"
#include "core/bus.h"
#include "core/screen.h"
#include "core/vm.h"
#include "lib/util.h"

/* Mode 3 (80x25, 16 colours, 9x16 cells): what a PC's VGA BIOS leaves after POST. */
static const uint8_t mode3_seq[VGA_SEQ_REGS] = { 0x03, 0x00, 0x03, 0x00, 0x02 };
static const uint8_t mode3_gc[VGA_GC_REGS] = { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x0f, 0xff };
static const uint8_t mode3_ac[VGA_AC_REGS] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f,
	0x0c, 0x00, 0x0f, 0x08, 0x00,
};
static const uint8_t mode3_crtc[VGA_CRTC_REGS] = {
	0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00,
	0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
};

/* The DAC's first 64 entries as a VGA BIOS loads them for text modes: the EGA's rgbRGB colours. */
static void default_dac(struct vga *v)
{
	for (int i = 0; i < 64; i++) {
		/* Bit 5/4/3: secondary (1/3 intensity) red/green/blue; 2/1/0: primary (2/3). */
		v->dac[i][0] = (uint8_t)(((i >> 2) & 1) * 42 + ((i >> 5) & 1) * 21);
		v->dac[i][1] = (uint8_t)(((i >> 1) & 1) * 42 + ((i >> 4) & 1) * 21);
		v->dac[i][2] = (uint8_t)((i & 1) * 42 + ((i >> 3) & 1) * 21);
	}
}

void vga__init(struct vga *v)
{
	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->lock, NULL);
	v->misc = 0x67;
	memcpy(v->seq, mode3_seq, sizeof(v->seq));
	memcpy(v->gc, mode3_gc, sizeof(v->gc));
	memcpy(v->ac, mode3_ac, sizeof(v->ac));
	memcpy(v->crtc, mode3_crtc, sizeof(v->crtc));
	v->ac_index = VGA_AC_INDEX_PAS;
	v->pel_mask = 0xff;
	default_dac(v);
}

/* The CRTC and input status 1 answer at 0x3dX in colour mode, 0x3bX in mono; the other block is empty. */
static bool in_active_block(const struct vga *v, uint16_t port)
{
	bool colour = v->misc & VGA_MISC_COLOUR;

	return (port >= 0x3d0) == colour;
}

static void latch_start(struct vga *v)
{
	v->start_shown = (uint16_t)(v->crtc[CRTC_START_HI] << 8 | v->crtc[CRTC_START_LO]);
	v->start_hi_pending = false;
}

static void latch_cursor(struct vga *v)
{
	v->cursor_shown = (uint16_t)(v->crtc[CRTC_CURSOR_HI] << 8 | v->crtc[CRTC_CURSOR_LO]);
	v->cursor_hi_pending = false;
}

static void crtc_write(struct vga *v, uint8_t val)
{
	uint8_t i = v->crtc_index;

	if (i >= VGA_CRTC_REGS)
		return;	/* past the register file: ignored */
	/* CRTC 0x11 bit 7 protects 0-7, except the line compare bit in the overflow register. */
	if ((v->crtc[CRTC_V_RETRACE_END] & VGA_CRTC_PROTECT) && i <= CRTC_OVERFLOW) {
		if (i == CRTC_OVERFLOW)
			v->crtc[i] = (uint8_t)((v->crtc[i] & ~0x10) | (val & 0x10));
		return;
	}
	v->crtc[i] = val;
	if (i == CRTC_START_HI)
		v->start_hi_pending = true;
	else if (i == CRTC_CURSOR_HI)
		v->cursor_hi_pending = true;
	else if (i == CRTC_START_LO)
		latch_start(v);
	else if (i == CRTC_CURSOR_LO)
		latch_cursor(v);
}

/* A new CRTC index: a pair whose high byte was written and whose low byte is not next is complete. */
static void crtc_select(struct vga *v, uint8_t index)
{
	v->crtc_index = index;
	if (v->start_hi_pending && index != CRTC_START_LO)
		latch_start(v);
	if (v->cursor_hi_pending && index != CRTC_CURSOR_LO)
		latch_cursor(v);
}

static void ac_write(struct vga *v, uint8_t val)
{
	if (!v->ac_data) {
		v->ac_index = val & 0x3f;
	} else {
		uint8_t i = v->ac_index & 0x1f;

		if (i < VGA_AC_REGS)
			v->ac[i] = val;
	}
	v->ac_data = !v->ac_data;
}

static void dac_data_write(struct vga *v, uint8_t val)
{
	v->dac[v->dac_write][v->dac_sub] = val & 0x3f;
	if (++v->dac_sub == 3) {
		v->dac_sub = 0;
		v->dac_write++;
	}
}

static uint8_t dac_data_read(struct vga *v)
{
	uint8_t val = v->dac[v->dac_read][v->dac_sub];

	if (++v->dac_sub == 3) {
		v->dac_sub = 0;
		v->dac_read++;
	}
	return val;
}

static void write_port(struct vga *v, uint16_t port, uint8_t val)
{
	switch (port) {
	case 0x3c0:
		ac_write(v, val);
		break;
	case 0x3c2:
		v->misc = val;
		break;
	case 0x3c4:
		v->seq_index = val;
		break;
	case 0x3c5:
		if (v->seq_index < VGA_SEQ_REGS)
			v->seq[v->seq_index] = val;
		break;
	case 0x3c6:
		v->pel_mask = val;
		break;
	case 0x3c7:
		v->dac_read = val;
		v->dac_sub = 0;
		v->dac_state = 3;
		break;
	case 0x3c8:
		v->dac_write = val;
		v->dac_sub = 0;
		v->dac_state = 0;
		break;
	case 0x3c9:
		dac_data_write(v, val);
		break;
	case 0x3ce:
		v->gc_index = val;
		break;
	case 0x3cf:
		if (v->gc_index < VGA_GC_REGS)
			v->gc[v->gc_index] = val;
		break;
	case 0x3b4: case 0x3d4:
		if (in_active_block(v, port))
			crtc_select(v, val);
		break;
	case 0x3b5: case 0x3d5:
		if (in_active_block(v, port))
			crtc_write(v, val);
		break;
	case 0x3ba: case 0x3da:
		if (in_active_block(v, port))
			v->feature = val;
		break;
	default:
		break;	/* 0x3c3 (subsystem enable), the Hercules ports: nothing to keep */
	}
}

static uint8_t read_port(struct vga *v, uint16_t port)
{
	switch (port) {
	case 0x3c0:
		return v->ac_index;
	case 0x3c1:
		return (v->ac_index & 0x1f) < VGA_AC_REGS ? v->ac[v->ac_index & 0x1f] : 0;
	case 0x3c2:
		return 0;	/* input status 0: no switch sense, no pending vertical interrupt */
	case 0x3c4:
		return v->seq_index;
	case 0x3c5:
		return v->seq_index < VGA_SEQ_REGS ? v->seq[v->seq_index] : 0xff;
	case 0x3c6:
		return v->pel_mask;
	case 0x3c7:
		return v->dac_state;
	case 0x3c8:
		return v->dac_write;
	case 0x3c9:
		return dac_data_read(v);
	case 0x3ca:
		return v->feature;
	case 0x3cc:
		return v->misc;
	case 0x3ce:
		return v->gc_index;
	case 0x3cf:
		return v->gc_index < VGA_GC_REGS ? v->gc[v->gc_index] : 0xff;
	case 0x3b4: case 0x3d4:
		return in_active_block(v, port) ? v->crtc_index : 0xff;
	case 0x3b5: case 0x3d5:
		if (!in_active_block(v, port))
			return 0xff;
		return v->crtc_index < VGA_CRTC_REGS ? v->crtc[v->crtc_index] : 0xff;
	case 0x3ba: case 0x3da:
		if (!in_active_block(v, port))
			return 0xff;
		/*
		 * Input status 1. Reading it resets the attribute flip-flop.
		 * Retrace and display-enable toggle at every read, as QEMU's do:
		 * a guest that waits for a retrace edge sees one at once, so a
		 * retrace-synchronised loop costs two exits, not 1/70 s.
		 */
		v->ac_data = false;
		v->st01 ^= VGA_ST01_V_RETRACE | VGA_ST01_DISP_ENABLE;
		return v->st01;
	default:
		return 0xff;
	}
}

void vga__io(struct vga *v, uint16_t port, uint8_t *data, bool is_write)
{
	pthread_mutex_lock(&v->lock);
	if (is_write)
		write_port(v, port, *data);
	else
		*data = read_port(v, port);
	pthread_mutex_unlock(&v->lock);
}

/* A wider access is consecutive byte accesses: outw 0x3d4 sets the index and then its register. */
static int vga_io(struct kvm_cpu *cpu, void *dev, uint64_t port, uint8_t *data, uint32_t len, bool is_write)
{
	(void)cpu;
	for (uint32_t i = 0; i < len; i++)
		vga__io(dev, (uint16_t)(port + i), data + i, is_write);
	return 0;
}

static uint16_t clamp16(uint32_t v, uint32_t lo, uint32_t hi, bool *clamped)
{
	if (v < lo || v > hi) {
		*clamped = true;
		return (uint16_t)(v < lo ? lo : hi);
	}
	return (uint16_t)v;
}

void vga__view(struct vga *v, struct vga_view *out)
{
	uint32_t vde, height, map;

	pthread_mutex_lock(&v->lock);
	memset(out, 0, sizeof(*out));
	out->graphics = (v->gc[6] & VGA_GC_MISC_GRAPHICS) || (v->ac[0x10] & VGA_AC_MODE_GRAPHICS);
	map = (v->gc[6] >> VGA_GC_MISC_MAP_SHIFT) & 3;
	out->mem_base = map == 2 ? 0xb0000 : map == 3 ? 0xb8000 : 0xa0000;
	out->start = v->start_shown;
	out->cursor = (v->crtc[CRTC_CURSOR_START] & VGA_CRTC_CURSOR_OFF) ? UINT32_MAX : v->cursor_shown;
	vde = v->crtc[CRTC_V_DISPLAY_END] | (v->crtc[CRTC_OVERFLOW] & 0x02u) << 7 |
	      (v->crtc[CRTC_OVERFLOW] & 0x40u) << 3;
	height = (v->crtc[CRTC_MAX_SCAN] & 0x1fu) + 1;
	out->cols = clamp16(v->crtc[CRTC_H_DISPLAY_END] + 1u, 20, 132, &out->geometry_clamped);
	out->rows = clamp16((vde + 1) / height, 1, 60, &out->geometry_clamped);
	out->pitch = clamp16(v->crtc[CRTC_OFFSET] * 2u, out->cols, 256, &out->geometry_clamped);
	/* Attribute colour c: AC palette register c picks a DAC entry (colour select bits 4-5 of AC 0x14 on top). */
	for (int c = 0; c < 16; c++) {
		uint8_t idx = (uint8_t)((v->ac[c] & 0x3f) | (v->ac[0x14] & 0x0c) << 4);

		for (int k = 0; k < 3; k++)
			out->palette[c][k] = (uint8_t)(v->dac[idx & v->pel_mask][k] * 255 / 63);
	}
	pthread_mutex_unlock(&v->lock);
}

/*
 * A copy of text memory and the registers that say how to read it. The
 * copy races with the guest's writes: a row caught half-written is read
 * again, complete, at the next poll.
 */
int vga__read_screen(void *arg, struct screen_frame *f)
{
	struct vga *v = arg;
	struct vga_view view;

	vga__view(v, &view);
	f->graphics = view.graphics;
	if (view.graphics)
		return 0;
	/* Text mode with the A0000 map: a mode set loading the font into plane 2. Read it next time. */
	if (view.mem_base == 0xa0000)
		return -EAGAIN;
	if (view.mem_base + SCREEN_MEM_SIZE > v->ram_size)
		return -ERANGE;
	f->geometry_clamped = view.geometry_clamped;
	f->cols = view.cols;
	f->rows = view.rows;
	f->pitch = view.pitch;
	f->start = view.start;
	f->cursor = view.cursor;
	memcpy(f->palette, view.palette, sizeof(f->palette));
	memcpy(f->mem, v->ram + view.mem_base, SCREEN_MEM_SIZE);
	return 0;
}

int vga__register(struct vm *vm)
{
	static struct vga vga;

	if (vm->cfg.no_screen)
		return 0;
	vga__init(&vga);
	vga.ram = vm->ram;
	vga.ram_size = vm->ram_size;
	vm->vga = &vga;
	return bus__register_pio(&vm->bus, "vga", VGA_PORT_BASE, VGA_PORT_COUNT, vga_io, &vga);
}
