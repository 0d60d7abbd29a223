#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets in Fuzz/ (with AddressSanitizer) and runs each for RUNS
# inputs (FUZZ_RUNS, default 1,000,000), starting from its seed corpus in Fuzz/Corpus/<check>.
# New interesting inputs go to var/fuzz/<check> (not committed); a crash is saved as
# var/fuzz/crashes/<check>-crash-<sha1>, and this exits non-zero. Keep a crash as a test case by
# copying it into Fuzz/Corpus/<check>/: `make test` runs every corpus file through the same check.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${FUZZ_RUNS:-1000000}
max_len=${FUZZ_MAX_LEN:-16384}
build=(swift build --package-path Fuzz --scratch-path "$PWD/.build-fuzz" -c release)
# lld: gold fails with an internal error on these ASan-instrumented objects.
"${build[@]}" -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
bin=$("${build[@]}" --show-bin-path)
export SWIFT_BACKTRACE=enable=no  # a failed property exits at once; libFuzzer reports it

targets=(FuzzSignatureHeader:signature-header FuzzFormDecoding:form-decoding FuzzPayloadSummary:payload-summary
         FuzzQueryAndCookie:query-and-cookie FuzzConfigFile:config-file FuzzEventHandlers:event-handlers
         FuzzActionFile:action-file)
mkdir -p var/fuzz/crashes
status=0
rows=()
for entry in "${targets[@]}"; do
  target=${entry%%:*} check=${entry##*:}
  work=var/fuzz/$check log=var/fuzz/$check.log
  mkdir -p "$work"
  echo "fuzz: $target, $runs runs from Fuzz/Corpus/$check" >&2
  started=$(date +%s)
  # The handlers' seeds are GitHub's example payloads, up to 32 KB.
  length=$max_len; [ "$check" = event-handlers ] && length=$(( max_len > 40000 ? max_len : 40000 ))
  if "$bin/$target" -runs="$runs" -max_len="$length" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="var/fuzz/crashes/$check-" "$work" "Fuzz/Corpus/$check" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see $log)"; status=1
  fi
  seconds=$(( $(date +%s) - started ))
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  executed=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
  coverage=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$done_line")
  corpus=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$done_line")
  seeds=$(find "Fuzz/Corpus/$check" -type f | wc -l)
  rows+=("| $target | ${executed:-?} | $seconds | $seeds | ${coverage:-?} | ${corpus:-?} | $result |")
done
echo
echo "| target | inputs run | seconds | seed files | coverage (edges) | corpus after | result |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
ls var/fuzz/crashes/* >/dev/null 2>&1 && { echo "crashes kept in var/fuzz/crashes:"; ls var/fuzz/crashes; } || true
exit $status
