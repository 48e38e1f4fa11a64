/* A message's headers and body, with postcat -hbq. */

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xalloc.h"

static bool collect(void *ctx, const char *data, size_t len) {
	struct mr_buf *out = ctx;
	/* A message is bounded by message_size_limit; this bounds a runaway. */
	if (out->len + len > (size_t)256 << 20) {
		return false;
	}
	mr_buf_add(out, data, len);
	return true;
}

bool pf_content(struct mr_source *src, const char *id, struct mr_buf *headers, struct mr_buf *body,
	char **cause) {
	struct pf *pf = src->data;
	const char *args[] = { "-hbq", id, NULL };
	struct mr_buf out;
	mr_buf_init(&out);
	struct mr_command cmd = {
		.on_output = collect,
		.ctx = &out,
		.timeout_ms = 60 * 1000,
	};
	struct mr_command_result res;
	bool ok = pf_run(pf, PF_POSTCAT, args, &cmd, &res, cause);
	if (ok) {
		if (strstr(res.err.data, "No such file or directory") != NULL) {
			ok = mr_fail(cause, "%s is no longer in the queue", id);
		} else if (res.exit_status != 0 || res.cancelled) {
			char *why =
				res.cancelled
					? mr_xstrdup("postcat: the message is too large to show")
					: pf_failure(pf, PF_POSTCAT, &res);
			ok = mr_fail(cause, "%s", why);
			free(why);
		}
		mr_command_result_finish(&res);
	}
	if (ok) {
		/* Headers, an empty line, the body: the message as it was sent. */
		const char *split = strstr(out.data, "\n\n");
		size_t head = split ? (size_t)(split - out.data) + 1 : out.len;
		mr_buf_add(headers, out.data, head);
		if (split != NULL) {
			mr_buf_add(body, split + 2, out.len - head - 1);
		}
	}
	mr_buf_finish(&out);
	return ok;
}
