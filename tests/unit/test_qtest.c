/*
 * Unit tests of the qtest protocol client (include/pc/qtest.h) against a fake
 * QEMU: a thread on the other end of a socketpair that answers each command
 * line with a scripted reply, so interleaved IRQ lines, batching, FAIL
 * answers and a dying peer can be checked exactly.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "pc/qtest.h"

struct fake {
	int fd;
	int answered;		/* command lines seen */
	int close_after;	/* hang up after this many commands (0: never) */
	const char *mode;	/* "ok", "irq", "fail" */
	char first[64];		/* the first command received */
};

/* Answer every command line; "inb"/"inw" get their line number as the value. */
static void *fake_qemu(void *arg)
{
	struct fake *f = arg;
	char buf[65536];
	size_t len = 0;
	ssize_t n;

	while ((n = read(f->fd, buf + len, sizeof(buf) - len)) > 0) {
		char *nl, *p = buf;

		len += (size_t)n;
		while ((nl = memchr(p, '\n', len - (size_t)(p - buf)))) {
			char reply[128];
			int k;

			if (!f->answered)
				snprintf(f->first, sizeof(f->first), "%.*s", (int)(nl - p), p);
			f->answered++;
			if (!strcmp(f->mode, "fail"))
				k = snprintf(reply, sizeof(reply), "FAIL Unknown command 'x'\n");
			else if (!strcmp(f->mode, "irq"))	/* async lines before and after the answer */
				k = snprintf(reply, sizeof(reply), "IRQ raise 4\nOK 0x%04x\nIRQ lower 4\n", f->answered);
			else
				k = snprintf(reply, sizeof(reply), "OK 0x%04x\n", f->answered);
			if (f->close_after && f->answered > f->close_after) {
				close(f->fd);
				return NULL;
			}
			if (write(f->fd, reply, (size_t)k) != k)
				return NULL;
			p = nl + 1;
		}
		len -= (size_t)(p - buf);
		memmove(buf, p, len);
	}
	close(f->fd);
	return NULL;
}

struct irqs {
	int raised, lowered, last;
};

static void on_irq(void *opaque, int line, int level)
{
	struct irqs *i = opaque;

	if (level)
		i->raised++;
	else
		i->lowered++;
	i->last = line;
}

/* A client on one end of a socketpair; the other end is the child's: a fake's, or the test's own. */
static void bare(struct qtest *q, int sv[2], struct irqs *irqs)
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(q, 0, sizeof(*q));
	q->fd = sv[0];
	q->irq = irqs ? on_irq : NULL;
	q->opaque = irqs;
}

static void start(struct qtest *q, struct fake *f, pthread_t *t, struct irqs *irqs, const char *mode)
{
	int sv[2];

	bare(q, sv, irqs);
	q->child.output_fd = -1;
	memset(f, 0, sizeof(*f));
	f->fd = sv[1];
	f->mode = mode;
	assert_int_equal(pthread_create(t, NULL, fake_qemu, f), 0);
}

static void finish(struct qtest *q, pthread_t t)
{
	shutdown(q->fd, SHUT_RDWR);
	close(q->fd);
	pthread_join(t, NULL);
}

static void test_values_and_irq_lines(void **state)
{
	struct qtest q;
	struct fake f;
	struct irqs irqs = { 0 };
	pthread_t t;
	uint64_t v[3];
	static const char cmds[] = "inb 0x71\ninw 0x170\noutb 0x70 0xb\n";

	(void)state;
	start(&q, &f, &t, &irqs, "irq");
	assert_int_equal(qtest__exchange(&q, cmds, sizeof(cmds) - 1, 3, v, NULL, NULL), 0);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 2);
	assert_int_equal(v[2], 3);
	assert_string_equal(f.first, "inb 0x71");
	assert_string_equal(q.last, "inb 0x71");
	/* Each answer came between an IRQ raise and lower; those after the last answer count too. */
	assert_int_equal(irqs.raised, 3);
	assert_int_equal(irqs.lowered, 3);
	assert_int_equal(irqs.last, 4);
	assert_int_equal(q.commands, 3);
	assert_int_equal(q.round_trips, 1);
	finish(&q, t);
}

/* More commands than one batch: several writes, every answer in order. */
static void test_batches(void **state)
{
	enum { N = QTEST_BATCH * 3 + 7 };
	static char cmds[N * 12];
	static uint64_t v[N];
	struct qtest q;
	struct fake f;
	struct irqs irqs = { 0 };
	pthread_t t;
	size_t len = 0;

	(void)state;
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(cmds + len, sizeof(cmds) - len, "inw 0x170\n");
	start(&q, &f, &t, &irqs, "ok");
	assert_int_equal(qtest__exchange(&q, cmds, len, N, v, NULL, NULL), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(v[i], i + 1);
	assert_int_equal(q.round_trips, 4);
	assert_int_equal(q.commands, N);
	finish(&q, t);
}

static void test_fail_answer(void **state)
{
	struct qtest q;
	struct fake f;
	struct irqs irqs = { 0 };
	pthread_t t;
	uint64_t v;
	static const char cmd[] = "clock_step\n";

	(void)state;
	start(&q, &f, &t, &irqs, "fail");
	assert_int_equal(qtest__exchange(&q, cmd, sizeof(cmd) - 1, 1, &v, NULL, NULL), -EPROTO);
	assert_string_equal(q.bad, "FAIL Unknown command 'x'");
	assert_string_equal(q.last, "clock_step");
	assert_true(q.failed);
	finish(&q, t);
}

static void test_peer_gone(void **state)
{
	struct qtest q;
	struct fake f;
	struct irqs irqs = { 0 };
	pthread_t t;
	uint64_t v[2];
	static const char cmds[] = "inb 0x71\ninb 0x71\n";

	(void)state;
	start(&q, &f, &t, &irqs, "ok");
	f.close_after = 1;
	assert_int_equal(qtest__exchange(&q, cmds, sizeof(cmds) - 1, 2, v, NULL, NULL), -EPIPE);
	assert_true(q.failed);
	/* Once failed, nothing more is sent. */
	assert_int_equal(qtest__exchange(&q, cmds, 9, 1, v, NULL, NULL), -EPIPE);
	finish(&q, t);
}

static bool always(void *arg)
{
	(void)arg;
	return true;
}

/* A vCPU told to stop while it waits gives up with -ECANCELED, not an error. */
static void test_cancel_while_waiting(void **state)
{
	struct qtest q;
	int sv[2];
	uint64_t v;
	static const char cmd[] = "inb 0x71\n";

	(void)state;
	bare(&q, sv, NULL);
	assert_int_equal(qtest__exchange(&q, cmd, sizeof(cmd) - 1, 1, &v, always, NULL), -ECANCELED);
	close(sv[0]);
	close(sv[1]);
}

/* Lines that arrive with nobody waiting: IRQs are handled, an answer is a protocol error. */
static void test_poll(void **state)
{
	struct qtest q;
	struct irqs irqs = { 0 };
	int sv[2];
	static const char irq_lines[] = "IRQ raise 8\nIRQ lower 8\nIRQ raise 1";

	(void)state;
	bare(&q, sv, &irqs);
	assert_int_equal(write(sv[1], irq_lines, sizeof(irq_lines) - 1), (ssize_t)sizeof(irq_lines) - 1);
	assert_int_equal(qtest__poll(&q), 0);
	assert_int_equal(irqs.raised, 1);
	assert_int_equal(irqs.lowered, 1);
	assert_int_equal(irqs.last, 8);
	assert_int_equal(write(sv[1], "\nOK\n", 4), 4);	/* completes "IRQ raise 1", then a stray OK */
	assert_int_equal(qtest__poll(&q), -EPROTO);
	assert_int_equal(irqs.raised, 2);
	assert_int_equal(irqs.last, 1);
	close(sv[1]);
	assert_int_equal(qtest__poll(&q), -EPIPE);
	close(sv[0]);
}

/* A child that sends IRQ lines without end, until its socket is closed. */
static void *irq_flood(void *arg)
{
	static const char line[] = "IRQ raise 4\nIRQ lower 4\n";
	int fd = *(int *)arg;

	while (send(fd, line, sizeof(line) - 1, MSG_NOSIGNAL) > 0)
		;
	return NULL;
}

static bool after_many_irqs(void *arg)
{
	return ((struct irqs *)arg)->raised > 1000;
}

/*
 * A flood of IRQ lines never makes the socket run dry: a waiting vCPU must
 * still see its cancel check, and the main thread's poll must still return.
 */
static void test_irq_flood(void **state)
{
	struct qtest q;
	struct irqs irqs = { 0 };
	pthread_t t;
	int sv[2];
	uint64_t v;
	static const char cmd[] = "inb 0x71\n";

	(void)state;
	bare(&q, sv, &irqs);
	assert_int_equal(pthread_create(&t, NULL, irq_flood, &sv[1]), 0);
	assert_int_equal(poll(&(struct pollfd){ .fd = sv[0], .events = POLLIN }, 1, 10000), 1);
	assert_int_equal(qtest__poll(&q), 0);
	assert_true(irqs.raised > 0);
	assert_int_equal(qtest__exchange(&q, cmd, sizeof(cmd) - 1, 1, &v, after_many_irqs, &irqs), -ECANCELED);
	assert_true(irqs.raised > 1000);
	shutdown(sv[0], SHUT_RDWR);
	pthread_join(t, NULL);
	close(sv[0]);
	close(sv[1]);
}

/* IRQ numbers are decimals below 256; anything else is the child breaking the protocol. */
static void test_bad_irq_lines(void **state)
{
	static const char *const bad[] = { "IRQ raise 99999999999", "IRQ raise -1", "IRQ lower 256", "IRQ raise 4x",
					   "IRQ raise " };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct qtest q;
		struct irqs irqs = { 0 };
		int sv[2];

		bare(&q, sv, &irqs);
		assert_int_equal(write(sv[1], bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
		assert_int_equal(write(sv[1], "\n", 1), 1);
		assert_int_equal(qtest__poll(&q), -EPROTO);
		assert_string_equal(q.bad, bad[i]);
		assert_int_equal(irqs.raised + irqs.lowered, 0);
		close(sv[0]);
		close(sv[1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_and_irq_lines),
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_fail_answer),
		cmocka_unit_test(test_peer_gone),
		cmocka_unit_test(test_cancel_while_waiting),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_irq_flood),
		cmocka_unit_test(test_bad_irq_lines),
	};

	return cmocka_run_group_tests_name("qtest", tests, NULL, NULL);
}
