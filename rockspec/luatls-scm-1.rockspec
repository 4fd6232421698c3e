rockspec_format = "3.0"
package = "luatls"
version = "scm-1"

source = {
   url = "git+file://.",
}

description = {
   summary = "TLS 1.3 for Lua 5.4 on OpenSSL's libcrypto",
   detailed = [[
luatls is a TLS 1.3 implementation in C on libcrypto (never libssl),
with a sans-I/O engine, LuaSocket-compatible connections, and a trace of
every handshake message and key-schedule step.
]],
   license = "MIT",
}

dependencies = {
   "lua >= 5.4",
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
      ["tls.core"] = {
         -- Keep in sync with csrc/*.c (`make test` checks it).
         sources = {
            "csrc/lua_cert.c",
            "csrc/lua_conn.c",
            "csrc/lua_context.c",
            "csrc/lua_engine.c",
            "csrc/lua_info.c",
            "csrc/lua_internal.c",
            "csrc/lua_server.c",
            "csrc/lua_tls.c",
            "csrc/lua_trace.c",
            "csrc/tls_aead.c",
            "csrc/tls_buf.c",
            "csrc/tls_cert_cache.c",
            "csrc/tls_config.c",
            "csrc/tls_engine.c",
            "csrc/tls_err.c",
            "csrc/tls_ext.c",
            "csrc/tls_hs_client.c",
            "csrc/tls_hs_common.c",
            "csrc/tls_hs_server.c",
            "csrc/tls_kex.c",
            "csrc/tls_keysched.c",
            "csrc/tls_names.c",
            "csrc/tls_record.c",
            "csrc/tls_selfsigned.c",
            "csrc/tls_sig.c",
            "csrc/tls_socket.c",
            "csrc/tls_suite.c",
            "csrc/tls_trace.c",
            "csrc/tls_transcript.c",
            "csrc/tls_x509.c",
         },
         defines = { "_POSIX_C_SOURCE=200809L", "_DEFAULT_SOURCE" },
         libraries = { "crypto" },
         incdirs = { "$(OPENSSL_INCDIR)" },
         libdirs = { "$(OPENSSL_LIBDIR)" },
      },
   },
}
