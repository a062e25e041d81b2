#!/usr/bin/env python3
"""Checks the global symbols a static archive defines against the export rule of libsimdgrad.a
(docs/adding.md, "What libsimdgrad.a exports"):

  every global symbol defined in the archive starts with sg_ and is
    (1) a function or object declared in simdgrad.h, or
    (2) sg_<isa>_<family> or sg_<isa>_table, for an <isa> of SG_ISA_LIST (scalar included: the
        reference) and a <family> of SG_FAMILY_ROWS: the kernels and tables, or
    (3) the probe an SG_ISA_LIST row names (sg_cpu_*);
  and every function or object simdgrad.h declares is defined. Sanitizer builds add one
  __odr_asan.<name> per instrumented global <name>: allowed when <name> is.

The names are not kept by hand here: the compiler's preprocessor expands simdgrad.h and its two lists,
so whatever the header declares (also through its X-macros) is what is allowed.

usage: check_symbols.py --nm NM --include DIR [--expect-violations] ARCHIVE -- CC [CC args...]
  --expect-violations  negative control: succeed only if ARCHIVE breaks rule (1)-(3), e.g. an
                       internal library, proving the check would catch it.
Exit 0 pass, 1 fail, 2 usage or tool error."""
import re
import subprocess
import sys

LISTS_MARK = "SGSYM_LISTS_BEGIN"
# Expands the two lists into marker tokens after the header, with the header's own macros.
PROBE_SRC = f"""#include "simdgrad.h"
{LISTS_MARK}
#define SGSYM_ISA_(id, name, rank, probe, cpuinfo) SGSYM_ISA name probe
SG_ISA_LIST(SGSYM_ISA_)
#define SGSYM_FAMILY_(name, params, args, work) SGSYM_FAMILY name
SG_FAMILY_LIST(SGSYM_FAMILY_)
"""


def die(msg):
    print(f"check_symbols: {msg}", file=sys.stderr)
    sys.exit(2)


def strip_braces(text):
    """Drops every {...} body (struct/enum members, function bodies); a function body becomes ';'
    so a definition ends its statement like a declaration."""
    out, depth = [], 0
    for ch in text:
        if ch == "{":
            if depth == 0:
                out.append(" {} ")
            depth += 1
        elif ch == "}":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return re.sub(r"\)\s*\{\}", ");", "".join(out))


def header_names(decls):
    """Functions and objects declared at file scope in preprocessed C (typedefs, static and tag-only
    declarations excluded)."""
    names = set()
    for stmt in strip_braces(decls).split(";"):
        stmt = " ".join(stmt.replace("{}", " ").split())
        words = re.findall(r"[A-Za-z_]\w*", stmt)
        if not words or words[0] in ("typedef", "static", "_Static_assert"):
            continue
        if re.fullmatch(r"(struct|union|enum)\s+\w+", stmt):
            continue
        m = re.search(r"\b([A-Za-z_]\w*)\s*\(", stmt)
        names.add(m.group(1) if m else words[-1])
    return names


def main(argv):
    if "--" not in argv:
        die("want: --nm NM --include DIR [--expect-violations] ARCHIVE -- CC [args]")
    sep = argv.index("--")
    opts, cc = argv[:sep], argv[sep + 1:]
    nm, inc, expect, archive = None, None, False, None
    i = 0
    while i < len(opts):
        if opts[i] == "--nm" and i + 1 < len(opts):
            nm, i = opts[i + 1], i + 2
        elif opts[i] == "--include" and i + 1 < len(opts):
            inc, i = opts[i + 1], i + 2
        elif opts[i] == "--expect-violations":
            expect, i = True, i + 1
        elif archive is None and not opts[i].startswith("-"):
            archive, i = opts[i], i + 1
        else:
            die(f"unexpected argument {opts[i]!r}")
    if not (nm and inc and archive and cc):
        die("--nm, --include, ARCHIVE and a compiler after -- are required")

    pp = subprocess.run(cc + ["-std=c11", "-E", "-P", "-I", inc, "-x", "c", "-"], input=PROBE_SRC,
                        capture_output=True, text=True)
    if pp.returncode != 0 or LISTS_MARK not in pp.stdout:
        die(f"preprocessing simdgrad.h failed: {pp.stderr.strip()}")
    decls, lists = pp.stdout.split(LISTS_MARK, 1)
    public = header_names(decls)
    tok = lists.split()
    isas = {tok[j + 1]: tok[j + 2] for j, t in enumerate(tok) if t == "SGSYM_ISA"}
    families = [tok[j + 1] for j, t in enumerate(tok) if t == "SGSYM_FAMILY"]
    if "scalar" not in isas or not families or not public:
        die(f"could not read the lists from simdgrad.h (ISAs {sorted(isas)}, families {families})")
    kernels = {f"sg_{isa}_{f}" for isa in isas for f in families} | {f"sg_{isa}_table" for isa in isas}
    probes = set(isas.values())

    problems = []  # (kind, text); kind "rule" = a symbol the archive must not export
    for name in sorted(public | probes):
        if not name.startswith("sg_"):
            problems.append(("header", f"simdgrad.h declares {name}, which does not start with sg_"))
    for name in sorted(probes):
        if not name.startswith("sg_cpu_"):
            problems.append(("header", f"SG_ISA_LIST names the probe {name}; probes are sg_cpu_*"))

    res = subprocess.run([nm, "-A", "-g", "--defined-only", "-P", archive], capture_output=True, text=True)
    if res.returncode != 0:
        die(f"{nm} {archive} failed: {res.stderr.strip()}")
    defined = {}
    for line in res.stdout.splitlines():
        f = line.split()
        if len(f) < 3 or not f[0].endswith(":"):
            continue
        member = f[0][:-1]
        m = re.search(r"\[(.*)\]$", member)
        defined.setdefault(f[1], m.group(1) if m else member)
    for name, member in sorted(defined.items()):
        # AddressSanitizer (gcc) defines an ODR indicator per instrumented global variable; it is the
        # compiler's, and allowed exactly when the variable it names is.
        odr = re.fullmatch(r"__odr_asan[._](?:gen_)?(.+)", name)
        if odr:
            name = odr.group(1)
        if not name.startswith("sg_"):
            problems.append(("rule", f"{name} ({member}): exported but does not start with sg_"))
        elif name not in public and name not in kernels and name not in probes:
            problems.append(("rule", f"{name} ({member}): exported but neither declared in simdgrad.h nor a "
                                     "kernel, table or probe of SG_ISA_LIST x SG_FAMILY_ROWS"))
    for name in sorted(public - defined.keys()):
        problems.append(("missing", f"{name}: declared in simdgrad.h but not defined in {archive}"))

    n_pub = len(public & defined.keys())
    n_gen = len(defined.keys() & (kernels | probes))
    print(f"check_symbols: {archive}: {len(defined)} global symbols; {n_pub} of the {len(public)} declared "
          f"in simdgrad.h, {n_gen} kernels/tables/probes (ISAs {', '.join(isas)}; families "
          f"{', '.join(families)})")
    for kind, text in problems:
        if expect and kind == "missing":
            continue  # an internal library defines none of the API; only its extra exports matter here
        print(f"  {'expected: ' if expect and kind == 'rule' else ''}{kind}: {text}")
    if expect:
        if any(k == "rule" for k, _ in problems):
            print("check_symbols: negative control: the rule rejects this archive, as it must")
            return 0
        print("check_symbols: negative control FAILED: this archive passes the rule, so the check is blind")
        return 1
    if problems:
        print(f"check_symbols: FAIL, {len(problems)} problem(s)")
        return 1
    print("check_symbols: ok, every exported symbol is in simdgrad.h or a kernel/table/probe of the lists")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
