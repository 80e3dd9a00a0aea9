# bootscope - see README.md. `make demo` and `make check` are the way in.
.DEFAULT_GOAL := all

CC      ?= cc
NASM    ?= nasm
LD      ?= ld
BUILD   := build
CFLAGS  ?= -O2 -g
# The release: `bootscope version`, the JSON summary, the Multiboot loader name.
VERSION := 0.1.0
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -pthread -MMD -MP -DVERSION='"$(VERSION)"'
LDLIBS  := -lcjson -lseccomp -lm -pthread -lrt

ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all
endif

# Objects depend on the flags they were built with, so SANITIZE=1 and back rebuilds.
FLAGS_STAMP := $(BUILD)/.flags-$(shell echo '$(CC) $(CFLAGS) $(LDFLAGS)' | md5sum | cut -c1-12)
$(FLAGS_STAMP):
	@mkdir -p $(BUILD)
	@rm -f $(BUILD)/.flags-*
	@touch $@

# vmm/ is in layers, one folder each (docs/architecture.md); tools/layers
# checks that calls only go down them. Sources are picked up by folder.
LAYERS   := lib core cpu devices boot tracing pc studies cli
VMM_SRCS := $(foreach l,$(LAYERS),$(wildcard vmm/$(l)/*.c))
VMM_OBJS := $(VMM_SRCS:vmm/%.c=$(BUILD)/vmm/%.o) $(BUILD)/vmm/boot/firmware_blob.o
LIB_OBJS := $(filter-out $(BUILD)/vmm/cli/main.o,$(VMM_OBJS))

# Guests: the firmware ROM (linked into the binary), the demo kernel, test guests.
BIOS       := $(BUILD)/firmware/bios.bin
RAW_GUESTS := $(patsubst firmware/test/%.asm,$(BUILD)/firmware/%.bin,$(wildcard firmware/test/*.asm))
GUESTS     := $(BUILD)/firmware/demo.elf $(RAW_GUESTS)

UNIT_SRCS  := $(wildcard tests/unit/*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all demo check test bench deps clean fuzz study
all: $(BUILD)/bootscope $(BUILD)/bootscope.1 $(GUESTS) $(UNIT_BINS)

deps:
	@tools/install-deps

$(BUILD)/bootscope: $(VMM_OBJS) $(FLAGS_STAMP)
	$(CC) $(LDFLAGS) -o $@ $(VMM_OBJS) $(LDLIBS)

# The manual page, from `bootscope help` (the one place options are written).
$(BUILD)/bootscope.1: $(BUILD)/bootscope tools/man
	tools/man $(BUILD)/bootscope >$@.tmp && mv $@.tmp $@

$(BUILD)/libbootscope.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/vmm/%.o: vmm/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/vmm/boot/firmware_blob.o: vmm/boot/firmware_blob.S $(BIOS) $(BUILD)/firmware/cpuprobe.bin
	@mkdir -p $(@D)
	$(CC) -c -DBIOS_BIN='"$(BIOS)"' -DPROBE_BIN='"$(BUILD)/firmware/cpuprobe.bin"' -o $@ $<

$(BIOS): firmware/bios.asm | $(BUILD)/firmware
	$(NASM) -Werror -f bin -MD $@.d -o $@ $<

# Flat real-mode test guests, loaded with --raw.
$(BUILD)/firmware/%.bin: firmware/test/%.asm $(wildcard firmware/lib/*) | $(BUILD)/firmware
	$(NASM) -Werror -f bin -I firmware/lib/ -o $@ $<

# Multiboot ELF kernels: nasm objects linked at 1 MiB.
$(BUILD)/firmware/%.o: firmware/%.asm $(wildcard firmware/lib/*) | $(BUILD)/firmware
	$(NASM) -Werror -f elf32 -I firmware/lib/ -o $@ $<

$(BUILD)/firmware/%.elf: $(BUILD)/firmware/%.o firmware/kernel.ld
	$(LD) -m elf_i386 -nostdlib -static --build-id=none --no-warn-rwx-segments -T firmware/kernel.ld -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libbootscope.a $(FLAGS_STAMP) | $(BUILD)/tests
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libbootscope.a $(LDLIBS) -lcmocka

$(BUILD)/firmware $(BUILD)/tests $(BUILD)/bench:
	mkdir -p $@

# Where the KVM parts run: auto (this machine's KVM if it can page, else the
# test VM), host or vm. See tools/on-kvm and tools/testvm.
KVM ?= auto

# The demo: a Multiboot kernel with two modules, timed to its last line.
demo: deps
	@$(MAKE) --no-print-directory all
	@KVM=$(KVM) tools/on-kvm $(BUILD)/bootscope run --kernel $(BUILD)/firmware/demo.elf --append "console=ttyS0 demo" \
		--module $(BUILD)/firmware/realmode.bin,first --module firmware/demo.asm,second \
		--mark memory='^memory:' --mark modules='^module 2' --until '^demo: done'

# Exit costs: a bare KVM_RUN loop, bootscope, bootscope --trace (JSON on stdout).
$(BUILD)/bench/floor: tests/bench/floor.c | $(BUILD)/bench
	$(CC) $(CFLAGS) -o $@ $<

# Only the JSON goes to stdout, so `make bench > results.json` works.
bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench/floor >&2
	@tools/bench

# The seed study (tools/study): the 486 kernel's isolinux ISO, 5 CPU models x SMP 1,2,4,8 x 3
# samples under bootscope and QEMU+KVM, into build/study/. Interrupted, `make study` again
# goes on where it stopped. In the test VM it takes hours. STUDY_VM_CPUS is the VM's CPU
# count: on one CPU (the default) boots with 8 vCPUs can crawl for minutes under both
# engines; with one CPU per core they ran normally on one machine, while on another the
# VM's kernel panicked or hung in every QEMU+KVM boot (docs/test-vm.md). A test VM that
# prints nothing for 15 min has hung; it is stopped and the study goes on in a fresh one.
# STUDY_ISO=build/os/isolinux-486-tty0.iso STUDY_TYPE='boot:=<enter>' runs it on the VGA
# screen only, its milestones read off the screen and isolinux's prompt answered.
STUDY_VM_CPUS ?= 1
study: deps
	@$(MAKE) --no-print-directory all
	@tools/make-os-images $(BUILD)/os
	@KVM=$(KVM) ON_KVM_TIMEOUT=86400 ON_KVM_SMP=$(STUDY_VM_CPUS) ON_KVM_QUIET=900 ON_KVM_RETRIES=3 \
		tools/on-kvm tools/study $(BUILD)/study $(STUDY_ISO)

# Objects whose sources moved or went: they would confuse the layer check.
STALE_OBJS = $(filter-out $(VMM_OBJS),$(wildcard $(BUILD)/vmm/*.o $(BUILD)/vmm/*/*.o))

# `make check`: the suite on the build that ships, then again under AddressSanitizer and
# UndefinedBehaviorSanitizer (build/san/, its own objects) wherever that is cheap: the
# unit tests, the tests that need no KVM, and the KVM tests when this machine's KVM runs
# them. The test VM's part is not repeated. `make check SANITIZE=1` runs the whole suite,
# test VM included, on a sanitized build/.
SAN_BUILD := $(BUILD)/san

check: deps
	@$(MAKE) --no-print-directory all
	@rm -f $(STALE_OBJS)
	@tools/layers --sources vmm include $(BUILD)/vmm $(LAYERS)
	@KVM=$(KVM) tests/run
ifneq ($(SANITIZE),1)
	@echo "tests: again with AddressSanitizer and UndefinedBehaviorSanitizer ($(SAN_BUILD)/)"
	@$(MAKE) --no-print-directory BUILD=$(SAN_BUILD) SANITIZE=1 \
		$(SAN_BUILD)/bootscope $(UNIT_BINS:$(BUILD)/%=$(SAN_BUILD)/%)
	@KVM=$(KVM) tests/run --build $(SAN_BUILD) --here
endif

test: all
	@rm -f $(STALE_OBJS)
	@tools/layers --sources vmm include $(BUILD)/vmm $(LAYERS)
	@KVM=$(KVM) tests/run

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/vmm/*/*.d $(BUILD)/tests/*.d $(BUILD)/firmware/*.d $(BUILD)/fuzz/vmm/*/*.d $(BUILD)/fuzz/*.d)

# Fuzzing (clang's libFuzzer, with ASan and UBSan): every harness in tests/fuzz
# over its seed corpus, FUZZ_SECONDS each. A crash stops it and is kept in
# build/fuzz/ to become a seed (a regression test) once fixed.
FUZZ_SECONDS ?= 20
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_CFLAGS  := -O1 -g -std=c11 -D_GNU_SOURCE -Iinclude -pthread -fno-omit-frame-pointer -DVERSION='"$(VERSION)"' \
		-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -MMD -MP
FUZZ_OBJS    := $(filter-out $(FUZZ_DIR)/vmm/cli/main.o,$(VMM_SRCS:vmm/%.c=$(FUZZ_DIR)/vmm/%.o)) $(FUZZ_DIR)/vmm/boot/firmware_blob.o
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(wildcard tests/fuzz/fuzz_*.c))
.SECONDARY: $(FUZZ_OBJS)

$(FUZZ_DIR)/vmm/%.o: vmm/%.c
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_DIR)/vmm/boot/firmware_blob.o: vmm/boot/firmware_blob.S $(BIOS) $(BUILD)/firmware/cpuprobe.bin
	@mkdir -p $(@D)
	clang -c -DBIOS_BIN='"$(BIOS)"' -DPROBE_BIN='"$(BUILD)/firmware/cpuprobe.bin"' -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJS)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LDLIBS)

fuzz:
	@tools/install-deps fuzz
	@$(MAKE) --no-print-directory $(BIOS) $(BUILD)/firmware/cpuprobe.bin
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@tools/fuzz $(FUZZ_SECONDS) $(FUZZ_BINS)
