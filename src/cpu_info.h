/* Internal (not in libsimdgrad: docs/adding.md, "What libsimdgrad.a exports"): what `simdgrad info`
 * reports about the CPU beyond the public sg_cpu_model, and the /proc/cpuinfo helpers that
 * src/cpu_features.c shares with it. The helpers are static inline so that the installed archive
 * gains no symbol from them. */
#ifndef SG_CPU_INFO_H
#define SG_CPU_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* raw without leading and trailing blanks (Intel pads its CPUID brand string), "unknown" when
   nothing is left. */
static inline void sg_cpu_model_clean(const char *raw, char *out, size_t len)
{
    while (*raw == ' ' || *raw == '\t')
        raw++;
    size_t n = strlen(raw);
    while (n && (raw[n - 1] == ' ' || raw[n - 1] == '\t' || raw[n - 1] == '\n' || raw[n - 1] == '\r'))
        n--;
    if (n)
        snprintf(out, len, "%.*s", (int)n, raw);
    else
        snprintf(out, len, "unknown");
}

/* The value of the first "key<blanks>: value" line of /proc/cpuinfo, cleaned; false when absent. */
static inline bool sg_cpuinfo_field(const char *key, char *out, size_t len)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return false;
    char line[512];
    bool found = false;
    const size_t kl = strlen(key);
    while (!found && fgets(line, sizeof line, f)) {
        const char *colon = strchr(line, ':');
        if (!colon || strncmp(line, key, kl) != 0 || strspn(line + kl, " \t") != (size_t)(colon - line - kl))
            continue;
        sg_cpu_model_clean(colon + 1, out, len);
        found = true;
    }
    fclose(f);
    return found;
}

/* True when /proc/cpuinfo has fields only x86 kernels write; the host's model name in model. On
   an aarch64 build that means qemu-user passing the x86 host's file through. */
static inline bool sg_cpuinfo_is_x86(char *model, size_t len)
{
    char v[128];
    if (!sg_cpuinfo_field("vendor_id", v, sizeof v) && !sg_cpuinfo_field("flags", v, sizeof v))
        return false;
    if (!sg_cpuinfo_field("model name", model, len))
        snprintf(model, len, "unknown");
    return true;
}

/* True when this process runs under an emulator (qemu-user) as far as can be told, with the
   evidence in why: /proc/cpuinfo (the host kernel's view, which qemu-user passes through)
   describing another architecture than this binary's, or (x86) the CPUID brand differing from
   the kernel's model name. A VM is not emulation: its kernel reads the same CPUID. */
bool sg_cpu_emulated(char *why, size_t len);

/* The SVE vector length in bits that SVE code runs with (svcntb(), from src/sve_vector_length.c,
   which alone is built with the SVE flags), 0 when SVE is not built or not available. */
size_t sg_cpu_sve_vector_bits(void);

#endif
