-- wrk script for scripts/bench.sh, configured through environment variables (read in every Lua state wrk
-- creates, so the main state and the thread states agree):
--   BENCH_BODY      request body (default "1,2,3"), sent as POST
--   BENCH_HEADERS   extra headers, "Name: value" separated by "|" (Content-Type defaults to text/csv)
--   BENCH_IDS       when > 0, every request's body is "<prefix><n>,<BENCH_BODY>" with n uniform in 1..BENCH_IDS
--   BENCH_ID_PREFIX prefix of those entity ids (default none: numeric ids, so the demo model can score the row)
--   BENCH_TEMPLATE  with BENCH_IDS, the body is this text with "{id}" replaced by the id instead (a JSON request)
--   BENCH_RATE      when > 0, pace requests to this many per second per wrk thread (bench.sh uses -t1)
-- At the end it prints one machine-readable line: "BENCH_RESULT key=value ..." (http_errors counts status >= 400).
--
-- Fixed rate without wrk2: wrk calls delay() before each request of a connection and waits that many
-- milliseconds. delay() hands out send slots on one schedule shared by all connections of the thread, spaced
-- 1/BENCH_RATE apart, and returns the time until the slot. So the offered rate is BENCH_RATE as long as some
-- connection is idle when a slot comes up (32 connections at half load leave plenty). Slots missed because wrk
-- itself was descheduled are caught up by sending at once, but only those of the last 100 ms; older ones are
-- dropped rather than sent as one burst (the achieved rate then shows the shortfall).
-- wrk's timers have 1 ms resolution, so requests leave in small bursts once per millisecond. Latency is
-- measured by wrk from the actual send, so it is the service time, which at half load is close to what a
-- client sees (no coordinated-omission correction as in wrk2; it is not needed while the target keeps up).

local body = os.getenv("BENCH_BODY") or "1,2,3"
local ids = tonumber(os.getenv("BENCH_IDS") or "0") or 0
local id_prefix = os.getenv("BENCH_ID_PREFIX") or ""
local template = os.getenv("BENCH_TEMPLATE") or ""
local rate = tonumber(os.getenv("BENCH_RATE") or "0") or 0

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "text/csv"
for header in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^|]+") do
  local name, value = string.match(header, "^%s*([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end

if ids > 0 then
  local seeded = false
  function request()
    if not seeded then
      math.randomseed(os.time())
      seeded = true
    end
    local id = id_prefix .. math.random(1, ids)
    if template ~= "" then return wrk.format(nil, nil, nil, (string.gsub(template, "{id}", id))) end
    return wrk.format(nil, nil, nil, id .. "," .. body)
  end
end

if rate > 0 then
  local ffi = require("ffi")
  ffi.cdef [[
    typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
    int clock_gettime(int clock_id, bench_timespec *tp);
  ]]
  local CLOCK_MONOTONIC = 1
  local now_spec = ffi.new("bench_timespec")
  local function now_ms()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, now_spec)
    return tonumber(now_spec.tv_sec) * 1000 + tonumber(now_spec.tv_nsec) / 1e6
  end
  local interval_ms = 1000 / rate
  local catch_up_ms = 100
  local next_slot = nil

  function delay()
    local now = now_ms()
    if next_slot == nil then next_slot = now end
    if next_slot < now - catch_up_ms then next_slot = now - catch_up_ms end
    local slot = next_slot
    next_slot = next_slot + interval_ms
    return math.max(0, math.floor(slot - now + 0.5))
  end
end

function done(summary, latency, requests)
  local errors = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_s=%.3f rps=%.1f p50_us=%d p99_us=%d http_errors=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, latency:percentile(50), latency:percentile(99),
    errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
