-- The fuzz harness's output checks (fuzz/fuzz_common.c check_call,
-- fuzz_batch_run), session 17: each bug below is one of the engine
-- mistakes a check is meant to catch; the seeds replayed by
-- spec/fuzz_regress_spec.lua then make the harness abort.
local F = "spec/fuzz_regress_spec.lua"
local RECORD = "csrc/record/tls_record.c"
local function seeds(target)
   return { F, "takes every seed of " .. target .. " to the state it was recorded for" }
end
return {
   -- Check 1 (TLS 1.3, per connection): an alert in the clear after the
   -- handshake; it goes out in a later call than the last protected record
   -- (fuzz_record's forged records), which the per-call check missed.
   { name = "fuzzharden_tls13_alert_in_clear", file = RECORD,
     from = [[        if (!c->wr_protected) {]],
     to = [[        if (!c->wr_protected || (type == TLS_CT_ALERT && c->version == TLS_VERSION_13)) {]],
     specs = { seeds("fuzz_record") } },
   -- Check 2 (legacy_record_version): a server's first record (ServerHello)
   -- with 0x0301, and a client's every plaintext record (its second
   -- ClientHello, TLS 1.2 ClientKeyExchange) with 0x0301.
   { name = "fuzzharden_server_first_record_tls10", file = RECORD,
     from = [[uint16_t version = (c->first_record_sent || c->is_server) ? TLS_VERSION_12 : TLS_VERSION_10;]],
     to = [[uint16_t version = c->first_record_sent ? TLS_VERSION_12 : TLS_VERSION_10;]],
     specs = { seeds("fuzz_server") } },
   { name = "fuzzharden_client_plaintext_records_tls10", file = RECORD,
     from = [[            c->first_record_sent = 1;]],
     to = [[            c->first_record_sent = c->is_server;]],
     specs = { seeds("fuzz_client") } },
   -- Check 3 (TLS 1.2 after our change_cipher_spec): an alert in the clear,
   -- and a client's Finished written before its write key.
   { name = "fuzzharden_tls12_alert_in_clear", file = RECORD,
     from = [[        if (!c->wr_protected) {]],
     to = [[        if (!c->wr_protected || (type == TLS_CT_ALERT && c->version == TLS_VERSION_12)) {]],
     specs = { seeds("fuzz_record") } },
   { name = "fuzzharden_tls12_finished_before_write_key", file = "csrc/hs/tls12_client.c",
     from = [[if (tls_record_send_ccs(c) != 0 || install_keys(c, 1) != 0 || send_finished(c) != 0)
        return]],
     to = [[if (tls_record_send_ccs(c) != 0 || send_finished(c) != 0 || install_keys(c, 1) != 0)
        return]],
     specs = { seeds("fuzz_client") } },
   -- Check 4 (batching pair 6): a batched HelloRetryRequest or second
   -- ClientHello lost (only batched_hrr batches them).
   { name = "fuzzharden_hrr_lost_when_batched", file = "csrc/hs/tls13_server.c",
     from = [[tls_transcript_hrr_rewrite(&c->transcript, &c->err) == 0)
        rc = tls_hs_send(c, &msg);]],
     to = [[tls_transcript_hrr_rewrite(&c->transcript, &c->err) == 0)
        rc = tls_hs_send(c, &msg);
    if (rc == 0)
        tls_buf_clear(&c->hs_out);]],
     specs = { seeds("fuzz_server") } },
   { name = "fuzzharden_second_client_hello_lost_when_batched", file = "csrc/hs/tls13_client.c",
     from = [[    c->ccs_sent = 1;
    return tls_hello_send_client_hello(c);]],
     to = [[    c->ccs_sent = 1;
    if (tls_hello_send_client_hello(c) != 0)
        return -1;
    tls_buf_clear(&c->hs_out);
    return 0;]],
     specs = { seeds("fuzz_client") } },
}
