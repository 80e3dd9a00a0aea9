/*
 * events.c - names of event kinds, as they appear in the JSON summary.
 */
#include "lib/events.h"

const char *event__kind_name(enum event_kind kind)
{
	static const char *const names[EV_NR] = {
		[EV_POST_CODE] = "post_code",
		[EV_UNHANDLED_PIO] = "unhandled_pio",
		[EV_UNHANDLED_MMIO] = "unhandled_mmio",
		[EV_FW_UNSUPPORTED] = "firmware_unsupported_call",
		[EV_FW_KEY_WAIT] = "firmware_key_wait",
		[EV_MSR_DENIED] = "msr_denied",
		[EV_KEY] = "key",
	};

	return (unsigned)kind < EV_NR ? names[kind] : "unknown";
}
