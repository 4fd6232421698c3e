-- Session 45 (lead): receive's count past size_t reads to the close, as
-- README's receive row says (LuaSocket's conversion gives "" on x86-64).
local L = "spec/lead45_spec.lua"
return {
  { name = "lead45_huge_count_as_zero", file = "csrc/lua/lua_conn.c",
    from = [[size_t wanted = n < (lua_Number)(SIZE_MAX / 2) ? (size_t)n : SIZE_MAX / 2;]],
    to = [[size_t wanted = n < (lua_Number)(SIZE_MAX / 2) ? (size_t)n : 0;]],
    specs = { { L, "reads until the peer's close" } } },
}
