/*
 * memmap.c - the e820 table of the machine and the placement ledger.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/memmap.h"
#include "lib/util.h"

static void add(struct memmap *m, uint64_t base, uint64_t len, uint32_t type)
{
	if (m->nr_e820 < MAX_E820)
		m->e820[m->nr_e820++] = (struct e820_entry){ base, len, type };
}

void memmap__init(struct memmap *m, uint64_t ram_size)
{
	memset(m, 0, sizeof(*m));
	m->ram_size = ram_size;
	add(m, 0, EBDA_BASE, E820_RAM);
	add(m, EBDA_BASE, LOW_RAM_END - EBDA_BASE, E820_RESERVED);
	add(m, ROM_BASE, ROM_SIZE, E820_RESERVED);
	if (ram_size > HIGH_RAM_BASE)
		add(m, HIGH_RAM_BASE, ram_size - HIGH_RAM_BASE, E820_RAM);
	add(m, KVM_IDMAP_BASE, KVM_PRIV_SIZE, E820_RESERVED);
	add(m, ROM_HIGH_BASE, ROM_SIZE, E820_RESERVED);
}

bool memmap__is_ram(const struct memmap *m, uint64_t start, uint64_t len)
{
	for (int i = 0; i < m->nr_e820; i++) {
		const struct e820_entry *e = &m->e820[i];

		if (e->type == E820_RAM && start >= e->base && len <= e->len &&
		    start - e->base <= e->len - len)
			return true;
	}
	return false;
}

int memmap__claim(struct memmap *m, uint64_t start, uint64_t len, const char *what,
		  char *err, size_t errlen)
{
	if (len == 0)
		return 0;
	if (start + len < start || !memmap__is_ram(m, start, len)) {
		snprintf(err, errlen, "%s at 0x%llx-0x%llx is not in guest RAM (0x0-0x%llx and 0x%llx-0x%llx with -m %lluK)",
			 what, (unsigned long long)start, (unsigned long long)(start + len - 1),
			 EBDA_BASE - 1, HIGH_RAM_BASE, (unsigned long long)(m->ram_size - 1),
			 (unsigned long long)(m->ram_size / KiB));
		return -EINVAL;
	}
	for (int i = 0; i < m->nr_claims; i++) {
		const struct claim *c = &m->claims[i];

		if (start < c->end && c->start < start + len) {
			snprintf(err, errlen, "%s at 0x%llx-0x%llx overlaps %s at 0x%llx-0x%llx", what,
				 (unsigned long long)start, (unsigned long long)(start + len - 1), c->what,
				 (unsigned long long)c->start, (unsigned long long)(c->end - 1));
			return -EINVAL;
		}
	}
	if (m->nr_claims == MAX_CLAIMS) {
		snprintf(err, errlen, "%s: too many pieces to place (at most %d)", what, MAX_CLAIMS);
		return -E2BIG;
	}
	m->claims[m->nr_claims] = (struct claim){ .start = start, .end = start + len };
	snprintf(m->claims[m->nr_claims].what, sizeof(m->claims[0].what), "%s", what);
	m->nr_claims++;
	return 0;
}

uint64_t memmap__find_free(const struct memmap *m, uint64_t min, uint64_t len, uint64_t align,
			   uint64_t limit)
{
	uint64_t a = ALIGN_UP(min, align);

	/* Each retry moves past a claim or a hole, so this ends. */
	while (a + len >= a && a + len <= limit) {
		bool moved = false;

		if (!memmap__is_ram(m, a, len)) {
			uint64_t next = 0;

			for (int i = 0; i < m->nr_e820; i++)
				if (m->e820[i].type == E820_RAM && m->e820[i].base > a &&
				    (!next || m->e820[i].base < next))
					next = m->e820[i].base;
			if (!next)
				return 0;
			a = ALIGN_UP(next, align);
			continue;
		}
		for (int i = 0; i < m->nr_claims; i++) {
			const struct claim *c = &m->claims[i];

			if (a < c->end && c->start < a + len) {
				a = ALIGN_UP(c->end, align);
				moved = true;
			}
		}
		if (!moved)
			return a;
	}
	return 0;
}

uint64_t memmap__ext_kb(const struct memmap *m)
{
	return m->ram_size > HIGH_RAM_BASE ? (m->ram_size - HIGH_RAM_BASE) / KiB : 0;
}
