/*
 * Unit tests of `bootscope report`'s grouping (tracing/report.c): a trace made
 * here record by record, one tick a nanosecond, read back as JSON.
 */
#include <cjson/cJSON.h>
#include <linux/kvm.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/trace.h"
#include "tracing/report.h"

static struct trace_file t;
static struct trace_rec recs[8];

#define EXIT(CPU, REASON, ADDR, ENTER, EXIT_, DONE) \
	(struct trace_rec){ .t_enter = (ENTER), .t_exit = (EXIT_), .t_done = (DONE), .addr = (ADDR), \
			    .vcpu = (CPU), .kind = TR_EXIT, .reason = (REASON), .size = 1 }
#define MILESTONE(ID, AT) (struct trace_rec){ .t_enter = (AT), .t_exit = (AT), .t_done = (AT), .addr = (ID), \
					      .kind = TR_MILESTONE }

/*
 * Two vCPUs; VMM times: 0x70 100 and 300, 0x71 200, COM1 50, the local APIC
 * (MMIO) 450, a HLT 10; milestones entry at 2000 and until at 7000.
 */
static int setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof(t));
	recs[0] = EXIT(0, KVM_EXIT_IO, 0x70, 1000, 1500, 1600);
	recs[1] = EXIT(1, KVM_EXIT_IO, 0x71, 1100, 1700, 1900);
	recs[2] = MILESTONE(0, 2000);
	recs[3] = EXIT(0, KVM_EXIT_IO, 0x3f8, 1600, 3000, 3050);
	recs[4] = EXIT(0, KVM_EXIT_MMIO, 0xfee00020, 3050, 4000, 4450);
	recs[5] = EXIT(1, KVM_EXIT_IO, 0x70, 1900, 5000, 5300);
	recs[6] = EXIT(0, KVM_EXIT_HLT, 0, 4450, 6000, 6010);
	recs[6].flags = TRF_NO_ADDR;
	recs[7] = MILESTONE(1, 7000);
	t.recs = recs;
	t.nr = 8;
	t.nr_vcpus = t.nr_rings = 2;
	t.t0 = 1000;
	t.t_end = 11000;
	t.ticks_per_sec = 1e9;
	t.clock_source = 2;
	strcpy(t.outcome, "until");
	strcpy(t.ms_names[0], "entry");
	strcpy(t.ms_names[1], "until");
	t.nr_ms = 2;
	t.devs[0] = (struct trace_dev){ 1, 0x70, 2, "cmos" };
	t.devs[1] = (struct trace_dev){ 1, 0x3f8, 8, "uart" };
	t.devs[2] = (struct trace_dev){ 2, 0xfee00000, 0x1000, "lapic" };
	t.nr_devs = 3;
	return 0;
}

static cJSON *report_json(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	cJSON *j;

	assert_non_null(f);
	assert_int_equal(report__write(&t, REPORT_JSON, f), 0);
	fclose(f);
	j = cJSON_Parse(buf);
	free(buf);
	assert_non_null(j);
	return j;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	assert_non_null(v);
	return v->valuedouble;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

/* Exit reasons, largest total first. */
static void test_reasons(void **state)
{
	cJSON *j = report_json(), *r = cJSON_GetObjectItem(j, "reasons");

	(void)state;
	assert_int_equal(num(j, "records"), 8);
	assert_int_equal(num(j, "exits"), 6);
	assert_int_equal(cJSON_GetArraySize(r), 3);
	assert_string_equal(str(cJSON_GetArrayItem(r, 0), "reason"), "io");
	assert_int_equal(num(cJSON_GetArrayItem(r, 0), "count"), 4);
	assert_int_equal(num(cJSON_GetArrayItem(r, 0), "total_ns"), 650);
	assert_string_equal(str(cJSON_GetArrayItem(r, 1), "reason"), "mmio");
	assert_int_equal(num(cJSON_GetArrayItem(r, 1), "total_ns"), 450);
	assert_string_equal(str(cJSON_GetArrayItem(r, 2), "reason"), "hlt");
	assert_int_equal(num(cJSON_GetArrayItem(r, 2), "total_ns"), 10);
	cJSON_Delete(j);
}

/* One group per port (named after the device that owns it) and per MMIO device. */
static void test_ports_and_devices(void **state)
{
	cJSON *j = report_json(), *p = cJSON_GetObjectItem(j, "ports"), *g;
	static const char *const names[] = { "mmio lapic", "io 0x0070 cmos", "io 0x0071 cmos", "io 0x03f8 uart", "hlt" };

	(void)state;
	assert_int_equal(cJSON_GetArraySize(p), 5);
	for (int i = 0; i < 5; i++)
		assert_string_equal(str(cJSON_GetArrayItem(p, i), "name"), names[i]);
	g = cJSON_GetArrayItem(p, 1);
	assert_int_equal(num(g, "count"), 2);
	assert_int_equal(num(g, "total_ns"), 400);
	assert_int_equal(num(g, "min_ns"), 100);
	assert_int_equal(num(g, "mean_ns"), 200);
	assert_int_equal(num(g, "p50_ns"), 100);
	assert_int_equal(num(g, "p99_ns"), 300);
	assert_int_equal(num(g, "max_ns"), 300);
	assert_true(num(g, "share") == 400.0 / 1110.0);
	cJSON_Delete(j);
}

/* Guest time between exits, the split of the run, and the phases between milestones. */
static void test_guest_split_and_phases(void **state)
{
	cJSON *j = report_json(), *ph = cJSON_GetObjectItem(j, "phases"), *x;
	static const char *const from[] = { "start", "entry", "until" }, *const to[] = { "entry", "until", "end" };
	static const double start[] = { 0, 1000, 6000 }, dur[] = { 1000, 5000, 4000 }, exits[] = { 2, 4, 0 };

	(void)state;
	x = cJSON_GetObjectItem(j, "guest");
	assert_int_equal(num(x, "count"), 6);
	assert_int_equal(num(x, "total_ns"), 500 + 600 + 1400 + 950 + 3100 + 1550);
	assert_int_equal(num(j, "wall_ns"), 10000);
	x = cJSON_GetObjectItem(j, "split");
	assert_int_equal(num(x, "bootscope_ns"), 1110);
	assert_int_equal(num(x, "guest_ns"), 10000 - 1110);
	assert_int_equal(num(x, "device_model_ns"), 0);
	assert_int_equal(cJSON_GetArraySize(ph), 3);
	for (int i = 0; i < 3; i++) {
		x = cJSON_GetArrayItem(ph, i);
		assert_string_equal(str(x, "from"), from[i]);
		assert_string_equal(str(x, "to"), to[i]);
		assert_true(num(x, "start_ns") == start[i]);
		assert_true(num(x, "duration_ns") == dur[i]);
		assert_true(num(x, "exits") == exits[i]);
	}
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reasons, setup),
		cmocka_unit_test_setup(test_ports_and_devices, setup),
		cmocka_unit_test_setup(test_guest_split_and_phases, setup),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
