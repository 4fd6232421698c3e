-- A client session's text taken apart and put back together, for specs
-- that craft sessions: minimal base64 (RFC 4648) and the text's frame.
local M = {}

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

function M.b64dec(s)
   s = s:gsub("[^%w%+/=]", "")
   local out, bits, n = {}, 0, 0
   for ch in s:gmatch(".") do
      if ch == "=" then break end
      bits = bits * 64 + (B64:find(ch, 1, true) - 1)
      n = n + 6
      if n >= 8 then
         n = n - 8
         out[#out + 1] = string.char((bits >> n) & 0xff)
         bits = bits & ((1 << n) - 1)
      end
   end
   return table.concat(out)
end

function M.b64enc(s)
   local out = {}
   for i = 1, #s, 3 do
      local a, b, c = s:byte(i, i + 2)
      local v = (a << 16) | ((b or 0) << 8) | (c or 0)
      for k = 0, 3 do
         if k <= 1 + (b and 1 or 0) + (c and 1 or 0) then
            out[#out + 1] = B64:sub(((v >> (18 - 6 * k)) & 63) + 1, ((v >> (18 - 6 * k)) & 63) + 1)
         else
            out[#out + 1] = "="
         end
      end
   end
   return table.concat(out)
end

-- The session's binary encoding, and a function that makes a text of the
-- same header around other bytes.
function M.open(text)
   local head, body, tail = text:match("^(.-\n\n)(.-)(%-%-%-%-%-END LUATLS SESSION%-%-%-%-%-\n)$")
   assert(head, "not a session text")
   return M.b64dec(body), function(bin)
      local b64 = M.b64enc(bin)
      local lines = {}
      for i = 1, #b64, 64 do lines[#lines + 1] = b64:sub(i, i + 63) end
      return head .. table.concat(lines, "\n") .. "\n" .. tail
   end
end

return M
