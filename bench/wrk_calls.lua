-- wrk script for bench_load.py: plays pre-signed Twilio calls, one connection per thread.
--
-- Usage: wrk -t N -c N -d S -s bench/wrk_calls.lua URL -- FOLDER [MEAN_DELAY_MS]
-- FOLDER holds calls-<thread>.txt, one request per line: path, form body and
-- X-Twilio-Signature, separated by tabs, each call's requests in order and every CallSid
-- used once (bench_load.py writes them). With one connection per thread a call's
-- requests arrive in order, as Twilio sends them. A thread that has played all its calls
-- stops rather than play one twice: a repeated request would be answered from the
-- hotline's stored replies and measure less than a real turn.
-- MEAN_DELAY_MS > 0 paces each connection: its requests are due at random (Poisson)
-- moments MEAN_DELAY_MS apart on average, on a schedule of their own, so a slow answer
-- does not lower the rate (wrk has no fixed-rate mode; N connections with a mean of
-- N/rate ms come close to the rate while the server keeps up).

local ffi = require("ffi")
ffi.cdef[[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("bench_timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local folder = args[1]
  mean_delay = tonumber(args[2] or "0") or 0
  requests = {}
  for line in io.lines(folder .. "/calls-" .. id .. ".txt") do
    local path, body, signature = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)$")
    requests[#requests + 1] = wrk.format("POST", path, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = signature,
    }, body)
  end
  played = 0
  ran_out = 0
  math.randomseed(os.time() + id)
  due = nil  -- when this connection's next request is due, in ms
end

function request()
  played = played + 1
  if played > #requests then
    ran_out = 1
    wrk.thread:stop()
    played = #requests
  end
  return requests[played]
end

function delay()
  if mean_delay <= 0 then
    return 0
  end
  local now = now_ms()
  due = (due or now) - mean_delay * math.log(1 - math.random())
  if due < now then
    return 0
  end
  return due - now
end

function done(summary, latency, _requests)
  local out = 0
  for _, thread in ipairs(threads) do
    out = out + (thread:get("ran_out") or 0)
  end
  local errors = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d bad=%d socket_errors=%d ran_out=%d "
      .. "p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout, out,
    latency:percentile(50), latency:percentile(99)))
end
