/* SPDX-License-Identifier: ISC */
/*
 * mkpage.c - turns index.html into page.c, a C array, so that the page is
 * inside the binary and a board needs only one file.
 *
 * It is built with the host's compiler and run by the Makefile; any C99
 * compiler can build it, so no xxd, objcopy or linker trick is needed.
 *
 * On the way it leaves out what only a reader of the source needs: the
 * indentation, blank lines, and comments that fill whole lines (a line
 * of "// ...", or a "/" "* ... *" "/" or "<!-- ... -->" block that starts
 * and ends a line).  A quarter of the page is such text, and on a board
 * every byte is flash.  Everything else is kept byte for byte, line
 * breaks included, since a script's meaning may depend on them; so the
 * page served is index.html minus its comments and indentation, and a
 * bug report's line of code is still a line of index.html.
 *
 * usage: mkpage < index.html > page.c      (the C array)
 *        mkpage -t < index.html            (the text served, for tests)
 */
#include <stdio.h>
#include <string.h>

/* 1 if the line at p (its indentation gone) is all comment: "//...", or
 * inside a block that starts at the start of a line and ends at the end
 * of one.  *open is the closing marker of a block still open.  A block
 * opened on an earlier line that ends before the end of a line cannot be
 * cut out by lines: -1, and the page must be written otherwise. */
static int
comment_line(const char *p, const char **open)
{
	const char *end;
	int here = 0;

	if (!*open) {
		if (!strncmp(p, "//", 2))
			return 1;
		if (!strncmp(p, "/*", 2))
			*open = "*/";
		else if (!strncmp(p, "<!--", 4))
			*open = "-->";
		else
			return 0;
		p += 2;
		here = 1;
	}
	if (!(end = strstr(p, *open)))
		return 1;                  /* it goes on past this line */
	if (end[strlen(*open)] == '\0') {
		*open = NULL;              /* it ends with the line */
		return 1;
	}
	*open = NULL;
	return here ? 0 : -1;              /* code after it: keep, or give up */
}

int
main(int argc, char **argv)
{
	static char line[65536];
	const char *open = NULL, *p;
	unsigned long n = 0;
	int text = argc > 1 && !strcmp(argv[1], "-t"), c;
	size_t len;

	if (!text)
		printf("/* made by mkpage from index.html: do not edit */\n"
		    "#include <stddef.h>\n"
		    "const unsigned char page_html[] = {");
	while (fgets(line, sizeof(line), stdin)) {
		len = strcspn(line, "\n");
		while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		line[len] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (!*p || (c = comment_line(p, &open)) > 0)
			continue;
		if (c < 0) {
			fprintf(stderr, "mkpage: a comment ends inside a line\n");
			return 1;
		}
		for (; *p; p++, n++)
			text ? putchar(*p) : printf("%s%d,", n % 20 ? "" : "\n", *p);
		text ? putchar('\n') : printf("%s10,", n % 20 ? "" : "\n");
		n++;
	}
	if (!text)
		printf("\n0 };\nconst size_t page_html_len = %lu;\n", n);
	return ferror(stdin) || fflush(stdout) || open ? 1 : 0;
}
