// fanlab's virtual clock shim: a shared library preloaded (LD_PRELOAD) into
// every function process, so that the process's clocks follow the emulator's
// virtual clock and its sleeps become requests the emulator answers at the
// right virtual time.
//
// The contract with the emulator (functions/runtimes/README.md, "The
// virtual clock"):
//
//   FANLAB_CLOCK_FILE     a file the emulator keeps up to date, mapped
//                         read-only. Little-endian: offset 0 the magic
//                         "FLCLOCK1", offset 8 int64 now_ns (virtual now, ns
//                         since the epoch, stored with release order, only
//                         grows), offset 16 int64 monotonic_base_ns (virtual
//                         CLOCK_MONOTONIC = now_ns - monotonic_base_ns).
//   FANLAB_HTTP_ENDPOINT  http://HOST:PORT (HOST: an IPv4 address, [IPv6] or
//                         localhost), where sleeps are requested:
//                         POST /_fanlab/sleep with the wake time (virtual
//                         epoch ns, decimal) as the body; the answer (200,
//                         body: the virtual now) comes when virtual time has
//                         reached it. A sleep that ends early (a signal,
//                         an event loop's event) is cancelled with POST
//                         /_fanlab/sleep/cancel, body: the client port of
//                         the sleep's connection (docs/protocol.md), and its
//                         connection closed.
//   AWS_ACCESS_KEY_ID     names the caller (read at each sleep: a fork
//                         server's child sets its environment after fork).
//   FANLAB_CLOCK_TICK_NS  optional, default 1000: see ReadNs().
//
// Without a valid clock file every intercepted call goes straight to libc,
// so the library is safe to preload anywhere.
//
// What is intercepted:
//   - clock reads: clock_gettime (realtime, monotonic and boot-time clocks;
//     CPU-time clocks pass through), gettimeofday, time, timespec_get;
//   - sleeps: nanosleep, clock_nanosleep, usleep, sleep, poll/ppoll without
//     descriptors, select/pselect without descriptors;
//   - event-loop waits with a timeout: epoll_wait, epoll_pwait,
//     epoll_pwait2;
//   - absolute timed waits, whose deadline is on the virtual clock and is
//     converted to the same distance on the real clock:
//     pthread_cond_timedwait, pthread_cond_clockwait, sem_timedwait,
//     sem_clockwait, pthread_mutex_timedlock, pthread_mutex_clocklock,
//     pthread_rwlock_{timed,clock}{rd,wr}lock, pthread_timedjoin_np,
//     pthread_clockjoin_np, timerfd_settime with TFD_TIMER_ABSTIME;
//   - changes of the environment: setenv, unsetenv, putenv, clearenv (a
//     change of FANLAB_CLOCK_FILE or FANLAB_CLOCK_TICK_NS takes effect).
//
// Rules kept throughout: the originals are called through pointers
// resolved once with dlsym(RTLD_NEXT) (never by name from inside this
// file); the clock path neither allocates nor takes a lock; the state is
// read-only mappings and thread-local values, both of which a fork()
// carries over.

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

// glibc's headers mark some arguments nonnull that callers do pass as NULL;
// the checks of them below stay (built with -fno-delete-null-pointer-checks).
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wtautological-pointer-compare"
#else
#pragma GCC diagnostic ignored "-Wnonnull-compare"
#endif

enum {
  kFileSize = 24,  // magic, now_ns, monotonic_base_ns
  kNowOffset = 8,
  kBaseOffset = 16,
};
static const int64_t kNsPerSec = 1000000000;

// ---------------------------------------------------------------------------
// The originals.

static struct {
  int (*clock_gettime)(clockid_t, struct timespec*);
  int (*gettimeofday)(struct timeval*, void*);
  int (*clock_nanosleep)(clockid_t, int, const struct timespec*,
                         struct timespec*);
  int (*nanosleep)(const struct timespec*, struct timespec*);
  int (*usleep)(useconds_t);
  unsigned int (*sleep)(unsigned int);
  int (*poll)(struct pollfd*, nfds_t, int);
  int (*ppoll)(struct pollfd*, nfds_t, const struct timespec*, const sigset_t*);
  int (*select)(int, fd_set*, fd_set*, fd_set*, struct timeval*);
  int (*pselect)(int, fd_set*, fd_set*, fd_set*, const struct timespec*,
                 const sigset_t*);
  int (*epoll_wait)(int, struct epoll_event*, int, int);
  int (*epoll_pwait)(int, struct epoll_event*, int, int, const sigset_t*);
  int (*epoll_pwait2)(int, struct epoll_event*, int, const struct timespec*,
                      const sigset_t*);
  int (*cond_timedwait)(pthread_cond_t*, pthread_mutex_t*,
                        const struct timespec*);
  int (*cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t,
                        const struct timespec*);
  int (*sem_timedwait)(sem_t*, const struct timespec*);
  int (*sem_clockwait)(sem_t*, clockid_t, const struct timespec*);
  int (*mutex_timedlock)(pthread_mutex_t*, const struct timespec*);
  int (*mutex_clocklock)(pthread_mutex_t*, clockid_t, const struct timespec*);
  int (*rwlock_timedrdlock)(pthread_rwlock_t*, const struct timespec*);
  int (*rwlock_timedwrlock)(pthread_rwlock_t*, const struct timespec*);
  int (*rwlock_clockrdlock)(pthread_rwlock_t*, clockid_t,
                            const struct timespec*);
  int (*rwlock_clockwrlock)(pthread_rwlock_t*, clockid_t,
                            const struct timespec*);
  int (*timedjoin_np)(pthread_t, void**, const struct timespec*);
  int (*clockjoin_np)(pthread_t, void**, clockid_t, const struct timespec*);
  int (*timerfd_settime)(int, int, const struct itimerspec*,
                         struct itimerspec*);
  int (*setenv)(const char*, const char*, int);
  int (*unsetenv)(const char*);
  int (*putenv)(char*);
  int (*clearenv)(void);
} real;

// A mapped clock file.
struct Clock {
  const char* map;
  int64_t monotonic_base_ns;
  char path[512];  // as FANLAB_CLOCK_FILE named it ("" when longer)
};

// The clock in use (NULL: the shim is off). It is mapped at start-up, and
// again when the process changes FANLAB_CLOCK_FILE (a fork server's child
// takes on its environment's variables after the fork): each mapping gets
// the next of these slots, so that a thread still holding the previous one
// reads a slot unchanged for the next seven changes. Mappings are never
// undone.
static struct Clock clocks[8];
static unsigned clock_count;
static const struct Clock* current_clock;
static pthread_mutex_t clock_change_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t tick_ns = 1000;  // FANLAB_CLOCK_TICK_NS

// This thread's last returned clock value (realtime ns). initial-exec: the
// library is preloaded, so its TLS is in the static block and reading it
// never calls into the dynamic linker (which could allocate).
static __thread int64_t last_ns __attribute__((tls_model("initial-exec")));

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void* Next(const char* name) { return dlsym(RTLD_NEXT, name); }

// A symbol libc has in several versions: the one programs link today.
// pthread_cond_timedwait@GLIBC_2.3.2 is the current condition variable;
// the GLIBC_2.2.5 one is the pre-2003 layout, which must never be handed a
// current pthread_cond_t.
static void* NextVersion(const char* name, const char* version) {
  void* p = dlvsym(RTLD_NEXT, name, version);
  return p != NULL ? p : dlsym(RTLD_NEXT, name);
}

static int64_t ParseInt(const char* s, int* ok) {
  int64_t v = 0;
  *ok = 0;
  if (s == NULL || *s == '\0') return 0;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10) return 0;
    v = v * 10 + (*s - '0');
  }
  *ok = 1;
  return v;
}

static void ReadTick(void) {
  int ok;
  int64_t tick = ParseInt(getenv("FANLAB_CLOCK_TICK_NS"), &ok);
  __atomic_store_n(&tick_ns, ok ? tick : 1000, __ATOMIC_RELAXED);
}

// The file FANLAB_CLOCK_FILE names, mapped; NULL when it is unset, missing,
// too short or without the magic.
static const char* MapClockFile(const char* path) {
  if (path == NULL || *path == '\0') return NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0 || st.st_size < kFileSize) {
    close(fd);
    return NULL;
  }
  void* map = mmap(NULL, kFileSize, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return NULL;
  if (memcmp(map, "FLCLOCK1", 8) != 0) {
    munmap(map, kFileSize);
    return NULL;
  }
  return (const char*)map;
}

// (Re)reads FANLAB_CLOCK_FILE and publishes the clock it names. Caller
// holds clock_change_mu, or is Init().
static void UseClockFile(void) {
  const char* path = getenv("FANLAB_CLOCK_FILE");
  const struct Clock* now = __atomic_load_n(&current_clock, __ATOMIC_RELAXED);
  if (now != NULL && path != NULL && now->path[0] != '\0' &&
      strcmp(now->path, path) == 0)
    return;  // the same file
  const char* map = MapClockFile(path);
  if (map == NULL) {
    __atomic_store_n(&current_clock, NULL, __ATOMIC_RELEASE);
    return;
  }
  struct Clock* slot = &clocks[clock_count++ % 8];
  slot->map = map;
  memcpy(&slot->monotonic_base_ns, map + kBaseOffset, 8);
  size_t len = strlen(path);
  if (len < sizeof slot->path) {
    memcpy(slot->path, path, len + 1);
  } else {
    slot->path[0] = '\0';
  }
  __atomic_store_n(&current_clock, slot, __ATOMIC_RELEASE);
}

static void Init(void) {
  real.clock_gettime = Next("clock_gettime");
  real.gettimeofday = Next("gettimeofday");
  real.clock_nanosleep = Next("clock_nanosleep");
  real.nanosleep = Next("nanosleep");
  real.usleep = Next("usleep");
  real.sleep = Next("sleep");
  real.poll = Next("poll");
  real.ppoll = Next("ppoll");
  real.select = Next("select");
  real.pselect = Next("pselect");
  real.epoll_wait = Next("epoll_wait");
  real.epoll_pwait = Next("epoll_pwait");
  real.epoll_pwait2 = Next("epoll_pwait2");  // glibc 2.35 and later
  real.cond_timedwait = NextVersion("pthread_cond_timedwait", "GLIBC_2.3.2");
  real.cond_clockwait = Next("pthread_cond_clockwait");
  real.sem_timedwait = Next("sem_timedwait");
  real.sem_clockwait = Next("sem_clockwait");
  real.mutex_timedlock = Next("pthread_mutex_timedlock");
  real.mutex_clocklock = Next("pthread_mutex_clocklock");
  real.rwlock_timedrdlock = Next("pthread_rwlock_timedrdlock");
  real.rwlock_timedwrlock = Next("pthread_rwlock_timedwrlock");
  real.rwlock_clockrdlock = Next("pthread_rwlock_clockrdlock");
  real.rwlock_clockwrlock = Next("pthread_rwlock_clockwrlock");
  real.timedjoin_np = Next("pthread_timedjoin_np");
  real.clockjoin_np = Next("pthread_clockjoin_np");
  real.timerfd_settime = Next("timerfd_settime");
  real.setenv = Next("setenv");
  real.unsetenv = Next("unsetenv");
  real.putenv = Next("putenv");
  real.clearenv = Next("clearenv");
  ReadTick();
  UseClockFile();
}

__attribute__((constructor)) static void InitAtLoad(void) {
  pthread_once(&init_once, Init);
}

// Whether the shim is on; resolves the originals on the first call (a
// constructor of another library may run before ours).
static inline int Active(void) {
  pthread_once(&init_once, Init);
  return __atomic_load_n(&current_clock, __ATOMIC_ACQUIRE) != NULL;
}

// ---------------------------------------------------------------------------
// Virtual time.

static inline const struct Clock* Current(void) {
  return __atomic_load_n(&current_clock, __ATOMIC_ACQUIRE);
}

static int64_t RealNowNs(clockid_t id);

// The file's now (the real time if the clock was turned off since the
// caller checked Active(): another thread changed FANLAB_CLOCK_FILE).
static inline int64_t FileNowNs(void) {
  const struct Clock* c = Current();
  if (c == NULL) return RealNowNs(CLOCK_REALTIME);
  return __atomic_load_n((const int64_t*)(c->map + kNowOffset),
                         __ATOMIC_ACQUIRE);
}

// A clock read: max(now, last + tick), remembered per thread. The tick makes
// code that spins on the clock end, after the same number of turns in every
// run; per thread, so that another thread's reads do not change this one's.
static inline int64_t ReadNs(void) {
  int64_t now = FileNowNs();
  int64_t next = last_ns + __atomic_load_n(&tick_ns, __ATOMIC_RELAXED);
  int64_t value = now > next ? now : next;
  last_ns = value;
  return value;
}

// This thread's virtual now, not counted as a read.
static inline int64_t CurrentNs(void) {
  int64_t now = FileNowNs();
  return now > last_ns ? now : last_ns;
}

static inline void RaiseLast(int64_t ns) {
  if (ns > last_ns) last_ns = ns;
}

enum ClockKind { kOther, kRealtime, kMonotonic };

static enum ClockKind KindOf(clockid_t id) {
  switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_REALTIME_ALARM:
    case CLOCK_TAI:
      return kRealtime;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_BOOTTIME:
    case CLOCK_BOOTTIME_ALARM:
      return kMonotonic;
    default:  // CPU-time clocks (negative ids too)
      return kOther;
  }
}

static inline int64_t Offset(enum ClockKind kind) {
  const struct Clock* c = Current();
  return kind == kMonotonic && c != NULL ? c->monotonic_base_ns : 0;
}

static inline int ValidTimespec(const struct timespec* ts) {
  return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < kNsPerSec;
}

static inline int64_t AddSat(int64_t a, int64_t b) {
  return b > 0 && a > INT64_MAX - b ? INT64_MAX : a + b;
}

// A non-negative timespec in ns, saturating.
static inline int64_t ToNs(const struct timespec* ts) {
  if (ts->tv_sec > (INT64_MAX - kNsPerSec) / kNsPerSec) return INT64_MAX;
  return (int64_t)ts->tv_sec * kNsPerSec + ts->tv_nsec;
}

static inline struct timespec FromNs(int64_t ns) {
  struct timespec ts;
  if (ns < 0) ns = 0;
  ts.tv_sec = (time_t)(ns / kNsPerSec);
  ts.tv_nsec = (long)(ns % kNsPerSec);
  return ts;
}

static int RealGettime(clockid_t id, struct timespec* ts) {
  if (real.clock_gettime != NULL) return real.clock_gettime(id, ts);
  return (int)syscall(SYS_clock_gettime, id, ts);
}

static int64_t RealNowNs(clockid_t id) {
  struct timespec ts;
  if (RealGettime(id, &ts) != 0) return 0;
  return ToNs(&ts);
}

// ---------------------------------------------------------------------------
// Sleep requests.

// One line on stderr per process the first time the emulator cannot be
// asked (the pid tells a forked child, which says it again).
static pid_t warned_pid;

static void WarnFallback(const char* why) {
  pid_t pid = getpid();
  if (__atomic_exchange_n(&warned_pid, pid, __ATOMIC_RELAXED) == pid) return;
  static const char prefix[] = "fanlab clock: ";
  static const char suffix[] = ": falling back to real sleeps\n";
  char line[256];
  size_t n = 0;
  size_t why_len = strlen(why);
  if (why_len > sizeof line - sizeof prefix - sizeof suffix)
    why_len = sizeof line - sizeof prefix - sizeof suffix;
  memcpy(line, prefix, sizeof prefix - 1);
  n += sizeof prefix - 1;
  memcpy(line + n, why, why_len);
  n += why_len;
  memcpy(line + n, suffix, sizeof suffix - 1);
  n += sizeof suffix - 1;
  ssize_t ignored = write(STDERR_FILENO, line, n);
  (void)ignored;
}

// Appends s to buf[*n..cap); 0 when it does not fit.
static int Append(char* buf, size_t cap, size_t* n, const char* s, size_t len) {
  if (len > cap - *n) return 0;
  memcpy(buf + *n, s, len);
  *n += len;
  return 1;
}

static size_t FormatInt(char* out, int64_t v) {
  char digits[24];
  size_t n = 0;
  uint64_t u = v < 0 ? 0 : (uint64_t)v;
  do {
    digits[n++] = (char)('0' + u % 10);
    u /= 10;
  } while (u != 0);
  for (size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  return n;
}

// FANLAB_HTTP_ENDPOINT: http://HOST:PORT, HOST an IPv4 address, an IPv6
// one in brackets or localhost. Sets the address to connect to and the
// Host header's value.
static int ParseEndpoint(const char* endpoint, struct sockaddr_storage* addr,
                         socklen_t* addr_len, const char** host,
                         size_t* host_len) {
  static const char scheme[] = "http://";
  if (endpoint == NULL || strncmp(endpoint, scheme, sizeof scheme - 1) != 0)
    return 0;
  const char* h = endpoint + sizeof scheme - 1;
  const char* colon;
  char name[64];
  size_t name_len;
  if (*h == '[') {
    const char* close_bracket = strchr(h, ']');
    if (close_bracket == NULL || close_bracket[1] != ':') return 0;
    colon = close_bracket + 1;
    name_len = (size_t)(close_bracket - h - 1);
    if (name_len >= sizeof name) return 0;
    memcpy(name, h + 1, name_len);
  } else {
    colon = strchr(h, ':');
    if (colon == NULL) return 0;
    name_len = (size_t)(colon - h);
    if (name_len >= sizeof name) return 0;
    memcpy(name, h, name_len);
  }
  name[name_len] = '\0';
  const char* end = colon + 1;
  uint32_t port = 0;
  while (*end >= '0' && *end <= '9' && port <= 65535)
    port = port * 10 + (uint32_t)(*end++ - '0');
  if (end == colon + 1 || port == 0 || port > 65535) return 0;
  if (*end != '\0' && !(*end == '/' && end[1] == '\0')) return 0;
  memset(addr, 0, sizeof *addr);
  struct sockaddr_in* v4 = (struct sockaddr_in*)addr;
  struct sockaddr_in6* v6 = (struct sockaddr_in6*)addr;
  if (strcmp(name, "localhost") == 0) {
    v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET, name, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else if (inet_pton(AF_INET6, name, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
  } else {
    return 0;
  }
  if (addr->ss_family == AF_INET) {
    v4->sin_port = htons((uint16_t)port);
    *addr_len = sizeof *v4;
  } else {
    v6->sin6_port = htons((uint16_t)port);
    *addr_len = sizeof *v6;
  }
  *host = h;
  *host_len = (size_t)(end - h);
  if (*end == '/') --*host_len;
  return 1;
}

enum { kOpenFailed = -1, kOpenInterrupted = -2 };

// Connects to the emulator and sends `POST path` with `value` (decimal) as
// the body. Returns the socket, kOpenInterrupted (a signal during connect)
// or kOpenFailed (after a warning, if `warn`).
static int OpenRequest(const char* path, int64_t value, int warn) {
  struct sockaddr_storage addr;
  socklen_t addr_len;
  const char* host;
  size_t host_len;
  if (!ParseEndpoint(getenv("FANLAB_HTTP_ENDPOINT"), &addr, &addr_len, &host,
                     &host_len)) {
    if (warn) WarnFallback("FANLAB_HTTP_ENDPOINT is not http://HOST:PORT");
    return kOpenFailed;
  }
  const char* key = getenv("AWS_ACCESS_KEY_ID");
  if (key == NULL) key = "";
  char body[24];
  size_t body_len = FormatInt(body, value);
  char length[24];
  size_t length_len = FormatInt(length, (int64_t)body_len);

  char request[1024];
  size_t n = 0;
#define APPEND(s, len) ok = ok && Append(request, sizeof request, &n, s, len)
#define APPEND_LITERAL(s) APPEND(s, sizeof s - 1)
  int ok = 1;
  APPEND_LITERAL("POST ");
  APPEND(path, strlen(path));
  APPEND_LITERAL(" HTTP/1.1\r\nHost: ");
  APPEND(host, host_len);
  APPEND_LITERAL("\r\nAuthorization: FANLAB Credential=");
  APPEND(key, strlen(key));
  APPEND_LITERAL("\r\nContent-Type: text/plain\r\nContent-Length: ");
  APPEND(length, length_len);
  APPEND_LITERAL("\r\nConnection: close\r\n\r\n");
  APPEND(body, body_len);
#undef APPEND_LITERAL
#undef APPEND
  if (!ok) {
    if (warn) WarnFallback("AWS_ACCESS_KEY_ID is too long");
    return kOpenFailed;
  }

  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    if (warn) WarnFallback("cannot create a socket");
    return kOpenFailed;
  }
  if (connect(fd, (const struct sockaddr*)&addr, addr_len) != 0) {
    int error = errno;
    close(fd);
    if (error == EINTR) return kOpenInterrupted;
    if (warn) WarnFallback("cannot connect to FANLAB_HTTP_ENDPOINT");
    return kOpenFailed;
  }
  for (size_t sent = 0; sent < n;) {
    ssize_t r = send(fd, request + sent, n - sent, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      close(fd);
      if (warn) WarnFallback("cannot send the sleep request");
      return kOpenFailed;
    }
    sent += (size_t)r;
  }
  return fd;
}

static int OpenSleep(int64_t until_ns) {
  return OpenRequest("/_fanlab/sleep", until_ns, 1);
}

enum { kAnswered = 0, kInterrupted = 1, kNoAnswer = 2 };

// Whether buf (NUL-terminated) holds a whole answer: headers, and as much
// body as a Content-Length says (without one, the answer ends at the close).
static int AnswerComplete(const char* buf, size_t n) {
  const char* end = strstr(buf, "\r\n\r\n");
  if (end == NULL) return 0;
  static const char name[] = "\r\ncontent-length:";
  for (const char* line = strstr(buf, "\r\n"); line != NULL && line < end;
       line = strstr(line + 2, "\r\n")) {
    if (strncasecmp(line, name, sizeof name - 1) != 0) continue;
    const char* p = line + sizeof name - 1;
    while (*p == ' ' || *p == '\t') ++p;
    size_t length = 0;
    while (*p >= '0' && *p <= '9' && length < 4096)
      length = length * 10 + (size_t)(*p++ - '0');
    return n - (size_t)(end + 4 - buf) >= length;
  }
  return 0;
}

// Reads the answer on fd, waiting with ppoll under mask, so that a signal
// interrupts as it would the call being replaced (unless `restart`).
// kAnswered: a 200 answer, whose body (NUL-terminated, cut to cap - 1
// bytes) is in `body`; kInterrupted: a signal came first; kNoAnswer:
// anything else.
static int ReadAnswer(int fd, const sigset_t* mask, int restart, char* body,
                      size_t cap) {
  char buf[1024];
  size_t n = 0;
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int r = real.ppoll(&p, 1, NULL, mask);
    if (r < 0) {
      if (errno == EINTR) {
        if (restart) continue;
        return kInterrupted;
      }
      return kNoAnswer;
    }
    ssize_t got = recv(fd, buf + n, sizeof buf - 1 - n, 0);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (got < 0) return kNoAnswer;
    n += (size_t)got;
    buf[n] = '\0';
    if (got == 0 || n == sizeof buf - 1 || AnswerComplete(buf, n)) break;
  }
  // "HTTP/1.1 200 ...\r\n...\r\n\r\n<body>"
  if (n < 12 || strncmp(buf, "HTTP/1.", 7) != 0 ||
      strncmp(buf + 8, " 200", 4) != 0)
    return kNoAnswer;
  const char* start = strstr(buf, "\r\n\r\n");
  if (start == NULL) return kNoAnswer;
  start += 4;
  size_t len = n - (size_t)(start - buf);
  if (len > cap - 1) len = cap - 1;
  memcpy(body, start, len);
  body[len] = '\0';
  return kAnswered;
}

// The answer to a sleep: the emulator's now, decimal.
static int ReadSleepAnswer(int fd, const sigset_t* mask, int64_t* answer_ns) {
  char body[32];
  int r = ReadAnswer(fd, mask, 0, body, sizeof body);
  if (r != kAnswered) return r;
  int64_t v = 0;
  const char* p = body;
  while (*p >= '0' && *p <= '9' && v <= (INT64_MAX - 9) / 10)
    v = v * 10 + (*p++ - '0');
  if (p == body) return kNoAnswer;
  *answer_ns = v;
  return kAnswered;
}

// Cancels the sleep whose request is on fd, and closes fd. The emulator
// keeps a sleep, by its connection's client port, until it answers it or
// is told otherwise (POST /_fanlab/sleep/cancel, body: that port): else
// virtual time would later stop at a wake-up nobody waits for. "not
// sleeping" answers a cancel that came before the emulator took the sleep
// in, or after it answered: the cancel is sent again until the sleep's own
// connection has its answer or is closed (a bounded number of times).
static void CancelSleep(int fd) {
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  if (getsockname(fd, (struct sockaddr*)&local, &len) == 0) {
    int64_t port = ntohs(local.ss_family == AF_INET6
                             ? ((struct sockaddr_in6*)&local)->sin6_port
                             : ((struct sockaddr_in*)&local)->sin_port);
    for (int attempt = 0; attempt < 100; ++attempt) {
      struct pollfd p = {fd, POLLIN, 0};
      if (real.poll(&p, 1, 0) != 0) break;  // answered, closed or broken
      int c = OpenRequest("/_fanlab/sleep/cancel", port, 0);
      if (c < 0) break;
      char body[32];
      int r = ReadAnswer(c, NULL, 1, body, sizeof body);
      close(c);
      if (r != kAnswered || strncmp(body, "not sleeping", 12) != 0) break;
    }
  }
  close(fd);
}

// A real sleep of `ns` under mask. Returns 0 or EINTR; *rem_ns is what is
// left.
static int RealSleep(int64_t ns, const sigset_t* mask, int64_t* rem_ns) {
  int64_t deadline = AddSat(RealNowNs(CLOCK_MONOTONIC), ns);
  struct timespec abs = FromNs(deadline);
  int r;
  if (mask == NULL) {
    r = real.clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
  } else {
    struct timespec rel = FromNs(ns);
    r = real.ppoll(NULL, 0, &rel, mask) < 0 ? errno : 0;
  }
  int64_t left = deadline - RealNowNs(CLOCK_MONOTONIC);
  *rem_ns = left > 0 ? left : 0;
  return r == EINTR ? EINTR : 0;
}

// The end of a wait of this thread, until_ns on its own clock, as a time
// on the emulator's: the file's now plus the wait's length. A thread's
// clock runs ahead of the file's by its reads' ticks, and how many reads a
// runtime makes (an event loop's turns) may vary a little from run to run:
// asked this way, the emulator's time at the wake-up does not.
static int64_t EmulatorEnd(int64_t until_ns) {
  return AddSat(FileNowNs(), until_ns - CurrentNs());
}

// Sleeps this thread until virtual time until_ns on its own clock (mask:
// the signal mask to wait under, or NULL); the emulator is asked for the
// same length of its own time (EmulatorEnd). Returns 0 when woken, EINTR
// when a signal came first; *rem_ns is the virtual time left then.
static int SleepUntil(int64_t until_ns, const sigset_t* mask, int64_t* rem_ns) {
  int64_t start = CurrentNs();
  *rem_ns = 0;
  if (until_ns <= start) return 0;
  int fd = OpenSleep(EmulatorEnd(until_ns));
  if (fd == kOpenInterrupted) {
    *rem_ns = until_ns - start;
    return EINTR;
  }
  if (fd >= 0) {
    int64_t answer = 0;
    int r = ReadSleepAnswer(fd, mask, &answer);
    if (r == kInterrupted) {
      CancelSleep(fd);
    } else {
      close(fd);
    }
    if (r == kAnswered) {
      RaiseLast(answer > until_ns ? answer : until_ns);
      return 0;
    }
    if (r == kInterrupted) {
      int64_t left = until_ns - CurrentNs();
      *rem_ns = left > 0 ? left : 0;
      return EINTR;
    }
    WarnFallback("the sleep request got no 200 answer");
  }
  return RealSleep(until_ns - start, mask, rem_ns);
}

// ---------------------------------------------------------------------------
// Clock reads.

EXPORT int clock_gettime(clockid_t id, struct timespec* ts) {
  enum ClockKind kind = KindOf(id);
  if (kind == kOther || !Active()) return RealGettime(id, ts);
  if (ts == NULL) {  // glibc's header says nonnull; a caller may not care
    errno = EFAULT;
    return -1;
  }
  *ts = FromNs(ReadNs() - Offset(kind));
  return 0;
}

EXPORT int gettimeofday(struct timeval* tv, void* tz) {
  if (!Active()) return real.gettimeofday(tv, tz);
  if (tz != NULL) {
    struct timeval ignored;
    real.gettimeofday(&ignored, tz);
  }
  if (tv != NULL) {  // gettimeofday(NULL, &tz) is valid, whatever the header
    int64_t ns = ReadNs();
    tv->tv_sec = (time_t)(ns / kNsPerSec);
    tv->tv_usec = (suseconds_t)(ns % kNsPerSec / 1000);
  }
  return 0;
}

EXPORT time_t time(time_t* out) {
  time_t t;
  if (Active()) {
    t = (time_t)(ReadNs() / kNsPerSec);
  } else {
    struct timespec ts;
    RealGettime(CLOCK_REALTIME, &ts);
    t = ts.tv_sec;
  }
  if (out != NULL) *out = t;
  return t;
}

EXPORT int timespec_get(struct timespec* ts, int base) {
  if (base != TIME_UTC) return 0;
  if (!Active()) {
    if (RealGettime(CLOCK_REALTIME, ts) != 0) return 0;
  } else {
    *ts = FromNs(ReadNs());
  }
  return base;
}

// ---------------------------------------------------------------------------
// Sleeps.

EXPORT int clock_nanosleep(clockid_t id, int flags, const struct timespec* req,
                           struct timespec* rem) {
  enum ClockKind kind = KindOf(id);
  if (kind == kOther || !Active())
    return real.clock_nanosleep(id, flags, req, rem);
  if (!ValidTimespec(req)) return EINVAL;
  int64_t until;
  if (flags & TIMER_ABSTIME) {
    until = AddSat(ToNs(req), Offset(kind));
  } else {
    until = AddSat(CurrentNs(), ToNs(req));
  }
  int64_t left;
  int r = SleepUntil(until, NULL, &left);
  if (r == EINTR && rem != NULL && !(flags & TIMER_ABSTIME))
    *rem = FromNs(left);
  return r;
}

EXPORT int nanosleep(const struct timespec* req, struct timespec* rem) {
  if (!Active()) return real.nanosleep(req, rem);
  if (!ValidTimespec(req)) {
    errno = EINVAL;
    return -1;
  }
  int64_t left;
  if (SleepUntil(AddSat(CurrentNs(), ToNs(req)), NULL, &left) == EINTR) {
    if (rem != NULL) *rem = FromNs(left);
    errno = EINTR;
    return -1;
  }
  return 0;
}

EXPORT int usleep(useconds_t us) {
  if (!Active()) return real.usleep(us);
  int64_t left;
  if (SleepUntil(AddSat(CurrentNs(), (int64_t)us * 1000), NULL, &left) ==
      EINTR) {
    errno = EINTR;
    return -1;
  }
  return 0;
}

EXPORT unsigned int sleep(unsigned int seconds) {
  if (!Active()) return real.sleep(seconds);
  int saved = errno;
  int64_t left;
  if (SleepUntil(AddSat(CurrentNs(), (int64_t)seconds * kNsPerSec), NULL,
                 &left) == EINTR)
    return (unsigned int)(left / kNsPerSec);  // as glibc: whole seconds left
  errno = saved;
  return 0;
}

EXPORT int poll(struct pollfd* fds, nfds_t nfds, int timeout) {
  if (nfds != 0 || timeout <= 0 || !Active())
    return real.poll(fds, nfds, timeout);
  int64_t left;
  if (SleepUntil(AddSat(CurrentNs(), (int64_t)timeout * 1000000), NULL,
                 &left) == EINTR) {
    errno = EINTR;
    return -1;
  }
  return 0;
}

EXPORT int ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* ts,
                 const sigset_t* mask) {
  if (nfds != 0 || ts == NULL || !ValidTimespec(ts) || ToNs(ts) == 0 ||
      !Active())
    return real.ppoll(fds, nfds, ts, mask);
  int64_t left;
  if (SleepUntil(AddSat(CurrentNs(), ToNs(ts)), mask, &left) == EINTR) {
    errno = EINTR;
    return -1;
  }
  return 0;
}

// Whether select's sets name no descriptor below nfds.
static int NoFds(int nfds, fd_set* r, fd_set* w, fd_set* e) {
  if (nfds <= 0) return 1;
  if (nfds > FD_SETSIZE) return 0;
  fd_set* sets[3] = {r, w, e};
  for (int s = 0; s < 3; ++s) {
    if (sets[s] == NULL) continue;
    const unsigned char* bytes = (const unsigned char*)sets[s];
    for (int fd = 0; fd < nfds; ++fd)
      if (bytes[fd / 8] & (1u << (fd % 8))) return 0;
  }
  return 1;
}

EXPORT int select(int nfds, fd_set* r, fd_set* w, fd_set* e,
                  struct timeval* tv) {
  if (tv == NULL || tv->tv_sec < 0 || tv->tv_usec < 0 ||
      tv->tv_usec >= 1000000 || (tv->tv_sec == 0 && tv->tv_usec == 0) ||
      !NoFds(nfds, r, w, e) || !Active())
    return real.select(nfds, r, w, e, tv);
  struct timespec ts = {tv->tv_sec, tv->tv_usec * 1000};
  int64_t left;
  int result = SleepUntil(AddSat(CurrentNs(), ToNs(&ts)), NULL, &left);
  // Linux's select leaves the time not slept in *tv.
  tv->tv_sec = (time_t)(left / kNsPerSec);
  tv->tv_usec = (suseconds_t)(left % kNsPerSec / 1000);
  if (result == EINTR) {
    errno = EINTR;
    return -1;
  }
  return 0;
}

EXPORT int pselect(int nfds, fd_set* r, fd_set* w, fd_set* e,
                   const struct timespec* ts, const sigset_t* mask) {
  if (ts == NULL || !ValidTimespec(ts) || ToNs(ts) == 0 ||
      !NoFds(nfds, r, w, e) || !Active())
    return real.pselect(nfds, r, w, e, ts, mask);
  int64_t left;
  int result = SleepUntil(AddSat(CurrentNs(), ToNs(ts)), mask, &left);
  if (result == EINTR) {
    errno = EINTR;
    return -1;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// Event-loop waits.

enum { kEpollFallback = -2 };

// An epoll wait with a timeout of timeout_ns > 0 on the virtual clock:
// events ready now are returned at once; else a sleep request for now +
// timeout is opened and the epoll descriptor and the request's socket are
// waited on together. Returns the events, 0 (timed out), -1 with errno, or
// kEpollFallback when the emulator could not be asked (the caller does the
// real wait, for the virtual time left, *left_ns).
static int EpollVirtual(int epfd, struct epoll_event* events, int max,
                        int64_t timeout_ns, const sigset_t* mask,
                        int64_t* left_ns) {
  int n = real.epoll_wait(epfd, events, max, 0);
  if (n != 0) return n;
  int64_t until = AddSat(CurrentNs(), timeout_ns);
  *left_ns = timeout_ns;
  int fd = OpenSleep(EmulatorEnd(until));
  if (fd == kOpenInterrupted) {
    errno = EINTR;
    return -1;
  }
  if (fd < 0) return kEpollFallback;
  for (;;) {
    struct pollfd p[2] = {{epfd, POLLIN, 0}, {fd, POLLIN, 0}};
    int r = real.ppoll(p, 2, NULL, mask);
    if (r < 0) {  // a signal (EINTR), or a bad descriptor
      int error = errno;
      CancelSleep(fd);
      errno = error;
      return -1;
    }
    if (p[0].revents != 0) {
      n = real.epoll_wait(epfd, events, max, 0);
      if (n != 0) {
        int error = errno;
        CancelSleep(fd);
        errno = error;
        return n;
      }
    }
    if (p[1].revents != 0) {
      int64_t answer = 0;
      int a = ReadSleepAnswer(fd, mask, &answer);
      if (a == kInterrupted) {
        CancelSleep(fd);
        errno = EINTR;
        return -1;
      }
      close(fd);
      if (a == kAnswered) {
        RaiseLast(answer > until ? answer : until);
        return 0;
      }
      WarnFallback("the sleep request got no 200 answer");
      int64_t left = until - CurrentNs();
      *left_ns = left > 0 ? left : 0;
      return kEpollFallback;
    }
  }
}

// Whether this thread's event-loop waits go on the virtual clock: only the
// process's first thread's. That is where the event loops of Node.js and
// of Python's asyncio run; a library's loop on a thread of its own (the
// I/O thread of ZeroMQ, whose handshake and reconnection timers run
// while the process's own thread waits for an answer) keeps real
// timeouts, which never fire in a run that goes well, rather than talk
// to the emulator on its own while the process it belongs to works.
static int EventLoopThread(void) {
  static __thread int known __attribute__((tls_model("initial-exec")));
  if (known == 0) known = syscall(SYS_gettid) == getpid() ? 1 : 2;
  return known == 1;
}

static int MsCeil(int64_t ns) {
  int64_t ms = (ns + 999999) / 1000000;
  return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

EXPORT int epoll_wait(int epfd, struct epoll_event* events, int max,
                      int timeout) {
  if (timeout <= 0 || !Active() || !EventLoopThread())
    return real.epoll_wait(epfd, events, max, timeout);
  int64_t left;
  int n =
      EpollVirtual(epfd, events, max, (int64_t)timeout * 1000000, NULL, &left);
  if (n != kEpollFallback) return n;
  return real.epoll_wait(epfd, events, max, MsCeil(left));
}

EXPORT int epoll_pwait(int epfd, struct epoll_event* events, int max,
                       int timeout, const sigset_t* mask) {
  if (timeout <= 0 || !Active() || !EventLoopThread())
    return real.epoll_pwait(epfd, events, max, timeout, mask);
  int64_t left;
  int n =
      EpollVirtual(epfd, events, max, (int64_t)timeout * 1000000, mask, &left);
  if (n != kEpollFallback) return n;
  return real.epoll_pwait(epfd, events, max, MsCeil(left), mask);
}

EXPORT int epoll_pwait2(int epfd, struct epoll_event* events, int max,
                        const struct timespec* ts, const sigset_t* mask) {
  pthread_once(&init_once, Init);
  if (real.epoll_pwait2 == NULL) {
    errno = ENOSYS;
    return -1;
  }
  if (ts == NULL || !ValidTimespec(ts) || ToNs(ts) == 0 || !Active() ||
      !EventLoopThread())
    return real.epoll_pwait2(epfd, events, max, ts, mask);
  int64_t left;
  int n = EpollVirtual(epfd, events, max, ToNs(ts), mask, &left);
  if (n != kEpollFallback) return n;
  struct timespec rest = FromNs(left);
  return real.epoll_pwait2(epfd, events, max, &rest, mask);
}

// ---------------------------------------------------------------------------
// Absolute timed waits: a deadline on the virtual clock becomes the same
// distance from now on the real clock (at least 0), so that a wait never
// lasts a virtual-time-sized real time.

// Returns abs, or *buf holding the converted deadline.
static const struct timespec* ToReal(clockid_t id, const struct timespec* abs,
                                     struct timespec* buf) {
  enum ClockKind kind = KindOf(id);
  if (abs == NULL || kind == kOther || !ValidTimespec(abs) || !Active())
    return abs;
  int64_t left = ToNs(abs) - (CurrentNs() - Offset(kind));
  if (left < 0) left = 0;
  *buf = FromNs(AddSat(RealNowNs(id), left));
  return buf;
}

// The clock a condition variable was made with. glibc (nptl, 2.25 and
// later, so Debian 12's 2.36 too) keeps it in the condition itself: bit 1
// of __data.__wrefs (__PTHREAD_COND_CLOCK_MONOTONIC_MASK) is set by
// pthread_cond_init when the attribute's clock (pthread_condattr_setclock)
// is CLOCK_MONOTONIC, and pthread_cond_timedwait reads it from there the
// same way: (flags & 2) ? CLOCK_MONOTONIC : CLOCK_REALTIME.
static clockid_t CondClock(const pthread_cond_t* cond) {
  unsigned int flags = __atomic_load_n(&cond->__data.__wrefs, __ATOMIC_RELAXED);
  return (flags & 2) ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

EXPORT int pthread_cond_timedwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                  const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.cond_timedwait(cond, mutex, ToReal(CondClock(cond), abs, &buf));
}

EXPORT int pthread_cond_clockwait(pthread_cond_t* cond, pthread_mutex_t* mutex,
                                  clockid_t id, const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.cond_clockwait(cond, mutex, id, ToReal(id, abs, &buf));
}

EXPORT int sem_timedwait(sem_t* sem, const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.sem_timedwait(sem, ToReal(CLOCK_REALTIME, abs, &buf));
}

EXPORT int sem_clockwait(sem_t* sem, clockid_t id, const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.sem_clockwait(sem, id, ToReal(id, abs, &buf));
}

EXPORT int pthread_mutex_timedlock(pthread_mutex_t* mutex,
                                   const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.mutex_timedlock(mutex, ToReal(CLOCK_REALTIME, abs, &buf));
}

EXPORT int pthread_mutex_clocklock(pthread_mutex_t* mutex, clockid_t id,
                                   const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.mutex_clocklock(mutex, id, ToReal(id, abs, &buf));
}

EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t* lock,
                                      const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.rwlock_timedrdlock(lock, ToReal(CLOCK_REALTIME, abs, &buf));
}

EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t* lock,
                                      const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.rwlock_timedwrlock(lock, ToReal(CLOCK_REALTIME, abs, &buf));
}

EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t* lock, clockid_t id,
                                      const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.rwlock_clockrdlock(lock, id, ToReal(id, abs, &buf));
}

EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t* lock, clockid_t id,
                                      const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.rwlock_clockwrlock(lock, id, ToReal(id, abs, &buf));
}

EXPORT int pthread_timedjoin_np(pthread_t thread, void** result,
                                const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.timedjoin_np(thread, result, ToReal(CLOCK_REALTIME, abs, &buf));
}

EXPORT int pthread_clockjoin_np(pthread_t thread, void** result, clockid_t id,
                                const struct timespec* abs) {
  struct timespec buf;
  pthread_once(&init_once, Init);
  return real.clockjoin_np(thread, result, id, ToReal(id, abs, &buf));
}

// A timerfd's clock, from /proc/self/fdinfo/FD ("clockid: N"); -1 if
// unknown.
static clockid_t TimerfdClock(int fd) {
  char path[48] = "/proc/self/fdinfo/";
  size_t n = strlen(path);
  n += FormatInt(path + n, fd);
  path[n] = '\0';
  int f = open(path, O_RDONLY | O_CLOEXEC);
  if (f < 0) return -1;
  char buf[512];
  ssize_t got = read(f, buf, sizeof buf - 1);
  close(f);
  if (got <= 0) return -1;
  buf[got] = '\0';
  const char* p = strstr(buf, "clockid:");
  if (p == NULL) return -1;
  p += 8;
  while (*p == ' ' || *p == '\t') ++p;
  int id = 0;
  if (*p < '0' || *p > '9') return -1;
  while (*p >= '0' && *p <= '9' && id < 1000) id = id * 10 + (*p++ - '0');
  return id;
}

EXPORT int timerfd_settime(int fd, int flags, const struct itimerspec* value,
                           struct itimerspec* old) {
  pthread_once(&init_once, Init);
  if (!(flags & TFD_TIMER_ABSTIME) || value == NULL || !Active() ||
      (value->it_value.tv_sec == 0 && value->it_value.tv_nsec == 0))
    return real.timerfd_settime(fd, flags, value, old);
  clockid_t id = TimerfdClock(fd);
  if (id < 0) return real.timerfd_settime(fd, flags, value, old);
  struct itimerspec converted = *value;
  struct timespec buf;
  converted.it_value = *ToReal(id, &value->it_value, &buf);
  return real.timerfd_settime(fd, flags, &converted, old);
}

// ---------------------------------------------------------------------------
// Changes of the environment: a fork server's child replaces the server's
// variables with its own after the fork, FANLAB_CLOCK_FILE among them.

static int IsClockVariable(const char* name, size_t len) {
  static const char file[] = "FANLAB_CLOCK_FILE";
  static const char tick[] = "FANLAB_CLOCK_TICK_NS";
  return (len == sizeof file - 1 && memcmp(name, file, len) == 0) ||
         (len == sizeof tick - 1 && memcmp(name, tick, len) == 0);
}

static void ClockVariablesChanged(void) {
  pthread_mutex_lock(&clock_change_mu);
  const struct Clock* before = Current();
  ReadTick();
  UseClockFile();
  // This thread's reads go on from the new clock's now.
  if (Current() != before) last_ns = 0;
  pthread_mutex_unlock(&clock_change_mu);
}

EXPORT int setenv(const char* name, const char* value, int overwrite) {
  pthread_once(&init_once, Init);
  int r = real.setenv(name, value, overwrite);
  if (r == 0 && name != NULL && IsClockVariable(name, strlen(name)))
    ClockVariablesChanged();
  return r;
}

EXPORT int unsetenv(const char* name) {
  pthread_once(&init_once, Init);
  int r = real.unsetenv(name);
  if (r == 0 && name != NULL && IsClockVariable(name, strlen(name)))
    ClockVariablesChanged();
  return r;
}

EXPORT int putenv(char* string) {
  pthread_once(&init_once, Init);
  int r = real.putenv(string);
  if (r == 0 && string != NULL && IsClockVariable(string, strcspn(string, "=")))
    ClockVariablesChanged();
  return r;
}

EXPORT int clearenv(void) {
  pthread_once(&init_once, Init);
  int r = real.clearenv();
  ClockVariablesChanged();
  return r;
}
