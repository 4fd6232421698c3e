-- Test bytes and their short summary, the same in a spec and in a peer it
-- runs in its own process (spec/support/luasec46d_peer.lua), so both sides
-- can print and compare what they sent and received in one line.
local M = {}

-- n bytes of a pattern that repeats every 251 bytes (not a power of two,
-- so a record or buffer boundary never lines up with it).
function M.pattern(n)
   local t = {}
   for i = 0, 250 do t[#t + 1] = string.char(i) end
   local block = table.concat(t)
   return (block:rep(n // #block + 1)):sub(1, n)
end

local function adler(s)
   local a, b = 1, 0
   for i = 1, #s, 4096 do
      local bytes = { s:byte(i, math.min(i + 4095, #s)) }
      for j = 1, #bytes do
         a = (a + bytes[j]) % 65521
         b = (b + a) % 65521
      end
   end
   return b * 65536 + a
end

-- The text itself when short and printable, else "#<length>:<adler32>".
function M.summary(s)
   if s == nil then return "nil" end
   if #s <= 40 and not s:find("[^%w%p ]") then return "=" .. s:gsub(" ", "_") end
   return ("#%d:%d"):format(#s, adler(s))
end

return M
