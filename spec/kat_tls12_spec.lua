-- Known answers for the TLS 1.2 crypto layer (csrc/crypto/tls12_*.c): the
-- PRF, the master secret with and without extended master secret, the key
-- block, Finished, and RSA key transport of the premaster secret.
--
-- Expected values come from outside our C code, never from its output:
--   * the PRF's published test vectors (below, with their source);
--   * an independent P_hash in a few lines of Python (hashlib and hmac),
--     run for each case, and for one case openssl's `kdf TLS1-PRF` command;
--   * RSA against `openssl pkeyutl`, with PKCS#1 blocks built here byte by
--     byte and encrypted raw, for the malformed premasters.
local I = require("tls.core")._internal
local proc = require "spec.support.proc"
local pki = require "spec.support.pki"

local function unhex(s)
  s = s:gsub("%s+", "")
  assert(#s % 2 == 0, "odd hex string")
  return (s:gsub("..", function(h) return string.char(tonumber(h, 16)) end))
end

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

-- Compare as hex so that a failure shows readable values.
local function same(expected_hex, got)
  assert.are.equal(hex(unhex(expected_hex)), got and hex(got))
end

-- rfc5246#5 P_hash, written again from the RFC in Python: A(0) = seed,
-- A(i) = HMAC(secret, A(i-1)), output HMAC(secret, A(i) + seed) ...
local P_HASH_PY = [[
import hashlib, hmac, sys
h = getattr(hashlib, sys.argv[1])
secret = bytes.fromhex(sys.argv[2])
seed = sys.argv[3].encode() + bytes.fromhex(sys.argv[4])
n = int(sys.argv[5])
a, out = seed, b""
while len(out) < n:
    a = hmac.new(secret, a, h).digest()
    out += hmac.new(secret, a + seed, h).digest()
print(out[:n].hex())
]]

-- PRF(secret, label, seed)[0..n-1] by Python, as hex.
local function python_prf(hash, secret, label, seed, n)
  local out, code = proc.run(("python3 -c %s %s %s %s %s %d"):format(proc.quote(P_HASH_PY), hash,
    proc.quote(hex(secret)), proc.quote(label), proc.quote(hex(seed)), n))
  assert(code == 0, "python3 failed: " .. out)
  local result = out:match("^(%x+)\n$")
  assert(result and #result == 2 * n, "python3 printed: " .. out)
  return result
end

-- Fixed inputs of a handshake, chosen here (any bytes do).
local function bytes(first, n)
  local t = {}
  for i = 0, n - 1 do t[#t + 1] = string.char((first + 7 * i) % 256) end
  return table.concat(t)
end
local CLIENT_RANDOM = bytes(0x10, 32)
local SERVER_RANDOM = bytes(0x90, 32)
local PMS = "\3\3" .. bytes(0x42, 46)
local MASTER = bytes(0xa5, 48)

describe("TLS 1.2 PRF (rfc5246#5)", function()
  -- The P_SHA256 and P_SHA384 vectors posted to the IETF TLS list by
  -- Joseph Birr-Pixton (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html),
  -- as GnuTLS's tests/tls12-prf.c and many other stacks carry them.
  it("gives the published P_SHA256 test vector", function()
    same([[e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a
           6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab
           4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701
           87347b66]],
      I.tls12_prf("sha256", unhex("9bbe436ba940f017b17652849a71db35"), "test label",
        unhex("a0ba9f936cda311827a6f796ffd5198c"), nil, 100))
  end)

  it("gives the published P_SHA384 test vector", function()
    same([[7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd
           e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd
           8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425
           9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6
           91c8f3a26854308d5eaa3be85e0990703d73e56f]],
      I.tls12_prf("sha384", unhex("b80b733d6ceefcdc71566ea48e5567df"), "test label",
        unhex("cd665cf6a8447dd6ff8b27555edb7465"), nil, 148))
  end)

  -- GnuTLS tests/tls12-prf.c, sha256_test2 and sha256_test4.
  it("gives GnuTLS's other P_SHA256 known answers", function()
    same([[afa9312453c22fa83d2b511b372d73a402a2a62873239a51fade45082faf3fd2
           bb7ffb3e9bf36e28b3141aaba484005332a9f9e388a4d329f1587a4b317da077
           08ea1ba95a53f8786724bd83ce4b03af]],
      I.tls12_prf("sha256", unhex("34204a9df0be6eb4e925a8027cf6c602"), "test label",
        unhex("98b2c40bcd664c83bb920c18201a6395"), nil, 80))
    same("7653fa809cde3b553c4a17e2cdbcc918f36527f22219a7d7f95d97243ff2d5dee8265ef0af03",
      I.tls12_prf("sha256", unhex("210ec937069707e5465bc46bf779e104108b18fdb793be7b218dbf145c8641f3"),
        "test label", unhex("1e351a0baf35c79945924394b881cfe31dae8f1c1ed54d3b"), nil, 38))
  end)

  it("takes its seed in two parts as the concatenation of both", function()
    local whole = I.tls12_prf("sha384", unhex("b80b733d6ceefcdc71566ea48e5567df"), "test label",
      unhex("cd665cf6a8447dd6ff8b27555edb7465"), nil, 148)
    assert.are.equal(hex(whole), hex(I.tls12_prf("sha384", unhex("b80b733d6ceefcdc71566ea48e5567df"),
      "test label", unhex("cd665cf6a8447d"), unhex("d6ff8b27555edb7465"), 148)))
  end)

  it("agrees with an independent P_hash for other lengths and labels", function()
    for _, case in ipairs {
      { "sha256", MASTER, "key expansion", SERVER_RANDOM .. CLIENT_RANDOM, 1 },
      { "sha256", PMS, "master secret", CLIENT_RANDOM .. SERVER_RANDOM, 33 },
      { "sha384", MASTER, "a label", "", 200 },
      -- a seed longer than the PRF's stack buffer (an exporter's context)
      { "sha256", MASTER, "a long seed", string.rep("\x5a", 300), 70 },
    } do
      local hash, secret, label, seed, n = table.unpack(case)
      same(python_prf(hash, secret, label, seed, n), I.tls12_prf(hash, secret, label, seed, nil, n))
    end
  end)
end)

describe("TLS 1.2 master secret", function()
  it("derives the master secret from the premaster and both randoms (rfc5246#8.1)", function()
    for _, hash in ipairs { "sha256", "sha384" } do
      same(python_prf(hash, PMS, "master secret", CLIENT_RANDOM .. SERVER_RANDOM, 48),
        I.tls12_master_secret(hash, PMS, CLIENT_RANDOM, SERVER_RANDOM))
    end
  end)

  it("derives the extended master secret from the session hash alone (rfc7627#4)", function()
    local session_hash = I.hash("sha256", "ClientHello..ClientKeyExchange")
    local ems = I.tls12_master_secret("sha256", PMS, CLIENT_RANDOM, SERVER_RANDOM, session_hash)
    same(python_prf("sha256", PMS, "extended master secret", session_hash, 48), ems)
    -- The randoms are not part of it: other randoms, the same secret.
    same(hex(ems), I.tls12_master_secret("sha256", PMS, SERVER_RANDOM, CLIENT_RANDOM, session_hash))
    assert.are_not.equal(hex(ems), hex(I.tls12_master_secret("sha256", PMS, CLIENT_RANDOM, SERVER_RANDOM)))

    local sh384 = I.hash("sha384", "ClientHello..ClientKeyExchange")
    same(python_prf("sha384", PMS, "extended master secret", sh384, 48),
      I.tls12_master_secret("sha384", PMS, CLIENT_RANDOM, SERVER_RANDOM, sh384))
  end)

  it("agrees with openssl's kdf command for the extended master secret", function()
    local session_hash = I.hash("sha256", "another transcript")
    local out, code = proc.run(("openssl kdf -keylen 48 -kdfopt digest:SHA2-256 -kdfopt hexsecret:%s "
      .. "-kdfopt %s -kdfopt hexseed:%s TLS1-PRF"):format(hex(PMS),
      proc.quote("seed:extended master secret"), hex(session_hash)))
    assert(code == 0, "openssl kdf failed: " .. out)
    same(out:gsub("[:%s]", ""):lower(),
      I.tls12_master_secret("sha256", PMS, CLIENT_RANDOM, SERVER_RANDOM, session_hash))
  end)

  it("refuses a session hash that is not of the suite's hash", function()
    local r = { I.tls12_master_secret("sha384", PMS, CLIENT_RANDOM, SERVER_RANDOM, I.hash("sha256", "x")) }
    assert.are.same({ nil, "TLS 1.2 handshake hash missing or of 32 bytes (the suite's hash has 48)",
      "internal_error" }, r)
  end)
end)

describe("TLS 1.2 key block (rfc5246#6.3)", function()
  -- client_write_key, server_write_key, client_write_IV, server_write_IV
  local function expected(hash, key_len, iv_len)
    local block = unhex(python_prf(hash, MASTER, "key expansion", SERVER_RANDOM .. CLIENT_RANDOM,
      2 * key_len + 2 * iv_len))
    return {
      client_key = hex(block:sub(1, key_len)),
      server_key = hex(block:sub(key_len + 1, 2 * key_len)),
      client_iv = hex(block:sub(2 * key_len + 1, 2 * key_len + iv_len)),
      server_iv = hex(block:sub(2 * key_len + iv_len + 1)),
    }
  end

  local function as_hex(t)
    local r = {}
    for k, v in pairs(t) do r[k] = hex(v) end
    return r
  end

  it("splits the key block of each AEAD suite in the RFC's order", function()
    for _, case in ipairs {
      { "sha256", 16, 4 },  -- AES_128_GCM_SHA256 (rfc5288#3: 4-byte salt)
      { "sha384", 32, 4 },  -- AES_256_GCM_SHA384
      { "sha256", 32, 12 }, -- CHACHA20_POLY1305_SHA256 (rfc7905#2: 12-byte IV)
    } do
      local hash, key_len, iv_len = table.unpack(case)
      assert.are.same(expected(hash, key_len, iv_len),
        as_hex(I.tls12_key_block(hash, key_len, iv_len, MASTER, CLIENT_RANDOM, SERVER_RANDOM)))
    end
  end)

  it("refuses key and IV lengths no AEAD suite has", function()
    assert.are.same({ nil, "TLS 1.2 key block for a 24-byte key and 4-byte IV", "internal_error" },
      { I.tls12_key_block("sha256", 24, 4, MASTER, CLIENT_RANDOM, SERVER_RANDOM) })
    assert.are.same({ nil, "TLS 1.2 key block for a 16-byte key and 8-byte IV", "internal_error" },
      { I.tls12_key_block("sha256", 16, 8, MASTER, CLIENT_RANDOM, SERVER_RANDOM) })
  end)
end)

describe("TLS 1.2 Finished (rfc5246#7.4.9)", function()
  it("computes the client's and the server's verify_data", function()
    for _, hash in ipairs { "sha256", "sha384" } do
      local th = I.hash(hash, "ClientHello..client Finished")
      local client = I.tls12_finished(hash, MASTER, false, th)
      local server = I.tls12_finished(hash, MASTER, true, th)
      same(python_prf(hash, MASTER, "client finished", th, 12), client)
      same(python_prf(hash, MASTER, "server finished", th, 12), server)
    end
  end)

  it("refuses a transcript hash that is not of the suite's hash", function()
    assert.are.same({ nil, "TLS 1.2 handshake hash missing or of 48 bytes (the suite's hash has 32)",
      "internal_error" }, { I.tls12_finished("sha256", MASTER, true, I.hash("sha384", "x")) })
  end)
end)

describe("TLS 1.2 RSA key transport (rfc5246#7.4.7.1)", function()
  local dir, cleanup = pki.tempdir("tls12rsa")
  local KEY = I.genkey("rsa")
  proc.write_file(dir .. "/key.pem", KEY)
  local K = 256 -- the modulus length of a 2048-bit key

  -- Runs openssl pkeyutl on data with the given options; returns its output file's bytes.
  local function pkeyutl(opts, data)
    assert(cleanup, "the directory is kept while the tests use it")
    proc.write_file(dir .. "/in.bin", data)
    os.remove(dir .. "/out.bin")
    local out, code = proc.run(("cd %s && openssl pkeyutl %s -inkey key.pem -in in.bin -out out.bin")
      :format(proc.quote(dir), opts))
    assert(code == 0, "openssl pkeyutl failed: " .. out)
    return proc.read_file(dir .. "/out.bin")
  end

  -- Non-zero random bytes, as PKCS#1 v1.5's padding string.
  local function nonzero(n)
    return (I.random(n):gsub("%z", "\1"))
  end

  -- rfc8017#7.2.1: EM = 0x00 || 0x02 || PS || 0x00 || M, encrypted raw.
  local function raw_encrypt(em)
    assert(#em == K, "block of the wrong size")
    return pkeyutl("-encrypt -pkeyopt rsa_padding_mode:none", em)
  end

  local function block(msg, opts)
    opts = opts or {}
    return (opts.head or "\0\2") .. nonzero(K - 3 - #msg) .. "\0" .. msg
  end

  -- The claim of rfc5246#7.4.7.1: success, 48 bytes, not the premaster,
  -- and random (a second decryption gives other bytes).
  local function assert_random_premaster(enc, pms, version)
    local a, err_a = I.rsa_premaster_decrypt(KEY, enc, version or 0x0303)
    local b, err_b = I.rsa_premaster_decrypt(KEY, enc, version or 0x0303)
    assert.is_nil(err_a)
    assert.is_nil(err_b)
    assert.are.equal(48, #a)
    assert.are.equal(48, #b)
    assert.are_not.equal(hex(pms), hex(a))
    assert.are_not.equal(hex(pms), hex(b))
    assert.are_not.equal(hex(a), hex(b))
  end

  it("decrypts its own encryption of a premaster that starts with the offered version", function()
    local pms, enc = I.rsa_premaster_encrypt(KEY, 0x0303)
    assert.are.equal(48, #pms)
    assert.are.equal(K, #enc)
    assert.are.equal("0303", hex(pms:sub(1, 2)))
    same(hex(pms), I.rsa_premaster_decrypt(KEY, enc, 0x0303))
    local pms2, enc2 = I.rsa_premaster_encrypt(KEY, 0x0303)
    assert.are_not.equal(hex(pms), hex(pms2))
    assert.are_not.equal(hex(enc), hex(enc2))
  end)

  it("encrypts with PKCS#1 v1.5 as openssl pkeyutl decrypts it", function()
    local pms, enc = I.rsa_premaster_encrypt(KEY, 0x0303)
    same(hex(pms), pkeyutl("-decrypt -pkeyopt rsa_padding_mode:pkcs1", enc))
  end)

  it("decrypts a premaster that openssl pkeyutl encrypted with PKCS#1 v1.5", function()
    local pms = "\3\3" .. I.random(46)
    same(hex(pms), I.rsa_premaster_decrypt(KEY, pkeyutl("-encrypt -pkeyopt rsa_padding_mode:pkcs1", pms), 0x0303))
  end)

  it("decrypts a well-formed block built here (the malformed ones below are built the same way)", function()
    local pms = "\3\3" .. I.random(46)
    same(hex(pms), I.rsa_premaster_decrypt(KEY, raw_encrypt(block(pms)), 0x0303))
  end)

  it("gives a random premaster and no error for a bad padding", function()
    local pms = "\3\3" .. I.random(46)
    assert_random_premaster(raw_encrypt(block(pms, { head = "\0\1" })), pms)   -- block type 1
    assert_random_premaster(raw_encrypt(block(pms, { head = "\1\2" })), pms)   -- no leading zero
    assert_random_premaster(raw_encrypt("\0\2" .. nonzero(K - 2 - 48) .. pms), pms) -- no 00 separator
    -- A zero inside the first 8 bytes of the padding string.
    assert_random_premaster(raw_encrypt("\0\2" .. nonzero(4) .. "\0" .. nonzero(K - 2 - 5 - 49) .. "\0" .. pms), pms)
  end)

  it("gives a random premaster and no error for a premaster of 47 or 49 bytes inside", function()
    local pms = "\3\3" .. I.random(46)
    assert_random_premaster(raw_encrypt(block(pms:sub(1, 47))), pms)
    assert_random_premaster(raw_encrypt(block(pms .. "\7")), pms)
    -- 49 bytes whose first is zero: the last 48 are the premaster, and the
    -- byte before them is a zero, but so is the one before that.
    assert_random_premaster(raw_encrypt(block("\0" .. pms)), pms)
  end)

  it("gives a random premaster and no error for a wrong version inside", function()
    local pms = "\3\2" .. I.random(46)
    assert_random_premaster(raw_encrypt(block(pms)), pms)
    -- Nor is the version we would negotiate accepted for the one offered
    -- (OpenSSL's rollback-bug workaround stays off).
    local pms13 = "\3\3" .. I.random(46)
    assert_random_premaster(raw_encrypt(block(pms13)), pms13, 0x0304)
  end)

  it("gives a random premaster and no error for a ciphertext of the wrong size, different at each call", function()
    local pms, enc = I.rsa_premaster_encrypt(KEY, 0x0303)
    assert_random_premaster(enc:sub(2), pms)
    assert_random_premaster(enc .. "\0", pms)
    assert_random_premaster("\0" .. enc, pms)
    assert_random_premaster("", pms)
    -- The right size but not below the modulus: libcrypto refuses it.
    assert_random_premaster(string.rep("\255", K), pms)
  end)

  it("fails only for a key that is not RSA", function()
    local ec = I.genkey("ec-p256")
    assert.are.same({ nil, "RSA key exchange needs an RSA private key", "internal_error" },
      { I.rsa_premaster_decrypt(ec, string.rep("\1", K), 0x0303) })
    assert.are.same({ nil, "RSA key exchange needs an RSA key in the server's certificate", "illegal_parameter" },
      { I.rsa_premaster_encrypt(ec, 0x0303) })
  end)
end)
