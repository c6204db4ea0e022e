-- wrk script of bench/courses_bench.py: sends one scenario's requests, each once.
--
-- args: <file of raw HTTP requests separated by NUL bytes> <offset> <threads>
-- Thread t of n sends entries offset + t, offset + t + n, ... so no two requests of a run are
-- the same entry (the bench moves the offset on between runs). done() prints the latency
-- histogram and counts as one JSON line for the bench to merge over rounds.

local thread_count = 0

function setup(thread)
  thread:set("id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local file = assert(io.open(args[1], "rb"))
  local data = file:read("*a")
  file:close()
  entries = {}
  local start = 1
  while true do
    local stop = data:find("\0", start, true)
    if not stop then break end
    entries[#entries + 1] = data:sub(start, stop - 1)
    start = stop + 1
  end
  step = tonumber(args[3])
  index = tonumber(args[2]) + id
end

function request()
  local entry = entries[(index % #entries) + 1]
  index = index + step
  return entry
end

function done(summary, latency, requests)
  local buckets = {}
  for i = 1, #latency do
    local value, count = latency(i)
    buckets[#buckets + 1] = string.format("[%d,%d]", value, count)
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"non_2xx_3xx":%d,"socket_errors":%d,"latency_us":[%s]}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(buckets, ",")))
end
