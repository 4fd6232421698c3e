rockspec_format = "3.0"
package = "luatls"
version = "0.2.0-1"

-- The release tarball `make dist` builds from the tree (build/dist/). It
-- travels inside luatls-0.2.0-1.src.rock (`make rock`), where LuaRocks finds
-- it by this name and neither downloads nor hashes it; the rock file is the
-- unit that is published and checked. There is no download server, so the
-- url is the bare file name: `luarocks build` of this rockspec also works
-- from a directory that holds the tarball.
source = {
   url = "luatls-0.2.0.tar.gz",
   dir = "luatls-0.2.0",
}

description = {
   summary = "TLS 1.3 and 1.2 for Lua 5.4 on OpenSSL's libcrypto",
   detailed = [[
luatls is a TLS 1.3 and 1.2 implementation in C on libcrypto (never
libssl), with a sans-I/O engine, LuaSocket-compatible connections, and a
trace of every handshake message and key-schedule step.
]],
   license = "MIT",
}

-- LuaSocket is what tls.wrap wraps, what the LuaSec-compatible API and the
-- Redis session store run on (tls.connect and tls.listen do not need it).
-- Debian's lua-socket is not a rock: README.md, "Installing with LuaRocks",
-- gives the one config line that tells LuaRocks so.
dependencies = {
   "lua >= 5.4",
   "luasocket >= 3.0",
}

external_dependencies = {
   OPENSSL = {
      header = "openssl/evp.h",
      library = "crypto",
   },
}

build = {
   type = "builtin",
   modules = {
      tls = "lua/tls.lua",
      ["tls.ticketkeys"] = "lua/tls/ticketkeys.lua",
      ["tls.file"] = "lua/tls/file.lua",
      ["tls.util"] = "lua/tls/util.lua",
      ["tls.store"] = "lua/tls/store.lua",
      ["tls.luasec"] = "lua/tls/luasec.lua",
      ["tls.luasec.https"] = "lua/tls/luasec/https.lua",
      ["tls.https"] = "lua/tls/https.lua",
      ["tls.loop"] = "lua/tls/loop.lua",
      ["tls.copas"] = "lua/tls/copas.lua",
      ["tls.core"] = {
         -- Keep in sync with csrc/*/*.c (`make test` checks it).
         sources = {
            "csrc/crypto/tls12_keys.c",
            "csrc/crypto/tls12_rsa_kx.c",
            "csrc/crypto/tls_aead.c",
            "csrc/crypto/tls_exporter.c",
            "csrc/crypto/tls_kex.c",
            "csrc/crypto/tls_keysched.c",
            "csrc/crypto/tls_sig.c",
            "csrc/crypto/tls_suite.c",
            "csrc/crypto/tls_ticket.c",
            "csrc/crypto/tls_transcript.c",
            "csrc/engine/tls_dispatch.c",
            "csrc/engine/tls_engine.c",
            "csrc/engine/tls_export.c",
            "csrc/engine/tls_keylog.c",
            "csrc/engine/tls_resume.c",
            "csrc/engine/tls_resume_auth.c",
            "csrc/engine/tls_trace.c",
            "csrc/hs/tls12_client.c",
            "csrc/hs/tls12_resume_client.c",
            "csrc/hs/tls12_common.c",
            "csrc/hs/tls12_resume_server.c",
            "csrc/hs/tls12_server.c",
            "csrc/hs/tls13_client.c",
            "csrc/hs/tls13_common.c",
            "csrc/hs/tls13_early.c",
            "csrc/hs/tls13_psk_client.c",
            "csrc/hs/tls13_server.c",
            "csrc/hs/tls13_psk_server.c",
            "csrc/hs/tls_alpn.c",
            "csrc/hs/tls_session.c",
            "csrc/hs/tls_client_cert.c",
            "csrc/hs/tls_ext.c",
            "csrc/hs/tls_hello_client.c",
            "csrc/hs/tls_hello_server.c",
            "csrc/hs/tls_hs_common.c",
            "csrc/hs/tls_sni.c",
            "csrc/hs/tls_ocsp_hs.c",
            "csrc/io/tls_socket.c",
            "csrc/lua/lua_cert.c",
            "csrc/lua/lua_cert_issued.c",
            "csrc/lua/lua_conn.c",
            "csrc/lua/lua_context.c",
            "csrc/lua/lua_engine.c",
            "csrc/lua/lua_hook_client_cert.c",
            "csrc/lua/lua_export.c",
            "csrc/lua/lua_hook_keylog.c",
            "csrc/lua/lua_hook_store.c",
            "csrc/lua/lua_ticketkeys.c",
            "csrc/lua/lua_session.c",
            "csrc/lua/lua_hook_verify.c",
            "csrc/lua/lua_info.c",
            "csrc/lua/lua_internal.c",
            "csrc/lua/lua_server.c",
            "csrc/lua/lua_tls.c",
            "csrc/lua/lua_trace.c",
            "csrc/lua/lua_hook_sni.c",
            "csrc/lua/lua_hook_ocsp.c",
            "csrc/pki/tls_cert_cache.c",
            "csrc/pki/tls_config.c",
            "csrc/pki/tls_pin.c",
            "csrc/pki/tls_selfsigned.c",
            "csrc/pki/tls_x509.c",
            "csrc/pki/tls_ocsp.c",
            "csrc/record/tls_protect.c",
            "csrc/record/tls_protect12.c",
            "csrc/record/tls_protect13.c",
            "csrc/record/tls_record.c",
            "csrc/util/tls_buf.c",
            "csrc/util/tls_err.c",
            "csrc/util/tls_file.c",
            "csrc/util/tls_names.c",
         },
         defines = { "_POSIX_C_SOURCE=200809L", "_DEFAULT_SOURCE" },
         libraries = { "crypto" },
         -- Sources include each other as "<layer>/<file>.h" from csrc/.
         incdirs = { "csrc", "$(OPENSSL_INCDIR)" },
         libdirs = { "$(OPENSSL_LIBDIR)" },
      },
   },
}
