-- Session 41: a record whose seal fails midway (review41f). Same form as mutate/mutations.lua.
local S = "spec/review41f_spec.lua"
local T = "is taken back out of the output"
return {
  -- The half-sealed record (header, explicit nonce, heap bytes) left in the output when the cipher
  -- fails: fuzz/seal_fail.c exhausts the sequence number and sees more records go out than were sealed.
  { name = "review41f_half_sealed_record_kept", file = "csrc/record/tls_protect.c",
    from = "if (rc != 0 && c->out.len > mark) {",
    to = "if (0) {",
    specs = { { S, T } } },
  -- Taken back, but only its header: the body of the record stays in the output.
  { name = "review41f_half_sealed_record_partly_kept", file = "csrc/record/tls_protect.c",
    from = "c->out.len = mark;",
    to = "c->out.len -= TLS_RECORD_HEADER_LEN;",
    specs = { { S, T } } },
}
