-- Session 17 (openfile): every reader of a file the caller names goes
-- through one check (util/tls_file.c in C, lua/tls/file.lua in Lua). A
-- name holding a zero byte is refused by name: the OS would see only the
-- part before it, so "good.pem\0junk" would quietly read good.pem, and
-- "\0x" used to be reported as an empty name. spec/lead16_spec.lua covers
-- the empty name; mutate/mutations_openfile.lua plants the check's removal.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local ssl = require "tls.luasec"
local tk = require "tls.ticketkeys"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local optfiles = require "spec.support.optfiles"

describe("openfile: a file name that contains a zero byte", function()
  local certfile, keyfile, keysfile
  setup(function()
    certfile, keyfile, keysfile = os.tmpname(), os.tmpname(), os.tmpname()
    proc.write_file(certfile, E.CERT)
    proc.write_file(keyfile, E.KEY)
    assert(tk.write(keysfile, { tk.generate() }))
  end)
  teardown(function() os.remove(certfile); os.remove(keyfile); os.remove(keysfile) end)

  local function server(extra) return optfiles.server_maker(certfile, keyfile)(extra) end

  -- Each name is a real file followed by a zero byte and more: cut at the
  -- zero byte, it would be read (or, for the key log, written).
  it("is refused by name in each option of tls.context read in C", function()
    local keylog = os.tmpname()
    local cases = {
      { { ca = certfile .. "\0x" }, "ca: the file name contains a zero byte" },
      { { crl = certfile .. "\0x" }, "crl: the file name contains a zero byte" },
      { { keylog = keylog .. "\0x" }, "keylog: the file name contains a zero byte" },
      { { mode = "server", certificate = certfile .. "\0x", key = keyfile },
        "certificate: the file name contains a zero byte" },
      { { mode = "server", certificate = certfile, key = keyfile .. "\0x" },
        "key: the file name contains a zero byte" },
      { { mode = "server", certificates = { { certificate = certfile .. "\0x", key = keyfile } } },
        "option 'certificates[1].certificate': certificate: the file name contains a zero byte" },
      { server { verify = "required", ca = certfile .. "\0x" }, "ca: the file name contains a zero byte" },
      { { ca = "\0x" }, "ca: the file name contains a zero byte" },
    }
    optfiles.assert_context_refusals(cases)
    os.remove(keylog)
  end)

  it("is refused by the ticket_keys option, read in Lua", function()
    assert.same({ nil, "option 'ticket_keys': the file name contains a zero byte" },
      { tls.context(server { ticket_keys = keysfile .. "\0x" }) })
  end)

  it("is not a file name for ocsp: a string with a zero byte is the DER response", function()
    -- Every OCSPResponse holds a zero byte (its status, ENUMERATED 0) and a
    -- path cannot: the option tells the two apart that way, so this is
    -- judged as a response, not opened.
    local ctx, err = tls.context(server { ocsp = "\0x" })
    assert.is_nil(ctx)
    assert.truthy(err:find("^ocsp: "), err)
    assert.falsy(err:find("file name", 1, true), err)
  end)

  it("is refused by the context's loading methods", function()
    local ctx = assert(tls.context {})
    assert.same({ nil, "ca: the file name contains a zero byte" }, { CTXM.load_ca_path(ctx, certfile .. "\0x") })
    assert.same({ nil, "keylog: the file name contains a zero byte" }, { CTXM.set_keylog(ctx, "\0x") })
    local sctx = assert(tls.context(server {}))
    assert.same({ nil, "ctx:setticketkeys: the file name contains a zero byte" },
      { sctx:setticketkeys(keysfile .. "\0x") })
  end)

  it("is refused by tls.ticketkeys' file functions", function()
    assert.same({ nil, "tls.ticketkeys.read: the file name contains a zero byte" }, { tk.read(keysfile .. "\0x") })
    assert.same({ nil, "tls.ticketkeys.write: the file name contains a zero byte" },
      { tk.write(keysfile .. "\0x", { tk.generate() }) })
    assert.same({ nil, "tls.ticketkeys.rotate: the file name contains a zero byte" }, { tk.rotate(keysfile .. "\0x") })
    assert.equal(1, #assert(tk.read(keysfile)))
  end)

  it("is refused by tls.ticketkeys' C half too, whoever calls it", function()
    -- lua/tls/ticketkeys.lua checks first; the C functions must not rely on it.
    local core = require "tls.core"
    assert.same({ nil, "ticket keys file: the file name contains a zero byte" },
      { core.ticketkeys_stat(keysfile .. "\0x") })
    assert.same({ nil, "ticket keys file: the file name contains a zero byte" },
      { core.ticketkeys_write(keysfile .. "\0x", "") })
    assert.truthy(core.ticketkeys_stat(keysfile))
    assert.equal(1, #assert(tk.read(keysfile)))
  end)

  it("is refused by the LuaSec drop-in's cafile and capath", function()
    for _, key in ipairs { "cafile", "capath" } do
      local ctx, err = ssl.newcontext { mode = "client", protocol = "any", [key] = certfile .. "\0x" }
      assert.is_nil(ctx)
      assert.equal("error loading CA locations (" .. key .. ": the file name contains a zero byte)", err)
    end
  end)

  it("leaves the same names without the zero byte working", function()
    local keylog = os.tmpname()
    assert.truthy(tls.context { ca = certfile, keylog = keylog })
    assert.truthy(tls.context(server { ticket_keys = keysfile }))
    assert.truthy(tk.read(keysfile))
    assert.truthy(ssl.newcontext { mode = "client", protocol = "any", cafile = certfile })
    os.remove(keylog)
  end)

  it("refuses an ocsp file larger than a TLS 1.3 extension holds, without reading all of it", function()
    local big = os.tmpname()
    proc.write_file(big, string.rep("\48", 65531 + 100))
    assert.same({ nil, "ocsp: " .. big .. " is larger than the 65531 bytes a TLS 1.3 certificate extension holds" }, { tls.context(server { ocsp = big }) })
    os.remove(big)
  end)

  it("says why a named file cannot be read, in the same words for every reader", function()
    local missing = "/nonexistent/x"
    optfiles.assert_context_refusals {
      { { ca = missing }, "ca: cannot read " .. missing .. ": No such file or directory" },
      { { crl = missing }, "crl: cannot read " .. missing .. ": No such file or directory" },
      { server { certificate = missing }, "certificate: cannot read " .. missing .. ": No such file or directory" },
      { server { key = missing }, "key: cannot read " .. missing .. ": No such file or directory" },
      { server { ocsp = missing }, "ocsp: cannot read " .. missing .. ": No such file or directory" },
      { { keylog = missing }, "keylog: cannot open " .. missing .. ": No such file or directory" },
    }
  end)
end)
