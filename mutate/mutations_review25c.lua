-- Mutations for session 25c (review25c, Lua API misuse; spec/review25c_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/review25c_spec.lua"

return {
  -- #3: one key taken as a file name again (and so shown in the message)
  { name = "r25c_one_key_as_file", file = "lua/tls/ticketkeys.lua",
    from = [[    if (#keys == KEY_LEN and keys:find("[^\32-\126]")) or (#keys == 2 * KEY_LEN and keys:match("^%x+$")) then]],
    to = [[    if false then]],
    specs = { { S, "review25c #3" } } },
  -- #3: the C reader's messages show the name raw
  { name = "r25c_ticketkeys_path_raw", file = "csrc/lua/lua_ticketkeys.c",
    from = [[        if (*p < 0x20 || *p >= 0x7f) {]],
    to = [[        if (0) {]],
    specs = { { S, "review25c #3" } } },
}
