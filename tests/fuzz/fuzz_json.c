/* SPDX-License-Identifier: ISC */
/*
 * fuzz_json.c - the JSON parsers: json_command(), the client command, and
 * json_value_msg(), the value message a relay reads from its upstream.
 *
 * Input: the whole input is one text message, as a client would send it.
 * (The server only passes valid UTF-8 here; the fuzzer passes anything,
 * which is more than the contract asks, but memory safety must not depend
 * on it.)  The text sits in a block of exactly its size and is not
 * NUL-terminated, so a parser that reads one byte too far is caught.
 *
 * Invariants, from json.h:
 *   - the result is 0 or -1;
 *   - on success the action is JSON_SUBSCRIBE or JSON_UNSUBSCRIBE and the
 *     letter is 'A'..'Z';
 *   - on failure *why is one of the documented reasons, and *cmd is left
 *     alone;
 *   - the input is not written to, and a second call says the same.
 *
 * And relations that must hold between related texts -- metamorphic tests,
 * which need no second JSON parser to be useful:
 *   - JSON whitespace around the text changes nothing (RFC 8259 2);
 *   - if the text is valid JSON, then so is it as the value of a member:
 *     {"k": TEXT} lacks an action, [TEXT] is not an object, and
 *     {"action": "subscribe", "letter": "q", "k": TEXT} subscribes to Q:
 *     keys inside TEXT are nested, so they are data and not the command --
 *     unless the extra level makes the nesting too deep;
 *   - if the text is nested too deep, it still is one level deeper.
 *
 * json_value_msg() must take exactly the objects with one member named by
 * a letter A..Z whose value is a JSON number; so on success:
 *   - the letter is in range, the number lies inside the text and is a
 *     number by itself (json_value_msg takes {"A": NUMBER} built from it),
 *     and nothing is written on failure;
 *   - the same text is valid JSON with no "action" (json_command says
 *     "missing action"), whitespace around it changes nothing, and one
 *     member more makes it no value message at all.
 */
#include "fuzz.h"
#include "json.h"

/* json.h's reasons, in the order it checks them. */
static const char *const json_reasons[] = {
	"invalid JSON", "nesting too deep", "expected a JSON object",
	"missing action", "action must be subscribe or unsubscribe",
	"missing letter", "letter must be one of A-Z",
};

struct json_result {
	int rc;
	struct json_command cmd;
	const char *why;
};

/* Runs json_command on pre + s + post, laid out in an exact-size block. */
static struct json_result
json_run(const char *pre, const uint8_t *s, size_t n, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);
	uint8_t *buf = fuzz_zalloc(a + n + b);
	struct json_result r;
	size_t i;

	memcpy(buf, pre, a);
	if (n)
		memcpy(buf + a, s, n);
	memcpy(buf + a + n, post, b);
	r.cmd.action = -7;          /* a sentinel json_command must not touch */
	r.cmd.letter = '?';
	r.why = NULL;
	r.rc = json_command((const char *)buf, a + n + b, &r.cmd, &r.why);
	FUZZ_CHECK(r.rc == 0 || r.rc == -1, "returned %d", r.rc);
	if (r.rc == 0) {
		FUZZ_CHECK(r.cmd.action == JSON_SUBSCRIBE || r.cmd.action == JSON_UNSUBSCRIBE,
		    "action %d", r.cmd.action);
		FUZZ_CHECK(r.cmd.letter >= 'A' && r.cmd.letter <= 'Z', "letter %d",
		    r.cmd.letter);
	} else {
		FUZZ_CHECK(r.why != NULL, "failure without a reason");
		for (i = 0; i < sizeof(json_reasons) / sizeof(json_reasons[0]); i++)
			if (!strcmp(r.why, json_reasons[i]))
				break;
		FUZZ_CHECK(i < sizeof(json_reasons) / sizeof(json_reasons[0]),
		    "undocumented reason \"%s\"", r.why);
		FUZZ_CHECK(r.cmd.action == -7 && r.cmd.letter == '?',
		    "failed but wrote *cmd");
	}
	FUZZ_CHECK(!memcmp(buf, pre, a) && (!n || !memcmp(buf + a, s, n)) &&
	    !memcmp(buf + a + n, post, b), "the input was modified");
	free(buf);
	return r;
}

static int
json_same(const struct json_result *x, const struct json_result *y)
{
	if (x->rc != y->rc)
		return 0;
	if (x->rc == 0)
		return x->cmd.action == y->cmd.action && x->cmd.letter == y->cmd.letter;
	return !strcmp(x->why, y->why);
}

static const char *
json_show(const struct json_result *r)
{
	static char buf[64];

	if (r->rc < 0)
		return r->why;
	snprintf(buf, sizeof(buf), "ok: action %d letter %c", r->cmd.action, r->cmd.letter);
	return buf;
}

/* json_value_msg on pre + s + post, in an exact-size block; its checks.
 * The number is copied to num (at most 63 bytes, NUL-terminated). */
static int
json_run_value(const char *pre, const uint8_t *s, size_t n, const char *post,
               int *letter, char num[64])
{
	size_t a = strlen(pre), b = strlen(post), len = 7;
	uint8_t *buf = fuzz_zalloc(a + n + b);
	const char *p = NULL;
	int rc;

	memcpy(buf, pre, a);
	if (n)
		memcpy(buf + a, s, n);
	memcpy(buf + a + n, post, b);
	*letter = -7;
	rc = json_value_msg((const char *)buf, a + n + b, letter, &p, &len);
	FUZZ_CHECK(rc == 0 || rc == -1, "json_value_msg returned %d", rc);
	if (rc == 0) {
		FUZZ_CHECK(*letter >= 0 && *letter < 26, "letter %d", *letter);
		FUZZ_CHECK(p >= (const char *)buf && len > 0 &&
		    p + len <= (const char *)buf + a + n + b, "number outside the text");
		snprintf(num, 64, "%.*s", (int)(len < 63 ? len : 63), p);
	} else {
		FUZZ_CHECK(*letter == -7 && p == NULL && len == 7,
		    "failed but wrote its results");
	}
	free(buf);
	return rc;
}

static void
json_check_value(const uint8_t *data, size_t size)
{
	struct json_result r;
	char num[64], n2[64], canon[96];
	int letter, l2;
	size_t end;
	uint8_t *more;

	if (json_run_value("", data, size, "", &letter, num) != 0)
		return;
	FUZZ_CHECK(json_run_value(" \n", data, size, "\t ", &l2, n2) == 0 &&
	    l2 == letter && !strcmp(n2, num), "whitespace around a value message");
	if (strlen(num) < 63) {
		/* the number alone, in the plainest message, is the same number */
		snprintf(canon, sizeof(canon), "{\"%c\": %s}", 'A' + letter, num);
		FUZZ_CHECK(json_run_value("", (const uint8_t *)canon, strlen(canon), "",
		    &l2, n2) == 0 && l2 == letter && !strcmp(n2, num),
		    "the number %s taken alone is no value", num);
	}
	r = json_run("", data, size, "");
	FUZZ_CHECK(r.rc < 0 && !strcmp(r.why, "missing action"),
	    "a value message, but json_command says %s", json_show(&r));
	/* one member more, before the closing brace */
	for (end = size; end > 0 && data[end - 1] != '}'; end--)
		;
	FUZZ_CHECK(end > 0, "a value message without '}'");
	more = fuzz_zalloc(size + 8);
	memcpy(more, data, end - 1);
	memcpy(more + end - 1, ",\"x\": 1}", 8);
	memcpy(more + end + 7, data + end, size - end);
	FUZZ_CHECK(json_run_value("", more, size + 8, "", &l2, n2) != 0,
	    "a second member is still a value message");
	free(more);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_result r = json_run("", data, size, ""), again, w;
	int valid, deep;

	again = json_run("", data, size, "");
	FUZZ_CHECK(json_same(&r, &again), "not deterministic: %s, then %s",
	    json_show(&r), json_show(&again));

	w = json_run(" \t\r\n", data, size, "\n\r\t ");
	FUZZ_CHECK(json_same(&r, &w), "whitespace around the text: %s, was %s",
	    json_show(&w), json_show(&r));

	deep = r.rc < 0 && !strcmp(r.why, "nesting too deep");
	valid = r.rc == 0 || (strcmp(r.why, "invalid JSON") && !deep);

	w = json_run("{\"k\": ", data, size, "}");
	if (valid)
		FUZZ_CHECK(w.rc < 0 && (!strcmp(w.why, "missing action") ||
		    !strcmp(w.why, "nesting too deep")),
		    "valid JSON as a member's value: %s", json_show(&w));
	if (deep)
		FUZZ_CHECK(w.rc < 0 && !strcmp(w.why, "nesting too deep"),
		    "one level deeper: %s", json_show(&w));

	if (valid) {
		w = json_run("[", data, size, "]");
		FUZZ_CHECK(w.rc < 0 && (!strcmp(w.why, "expected a JSON object") ||
		    !strcmp(w.why, "nesting too deep")),
		    "valid JSON in an array: %s", json_show(&w));
		w = json_run("{\"action\": \"subscribe\", \"letter\": \"q\", \"k\": ",
		    data, size, "}");
		FUZZ_CHECK((w.rc == 0 && w.cmd.action == JSON_SUBSCRIBE && w.cmd.letter == 'Q') ||
		    (w.rc < 0 && !strcmp(w.why, "nesting too deep")),
		    "a command with valid JSON beside it: %s", json_show(&w));
	}
	json_check_value(data, size);
	return 0;
}
