-- wrk script: one header per request, cycling through the lines of $BENCH_HEADERS
-- ("Name: value", e.g. "Authorization: Bearer ..." or "Cookie: session=..."), starting at line
-- $BENCH_OFFSET + 1. Without $BENCH_HEADERS every request goes out bare.
local path = os.getenv("BENCH_HEADERS")
local name, values, count = nil, {}, 0
if path and path ~= "" then
  for line in io.lines(path) do
    local n, v = line:match("^([^:]+):%s*(.*)$")
    if n then
      name = n
      count = count + 1
      values[count] = v
    end
  end
end
local i = tonumber(os.getenv("BENCH_OFFSET") or "0")

request = function()
  if count == 0 then
    return wrk.format(nil)
  end
  i = i % count + 1
  return wrk.format(nil, nil, { [name] = values[i] })
end
