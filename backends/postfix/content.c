/* A message's headers and body, with postcat -hbq. */

#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "xalloc.h"

/* Whether postcat said the message is gone ("postcat: fatal: open queue
 * file ID: No such file or directory"): on its own line naming the id, not
 * on sshd's "Could not chdir to home directory /x: No such file or
 * directory" of a login without a home, nor on sudo's warnings. */
bool pf_postcat_gone(const struct mr_command_result *res, const char *id) {
	for (const char *line = res->err.data; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		char *one = mr_xstrndup(line, n);
		bool gone =
			strstr(one, id) != NULL && strstr(one, "No such file or directory") != NULL;
		free(one);
		if (gone) {
			return true;
		}
		line = nl ? nl + 1 : NULL;
	}
	return false;
}

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
		if (pf_postcat_gone(&res, id)) {
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
