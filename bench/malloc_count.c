/* SPDX-License-Identifier: ISC */
/*
 * malloc_count.c - an LD_PRELOAD shim that counts allocator calls, so that
 * bench/run.sh can show that letterd allocates nothing per message
 * (tick values go out from frames state.c encodes once, and ws.c parses a
 * message in place: no malloc on the per-message path).
 *
 *   cc -std=c99 -O2 -Wall -Wextra -pedantic -D_GNU_SOURCE -fPIC -shared \
 *      -o bench/malloc_count.so bench/malloc_count.c -ldl
 *   MALLOC_COUNT_OUT=/tmp/counts LD_PRELOAD=$PWD/bench/malloc_count.so ./letterd
 *
 * It counts calls to malloc, calloc, realloc and free (and, as "other",
 * posix_memalign, aligned_alloc, memalign, valloc, pvalloc), then passes
 * each on to the C library's own function, found with dlsym(RTLD_NEXT).
 * It appends one line of counts to the file named by MALLOC_COUNT_OUT
 *   - on SIGUSR1 (bench/load -U sends one at each edge of its window), and
 *   - at exit,
 * each line "REASON malloc=N calloc=N realloc=N free=N other=N", the
 * counts since start.  The difference between two lines is what was
 * allocated between them.
 *
 * Shortcuts named honestly: a glibc/Linux tool (dlsym, RTLD_NEXT, a
 * destructor), for a benchmark, not for letterd.  The counters are plain
 * integers: letterd is single-threaded; the signal handler only reads
 * them, so a count taken in the middle of a malloc may miss that one call.
 * dlsym itself may allocate before the real functions are known; those few
 * early calls are served from a static arena and never freed.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

static volatile unsigned long n_malloc, n_calloc, n_realloc, n_free, n_other;

/* ---- Before dlsym has answered --------------------------------------- */

static int resolving;
static unsigned char arena[8192] __attribute__((aligned(16)));
static size_t arena_used;

static int
in_arena(const void *p)
{
	return (const unsigned char *)p >= arena &&
	    (const unsigned char *)p < arena + sizeof(arena);
}

static void *
arena_alloc(size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > sizeof(arena) - arena_used)
		return NULL;
	p = arena + arena_used;
	arena_used += n;
	return p;
}

/* C forbids converting dlsym's void * to a function pointer; POSIX's
 * rationale for dlsym gives this form instead. */
#define FIND(fp, name) (*(void **)(&(fp)) = dlsym(RTLD_NEXT, name))

static void
resolve(void)
{
	if (real_malloc || resolving)
		return;
	resolving = 1;
	FIND(real_calloc, "calloc");
	FIND(real_realloc, "realloc");
	FIND(real_free, "free");
	FIND(real_posix_memalign, "posix_memalign");
	FIND(real_aligned_alloc, "aligned_alloc");
	FIND(real_memalign, "memalign");
	FIND(real_valloc, "valloc");
	FIND(real_pvalloc, "pvalloc");
	FIND(real_malloc, "malloc");
	resolving = 0;
}

/* ---- The counted functions ------------------------------------------- */

void *
malloc(size_t n)
{
	resolve();
	if (!real_malloc)
		return arena_alloc(n);
	n_malloc++;
	return real_malloc(n);
}

void *
calloc(size_t k, size_t n)
{
	resolve();
	if (!real_calloc || !real_malloc) {
		if (n && k > SIZE_MAX / n)
			return NULL;
		return arena_alloc(k * n);  /* static: already zero */
	}
	n_calloc++;
	return real_calloc(k, n);
}

void *
realloc(void *p, size_t n)
{
	resolve();
	if (in_arena(p) || !real_realloc || !real_malloc) {
		/* an early block: move it out (its old size is unknown, but
		 * never more than what is left of the arena after it) */
		void *q = real_malloc ? real_malloc(n) : arena_alloc(n);
		size_t max = p ? (size_t)(arena + sizeof(arena) - (unsigned char *)p) : 0;

		if (q && p)
			memcpy(q, p, n < max ? n : max);
		n_realloc++;
		return q;
	}
	n_realloc++;
	return real_realloc(p, n);
}

void
free(void *p)
{
	if (!p)
		return;         /* free(NULL) is not counted: it does nothing */
	n_free++;
	if (in_arena(p))
		return;
	resolve();
	if (real_free)
		real_free(p);
}

int
posix_memalign(void **out, size_t align, size_t n)
{
	resolve();
	n_other++;
	return real_posix_memalign ? real_posix_memalign(out, align, n) : ENOMEM;
}

void *
aligned_alloc(size_t align, size_t n)
{
	resolve();
	n_other++;
	return real_aligned_alloc ? real_aligned_alloc(align, n) : NULL;
}

void *
memalign(size_t align, size_t n)
{
	resolve();
	n_other++;
	return real_memalign ? real_memalign(align, n) : NULL;
}

void *
valloc(size_t n)
{
	resolve();
	n_other++;
	return real_valloc ? real_valloc(n) : NULL;
}

void *
pvalloc(size_t n)
{
	resolve();
	n_other++;
	return real_pvalloc ? real_pvalloc(n) : NULL;
}

/* ---- Dumping: async-signal-safe (open, write, close and our own digits) */

static char *
put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *
put_num(char *p, const char *key, unsigned long v)
{
	char d[24];
	int i = 0;

	p = put_str(p, key);
	do
		d[i++] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	while (i > 0)
		*p++ = d[--i];
	return p;
}

static char out_path[4096];    /* MALLOC_COUNT_OUT, read once at start */

static void
dump(const char *reason)
{
	char line[256], *p = line;
	int fd, saved = errno;

	if (!out_path[0])
		return;
	p = put_str(p, reason);
	p = put_num(p, " malloc=", n_malloc);
	p = put_num(p, " calloc=", n_calloc);
	p = put_num(p, " realloc=", n_realloc);
	p = put_num(p, " free=", n_free);
	p = put_num(p, " other=", n_other);
	*p++ = '\n';
	fd = open(out_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)(p - line)) < 0) {
			/* nothing to do about it from here */
		}
		close(fd);
	}
	errno = saved;
}

static void
on_usr1(int sig)
{
	(void)sig;
	dump("usr1");
}

__attribute__((constructor)) static void
start(void)
{
	struct sigaction sa;
	const char *path = getenv("MALLOC_COUNT_OUT");

	resolve();
	if (path && strlen(path) < sizeof(out_path))
		strcpy(out_path, path);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	dump("start");
}

__attribute__((destructor)) static void
finish(void)
{
	dump("exit");
}
