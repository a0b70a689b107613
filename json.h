/* SPDX-License-Identifier: ISC */
/*
 * json.h - the two JSON texts letterd reads (RFC 8259): a client's command
 * and an upstream's value message.  No allocation, and no recursion
 * deeper than JSON_MAX_DEPTH.
 */
#ifndef LETTERD_JSON_H
#define LETTERD_JSON_H

#include <stddef.h>

#define JSON_MAX_DEPTH 32

/* ping: a page's liveness check, answered {"pong": true} in every mode
 * (docs/protocol.md 4.1); it takes no letter. */
enum json_action { JSON_SUBSCRIBE = 1, JSON_UNSUBSCRIBE = 2, JSON_PING = 3 };

struct json_command {
	int action;    /* enum json_action */
	char letter;   /* 'A'..'Z'; 0 for ping */
};

/* Parses s[0..n) (already known to be valid UTF-8; not NUL-terminated).
 * Returns 0 and fills *cmd, or returns -1, leaves *cmd alone and points *why
 * at a short static reason that needs no JSON escaping.  The reasons, in the
 * order they are checked: "invalid JSON" (or "nesting too deep" beyond
 * JSON_MAX_DEPTH levels, the command object being level 1), "expected a JSON
 * object", "missing action", "action must be subscribe or unsubscribe",
 * "missing letter", "letter must be one of A-Z". */
int json_command(const char *s, size_t n, struct json_command *cmd,
                 const char **why);

/* Parses a server's value message, {"A": 1234}: an object whose only
 * member is named by one letter A..Z and holds a JSON number.  Returns 0,
 * sets *letter to 0..25 and points *num at the number's bytes in s (*num_len
 * of them), or returns -1 for any other text. */
int json_value_msg(const char *s, size_t n, int *letter, const char **num,
                   size_t *num_len);

/* RFC 8259 6: the length of the JSON number at the start of s[0..n), read
 * greedily as a JSON parser reads it, or 0 if s does not start with one.
 * s[0..n) is exactly one number when the result is n (n > 0).  No "+",
 * no leading zeros ("01" gives 1), no "1." or ".5", no NaN or Infinity. */
size_t json_number_span(const char *s, size_t n);

#endif
