/* SPDX-License-Identifier: ISC */
/*
 * unit_json.c - the command parser against valid commands in many spellings
 * and invalid texts with the exact reason each must get.
 *
 * Every input is copied into a malloc'd buffer of exactly its length, so
 * that under -fsanitize=address a parser that reads one byte past s[n)
 * crashes instead of passing by luck (the same idea as picohttpparser's
 * guard page).  Inputs are given with their length (sizeof - 1), so they
 * may contain NUL bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../json.h"

/* Runs the parser over an exact-size copy of text[0..n). */
static int json_run(const char *text, size_t n, struct json_command *cmd,
                    const char **why)
{
	/* For n == 0, hand over the end of a 1-byte block: reading s[0]
	 * would still be caught. */
	char *buf = malloc(n > 0 ? n : 1);
	int rc;

	if (buf == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(buf, text, n);
	rc = json_command(n > 0 ? buf : buf + 1, n, cmd, why);
	free(buf);
	return rc;
}

static void json_ok(int line, const char *text, size_t n, int action,
                    char letter)
{
	struct json_command cmd = { 0, 0 };
	const char *why = NULL;
	int rc = json_run(text, n, &cmd, &why);

	CHECK(rc == 0 && cmd.action == action && cmd.letter == letter,
	      "line %d: %.*s -> rc %d action %d letter %c (%s)", line,
	      (int)n, text, rc, cmd.action, cmd.letter ? cmd.letter : '-',
	      why ? why : "");
}

static void json_bad(int line, const char *text, size_t n,
                     const char *reason)
{
	struct json_command cmd = { 0, 0 };
	const char *why = NULL;
	int rc = json_run(text, n, &cmd, &why);

	CHECK(rc == -1 && why != NULL && strcmp(why, reason) == 0,
	      "line %d: %.*s -> rc %d \"%s\", want \"%s\"", line, (int)n,
	      text, rc, why ? why : "(null)", reason);
}

#define OK(text, action, letter) \
	json_ok(__LINE__, text, sizeof text - 1, action, letter)
#define BAD(text, reason) \
	json_bad(__LINE__, text, sizeof text - 1, reason)

#define SUB JSON_SUBSCRIBE
#define UNSUB JSON_UNSUBSCRIBE

#define INVALID   "invalid JSON"
#define NOTOBJ    "expected a JSON object"
#define DEEP      "nesting too deep"
#define NOACTION  "missing action"
#define NOLETTER  "missing letter"
#define BADACTION "action must be subscribe or unsubscribe"
#define BADLETTER "letter must be one of A-Z"

static void json_test_valid(void)
{
	/* The protocol's own example, and the other spellings of it. */
	OK("{\"action\": \"subscribe\", \"letter\": \"a\"}", SUB, 'A');
	OK("{\"action\":\"subscribe\",\"letter\":\"A\"}", SUB, 'A');
	OK("{\"action\":\"unsubscribe\",\"letter\":\"z\"}", UNSUB, 'Z');
	OK("{\"letter\":\"Q\",\"action\":\"unsubscribe\"}", UNSUB, 'Q');
	OK("{\"letter\":\"m\",\"action\":\"subscribe\"}", SUB, 'M');
	/* The liveness check: no letter needed, and one is not looked at. */
	OK("{\"action\": \"ping\"}", JSON_PING, 0);
	OK("{\"action\":\"ping\",\"letter\":\"not one\"}", JSON_PING, 0);
	OK("{\"action\":\"p\\u0069ng\",\"x\":[1]}", JSON_PING, 0);
	BAD("{\"action\": \"Ping\"}", BADACTION);
	BAD("{\"action\": [\"ping\"]}", BADACTION);
	/* Whitespace (RFC 8259 2) at every place it may go. */
	OK(" \t\r\n{ \t\r\n\"action\" \t\r\n: \t\r\n\"subscribe\" \t\r\n,"
	   " \t\r\n\"letter\" \t\r\n: \t\r\n\"b\" \t\r\n} \t\r\n", SUB, 'B');
	OK("\n{\"action\":\"subscribe\",\"letter\":\"c\"}\n", SUB, 'C');
	/* Escapes in keys and in values. */
	OK("{\"\\u0061ction\":\"subscribe\",\"letter\":\"d\"}", SUB, 'D');
	OK("{\"\\u0061\\u0063\\u0074\\u0069\\u006F\\u006e\":\"subscribe\","
	   "\"l\\u0065tter\":\"e\"}", SUB, 'E');
	OK("{\"action\":\"\\u0073ubscribe\",\"letter\":\"f\"}", SUB, 'F');
	OK("{\"action\":\"un\\u0073ub\\u0073cribe\",\"letter\":\"g\"}",
	   UNSUB, 'G');
	OK("{\"action\":\"subscribe\",\"letter\":\"\\u0041\"}", SUB, 'A');
	OK("{\"action\":\"subscribe\",\"letter\":\"\\u007a\"}", SUB, 'Z');
	OK("{\"action\":\"subscribe\",\"letter\":\"\\u004A\"}", SUB, 'J');
	OK("{\"action\":\"subscribe\",\"letter\":\"\\u006b\"}", SUB, 'K');
	/* Unknown keys, whatever their value, are ignored. */
	OK("{\"x\":1,\"action\":\"subscribe\",\"letter\":\"h\"}", SUB, 'H');
	OK("{\"action\":\"subscribe\",\"x\":{\"action\":\"unsubscribe\","
	   "\"letter\":\"q\"},\"letter\":\"i\"}", SUB, 'I');
	OK("{\"a\":[1,[2,[3,{}]],[],{\"b\":[]}],\"action\":\"subscribe\","
	   "\"letter\":\"j\"}", SUB, 'J');
	OK("{\"t\":true,\"f\":false,\"n\":null,\"action\":\"subscribe\","
	   "\"letter\":\"k\"}", SUB, 'K');
	OK("{\"n\":[0,-0,12,-3.25,1e5,1E+5,2e-3,-0.0e0,123456789012345678901"
	   "234567890],\"action\":\"subscribe\",\"letter\":\"l\"}", SUB, 'L');
	OK("{\"s\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\",\"action\":"
	   "\"subscribe\",\"letter\":\"m\"}", SUB, 'M');
	/* A surrogate pair (U+1F600) and raw UTF-8 (U+00E9) in values. */
	OK("{\"emoji\":\"\\uD83D\\uDE00\",\"action\":\"subscribe\","
	   "\"letter\":\"n\"}", SUB, 'N');
	OK("{\"\\ud83d\\ude00\":\"\xc3\xa9\",\"action\":\"subscribe\","
	   "\"letter\":\"o\"}", SUB, 'O');
	/* A lone surrogate is grammatical (RFC 8259 8.2), merely unmatchable. */
	OK("{\"x\":\"\\ud800\",\"y\":\"\\udc00\\ud800x\",\"action\":"
	   "\"subscribe\",\"letter\":\"p\"}", SUB, 'P');
	OK("{\"\":\"\",\"action\":\"subscribe\",\"letter\":\"r\"}", SUB, 'R');
	/* A key too long to be kept is still skipped correctly. */
	OK("{\"actionactionactionactionaction\":\"unsubscribe\",\"action\":"
	   "\"subscribe\",\"letter\":\"s\"}", SUB, 'S');
	/* Duplicate keys: the last one wins. */
	OK("{\"action\":\"unsubscribe\",\"action\":\"subscribe\","
	   "\"letter\":\"t\"}", SUB, 'T');
	OK("{\"action\":\"subscribe\",\"letter\":\"a\",\"letter\":\"u\"}",
	   SUB, 'U');
	OK("{\"action\":7,\"action\":\"subscribe\",\"letter\":\"!\","
	   "\"letter\":\"v\"}", SUB, 'V');
	OK("{\"letter\":\"w\",\"action\":\"subscribe\",\"\\u0061ction\":"
	   "\"unsubscribe\"}", UNSUB, 'W');
	/* Control characters above 0x1F (DEL) need no escape. */
	OK("{\"x\":\"\x7f\",\"action\":\"subscribe\",\"letter\":\"x\"}",
	   SUB, 'X');
}

static void json_test_invalid(void)
{
	/* Not JSON at all. */
	BAD("", INVALID);
	BAD("   ", INVALID);
	BAD("{", INVALID);
	BAD("}", INVALID);
	BAD("subscribe a", INVALID);
	BAD("{action:\"subscribe\",letter:\"a\"}", INVALID);
	BAD("{'action':'subscribe','letter':'a'}", INVALID);
	BAD("{\"action\":\"subscribe\",\"letter\":\"a\",}", INVALID);
	BAD("{,\"action\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	BAD("{\"action\":\"subscribe\" \"letter\":\"a\"}", INVALID);
	BAD("{\"action\"=\"subscribe\",\"letter\":\"a\"}", INVALID);
	BAD("{\"action\":\"subscribe\",\"letter\":}", INVALID);
	BAD("{\"x\":[1,],\"action\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	BAD("{\"x\":[1 2],\"action\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	BAD("{\"x\":{\"a\"},\"action\":\"subscribe\",\"letter\":\"a\"}",
	    INVALID);
	BAD("{\"x\":[}],\"action\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	/* Trailing garbage after the object. */
	BAD("{\"action\":\"subscribe\",\"letter\":\"a\"}x", INVALID);
	BAD("{\"action\":\"subscribe\",\"letter\":\"a\"}}", INVALID);
	BAD("{\"action\":\"subscribe\",\"letter\":\"a\"} {}", INVALID);
	BAD("{\"action\":\"subscribe\",\"letter\":\"a\"}\0", INVALID);
	/* Whitespace that RFC 8259 does not count as whitespace. */
	BAD("\v{\"action\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	BAD("{\f\"action\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	BAD("\xc2\xa0{\"action\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	/* Bad literals. */
	BAD("{\"x\":tru,\"action\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	BAD("{\"x\":True,\"action\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	BAD("{\"x\":nul}", INVALID);
	BAD("{\"x\":undefined}", INVALID);
	BAD("{\"x\":NaN}", INVALID);
	/* Bad numbers (RFC 8259 6). */
	BAD("{\"x\":01}", INVALID);
	BAD("{\"x\":-01}", INVALID);
	BAD("{\"x\":+1}", INVALID);
	BAD("{\"x\":.5}", INVALID);
	BAD("{\"x\":1.}", INVALID);
	BAD("{\"x\":1.e5}", INVALID);
	BAD("{\"x\":1e}", INVALID);
	BAD("{\"x\":1e+}", INVALID);
	BAD("{\"x\":1e+-1}", INVALID);
	BAD("{\"x\":-}", INVALID);
	BAD("{\"x\":--1}", INVALID);
	BAD("{\"x\":0x10}", INVALID);
	BAD("{\"x\":1.5.5}", INVALID);
	BAD("{\"x\":Infinity}", INVALID);
	BAD("{\"x\":-Infinity}", INVALID);
	/* Bad escapes and raw control characters in strings (RFC 8259 7). */
	BAD("{\"x\":\"\\a\"}", INVALID);
	BAD("{\"x\":\"\\x41\"}", INVALID);
	BAD("{\"x\":\"\\'\"}", INVALID);
	BAD("{\"x\":\"\\U0041\"}", INVALID);
	BAD("{\"x\":\"\\u004\"}", INVALID);
	BAD("{\"x\":\"\\u00G1\"}", INVALID);
	BAD("{\"x\":\"\\\"}", INVALID);
	BAD("{\"x\":\"\\\0\"}", INVALID);
	BAD("{\"x\":\"a\nb\"}", INVALID);
	BAD("{\"x\":\"a\tb\"}", INVALID);
	BAD("{\"x\":\"\0\"}", INVALID);
	BAD("{\"x\":\"\x1f\"}", INVALID);
	BAD("{\"ac\ttion\":\"subscribe\",\"letter\":\"a\"}", INVALID);
	/* Valid JSON, but not an object. */
	BAD("[]", NOTOBJ);
	BAD("[{\"action\":\"subscribe\",\"letter\":\"a\"}]", NOTOBJ);
	BAD("\"subscribe\"", NOTOBJ);
	BAD("42", NOTOBJ);
	BAD(" -1.5e3 ", NOTOBJ);
	BAD("null", NOTOBJ);
	BAD("true", NOTOBJ);
	/* ...unless it is not even JSON. */
	BAD("[1,", INVALID);
	BAD("\"abc", INVALID);
	BAD("42 43", INVALID);
	/* Missing and bad action; invalid JSON is reported first. */
	BAD("{}", NOACTION);
	BAD("{\"letter\":\"a\"}", NOACTION);
	BAD("{\"Action\":\"subscribe\",\"letter\":\"a\"}", NOACTION);
	BAD("{\"x\":{\"action\":\"subscribe\"},\"letter\":\"a\"}", NOACTION);
	BAD("{\"action\\u0000\":\"subscribe\",\"letter\":\"a\"}", NOACTION);
	BAD("{\"action\":\"Subscribe\",\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":\"SUBSCRIBE\",\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":\"subscribe \",\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":\"sub\",\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":\"\",\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":\"subscribesubscribe\",\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":\"subscribe\\u0000\",\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":\"subscribe\\ud800\",\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":null,\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":1,\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":[\"subscribe\"],\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":{},\"letter\":\"a\"}", BADACTION);
	BAD("{\"action\":\"subscribe\",\"action\":\"nope\",\"letter\":\"a\"}",
	    BADACTION);
	BAD("{\"action\":\"nope\"}", BADACTION);
	BAD("{\"action\":\"nope\",\"letter\":\"a\"", INVALID);
	/* Missing and bad letter; the action is judged first. */
	BAD("{\"action\":\"subscribe\"}", NOLETTER);
	BAD("{\"action\":\"unsubscribe\",\"Letter\":\"a\"}", NOLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"AB\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"1\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"@\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"[\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"`\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"{\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\" a\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"\\u00e9\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"\xc3\xa9\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"\\ud800a\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"a\\udc00\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"\\u0000\"}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":97}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":null}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":[\"a\"]}", BADLETTER);
	BAD("{\"action\":\"subscribe\",\"letter\":\"a\",\"letter\":\"ab\"}",
	    BADLETTER);
	BAD("{\"action\":\"x\",\"letter\":\"1\"}", BADACTION);
	BAD("{\"letter\":\"1\"}", NOACTION);
}

/* Every proper prefix of a valid command is invalid JSON: the parser must
 * notice the end of input wherever it falls, and never read beyond it. */
static void json_test_truncated(const char *text)
{
	size_t n = strlen(text), k;

	for (k = 0; k < n; k++)
		json_bad(__LINE__, text, k, INVALID);
}

/* The command object with levels - 1 containers nested inside it,
 * alternately arrays and objects ({"x":[{"x":[...]}]}), the innermost
 * empty.  The command object itself is level 1. */
static void json_test_depth(int levels, const char *reason)
{
	char text[2048];
	size_t n;
	int k;

	n = (size_t)sprintf(text, "{\"action\":\"subscribe\",\"letter\":\"d\"");
	if (levels > 1)
		n += (size_t)sprintf(text + n, ",\"x\":");
	for (k = 2; k < levels; k++)
		n += (size_t)sprintf(text + n, k % 2 ? "{\"x\":" : "[");
	if (levels > 1)
		n += (size_t)sprintf(text + n, levels % 2 ? "{}" : "[]");
	for (k = levels - 1; k >= 2; k--)
		n += (size_t)sprintf(text + n, k % 2 ? "}" : "]");
	text[n++] = '}';
	if (reason == NULL)
		json_ok(__LINE__, text, n, SUB, 'D');
	else
		json_bad(__LINE__, text, n, reason);
}

/* Pure arrays nested at top level: valid, but not an object. */
static void json_test_arrays(int levels, const char *reason)
{
	char text[256];
	int k;

	for (k = 0; k < levels; k++) {
		text[k] = '[';
		text[2 * levels - 1 - k] = ']';
	}
	json_bad(__LINE__, text, (size_t)(2 * levels), reason);
}

/* json_value_msg: the value messages a relay takes from its upstream,
 * any JSON number, handed back as written. */
static void json_test_value_msg(void)
{
	static const struct { const char *in; int ok; char letter; const char *num; } t[] = {
		{ "{\"A\": 1234}", 1, 'A', "1234" },
		{ " {\"Z\" :9999 }\n", 1, 'Z', "9999" },
		{ "{\"\\u004D\": 1000}", 1, 'M', "1000" },
		{ "{\"A\": 999}", 1, 'A', "999" },
		{ "{\"T\": 21.5}", 1, 'T', "21.5" },
		{ "{\"A\": -7}", 1, 'A', "-7" },
		{ "{\"A\": 0}", 1, 'A', "0" },
		{ "{\"A\": 6.02e23}", 1, 'A', "6.02e23" },
		{ "{\"A\": 1E-3}", 1, 'A', "1E-3" },
		{ "{\"A\":-0.5e+10}", 1, 'A', "-0.5e+10" },
		{ "{\"A\": 01}", 0, 0, NULL },
		{ "{\"A\": +1}", 0, 0, NULL },
		{ "{\"A\": .5}", 0, 0, NULL },
		{ "{\"A\": 1.}", 0, 0, NULL },
		{ "{\"A\": NaN}", 0, 0, NULL },
		{ "{\"A\": \"1234\"}", 0, 0, NULL },
		{ "{\"a\": 1234}", 0, 0, NULL },
		{ "{\"AB\": 1234}", 0, 0, NULL },
		{ "{\"A\": 1234, \"B\": 1234}", 0, 0, NULL },
		{ "{\"A\": \"You need to subscribe before un-subscribing\"}", 0, 0, NULL },
		{ "{\"error\": \"invalid JSON\"}", 0, 0, NULL },
		{ "{\"A\": 1234", 0, 0, NULL },
		{ "{\"A\": 1234}}", 0, 0, NULL },
		{ "{\"A\": 1234} x", 0, 0, NULL },
		{ "[1234]", 0, 0, NULL },
		{ "{}", 0, 0, NULL },
		{ "", 0, 0, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = strlen(t[i].in), len = 0;
		char *buf = malloc(n ? n : 1);
		const char *num = NULL;
		int letter = -1, rc;

		memcpy(buf, t[i].in, n);
		rc = json_value_msg(buf, n, &letter, &num, &len);
		CHECK(t[i].ok ? rc == 0 && letter == t[i].letter - 'A' &&
		      len == strlen(t[i].num) && !memcmp(num, t[i].num, len) &&
		      num >= buf && num + len <= buf + n : rc == -1,
		      "json_value_msg(%s): %d %d %.*s", t[i].in, rc, letter,
		      rc == 0 ? (int)len : 0, rc == 0 ? num : "");
		free(buf);
	}
}

int main(void)
{
	json_test_valid();
	json_test_invalid();
	json_test_truncated("{\"action\": \"subscribe\", \"letter\": \"a\"}");
	json_test_truncated(" {\"\\u0061ction\":\"unsubscribe\",\"x\":[1.5e-3,"
	                    "true,false,null,{\"y\":\"\\uD83D\\uDE00\"}],"
	                    "\"letter\":\"\\u0041\"}");
	json_test_depth(1, NULL);
	json_test_depth(2, NULL);
	json_test_depth(31, NULL);
	json_test_depth(JSON_MAX_DEPTH, NULL);
	json_test_depth(JSON_MAX_DEPTH + 1, DEEP);
	json_test_depth(33, DEEP);
	json_test_depth(100, DEEP);
	json_test_arrays(JSON_MAX_DEPTH, NOTOBJ);
	json_test_arrays(JSON_MAX_DEPTH + 1, DEEP);
	json_test_arrays(120, DEEP);
	json_test_value_msg();
	return CHECK_DONE();
}
