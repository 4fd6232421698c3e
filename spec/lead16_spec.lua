-- Session 16 (lead): an empty string given where a file name is expected is
-- a mistake of the caller (an unset environment variable, a missing config
-- entry). Each option says so in words, instead of "cannot read : No such
-- file or directory", on every path that reads a file: the context
-- options, the context methods and the LuaSec drop-in.
local CTXM = require("tls.core").context_methods -- a context's setters (not its methods)
local tls = require "tls"
local ssl = require "tls.luasec"
local E = require "spec.support.engines"
local proc = require "spec.support.proc"
local optfiles = require "spec.support.optfiles"

describe("lead16: an empty file name", function()
  local certfile, keyfile
  setup(function()
    certfile, keyfile = os.tmpname(), os.tmpname()
    proc.write_file(certfile, E.CERT)
    proc.write_file(keyfile, E.KEY)
  end)
  teardown(function() os.remove(certfile); os.remove(keyfile) end)

  local function server(extra) return optfiles.server_maker(certfile, keyfile)(extra) end

  it("is refused by name in each option that names a file", function()
    local cases = {
      { { ca = "" }, "ca: the file name is empty" },
      { { crl = "" }, "crl: the file name is empty" },
      { { keylog = "" }, "keylog: the file name is empty" },
      { { mode = "server", certificate = "", key = keyfile }, "certificate: the file name is empty" },
      { { mode = "server", certificate = certfile, key = "" }, "key: the file name is empty" },
      { { mode = "server", certificates = { { certificate = "", key = keyfile } } },
        "option 'certificates[1].certificate': certificate: the file name is empty" },
      { server { ocsp = "" }, "ocsp: the file name is empty" },
      { server { ticket_keys = "" }, "option 'ticket_keys': the file name is empty" },
      { server { verify = "required", ca = "" }, "ca: the file name is empty" },
    }
    optfiles.assert_context_refusals(cases)
  end)

  it("is refused by the context's loading methods", function()
    local ctx = assert(tls.context {})
    assert.same({ nil, "ca: the file name is empty" }, { CTXM.load_ca_path(ctx, "") })
    local sctx = assert(tls.context(server {}))
    assert.same({ nil, "ctx:setticketkeys: the file name is empty" }, { sctx:setticketkeys("") })
  end)

  it("is refused by tls.ticketkeys' file functions", function()
    local tk = require "tls.ticketkeys"
    assert.same({ nil, "tls.ticketkeys.read: the file name is empty" }, { tk.read("") })
    assert.same({ nil, "tls.ticketkeys.write: the file name is empty" }, { tk.write("", { tk.generate() }) })
    assert.same({ nil, "tls.ticketkeys.rotate: the file name is empty" }, { tk.rotate("") })
  end)

  it("is refused by the LuaSec drop-in's cafile and capath", function()
    for _, key in ipairs { "cafile", "capath" } do
      local ctx, err = ssl.newcontext { mode = "client", protocol = "any", [key] = "" }
      assert.is_nil(ctx)
      assert.equal("error loading CA locations (" .. key .. ": the file name is empty)", err)
    end
  end)

  it("still reads a file whose name is not empty, and says why one cannot be read", function()
    assert.truthy(tls.context(server {}))
    local ctx, err = tls.context { ca = "/nonexistent/ca.pem" }
    assert.is_nil(ctx)
    assert.equal("ca: cannot read /nonexistent/ca.pem: No such file or directory", err)
  end)
end)
