-- A TLS 1.2 record protected byte for byte: our AEAD record format
-- (rfc5246#6.2.3.3 with rfc5288#3 for AES-GCM and rfc7905#2 for
-- ChaCha20-Poly1305) against an independent computation in Python's
-- `cryptography` package, written here from the RFC text: nonce, additional
-- data and fragment layout are built in the Python code, not taken from ours.
local I = require("tls.core")._internal

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local PY = [[
import sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
suite, key, iv, seq, ctype, pt = sys.argv[1], bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), bytes.fromhex(sys.argv[6])
seq8 = seq.to_bytes(8, "big")
# rfc5246#6.2.3.3: additional_data = seq_num + type + version + length
aad = seq8 + bytes([ctype, 3, 3]) + len(pt).to_bytes(2, "big")
if "CHACHA20" in suite:
    # rfc7905#2: the 12-byte IV XOR the 64-bit sequence number padded on the left
    nonce = bytes(a ^ b for a, b in zip(iv, bytes(4) + seq8))
    out = ChaCha20Poly1305(key).encrypt(nonce, pt, aad)
else:
    # rfc5288#3: salt (4 bytes) + nonce_explicit (8 bytes), sent before the ciphertext
    explicit = seq8
    out = explicit + AESGCM(key).encrypt(iv + explicit, pt, aad)
print(out.hex())
]]

local function python(suite, key, iv, seq, ctype, pt)
  local script = os.tmpname()
  local f = assert(io.open(script, "w"))
  f:write(PY)
  f:close()
  local cmd = ("python3 %s %s %s %s %d %d %s"):format(script, suite, hex(key), hex(iv), seq, ctype,
    pt == "" and '""' or hex(pt))
  local p = assert(io.popen(cmd))
  local out = p:read("l")
  p:close()
  os.remove(script)
  return out
end

local cases = {
  { "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 16, 4 },
  { "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 32, 4 },
  { "TLS_RSA_WITH_AES_128_GCM_SHA256", 16, 4 },
  { "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 32, 12 },
}

describe("a TLS 1.2 record, byte for byte", function()
  for _, case in ipairs(cases) do
    local suite, key_len, iv_len = case[1], case[2], case[3]
    it(suite, function()
      local key = string.rep("\x11", key_len - 1) .. "\x7f"
      local iv = ("\xa5\x5a\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"):sub(1, iv_len)
      for _, c in ipairs { { 0, 22, "\x14\x00\x00\x0c" .. string.rep("\x42", 12) },
                           { 1, 23, "GET / HTTP/1.1\r\n\r\n" },
                           { 0x0102030405060708, 21, "\x01\x00" },
                           { 7, 23, "" } } do
        local seq, ctype, pt = c[1], c[2], c[3]
        local ours = assert(I.tls12_seal(suite, key, iv, seq, ctype, pt))
        assert.equal(python(suite, key, iv, seq, ctype, pt), hex(ours))
        assert.equal(pt, I.tls12_open(suite, key, iv, seq, ctype, ours))
        -- Any other sequence number, content type or bit fails to open.
        assert.is_nil(I.tls12_open(suite, key, iv, seq + 1, ctype, ours))
        assert.is_nil(I.tls12_open(suite, key, iv, seq, ctype == 23 and 22 or 23, ours))
        local flipped = ours:sub(1, -2) .. string.char(ours:byte(-1) ~ 1)
        local ok, msg = I.tls12_open(suite, key, iv, seq, ctype, flipped)
        assert.is_nil(ok)
        assert.equal("bad record MAC (record could not be authenticated)", msg)
      end
    end)
  end
end)
