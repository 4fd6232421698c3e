-- Known answers for HKDF itself (RFC 5869 appendix A, the SHA-256 cases A.1-A.3).
-- Our HKDF is rfc5869's construction on libcrypto's HMAC (csrc/crypto/tls_keysched.c),
-- so these check the construction: A.1 and A.3 need two HMAC blocks of output, A.2
-- three, with inputs longer than a hash block. Expected values are the RFC's.
local I = require("tls.core")._internal

local function unhex(s)
  s = s:gsub("%s+", "")
  return (s:gsub("..", function(h) return string.char(tonumber(h, 16)) end))
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function ascending(from, n)
  local t = {}
  for i = 0, n - 1 do t[#t + 1] = string.char(from + i) end
  return table.concat(t)
end

local cases = {
  { name = "A.1 basic test case",
    ikm = string.rep("\11", 22), salt = ascending(0x00, 13), info = ascending(0xf0, 10), L = 42,
    prk = "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
    okm = "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865" },
  { name = "A.2 longer inputs and outputs",
    ikm = ascending(0x00, 80), salt = ascending(0x60, 80), info = ascending(0xb0, 80), L = 82,
    prk = "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
    okm = "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
       .. "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
       .. "cc30c58179ec3e87c14c01d5c1f3434f1d87" },
  { name = "A.3 zero-length salt and info",
    ikm = string.rep("\11", 22), salt = "", info = "", L = 42,
    prk = "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
    okm = "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8" },
}

describe("HKDF-SHA-256 against RFC 5869 appendix A", function()
  for _, c in ipairs(cases) do
    it(c.name .. ": Extract gives the PRK", function()
      assert.are.equal(c.prk, hex(I.hkdf_extract("sha256", c.salt, c.ikm)))
    end)

    it(c.name .. ": Expand gives the OKM", function()
      assert.are.equal(c.okm, hex(I.hkdf_expand("sha256", unhex(c.prk), c.info, c.L)))
    end)

    it(c.name .. ": every shorter output is a prefix of the OKM", function()
      -- One byte, one block exactly, one block and one byte: the block loop's edges.
      for _, n in ipairs({ 1, 31, 32, 33, c.L - 1 }) do
        assert.are.equal(c.okm:sub(1, 2 * n), hex(I.hkdf_expand("sha256", unhex(c.prk), c.info, n)))
      end
    end)
  end

  it("refuses more than 255 blocks of output (rfc5869#2.3: L <= 255*HashLen)", function()
    assert.has_error(function() I.hkdf_expand("sha256", string.rep("\1", 32), "", 255 * 32 + 1) end,
      "bad argument #4 to 'hkdf_expand' (bad length)")
    assert.are.equal(255 * 32, #I.hkdf_expand("sha256", string.rep("\1", 32), "", 255 * 32))
  end)
end)
