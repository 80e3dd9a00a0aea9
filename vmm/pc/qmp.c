/*
 * qmp.c - a QMP client for commands that need no answer in return (qmp.h).
 *
 * QMP is one JSON object per line each way. bootscope only needs to know
 * whether a command failed, so answers are recognised by their first key
 * ("return", "error", "event", "QMP") without a JSON parser.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pc/qmp.h"
#include "core/typist.h"
#include "lib/clock.h"

int qmp__socketpair(struct qmp *q, int *child_end)
{
	int sv[2];

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	q->fd = sv[0];
	*child_end = sv[1];
	return 0;
}

/* The value of an {"error": {"class": ..., "desc": "..."}} answer, as far as it fits. */
static void keep_error(struct qmp *q, const char *line)
{
	const char *d = strstr(line, "\"desc\"");

	if (q->error[0])
		return;
	if (d && (d = strchr(d + 6, '"'))) {
		const char *e = strchr(d + 1, '"');

		snprintf(q->error, sizeof(q->error), "%.*s", e ? (int)(e - d - 1) : 100, d + 1);
	} else {
		snprintf(q->error, sizeof(q->error), "%.150s", line);
	}
}

/* Split what was read into lines; returns how many answers ({"return"} or {"error"}) came, greetings counted apart. */
static int take_lines(struct qmp *q, int *greetings)
{
	int answers = 0;
	char *nl;

	while ((nl = memchr(q->rbuf, '\n', q->rlen))) {
		size_t len = (size_t)(nl - q->rbuf) + 1;

		*nl = '\0';
		/* Keys in any order: an answer may carry its command's "id" before or after. */
		if (strstr(q->rbuf, "\"QMP\":"))
			(*greetings)++;
		else if (strstr(q->rbuf, "\"event\":") && strstr(q->rbuf, "\"SHUTDOWN\"") && !atomic_load(&q->shutdown_t))
			atomic_store(&q->shutdown_t, clock__now());	/* QEMU is about to exit: not an answer */
		else if (strstr(q->rbuf, "\"event\":"))
			;	/* other asynchronous news: not an answer */
		else if (strstr(q->rbuf, "\"error\":") && strstr(q->rbuf, "\"id\": \"screen\""))
			answers++, q->screen_errors++;
		else if (strstr(q->rbuf, "\"error\":"))
			answers++, keep_error(q, q->rbuf);
		else if (strstr(q->rbuf, "\"return\":"))
			answers++;
		memmove(q->rbuf, q->rbuf + len, q->rlen - len);
		q->rlen -= len;
	}
	if (q->rlen == sizeof(q->rbuf))	/* a line longer than the buffer (an event's data): drop it */
		q->rlen = 0;
	q->answered += (uint64_t)answers;
	return answers;
}

static int read_some(struct qmp *q)
{
	ssize_t n = recv(q->fd, q->rbuf + q->rlen, sizeof(q->rbuf) - q->rlen, MSG_DONTWAIT);

	if (n == 0)
		return -EPIPE;
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -errno;
	q->rlen += (size_t)n;
	return 0;
}

/* Wait for what pred counts, at most timeout_ms. */
static int wait_for(struct qmp *q, int want_greeting, int want_answers, int timeout_ms)
{
	uint64_t deadline = clock__mono_ns() + (uint64_t)timeout_ms * 1000000ULL;
	int greetings = 0, answers = 0;

	while (greetings < want_greeting || answers < want_answers) {
		uint64_t now = clock__mono_ns();
		struct pollfd p = { .fd = q->fd, .events = POLLIN };
		int rc;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((deadline - now) / 1000000ULL) + 1) < 0 && errno != EINTR)
			return -errno;
		if ((rc = read_some(q)))
			return rc;
		answers += take_lines(q, &greetings);
	}
	return 0;
}

int qmp__send(struct qmp *q, const char *json)
{
	size_t len = strlen(json), off = 0;

	if (q->stalled)
		return -EAGAIN;
	while (off < len + 1) {
		const char *p = off < len ? json + off : "\n";
		size_t n = off < len ? len - off : 1;
		ssize_t w = send(q->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* A full socket: QEMU has not read for many commands. A half-sent line cannot be taken back. */
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				q->stalled = true;
			return -errno;
		}
		off += (size_t)w;
	}
	q->sent++;
	return 0;
}

int qmp__handshake(struct qmp *q, int timeout_ms, char *err, size_t errlen)
{
	int rc = wait_for(q, 1, 0, timeout_ms);

	if (!rc)
		rc = qmp__send(q, "{\"execute\": \"qmp_capabilities\"}");
	if (!rc)
		rc = wait_for(q, 0, 1, timeout_ms);
	if (!rc && q->error[0])
		rc = -EPROTO;
	if (rc)
		snprintf(err, errlen, "QEMU's QMP monitor: %s", rc == -EPROTO ? q->error :
			 rc == -ETIMEDOUT ? "no answer" : strerror(-rc));
	q->sent = q->answered = 0;
	return rc;
}

int qmp__poll(struct qmp *q)
{
	int greetings = 0, rc;

	if (q->fd < 0)
		return 0;
	do {
		size_t before = q->rlen;

		if ((rc = read_some(q)))
			return rc;
		take_lines(q, &greetings);
		if (q->rlen == before)
			break;
	} while (1);
	return 0;
}

void qmp__close(struct qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}

/*
 * {"execute": "input-send-event", "arguments": {"events": [...]}}: QEMU
 * hands the events to its keyboard at once, with no delay queued.
 */
int qmp__send_key(void *arg, const struct key_press *p, bool down)
{
	char json[768];
	int o = snprintf(json, sizeof(json), "{\"execute\": \"input-send-event\", \"arguments\": {\"events\": [");

	for (int i = 0; i < p->n; i++) {
		const char *k = p->qcode[down ? i : p->n - 1 - i];

		o += snprintf(json + o, sizeof(json) - (size_t)o,
			      "%s{\"type\": \"key\", \"data\": {\"down\": %s, \"key\": {\"type\": \"qcode\", \"data\": \"%s\"}}}",
			      i ? ", " : "", down ? "true" : "false", k);
	}
	snprintf(json + o, sizeof(json) - (size_t)o, "]}}");
	return qmp__send(arg, json);
}

int qmp__check(void *arg, char *err, size_t errlen)
{
	struct qmp *q = arg;
	int rc = qmp__poll(q);

	if (rc) {
		snprintf(err, errlen, "QEMU's QMP monitor went away (%s)", strerror(-rc));
		return rc;
	}
	if (q->stalled) {
		snprintf(err, errlen, "QEMU stopped reading its QMP monitor");
		return -EAGAIN;
	}
	if (q->error[0]) {
		snprintf(err, errlen, "QEMU refused a key: %s", q->error);
		return -EPROTO;
	}
	return 0;
}
