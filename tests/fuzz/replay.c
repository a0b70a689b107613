/* SPDX-License-Identifier: ISC */
/*
 * replay.c - runs a fuzz target on files, without libFuzzer.
 *
 *     replay_http tests/fuzz/corpus/http tests/fuzz/regress/http FILE...
 *
 * Linked with one fuzz_*.c instead of libFuzzer's runtime, this main()
 * calls LLVMFuzzerTestOneInput once for every file named on the command
 * line and every file in every directory named (hidden files such as
 * .gitkeep are skipped, and a directory's files run in name order, so that
 * two runs do the same thing).  So the seed corpus and every input that
 * ever crashed run under any C99 compiler with -fsanitize=address,undefined
 * on every run of the test suite, with no clang and no libFuzzer needed.
 *
 * Each input is given, as libFuzzer gives it, in a heap block of exactly
 * its size.  The last line of output is "N passed, M failed", N counting
 * the inputs that ran to the end, M the files that could not be read; the
 * exit status is non-zero if M is.  An input that fails a check or trips a
 * sanitizer kills the process on the spot -- the caller sees the exit
 * status -- and the last line then names the input that did it.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/* The file being run, for the last words of a dying process. */
static const char *replay_current;

/* Says which input killed us: write(2) only, as befits a signal handler
 * or a sanitizer's death callback. */
static void
replay_last_words(void)
{
	static const char msg[] = "replay: died on input ";

	if (!replay_current)
		return;
	if (write(2, msg, sizeof(msg) - 1) < 0 ||
	    write(2, replay_current, strlen(replay_current)) < 0 || write(2, "\n", 1) < 0)
		return;
}

/* abort() from a FUZZ_CHECK: name the input, then die of SIGABRT as
 * before, so that the exit status still says so. */
static void
replay_on_abort(int sig)
{
	replay_last_words();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A sanitizer report ends with _exit(), not a signal; the sanitizer
 * runtimes call this hook first.  Declared weak, so that a build without
 * sanitizers links too (and then has no such hook). */
#if defined(__GNUC__)
extern void __sanitizer_set_death_callback(void (*)(void)) __attribute__((weak));
#endif

static int replay_passed, replay_failed;

static void
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t n = 0, cap = 0, r;

	if (!f) {
		perror(path);
		replay_failed++;
		return;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			if (!(data = realloc(data, cap))) {
				fputs("replay: out of memory\n", stderr);
				exit(2);
			}
		}
		if (!(r = fread(data + n, 1, cap - n, f)))
			break;
		n += r;
	}
	if (ferror(f)) {
		perror(path);
		fclose(f);
		free(data);
		replay_failed++;
		return;
	}
	fclose(f);
	{
		/* exactly n bytes, so that a read past the end is caught */
		uint8_t *exact = fuzz_dup(data, n);

		free(data);
		replay_current = path;
		LLVMFuzzerTestOneInput(exact, n);
		replay_current = NULL;
		free(exact);
	}
	replay_passed++;
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
replay_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;

	if (!d) {
		perror(dir);
		replay_failed++;
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			if (!(names = realloc(names, cap * sizeof(*names)))) {
				fputs("replay: out of memory\n", stderr);
				exit(2);
			}
		}
		if (!(names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2))) {
			fputs("replay: out of memory\n", stderr);
			exit(2);
		}
		sprintf(names[n++], "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), replay_cmp);
	for (i = 0; i < n; i++) {
		struct stat st;

		if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
			replay_file(names[i]);
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char **argv)
{
	struct stat st;
	int i;

	signal(SIGABRT, replay_on_abort);
#if defined(__GNUC__)
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(replay_last_words);
#endif
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			replay_dir(argv[i]);
		else
			replay_file(argv[i]);
	}
	printf("%d passed, %d failed\n", replay_passed, replay_failed);
	return replay_failed ? 1 : 0;
}
