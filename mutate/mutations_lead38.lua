-- Session 38, the lead's own changes. Same form as mutate/mutations.lua.
local API = "spec/api_spec.lua"
return {
  { name = "lead38_app_data_ignores_read_offset", file = "csrc/engine/tls_engine.c",
    from = "    *data = c->app_in.data != NULL ? c->app_in.data + c->app_in_read : NULL;", to = "    *data = c->app_in.data;",
    specs = { { API, "gives a long stream of lines of every length exactly" } } },
}
