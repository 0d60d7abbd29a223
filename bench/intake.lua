-- wrk script for `make bench`: signed deliveries with a unique X-GitHub-Delivery per request.
-- The body and its signature come from the environment (the signature covers the body only, so
-- one signature serves every request); the delivery id is run id, thread number and a counter,
-- so no id repeats by accident. BENCH_SAME_ID=1 sends one id again and again (redeliveries).
local counter = 0
local thread_number = 0
local run_id = os.getenv("BENCH_RUN_ID") or tostring(os.time())
local body_file = os.getenv("BENCH_BODY_FILE")
local signature = os.getenv("BENCH_SIGNATURE")
local event = os.getenv("BENCH_EVENT") or "push"
local same_id = os.getenv("BENCH_SAME_ID") == "1"
local think_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local body
local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
  table.insert(threads, thread)
end

-- BENCH_ACK_FILE: each 200 answer's delivery id (our answer echoes it) is written there, one file
-- per wrk thread, so the bench compares acknowledged and stored ids exactly.
local ack_prefix = os.getenv("BENCH_ACK_FILE")
local ack_file

function init(args)
  local file = assert(io.open(body_file, "rb"))
  body = file:read("*a")
  file:close()
  ok, failed = 0, 0
  if ack_prefix then ack_file = assert(io.open(ack_prefix .. "-" .. tostring(thread_number), "w")) end
end

function request()
  counter = counter + 1
  local id = same_id and (run_id .. "-same") or string.format("%s-%d-%d", run_id, thread_number, counter)
  return wrk.format("POST", "/github/webhook", {
    ["Content-Type"] = "application/json",
    ["X-GitHub-Event"] = event,
    ["X-GitHub-Delivery"] = id,
    ["X-GitHub-Hook-ID"] = "1",
    ["X-Hub-Signature-256"] = signature,
  }, body)
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
  -- (per-thread ack files are flushed when the threads' Lua states close)
  local acknowledged, other = 0, 0
  for _, thread in ipairs(threads) do
    acknowledged = acknowledged + thread:get("ok")
    other = other + thread:get("failed")
  end
  io.write(string.format("BENCH acknowledged=%d other=%d requests=%d seconds=%.3f p50_us=%d p99_us=%d max_us=%d errors=%d\n",
    acknowledged, other, summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    latency.max, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status))
end
