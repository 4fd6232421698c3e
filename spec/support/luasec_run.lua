-- Runs one of spec/luasec_samples/ (programs written for LuaSec's `ssl`)
-- under real LuaSec or, after the one-line install, under luatls, and says
-- at the end which library served it:
--   lua5.4 spec/support/luasec_run.lua luatls|luasec SAMPLE ARGS...
local lib, sample = arg[1], arg[2]
if lib == "luatls" then
   require("tls.luasec").install()
elseif lib ~= "luasec" then
   error("usage: luasec_run.lua luatls|luasec SAMPLE ARGS...")
end
io.stdout:setvbuf("line")
local chunk = assert(loadfile(sample))
local args = table.pack(table.unpack(arg, 3))
chunk(table.unpack(args, 1, args.n))
-- LuaSec's C core is ssl.core; ours tls.core. Exactly one may be loaded.
local ours, theirs = package.loaded["tls.core"] ~= nil, package.loaded["ssl.core"] ~= nil
print("served-by " .. (ours and not theirs and "luatls" or theirs and not ours and "luasec" or "both"))
