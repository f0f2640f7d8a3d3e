#!/usr/bin/env bash
# Runs the micro-benchmarks of the hot functions (no HTTP) once, then prints ordo-one/benchmark's table and the
# ratios of each benchmark to its baseline from the same run: this machine is shared and noisy, so the ratios are
# the numbers to compare between runs, not the absolute times.
#
#   ./Benchmarks/run.sh                        # or: ./scripts/bench.sh --micro
#   ./Benchmarks/run.sh --filter 'encode.*'    # extra arguments go to `swift package benchmark`
#
# Builds into Benchmarks/.build (release). The run is stored as the baseline `micro` in Benchmarks/.benchmarkBaselines
# (ignored by git) and read back from there, so the table and the ratios describe the same samples.
set -euo pipefail
cd "$(dirname "$0")"

baseline=micro
export_dir=$(mktemp -d "${TMPDIR:-/tmp}/switchboard-micro.XXXXXX")
trap 'rm -rf "$export_dir"' EXIT

# 1. Run every benchmark (each in a process of its own) and store the results. Build chatter goes to stderr.
swift package --allow-writing-to-package-directory benchmark baseline update "$baseline" --no-progress "$@" >&2

# 2. The table.
swift package benchmark baseline read "$baseline" "$@"

# 3. The same results as JSON, for the ratios.
swift package benchmark baseline read "$baseline" --format jmh --path "$export_dir" "$@" >&2

python3 - "$export_dir/$baseline.jmh.json" <<'PYTHON'
import json, sys

prefix = "package.benchmark.PageBenchmarks."
with open(sys.argv[1]) as file:
    elements = json.load(file)

# JMH names replace spaces by underscores; compare in that form.
def key(name):
    return name.replace(" ", "_")

results = {}
for element in elements:
    name = element["benchmark"][len(prefix):] if element["benchmark"].startswith(prefix) else element["benchmark"]
    metrics = element.get("secondaryMetrics", {})
    wall = metrics.get("Time (wall clock)")
    if wall is None:
        continue
    # JMH export gives times in microseconds with three decimals.
    entry = {
        "p50": wall["scorePercentiles"]["50.0"] * 1000,
        "p90": wall["scorePercentiles"]["90.0"] * 1000,
        "p99": wall["scorePercentiles"]["99.0"] * 1000,
    }
    if "Malloc (total)" in metrics:
        entry["mallocs"] = metrics["Malloc (total)"]["scorePercentiles"]["50.0"]
    if "Instructions" in metrics:
        entry["instructions"] = metrics["Instructions"]["scorePercentiles"]["50.0"]
    results[name] = entry

order = [
    "sqlite: ping (pool read floor)",
    "page query: newest 20 (baseline)",
    "page query: deep (lastMessageId)",
    "page query: newest, type=TYPE_SMS,TYPE_CALL",
    "encode page: JSONEncoder (baseline)",
    "encode page: JSONWriter responseBytes",
    "encode page: JSONWriter responsePrefix",
    "token check: TokenHash(token:)",
    "token check: looksLikePIT + TokenHash + store.activeToken",
]
present = [name for name in order if key(name) in results]
has_instructions = any("instructions" in results[key(name)] for name in present)

print()
print("Micro-benchmarks, wall clock per operation (ns), one run")
print()
header = "| benchmark | p50 ns | p90 ns | p99 ns | ops/s at p50 | mallocs |" + (" instructions |" if has_instructions else "")
print(header)
print("| --- | ---: | ---: | ---: | ---: | ---: |" + (" ---: |" if has_instructions else ""))
for name in present:
    r = results[key(name)]
    row = "| %s | %.0f | %.0f | %.0f | %.0f | %s |" % (
        name, r["p50"], r["p90"], r["p99"], 1e9 / r["p50"] if r["p50"] > 0 else 0, int(r.get("mallocs", 0)))
    if has_instructions:
        row += " %s |" % int(r.get("instructions", 0))
    print(row)

# (what, numerator, denominator, what to read it against)
ratios = [
    ("JSONWriter responseBytes / JSONEncoder", "encode page: JSONWriter responseBytes",
     "encode page: JSONEncoder (baseline)", "smaller is better; the reference encoding is 1"),
    ("JSONWriter responsePrefix / JSONEncoder", "encode page: JSONWriter responsePrefix",
     "encode page: JSONEncoder (baseline)", "the cacheable part of the response"),
    ("deep page / newest page", "page query: deep (lastMessageId)", "page query: newest 20 (baseline)",
     "cost should not grow with depth (issue 7: case 2 within 1.2)"),
    ("type-filtered page / newest page", "page query: newest, type=TYPE_SMS,TYPE_CALL",
     "page query: newest 20 (baseline)", "issue 7: case 3 within 1.3"),
    ("newest page / pool read floor", "page query: newest 20 (baseline)", "sqlite: ping (pool read floor)",
     "what the query adds over `SELECT 1` through the pool"),
    ("token check / pool read floor", "token check: looksLikePIT + TokenHash + store.activeToken",
     "sqlite: ping (pool read floor)", "a token-cache miss: the hash plus one indexed read"),
    ("TokenHash / token check", "token check: TokenHash(token:)",
     "token check: looksLikePIT + TokenHash + store.activeToken", "the hash's share of a miss"),
]
print()
print("Ratios of p50 wall clock, both sides from this run")
print()
print("| ratio | value | read as |")
print("| --- | ---: | --- |")
missing = []
for title, numerator, denominator, note in ratios:
    if key(numerator) not in results or key(denominator) not in results:
        missing.append(title)
        continue
    value = results[key(numerator)]["p50"] / results[key(denominator)]["p50"]
    extra = " (%.1fx faster)" % (1 / value) if value < 1 and "JSONEncoder" in title else ""
    print("| %s | %.3f%s | %s |" % (title, value, extra, note))
if missing:
    print()
    print("Not measured in this run (filtered out?): " + "; ".join(missing))
PYTHON
