-- review45a: independent review of session 44's changes.
local R = "spec/review45a_spec.lua"
return {
  { name = "r45a_refused_close_wakes_waiters", file = "lua/tls/loop.lua",
    from = [[if not waiting[obj] or not coroutine.isyieldable() then return end]],
    to = [[if not waiting[obj] then return end]],
    specs = { { R, "leaves the waiters and later calls as they were" } } },
  { name = "r45a_reason_cut_4byte_needs_3", file = "csrc/util/tls_err.c",
    from = [[size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3]], to = [[size_t need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 3]],
    specs = { { R, "ends before a character of two, three or four bytes" } } },
  { name = "r45a_reason_cut_3byte_needs_2", file = "csrc/util/tls_err.c",
    from = [[size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3]], to = [[size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 2]],
    specs = { { R, "ends before a character of two, three or four bytes" } } },
  { name = "r45a_reason_cut_looks_back_one", file = "csrc/util/tls_err.c",
    from = [[len - start < 3 &&]], to = [[len - start < 1 &&]],
    specs = { { R, "ends before a character of two, three or four bytes" } } },
  -- the transcript's kept snapshot context (perf44e) is freed with it: the
  -- input_room harness runs under LeakSanitizer
  { name = "r45a_transcript_snap_leaked", file = "csrc/crypto/tls_transcript.c",
    from = [[    EVP_MD_CTX_free(t->snap);
    t->snap = NULL;]], to = [[    t->snap = NULL;]],
    specs = { { "spec/review44d_spec.lua", "holds at most one record of the largest size" } } },
  { name = "r45a_names_later_name_cut", file = "csrc/pki/tls_x509.c",
    from = [[            left_out = used > 0 ? 1 : 2; /* 2: the first, cut */
            if (used > 0)
                break;]], to = [[            left_out = used > 0 ? 1 : 2; /* 2: the first, cut */]],
    specs = { { R, "leave out a later name that does not fit whole" } } },
}
