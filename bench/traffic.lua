-- wrk script for `make bench`. Two ways to make deliveries:
-- - BENCH_CORPUS (the realistic runs): the deliveries of a corpus written by bench/traffic.py, each
--   once, in order, with GitHub's headers. No delivery repeats: when the corpus runs out, the last
--   one is sent again and counted as `exhausted` (the bench then refuses the figure).
-- - BENCH_BODY_FILE and BENCH_SIGNATURE (the micro figures): one body again and again, under a
--   new delivery id each time (run id, thread, counter), or one id (BENCH_SAME_ID=1: redeliveries).
-- Each 200 answer's delivery id (both receivers echo it) goes to BENCH_ACK_FILE-N, so the bench
-- compares acknowledged and stored ids exactly.
local corpus_path = os.getenv("BENCH_CORPUS")
local body_file = os.getenv("BENCH_BODY_FILE")
local fixed_signature = os.getenv("BENCH_SIGNATURE")
local fixed_event = os.getenv("BENCH_EVENT") or "push"
local run_id = os.getenv("BENCH_RUN_ID") or tostring(os.time())
local same_id = os.getenv("BENCH_SAME_ID") == "1"
local path = os.getenv("BENCH_PATH") or "/github/webhook"
local think_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local ack_prefix = os.getenv("BENCH_ACK_FILE")
local threads = {}
local next_thread = 0
local corpus, fixed_body, ack_file
local counter = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
  table.insert(threads, thread)
end

function init(args)
  if corpus_path then
    corpus = assert(io.open(corpus_path, "rb"))
    -- BENCH_CORPUS_OFFSET: where an earlier load on the same database stopped (its `offset=`).
    corpus:seek("set", tonumber(os.getenv("BENCH_CORPUS_OFFSET") or "0"))
    offset = corpus:seek()
  else
    local file = assert(io.open(body_file, "rb"))
    fixed_body = file:read("*a")
    file:close()
  end
  ok, failed, exhausted, offset = 0, 0, 0, 0
  if ack_prefix then ack_file = assert(io.open(ack_prefix .. "-" .. tostring(thread_number), "w")) end
end

local last

local function delivery(event, id, signature, body)
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/json",
    ["User-Agent"] = "GitHub-Hookshot/bench",
    ["X-GitHub-Event"] = event,
    ["X-GitHub-Delivery"] = id,
    ["X-GitHub-Hook-ID"] = "1",
    ["X-GitHub-Hook-Installation-Target-Type"] = "integration",
    ["X-GitHub-Hook-Installation-Target-ID"] = "4242",
    ["X-Hub-Signature-256"] = signature,
  }, body)
end

function request()
  if fixed_body then
    counter = counter + 1
    local id = same_id and (run_id .. "-same") or string.format("%s-%d-%d", run_id, thread_number, counter)
    return delivery(fixed_event, id, fixed_signature, fixed_body)
  end
  local line = corpus:read("*l")
  if not line then
    -- Out of deliveries: repeat the last one (answered as a duplicate, not counted as work).
    exhausted = exhausted + 1
    return last
  end
  local event, id, signature, length = line:match("^(%S+) (%S+) (%S+) (%d+)$")
  last = delivery(event, id, signature, corpus:read(tonumber(length)))
  offset = corpus:seek()
  return last
end

function delay()
  return think_ms
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
    if ack_file then ack_file:write(body:match('"delivery":"([^"]+)"') or "?", "\n") end
  else
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local acknowledged, other, out, stopped_at = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    acknowledged = acknowledged + thread:get("ok")
    other = other + thread:get("failed")
    out = out + thread:get("exhausted")
    stopped_at = math.max(stopped_at, thread:get("offset") or 0)
  end
  io.write(string.format("BENCH acknowledged=%d other=%d requests=%d seconds=%.3f p50_us=%d p99_us=%d max_us=%d errors=%d exhausted=%d offset=%d\n",
    acknowledged, other, summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    out, stopped_at))
end
