-- The one wrk script every scenario runs: requests come from a file the harness writes.
--
--   wrk -t THREADS ... -s requests.lua URL -- REQUEST_FILE RUN_NONCE THREADS
--
-- Each line of REQUEST_FILE is METHOD \t PATH \t TOKEN \t BODY \t IDEMPOTENCY_KEY
-- (all but the first two may be empty). Each thread starts at its own place in
-- the list and takes the next line for every request, so the requests spread
-- over many people and grids. "{n}" in a body or key becomes
-- RUN_NONCE-thread-counter, unique across runs, so writes never repeat a key.
-- done() prints one JSON line for the harness.

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local lines, fixed, position, counter, nonce = {}, {}, 1, 0, "x"

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  nonce = args[2] or "x"
  for line in io.lines(args[1]) do
    local f = split(line)
    local headers = { ["Accept"] = "application/json" }
    if f[3] ~= nil and f[3] ~= "" then headers["Authorization"] = "Bearer " .. f[3] end
    local body, key = f[4], f[5]
    if body == "" then body = nil end
    if key == "" then key = nil end
    if body ~= nil then headers["Content-Type"] = "application/json" end
    local entry = { method = f[1], path = f[2], headers = headers, body = body, key = key }
    local varies = (body ~= nil and body:find("{n}", 1, true)) or (key ~= nil and key:find("{n}", 1, true))
    if key ~= nil and not varies then headers["Idempotency-Key"] = key end
    if not varies then
      entry.request = wrk.format(entry.method, entry.path, entry.headers, entry.body)
    end
    table.insert(lines, entry)
  end
  local nthreads = tonumber(args[3]) or 1
  position = math.floor((tid - 1) * #lines / nthreads) % #lines + 1
end

function request()
  local entry = lines[position]
  position = position % #lines + 1
  if entry.request ~= nil then return entry.request end
  counter = counter + 1
  local unique = nonce .. "-" .. tid .. "-" .. counter
  local body = entry.body
  if body ~= nil then body = body:gsub("{n}", unique) end
  if entry.key ~= nil then entry.headers["Idempotency-Key"] = entry.key:gsub("{n}", unique) end
  return wrk.format(entry.method, entry.path, entry.headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
