-- wrk script: the headers of one line per request, cycling through the lines of $BENCH_HEADERS,
-- starting at line $BENCH_OFFSET + 1. A line holds one header ("Name: value", e.g.
-- "Authorization: Bearer ..." or "Cookie: session=...") or several separated by tabs (a DPoP
-- request: "Authorization: DPoP ...<TAB>DPoP: <proof>"). Without $BENCH_HEADERS every request
-- goes out bare.
local path = os.getenv("BENCH_HEADERS")
local lines, count = {}, 0
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
local i = tonumber(os.getenv("BENCH_OFFSET") or "0")

request = function()
  if count == 0 then
    return wrk.format(nil)
  end
  i = i % count + 1
  return wrk.format(nil, nil, lines[i])
end
