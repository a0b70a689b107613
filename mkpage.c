/*
 * mkpage.c - turns index.html into page.c, a C array, so that the page is
 * inside the binary and a board needs only one file.
 *
 * It is built with the host's compiler and run by the Makefile; any C99
 * compiler can build it, so no xxd, objcopy or linker trick is needed.
 *
 * usage: mkpage < index.html > page.c
 */
#include <stdio.h>

int
main(void)
{
	unsigned long n = 0;
	int c;

	printf("/* made by mkpage from index.html: do not edit */\n"
	    "#include <stddef.h>\n"
	    "const unsigned char page_html[] = {");
	while ((c = getchar()) != EOF)
		printf("%s%d,", n++ % 20 ? "" : "\n", c);
	printf("\n0 };\nconst size_t page_html_len = %lu;\n", n);
	return ferror(stdin) || fflush(stdout) ? 1 : 0;
}
