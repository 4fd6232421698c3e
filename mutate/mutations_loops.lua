-- Mutations of the event-loop layer (lua/tls/loop.lua). Same form as
-- mutate/mutations.lua.
local CQ = "spec/cqueues_spec.lua"

return {
   -- A server's handshake_timeout inside cqueues: the wait must wake at the
   -- handshake deadline, or a client that stalls holds a socket for ever.
   { name = "loop_handshake_deadline_ignored", file = "lua/tls/loop.lua",
     from = [[return earliest(deadline, hs_deadline[obj])]],
     to = [[return deadline]],
     specs = { { CQ, "a client that stalls its handshake is dropped" } } },
}
