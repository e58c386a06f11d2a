-- The main reads under load, for bench/concurrency.py (run by wrk, a load generator in C).
--
-- Each of wrk's connections is a closed loop (send a request, read the whole answer, send the
-- next) going round the paths given after `--`, signed in with the session cookie in
-- RESURFACE_BENCH_COOKIE. Any answer but 200 is counted (a 303 to the sign-in page would
-- otherwise pass as a success). done() prints one line, "RESULT " and JSON, that the bench reads:
-- answers, duration, wrk's socket errors and time-outs, the answers that were not 200, and the
-- 50th/95th/99th percentiles and maximum of the time from sending a request to reading its
-- answer, in microseconds.

local paths = {}
local turn = 0
local threads = {}
not_200 = 0

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for i, path in ipairs(args) do
    paths[i] = path
  end
  wrk.headers["Cookie"] = os.getenv("RESURFACE_BENCH_COOKIE")
end

function request()
  turn = turn + 1
  return wrk.format("GET", paths[(turn % #paths) + 1])
end

function response(status, headers, body)
  if status ~= 200 then
    not_200 = not_200 + 1
  end
end

function done(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads) do
    refused = refused + thread:get("not_200")
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"answers": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"timeout": %d, "not_200": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, refused,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max
  ))
end
