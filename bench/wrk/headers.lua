-- wrk script: the headers of one line per request, cycling through the lines of $BENCH_HEADERS,
-- starting at line $BENCH_OFFSET + 1. A line holds one header ("Name: value", e.g.
-- "Authorization: Bearer ..." or "Cookie: session=...") or several separated by tabs (a DPoP
-- request: "Authorization: DPoP ...<TAB>DPoP: <proof>"). Without $BENCH_HEADERS every request
-- goes out bare.
--
-- Each request is formatted once, while the file loads (before wrk starts its clock), and sent
-- as it is: wrk shares the machine's cores with the server it measures, so its own cost per
-- request must not grow with the number of lines. Formatting per request, with a header table
-- per line kept for the run, it did: 20 us of wrk CPU per request with one line, 26-46 us with a
-- million (its garbage collector walked the million tables); formatted up front, 15-19 us for
-- both (bench/README.md).
local path = os.getenv("BENCH_HEADERS")
local lines, requests, count = {}, {}, 0
if path and path ~= "" then
  for line in io.lines(path) do
    local headers = {}
    for field in line:gmatch("[^\t]+") do
      local n, v = field:match("^([^:]+):%s*(.*)$")
      if n then
        headers[n] = v
      end
    end
    if next(headers) then
      count = count + 1
      lines[count] = headers
    end
  end
end
local bare
local i = tonumber(os.getenv("BENCH_OFFSET") or "0")

-- Called by wrk.init, once `wrk.headers` has its Host (which wrk.format adds), before the clock.
function init(args)
  for n = 1, count do
    requests[n] = wrk.format(nil, nil, lines[n])
    lines[n] = nil
  end
  lines = nil
  bare = wrk.format(nil)
  collectgarbage("collect")
end

request = function()
  if count == 0 then
    return bare
  end
  i = i % count + 1
  return requests[i]
end
