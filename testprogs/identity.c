/* identity: getpid/getppid/getuid/geteuid/getgid/getegid/getgroups/getres*id, uname, sysinfo,
   getrlimit/prlimit, sched_getaffinity, gethostname, getpgrp/getsid. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", \
    __FILE__, __LINE__, #c, errno, strerror(errno)); exit(1); } } while (0)

int main(void)
{
    pid_t pid = getpid(), ppid = getppid();
    printf("pid %d ppid %d tid %ld\n", pid, ppid, (long)syscall(SYS_gettid));
    CHECK(pid > 0 && ppid >= 0 && syscall(SYS_gettid) == pid);
    printf("uid %u euid %u gid %u egid %u\n", getuid(), geteuid(), getgid(), getegid());
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    CHECK(getresuid(&ru, &eu, &su) == 0 && getresgid(&rg, &eg, &sg) == 0);
    printf("resuid %u %u %u resgid %u %u %u\n", ru, eu, su, rg, eg, sg);
    CHECK(ru == getuid() && eu == geteuid() && rg == getgid() && eg == getegid());
    int ng = getgroups(0, NULL);
    CHECK(ng >= 0);
    gid_t groups[256];
    CHECK(ng <= 256);
    CHECK(getgroups(ng, groups) == ng);
    printf("%d supplementary groups:", ng);
    for (int i = 0; i < ng; i++)
        printf(" %u", groups[i]);
    printf("\n");
    printf("pgrp %d sid %d\n", getpgrp(), getsid(0));

    struct utsname u;
    CHECK(uname(&u) == 0);
    printf("uname: %s %s %s %s %s\n", u.sysname, u.nodename, u.release, u.version, u.machine);
    CHECK(strcmp(u.sysname, "Linux") == 0 && strcmp(u.machine, "x86_64") == 0);
    char host[256];
    CHECK(gethostname(host, sizeof host) == 0);
    printf("hostname %s\n", host);
    CHECK(strcmp(host, u.nodename) == 0);

    struct sysinfo si;
    CHECK(sysinfo(&si) == 0);
    printf("sysinfo: uptime %ld loads %lu %lu %lu totalram %lu freeram %lu procs %u mem_unit %u\n",
           si.uptime, si.loads[0], si.loads[1], si.loads[2], si.totalram, si.freeram,
           (unsigned)si.procs, si.mem_unit);
    CHECK(si.totalram > 0 && si.mem_unit > 0);

    static const struct { int r; const char *n; } lims[] = {
        { RLIMIT_STACK, "STACK" }, { RLIMIT_NOFILE, "NOFILE" }, { RLIMIT_AS, "AS" },
        { RLIMIT_CORE, "CORE" }, { RLIMIT_NPROC, "NPROC" }, { RLIMIT_DATA, "DATA" },
    };
    for (unsigned i = 0; i < sizeof lims / sizeof lims[0]; i++) {
        struct rlimit rl;
        CHECK(getrlimit(lims[i].r, &rl) == 0);
        printf("rlimit %-6s cur %lld max %lld\n", lims[i].n, (long long)rl.rlim_cur, (long long)rl.rlim_max);
    }
    /* prlimit: lower our own soft NOFILE limit and read it back */
    struct rlimit old, nw, chk;
    CHECK(prlimit(0, RLIMIT_NOFILE, NULL, &old) == 0);
    nw = old;
    nw.rlim_cur = old.rlim_cur > 64 ? 64 : old.rlim_cur;
    CHECK(prlimit(pid, RLIMIT_NOFILE, &nw, &old) == 0);
    CHECK(getrlimit(RLIMIT_NOFILE, &chk) == 0);
    printf("prlimit NOFILE set cur %lld (was %lld)\n", (long long)chk.rlim_cur, (long long)old.rlim_cur);
    CHECK(chk.rlim_cur == nw.rlim_cur);
    CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);

    cpu_set_t set;
    CPU_ZERO(&set);
    CHECK(sched_getaffinity(0, sizeof set, &set) == 0);
    printf("sched_getaffinity: %d cpus allowed\n", CPU_COUNT(&set));
    CHECK(CPU_COUNT(&set) >= 1);
    printf("nprocs conf %ld onln %ld\n", sysconf(_SC_NPROCESSORS_CONF), sysconf(_SC_NPROCESSORS_ONLN));
    printf("EXIT-SUCCESS\n");
    return 0;
}
