-- Session 44 (lead): tls.https.request's URL fields must be strings (a port
-- may be a number).
local L = "spec/lead44_spec.lua"
return {
  { name = "lead44_https_field_any_type", file = "lua/tls/https.lua",
    from = [[if v ~= nil and type(v) ~= "string" and not (type(v) == "number" and k ~= "host") then]],
    to = [[if false then]],
    specs = { { L, "raises before any look-up" } } },
  { name = "lead44_https_host_number_taken", file = "lua/tls/https.lua",
    from = [[not (type(v) == "number" and k ~= "host")]], to = [[not (type(v) == "number")]],
    specs = { { L, "raises before any look-up" } } },
  { name = "lead44_commit_in_callback_taken", file = "csrc/engine/tls_engine.c",
    from = [[    if (c->in_callback) {
        c->in_room = 0;
        return -1;
    }
    if (n > c->in_room) {]], to = [[    if (n > c->in_room) {]],
    specs = { { "spec/review43e_spec.lua", "keeps its bounds" } } },
}
