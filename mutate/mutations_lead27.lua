-- Mutations for session 27's lead changes (spec/lead27_spec.lua).
-- Same form as mutate/mutations.lua.
local S = "spec/lead27_spec.lua"

return {
  -- "*.com" and "*.localhost" made into certificates again
  { name = "lead27_selfsigned_single_label_wildcard", file = "lua/tls.lua",
    from = [[    if not problem and rest and not rest:find(".", 1, true) then]],
    to = [[    if not problem and rest and not rest:find(".", 1, true) and false then]],
    specs = { { S, "wildcard over one label refuses" } } },
  -- review27a #2: a C closure wrapped, reading the wrapper's upvalues
  { name = "lead27_loop_method_takes_closures", file = "csrc/lua/lua_tls.c",
    from = [[    lua_pop(L, 1);
    return 0;
}

static int core_loop_method]],
    to = [[    lua_pop(L, 1);
    return 1;
}

static int core_loop_method]],
    specs = { { S, "refuses it" } } },
  -- review27a #1: the verified path's earliest notAfter not kept
  { name = "lead27_chain_date_not_kept", file = "csrc/hs/tls_hs_common.c",
    from = [[        c->chain_not_after = tls_resume_chain_not_after(verified);]],
    to = [[        c->chain_not_after = 0;]],
    specs = { { S, "server: TLS 1.3 tickets" } } },
  -- the path's date kept but never compared
  { name = "lead27_chain_date_unchecked", file = "csrc/engine/tls_resume_auth.c",
    from = [[    return cmp <= 0 || (s->chain_not_after != 0 && s->chain_not_after <= now_ms / 1000);]],
    to = [[    return cmp <= 0;]],
    specs = { { S, "server: TLS 1.2 session ids" }, { S, "client: a session whose server chain" } } },
  -- the latest notAfter of the path instead of the earliest
  { name = "lead27_chain_date_latest", file = "csrc/engine/tls_resume_auth.c",
    from = [[        if (earliest == 0 || (uint64_t)t < earliest)]],
    to = [[        if (earliest == 0 || (uint64_t)t > earliest)]],
    specs = { { S, "server: TLS 1.3 tickets" } } },
  -- a session resumed from one forgets the path's date (chained tickets)
  { name = "lead27_chain_date_not_inherited", file = "csrc/engine/tls_resume_auth.c",
    from = [[    c->chain_not_after = s->chain_not_after;
]],
    to = [[]],
    specs = { { S, "keeps the chain's date" } } },
  -- the date left out of the encoding (tickets, session texts, stores)
  { name = "lead27_chain_date_not_encoded", file = "csrc/hs/tls_session.c",
    from = [[        tls_buf_u32(out, (uint32_t)s->chain_not_after);]],
    to = [[        tls_buf_u32(out, 0);]],
    specs = { { S, "server: TLS 1.2 tickets" } } },
  -- review27c #1: a session with fields a newer version added is resumed
  { name = "lead27_newer_session_fields_ignored", file = "csrc/hs/tls_session.c",
    from = [[    if (newer) {]],
    to = [[    if (newer && 0) {]],
    specs = { { S, "one with an unknown field does not" } } },
  -- ... or refused as malformed
  { name = "lead27_newer_session_fields_malformed", file = "csrc/hs/tls_session.c",
    from = [[        bad = !tls_rd_ok(&unknown);]],
    to = [[        bad = tls_rd_ok(&unknown) || 1;]],
    specs = { { S, "one with an unknown field does not" } } },
  -- review26c #3: the deadline of a call that could not yield left set
  { name = "lead27_loop_deadline_left_on_error", file = "lua/tls/loop.lua",
    from = [[  local ok, err = pcall(cq.poll, obj, cond, at and math.max(at - now, 0) or nil)]],
    to = [[  local ok, err = true, cq.poll(obj, cond, at and math.max(at - now, 0) or nil)]],
    specs = { { S, "is nil again after the failed call" } } },
}
