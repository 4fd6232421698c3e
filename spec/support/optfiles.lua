-- Shared by the specs about options that name files (lead16, openfile):
-- a server option table built on given certificate and key files, and the
-- check that tls.context refuses each case with its exact message.
local assert = require "luassert"
local tls = require "tls"

local M = {}

-- server(extra) -> a server option table with the files and extra's keys.
function M.server_maker(certfile, keyfile)
  return function(extra)
    local t = { mode = "server", certificate = certfile, key = keyfile }
    for k, v in pairs(extra) do t[k] = v end
    return t
  end
end

-- cases: { { options, message }, ... }
function M.assert_context_refusals(cases)
  for _, case in ipairs(cases) do
    assert.same({ nil, case[2] }, { tls.context(case[1]) })
  end
end

return M
