-- Session 45, review45d: the LuaSec drop-in's numeric parameters, getstats
-- and receive_early, and the API misuse round.
local R = "spec/review45d_spec.lua"
return {
  { name = "review45d_early_not_counted", file = "csrc/lua/lua_conn.c",
    from = [[    c->received += (double)n;
    return 1;]], to = [[    return 1;]],
    specs = { { R, "receive_early is in the server's received count" } } },
}
