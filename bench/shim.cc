// The C shim over Google Benchmark 1.7.1 (see shim.h). Deliberately thin: every policy
// (names, sizes, counters, pinning, summary) lives in the C files.
#include "shim.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <cmath>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

struct sgb_state {
};
struct sgb_bench {
};

namespace
{

benchmark::State &S(sgb_state *st) { return *reinterpret_cast<benchmark::State *>(st); }
benchmark::internal::Benchmark *B(sgb_bench *b)
{
    return reinterpret_cast<benchmark::internal::Benchmark *>(b);
}

// Counters registered with sgb_counter_rate_value: name -> scale. Google Benchmark finishes a rate
// counter (value / seconds) before any reporter sees it, so the reporters below turn those into
// plain values there, and the console, the JSON and the C callback all get the same number.
std::map<std::string, double> &rate_values()
{
    static std::map<std::string, double> m;
    return m;
}

std::vector<benchmark::BenchmarkReporter::Run>
as_values(const std::vector<benchmark::BenchmarkReporter::Run> &runs)
{
    std::vector<benchmark::BenchmarkReporter::Run> out(runs);
    for (auto &r : out)
        for (auto &kv : r.counters) {
            const auto it = rate_values().find(kv.first);
            if (it == rate_values().end()) {
                // An inverted rate (ns_per_step, x_bound: time per unit, already finished) is a plain
                // value too; left flagged, the console prints it with an "s" ("152.8s" for 152.8 ns).
                if ((kv.second.flags & benchmark::Counter::kInvert) &&
                    r.aggregate_unit != benchmark::kPercentage)
                    kv.second.flags = benchmark::Counter::kDefaults;
                continue;
            }
            // A cv aggregate is already a ratio (stddev / mean): no scale, only the "/s" goes.
            if (r.aggregate_unit != benchmark::kPercentage)
                kv.second.value *= it->second;
            kv.second.flags = benchmark::Counter::kDefaults;
        }
    return out;
}

sgb_report_hook report_hook; // sgb_set_report_hook
void *report_hook_user;
void hook(const char *name)
{
    if (report_hook)
        report_hook(report_hook_user, name);
}

// The display reporter --benchmark_format asks for, seeing the converted counters, with the report
// hook called around each of its outputs.
class ValuesDisplay : public benchmark::BenchmarkReporter
{
  public:
    ValuesDisplay() : inner_(benchmark::CreateDefaultDisplayReporter()) {}
    bool ReportContext(const Context &c) override
    {
        hook(nullptr);
        return inner_->ReportContext(c);
    }
    void ReportRuns(const std::vector<Run> &runs) override
    {
        hook(nullptr);
        inner_->ReportRuns(as_values(runs));
        std::cout.flush();
        if (!runs.empty())
            hook(runs[0].benchmark_name().c_str());
    }
    void Finalize() override
    {
        hook(nullptr);
        inner_->Finalize();
    }

  private:
    benchmark::BenchmarkReporter *inner_; // Google Benchmark's static instance, never freed
};

// Forwards to the JSON reporter and hands each run to C as it completes.
class CapturingJSON : public benchmark::JSONReporter
{
  public:
    CapturingJSON(sgb_result_fn fn, void *user) : fn_(fn), user_(user) {}
    void ReportRuns(const std::vector<Run> &raw) override
    {
        const std::vector<Run> runs = as_values(raw);
        benchmark::JSONReporter::ReportRuns(runs);
        if (!fn_)
            return;
        for (const Run &r : runs) {
            if (r.run_type != Run::RT_Iteration)
                continue;
            std::string name = r.benchmark_name();
            std::vector<std::string> keys;
            std::vector<const char *> names;
            std::vector<double> values;
            for (const auto &kv : r.counters) {
                keys.push_back(kv.first);
                values.push_back(kv.second.value);
            }
            for (const auto &k : keys)
                names.push_back(k.c_str());
            sgb_result out;
            out.name = name.c_str();
            out.iterations = r.iterations;
            const double iters = r.iterations ? double(r.iterations) : 1.0;
            // Run does not say whether manual time was used; the suffix Google Benchmark
            // appends to the name does.
            const bool manual = name.size() >= 12 && name.compare(name.size() - 12, 12, "/manual_time") == 0;
            out.real_seconds = r.real_accumulated_time / iters;
            out.seconds = manual ? out.real_seconds : r.cpu_accumulated_time / iters;
            out.error = r.error_occurred;
            out.error_message = r.error_message.c_str();
            out.counters = names.size();
            out.counter_names = names.data();
            out.counter_values = values.data();
            fn_(&out, user_);
        }
    }

  private:
    sgb_result_fn fn_;
    void *user_;
};

} // namespace

extern "C" {

sgb_bench *sgb_register(const char *name, sgb_fn fn, void *ctx)
{
    auto *b = benchmark::RegisterBenchmark(
        name, [fn, ctx](benchmark::State &st) { fn(reinterpret_cast<sgb_state *>(&st), ctx); });
    return reinterpret_cast<sgb_bench *>(b);
}

void sgb_args(sgb_bench *b, int count, const char *const *names, const int64_t *values)
{
    std::vector<std::string> n(names, names + count);
    std::vector<int64_t> v(values, values + count);
    B(b)->ArgNames(n)->Args(v);
}

void sgb_use_manual_time(sgb_bench *b) { B(b)->UseManualTime(); }
void sgb_repetitions(sgb_bench *b, int n) { B(b)->Repetitions(n); }

int64_t sgb_range(sgb_state *st, int index) { return S(st).range(static_cast<std::size_t>(index)); }
bool sgb_keep_running_batch(sgb_state *st, int64_t n) { return S(st).KeepRunningBatch(n); }
void sgb_pause(sgb_state *st) { S(st).PauseTiming(); }
void sgb_resume(sgb_state *st) { S(st).ResumeTiming(); }
void sgb_set_iteration_time(sgb_state *st, double seconds) { S(st).SetIterationTime(seconds); }

void sgb_counter_rate(sgb_state *st, const char *name, double per_iteration)
{
    S(st).counters[name] = benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate);
}

void sgb_counter_rate_value(sgb_state *st, const char *name, double per_iteration, double scale)
{
    rate_values().emplace(name, scale);
    sgb_counter_rate(st, name, per_iteration);
}

void sgb_counter_ratio(sgb_state *st, const char *name, double per_iteration)
{
    S(st).counters[name] = benchmark::Counter(per_iteration, benchmark::Counter::kIsIterationInvariantRate |
                                                                 benchmark::Counter::kInvert);
}

void sgb_counter(sgb_state *st, const char *name, double value) { S(st).counters[name] = value; }

void sgb_bytes_processed(sgb_state *st, double per_iteration)
{
    S(st).SetBytesProcessed(std::llround(per_iteration * double(S(st).iterations())));
}

void sgb_items_processed(sgb_state *st, double per_iteration)
{
    S(st).SetItemsProcessed(std::llround(per_iteration * double(S(st).iterations())));
}

void sgb_label(sgb_state *st, const char *label) { S(st).SetLabel(label); }
void sgb_skip(sgb_state *st, const char *message) { S(st).SkipWithError(message); }

void sgb_context(const char *key, const char *value) { benchmark::AddCustomContext(key, value); }
static std::string program_name = "simdgrad-bench";

namespace
{
// Sets one flag the way a command line would; the others keep their values.
void set_flag(const std::string &flag)
{
    // Google Benchmark keeps argv[0] (the "Running <program>" line, the JSON's "executable"), so it
    // must outlive this call: program_name is static and not changed after sgb_initialize.
    std::vector<char> arg1(flag.begin(), flag.end());
    arg1.push_back('\0');
    char *argv[] = {const_cast<char *>(program_name.c_str()), arg1.data(), nullptr};
    int argc = 2;
    benchmark::Initialize(&argc, argv);
}

void first_line(const std::string &text, char *out, size_t len)
{
    if (!len)
        return;
    const std::string line = text.substr(0, text.find('\n'));
    snprintf(out, len, "%s", line.c_str());
}

// Sees the context (which Google Benchmark reports just before running) and declines it, so nothing
// runs; in list mode it is never asked, the names go to its output stream.
class Probe : public benchmark::BenchmarkReporter
{
  public:
    bool asked = false;
    bool ReportContext(const Context &) override
    {
        asked = true;
        return false;
    }
    void ReportRuns(const std::vector<Run> &) override {}
};
} // namespace

void sgb_initialize(int *argc, char **argv, char *msg, size_t msg_len)
{
    if (*argc > 0 && argv[0])
        program_name = argv[0];
    if (msg_len)
        msg[0] = '\0';
    // Google Benchmark prints a malformed value's complaint itself; catch it on a temporary file so
    // the caller reports one line of its own.
    std::fflush(stderr);
    std::cerr.flush();
    FILE *capture = std::tmpfile();
    const int saved = capture ? dup(2) : -1;
    if (saved >= 0)
        dup2(fileno(capture), 2);
    benchmark::Initialize(argc, argv);
    std::cerr.flush();
    std::fflush(stderr);
    if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
        std::string text;
        std::rewind(capture);
        for (int ch; (ch = std::fgetc(capture)) != EOF;)
            text.push_back(static_cast<char>(ch));
        first_line(text, msg, msg_len);
    }
    if (capture)
        std::fclose(capture);
}

size_t sgb_select(bool *list_only, char *msg, size_t msg_len, char *filter, size_t filter_len)
{
    set_flag("--benchmark_out="); // no file reporter, so the probe opens (and truncates) nothing
    std::ostringstream out, err;
    Probe probe;
    probe.SetOutputStream(&out);
    probe.SetErrorStream(&err);
    const size_t n = benchmark::RunSpecifiedBenchmarks(&probe);
    *list_only = n > 0 && !probe.asked;
    first_line(err.str(), msg, msg_len);
    std::string spec = benchmark::GetBenchmarkFilter();
    if (filter_len)
        snprintf(filter, filter_len, "%s", spec.c_str());
    return n;
}

void sgb_set_report_hook(sgb_report_hook fn, void *user)
{
    report_hook = fn;
    report_hook_user = user;
}

int64_t sgb_max_iterations(sgb_state *st) { return S(st).max_iterations; }

size_t sgb_list_selected(void (*fn)(const char *name, void *user), void *user)
{
    set_flag("--benchmark_out=");
    set_flag("--benchmark_list_tests=true");
    std::ostringstream out, err;
    Probe probe;
    probe.SetOutputStream(&out);
    probe.SetErrorStream(&err);
    const size_t n = benchmark::RunSpecifiedBenchmarks(&probe);
    set_flag("--benchmark_list_tests=false");
    std::istringstream lines(out.str());
    for (std::string line; std::getline(lines, line);)
        if (!line.empty())
            fn(line.c_str(), user);
    return n;
}

size_t sgb_run(const char *json_path, sgb_result_fn on_result, void *user)
{
    // Google Benchmark opens --benchmark_out itself and refuses a custom file reporter
    // without it, so the path travels through the flag; /dev/null when nobody wants the file.
    set_flag(std::string("--benchmark_out=") + (json_path ? json_path : "/dev/null"));
    CapturingJSON file(on_result, user);
    ValuesDisplay display;
    return benchmark::RunSpecifiedBenchmarks(&display, &file);
}

void sgb_shutdown(void) { benchmark::Shutdown(); }

} // extern "C"
