-- Mutations for session 37's fixes. Same form as mutate/mutations.lua.
local L = "spec/lead37_spec.lua"

return {
  -- review37b F1: a TLS 1.2 server's ECDSA key on a curve the client did not offer
  { name = "lead37_tls12_server_curve_unchecked", file = "csrc/hs/tls12_client.c",
    from = [[        if (curve == 0 || !tls_hello_offered(c->pol.groups, c->pol.n_groups, curve))]],
    to = [[        if (curve == 0)]],
    specs = { { L, "refused with illegal_parameter when the client's groups leave the curve out" } } },
  -- review37d F1: accept under cqueues gives a shortage back at once (the loop spins, nothing else runs)
  { name = "lead37_cqueues_accept_shortage_returned", file = "lua/tls/loop.lua",
    from = [[      if err == "closed" then return nil, err end
      if err == "timeout" then]],
    to = [[      if err ~= "timeout" then return nil, err end
      if err == "timeout" then]],
    specs = { { L, "accepts once one of them frees a descriptor" } } },
  -- ... and the blocking accept without its pause
  { name = "lead37_accept_shortage_no_pause", file = "csrc/io/tls_socket.c",
    from = [[            if (pause_for_shortage(shortage_since, deadline, &step_ms))
                continue;]],
    to = [[            if (0 && pause_for_shortage(shortage_since, deadline, &step_ms))
                continue;]],
    specs = { { L, "the blocking accept pauses for at most a second" } } },
}
