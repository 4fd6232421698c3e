-- The fuzz harness's output checks, session 18 (fuzz/fuzz_common.c
-- check_call): every engine call of the harness that can write is checked
-- now (fuzz_write, fuzz_close, fuzz_app_data_done, fuzz_hs_handle), TLS 1.2
-- records after our change_cipher_spec are checked by exact length for
-- ChaCha20-Poly1305 too, and the AES-GCM explicit nonce exactly across
-- calls; TLS 1.3 handshake messages other than hellos never in the clear.
-- Each bug below is one an engine could have; the harness now aborts on a
-- seed. Before session 18, the first three and the ChaCha20 data replayed
-- with no complaint (their records went out in fuzz_after_feed, which was
-- not checked, and reached no peer).
local F = "spec/fuzz_regress_spec.lua"
local RECORD = "csrc/record/tls_record.c"
local ENGINE = "csrc/engine/tls_engine.c"
local function seeds(target)
   return { F, "takes every seed of " .. target .. " to the state it was recorded for" }
end
return {
   -- Item 1 (output of tls_conn_close): the close_notify goes out in the
   -- clear, as if the write key were gone before the alert.
   { name = "fuzz18_close_notify_in_clear", file = ENGINE,
     from = [[    if (tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY) != 0) {]],
     to = [[    c->wr_protected = 0;
    if (tls_record_send_alert(c, TLS_ALERT_LEVEL_WARNING, TLS_ALERT_CLOSE_NOTIFY) != 0) {]],
     specs = { seeds("fuzz_client") } },
   -- Item 1 (output of tls_conn_write, TLS 1.3): a server's application
   -- data in the clear (outer type application_data, so only its length
   -- gives it away).
   { name = "fuzz18_tls13_server_data_in_clear", file = RECORD,
     from = [[        if (!c->wr_protected) {]],
     to = [[        if (!c->wr_protected || (type == TLS_CT_APPLICATION_DATA && c->version == TLS_VERSION_13 && c->is_server)) {]],
     specs = { seeds("fuzz_server") } },
   -- Item 1 with the exact nonce (TLS 1.2 AES-GCM): tls_conn_write skips a
   -- sequence number; the record it writes is sealed and read with the
   -- same skipped number, so nothing else notices.
   { name = "fuzz18_tls12_write_skips_sequence", file = ENGINE,
     from = [[    c->key_updates_in_row = 0;]],
     to = [[    c->key_updates_in_row = 0;
    if (c->version == TLS_VERSION_12)
        c->wr.seq++;]],
     specs = { seeds("fuzz_record") } },
   -- Item 2 (TLS 1.2 ChaCha20-Poly1305, no explicit nonce): application
   -- data, then the Finished, written in the clear. The Finished (16 bytes,
   -- less than the 16-byte tag and a header) was already caught by session
   -- 17's least length; the exact length (plaintext + 16) keeps catching it.
   { name = "fuzz18_tls12_chacha_data_in_clear", file = RECORD,
     from = [[        if (!c->wr_protected) {]],
     to = [[        if (!c->wr_protected || (type == TLS_CT_APPLICATION_DATA && c->version == TLS_VERSION_12 &&
                                 c->wr.suite->fixed_iv_len == 12)) {]],
     specs = { seeds("fuzz_record") } },
   { name = "fuzz18_tls12_chacha_finished_in_clear", file = RECORD,
     from = [[        if (!c->wr_protected) {]],
     to = [[        if (!c->wr_protected || (type == TLS_CT_HANDSHAKE && c->version == TLS_VERSION_12 &&
                                 c->wr.suite->fixed_iv_len == 12)) {]],
     specs = { seeds("fuzz_client") } },
   -- Item 1 (output of tls_hs_handle, fuzz_hsmsg), with a check of the
   -- same session (TLS 1.3: only hellos in the clear): the client keeps no
   -- handshake write key, so its Finished (and Certificate) go out in the
   -- clear. In fuzz_hsmsg's client_wait_finished states the Finished is
   -- written by the tls_hs_handle call; nothing protected came before it,
   -- so the check "no plaintext after protection" could not see it. (The
   -- seeds' recorded states catch it too where a peer reads the Finished;
   -- fuzz_client's unbatched seeds, with no peer, only through this check.)
   { name = "fuzz18_tls13_client_finished_in_clear", file = "csrc/hs/tls13_client.c",
     from = [[        (!tls13_early_client_keeps_write_key(c) &&
         tls_record_set_write_key(c, c->keys.client_hs, "client_handshake_traffic_secret") != 0))]],
     to = [[        (!tls13_early_client_keeps_write_key(c) && 0 &&
         tls_record_set_write_key(c, c->keys.client_hs, "client_handshake_traffic_secret") != 0))]],
     specs = { seeds("fuzz_hsmsg") } },
   -- Item 4 (fuzz_hsmsg's target batches after the drive): the batch is
   -- not flushed before a new write key, so a server's batched Finished
   -- goes out sealed under its application key; its real peer cannot read
   -- it (the seeds' recorded states: bad_record_mac). With a record per
   -- message, as before session 18, fuzz_hsmsg could not see this.
   { name = "fuzz18_hsmsg_batch_across_write_key", file = RECORD,
     from = [[    if (tls_record_flush_handshake(c) != 0 || install_key(c, &c->wr, secret, 1) != 0)]],
     to = [[    if (install_key(c, &c->wr, secret, 1) != 0)]],
     specs = { seeds("fuzz_hsmsg") } },
}
