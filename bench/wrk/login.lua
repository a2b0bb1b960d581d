-- wrk script: POST /api/auth/login as the seeded users bench<i>, cycling i over $BENCH_USERS
-- from $BENCH_OFFSET, with the one seeding password $BENCH_PASSWORD.
local users = tonumber(os.getenv("BENCH_USERS") or "1000")
local password = os.getenv("BENCH_PASSWORD") or ""
local i = tonumber(os.getenv("BENCH_OFFSET") or "0")
local headers = { ["Content-Type"] = "application/json" }

request = function()
  i = (i + 1) % users
  local body = string.format('{"username":"bench%d","password":"%s"}', i, password)
  return wrk.format("POST", nil, headers, body)
end
