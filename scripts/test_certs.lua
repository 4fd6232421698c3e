-- `make test-certs`: makes the specs' certificates once into DIR (argument),
-- for spec/support/certs.lua to copy when LUATLS_TEST_CERTS names DIR.
-- Does nothing if DIR already holds a set made from the current
-- certs.lua less than 12 hours ago. Run from the top directory.
package.path = "./?.lua;" .. package.path
local dir = assert(arg[1], "usage: test_certs.lua DIR")
local certs = require "spec.support.certs"
if certs.write_cache(dir) then print("test-certs: made " .. dir) end
