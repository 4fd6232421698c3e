-- Every input that ever crashed a fuzz target (fuzz/regress/<target>/) and
-- every seed (fuzz/corpus/<target>/) goes through the same
-- LLVMFuzzerTestOneInput again, built without libFuzzer by `make
-- fuzz-replay` (fuzz/fuzz.mk) with the normal compiler and its sanitizers.
-- The seeds are real handshakes, so this also runs complete engine pairs.
-- The replay programs say what each input did (FUZZ_STATUS): every seed
-- must still reach the state it was recorded for, so that a change of the
-- engine or the wire that leaves the corpus stale fails here rather than
-- silently making the fuzzer start from inputs that no longer get far.

local proc = require "spec.support.proc"

local TARGETS = { "fuzz_server", "fuzz_client", "fuzz_record", "fuzz_hsmsg", "fuzz_extra", "fuzz_session", "fuzz_ocsp" }
local REPLAY_DIR = "build-fuzz/replay/"

local q = proc.quote

-- The environment of `make test-asan` preloads the ASan runtime and turns
-- leak checks off for Lua; the replay programs carry their own sanitizers
-- and must check leaks.
local CLEAN_ENV = "env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 "
   .. "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 "

-- Runs a shell command; returns its exit code and its output.
local run = proc.capture

local function count_files(dir)
   local code, out = run("find " .. q(dir) .. " -maxdepth 1 -type f ! -name '.*' | wc -l")
   assert(code == 0, out)
   return tonumber(out:match("%d+"))
end

local function is_dir(path)
   return (run("test -d " .. q(path))) == 0
end

-- Where each input must end, as the replay program words it (see
-- fuzz_note in fuzz/fuzz_common.c): "ROLE: connected" (", peer closed"
-- after a close_notify) or "failed ALERT: REASON", or for fuzz_hsmsg
-- "target: rejected ALERT: REASON" when the message itself was refused,
-- then [read keys installed, decrypted bytes held]. Matched by name, first
-- match wins; Lua patterns anchored at both ends.
local EXPECTED = {
   -- Found by review (session 16): a batching TLS 1.2 receiver answers 64
   -- forged HelloRequests with no_renegotiation warnings; the data record
   -- between them resets its own count, which the sender never sees, so the
   -- sender stops at its empty-record limit. The harness takes that as the
   -- sender's own limit (fuzz_check_peer_read), not as records it could
   -- not read.
   { "regress/fuzz_record/tls12_reneg_flood_batched",
     "receiver: connected [read keys 1, data 1]; sender: failed unexpected_message: peer sent more than 32 "
        .. "records in a row without content [read keys 1, data 0]" },
   -- Record batching (first byte 0x20 + pair, fuzz_batch_run in
   -- fuzz/fuzz_common.c): the connection under test writes its flights in
   -- shared records, and its real peer, whose own flight the seed begins
   -- with ("peer", not "unmatched peer"), reads them and finishes too. In
   -- TLS 1.2 the seed's close_notify is answered by one of ours
   -- (rfc5246#7.2.1), which the peer reads: "peer closed" on both sides.
   -- Pair 6: a HelloRetryRequest (the server takes only secp256r1), then
   -- the second ClientHello, batched on the side under test.
   { "corpus/fuzz_client/batched_hrr",
     "client: connected, hello retry, peer closed [read keys 2, data 26]; "
        .. "peer: connected, hello retry [read keys 2, data 0]" },
   { "corpus/fuzz_server/batched_hrr",
     "server: connected, hello retry, peer closed [read keys 2, data 18]; "
        .. "peer: connected, hello retry [read keys 2, data 0]" },
   -- Found by `make fuzz-ci` in pair 6 (session 17): the input began with
   -- the peer's first flight but not its second (the keys come from that
   -- one too), so the peer could not read the alert; the harness now asks
   -- for both flights before it judges the peer ("unmatched peer").
   { "regress/fuzz_server/hrr_batched_other_second_flight",
     "server: failed bad_record_mac: bad record MAC (record could not be authenticated) [read keys 1, data 0]; "
        .. "unmatched peer: failed bad_record_mac: bad record MAC (record could not be authenticated) [read keys 1, data 0]" },
   { "regress/fuzz_client/hrr_batched_other_second_flight",
     "client: failed bad_record_mac: bad record MAC (record could not be authenticated) [read keys 1, data 0]; "
        .. "unmatched peer: failed bad_record_mac: bad record MAC (record could not be authenticated) [read keys 1, data 0]" },
   -- The other HelloRetryRequest seeds (fuzz_note says ", hello retry"):
   -- our pairs where the server takes only another group, openssl s_server
   -- case 3, fuzz_hsmsg's second-ClientHello states.
   { "corpus/fuzz_client/pair_hrr_.*", "client: connected, hello retry, peer closed [read keys 2, data 26]" },
   { "corpus/fuzz_client/openssl_s_server_3", "client: connected, hello retry [read keys 2, data 0]" },
   { "corpus/fuzz_hsmsg/client_wait_sh_after_hrr_real_suite%d",
     "target: connected, hello retry [read keys 2, data 0]; peer: connected, hello retry [read keys 2, data 0]" },
   { "corpus/fuzz_hsmsg/server_wait_ch2_real_suite%d",
     "target: connected, hello retry [read keys 2, data 0]; peer: connected, hello retry [read keys 2, data 0]" },
   { "corpus/fuzz_client/batched_full13",
     "client: connected, peer closed [read keys 2, data 26]; peer: connected [read keys 2, data 0]" },
   { "corpus/fuzz_client/batched_full12",
     "client: connected, peer closed [read keys 1, data 26]; peer: connected, peer closed [read keys 1, data 0]" },
   { "corpus/fuzz_client/batched_resume13",
     "client: connected, resumed, peer closed [read keys 2, data 26]; peer: connected, resumed [read keys 2, data 0]" },
   { "corpus/fuzz_client/batched_resume13_early",
     "client: connected, resumed, peer closed [read keys 2, data 26]; "
        .. "peer: connected, resumed [read keys 3, data 0, early data 23]" },
   { "corpus/fuzz_client/batched_tls12_resume_.*",
     "client: connected, resumed, peer closed [read keys 1, data 26]; peer: connected, resumed, peer closed [read keys 1, data 0]" },
   { "corpus/fuzz_server/batched_full13",
     "server: connected, peer closed [read keys 2, data 18]; peer: connected [read keys 2, data 0]" },
   { "corpus/fuzz_server/batched_full12",
     "server: connected, peer closed [read keys 1, data 18]; peer: connected, peer closed [read keys 1, data 0]" },
   { "corpus/fuzz_server/batched_resume13",
     "server: connected, resumed, peer closed [read keys 2, data 18]; peer: connected, resumed [read keys 2, data 0]" },
   { "corpus/fuzz_server/batched_resume13_early",
     "server: connected, resumed, peer closed [read keys 3, data 18, early data 23]; "
        .. "peer: connected, resumed [read keys 2, data 0]" },
   { "corpus/fuzz_server/batched_tls12_resume_.*",
     "server: connected, resumed, peer closed [read keys 1, data 18]; peer: connected, resumed, peer closed [read keys 1, data 0]" },
   -- Resumption (fuzz/fuzz_common.c's set-up sessions, fixed clock and
   -- ticket key): every such seed must still resume. 0-RTT accepted: the
   -- early traffic key is a third read key and the server holds the 23
   -- bytes of early data apart; openssl's early data goes to a recorder
   -- process whose store never saw that ticket, so it is declined.
   { "corpus/fuzz_server/pair_tls12_resume_.*", "server: connected, resumed, peer closed [read keys 1, data 18]" },
   { "corpus/fuzz_server/pair_resume13_early",
     "server: connected, resumed, peer closed [read keys 3, data 18, early data 23]" },
   { "corpus/fuzz_server/pair_resume13", "server: connected, resumed, peer closed [read keys 2, data 18]" },
   { "corpus/fuzz_server/openssl_s_client_resume12", "server: connected, resumed, peer closed [read keys 1, data 19]" },
   { "corpus/fuzz_server/openssl_s_client_resume13.*", "server: connected, resumed, peer closed [read keys 2, data 19]" },
   { "corpus/fuzz_client/pair_tls12_resume_.*", "client: connected, resumed, peer closed [read keys 1, data 26]" },
   { "corpus/fuzz_client/pair_resume13.*", "client: connected, resumed, peer closed [read keys 2, data 26]" },
   { "corpus/fuzz_hsmsg/.*12_.*resume.*_real_suite3",
     "target: connected, resumed [read keys 1, data 0]; peer: connected, resumed [read keys 1, data 0]" },
   { "corpus/fuzz_hsmsg/server12_id_wait_ch_real_suite3",
     "target: connected, resumed [read keys 1, data 0]; peer: connected, resumed [read keys 1, data 0]" },
   { "corpus/fuzz_hsmsg/client_early_wait_ee_real_suite3",
     "target: connected, resumed [read keys 2, data 0]; peer: connected, resumed [read keys 3, data 0, early data 23]" },
   { "corpus/fuzz_hsmsg/server_.*early.*_real_suite3",
     "target: connected, resumed [read keys 3, data 0, early data 23]; peer: connected, resumed [read keys 2, data 0]" },
   { "corpus/fuzz_hsmsg/server_wait_eoed_real_suite3",
     "target: connected, resumed [read keys 3, data 0, early data 23]; peer: connected, resumed [read keys 2, data 0]" },
   { "corpus/fuzz_hsmsg/.*_resume_.*_real_suite3",
     "target: connected, resumed [read keys 2, data 0]; peer: connected, resumed [read keys 2, data 0]" },
   -- TLS 1.2 flights: one read key change (at ChangeCipherSpec), no
   -- handshake keys. The -tls1_2 cases of fuzz/record_seeds.sh: openssl
   -- s_client 5, 6 and 8 (8 with a client certificate, ALPN and
   -- status_request), s_server 5, 6, 8 and 10 (8 and 10 with a
   -- CertificateRequest, 8 and 10 stapling OCSP, 8 with ALPN).
   { "corpus/fuzz_server/pair_tls12.*", "server: connected, peer closed [read keys 1, data 18]" },
   { "corpus/fuzz_server/openssl_s_client_[568]", "server: connected, peer closed [read keys 1, data 19]" },
   { "corpus/fuzz_client/pair_tls12.*", "client: connected, peer closed [read keys 1, data 26]" },
   { "corpus/fuzz_client/openssl_s_server_[568]", "client: connected [read keys 1, data 0]" },
   { "corpus/fuzz_client/openssl_s_server_10", "client: connected [read keys 1, data 0]" },
   -- Complete client flights (our client engine, openssl s_client).
   { "corpus/fuzz_server/pair_.*", "server: connected, peer closed [read keys 2, data 18]" },
   { "corpus/fuzz_server/openssl_s_client_%d", "server: connected, peer closed [read keys 2, data 19]" },
   { "regress/fuzz_server/empty_protected_record",
     "server: failed bad_record_mac: bad record MAC (record too short to hold an authentication tag) [read keys 1, data 0]" },
   -- Complete server flights answering the deterministic ClientHello.
   { "corpus/fuzz_client/pair_.*", "client: connected, peer closed [read keys 2, data 26]" },
   { "corpus/fuzz_client/openssl_s_server_%d", "client: connected [read keys 2, data 0]" },
   { "regress/fuzz_client/empty_protected_record",
     "client: failed bad_record_mac: bad record MAC (record too short to hold an authentication tag) [read keys 1, data 0]" },
   -- The same with the receiver batching (byte 0 bit 4): the sender then
   -- reads what the receiver wrote, its KeyUpdate answer (a third read
   -- key) or its alert.
   { "corpus/fuzz_record/batched_.*_data_keyupdate_close",
     "receiver: connected, peer closed [read keys 3, data 41]; sender: connected [read keys 3, data 0]" },
   { "corpus/fuzz_record/batched_to_client_tls12_.*_renegotiation_close",
     "receiver: connected, peer closed [read keys 1, data 36]; sender: connected, peer closed [read keys 1, data 0]" },
   { "corpus/fuzz_record/batched_to_server_aes128_forged_record",
     "receiver: failed bad_record_mac: bad record MAC (record could not be authenticated) [read keys 2, data 18]; "
        .. "sender: failed bad_record_mac from peer: peer sent alert bad_record_mac (20) [read keys 2, data 0]" },
   -- Records sealed under the real keys (fuzz/record_seeds.c says what each holds).
   -- TLS 1.2 records (byte 0 bit 3): a renegotiation request is refused with
   -- a warning and data goes on; forged and oversized records are refused.
   { "corpus/fuzz_record/to_.*_tls12_.*_data_renegotiation_close", "receiver: connected, peer closed [read keys 1, data 36]" },
   { "corpus/fuzz_record/to_client_tls12_chacha20_forged_record",
     "receiver: failed bad_record_mac: bad record MAC (record could not be authenticated) [read keys 1, data 18]" },
   { "corpus/fuzz_record/to_server_tls12_aes128_forged_record",
     "receiver: failed bad_record_mac: bad record MAC (record too short to hold a nonce and an authentication tag) [read keys 1, data 18]" },
   { "corpus/fuzz_record/to_server_tls12_largest_then_overflow",
     "receiver: failed record_overflow: record of 16385 bytes of plaintext (at most 16384 allowed) [read keys 1, data 16384]" },
   { "corpus/fuzz_record/.*_data_keyupdate_close", "receiver: connected, peer closed [read keys 3, data 41]" },
   { "corpus/fuzz_record/.*_fragmented_keyupdate_alert",
     "receiver: failed handshake_failure from peer: peer sent alert handshake_failure (40) [read keys 3, data 0]" },
   { "corpus/fuzz_record/.*_no_content_type",
     "receiver: failed unexpected_message: protected record without a content type [read keys 2, data 0]" },
   { "corpus/fuzz_record/.*_forged_record",
     "receiver: failed bad_record_mac: bad record MAC (record could not be authenticated) [read keys 2, data 18]" },
   { "corpus/fuzz_record/to_client_ticket_then_ccs",
     "receiver: failed unexpected_message: protected change_cipher_spec record [read keys 2, data 0]" },
   { "corpus/fuzz_record/to_server_largest_then_overflow",
     "receiver: failed record_overflow: record of 16386 bytes of padded plaintext (at most 16385 allowed) [read keys 2, data 16384]" },
   { "corpus/fuzz_record/to_client_past_high_water", "receiver: connected [read keys 2, data 65536]" },
   -- review40d F1: empty records are cover traffic (rfc8446#5.4), read
   -- without limit; until session 40 the 33rd ended the connection.
   { "corpus/fuzz_record/to_server_empty_record_flood", "receiver: connected [read keys 2, data 0]" },
   -- The real next message of each state: the pair then completes. In the
   -- TLS 1.2 states (CertificateRequest and CertificateStatus to a client,
   -- the client's Certificate and CertificateVerify to a server) with one
   -- read key change.
   { "corpus/fuzz_hsmsg/client12_.*_real_suite%d",
     "target: connected [read keys 1, data 0]; peer: connected [read keys 1, data 0]" },
   { "corpus/fuzz_hsmsg/server12_.*_real_suite%d",
     "target: connected [read keys 1, data 0]; peer: connected [read keys 1, data 0]" },
   { "corpus/fuzz_hsmsg/client_wait_cert_real_suite%d",
     -- The CertificateRequest that leads to this state is handed to the
     -- client only: the server's CertificateVerify covers a transcript
     -- without it. The Certificate itself is accepted.
     "target: failed decrypt_error: signature in CertificateVerify does not verify [read keys 1, data 0]; "
        .. "peer: failed decrypt_error from peer: peer sent alert decrypt_error (51) [read keys 1, data 0]" },
   { "corpus/fuzz_hsmsg/.*_real_suite%d", "target: connected [read keys 2, data 0]; peer: connected [read keys 2, data 0]" },
   { "corpus/fuzz_hsmsg/client_connected_key_update_request_suite%d",
     "target: connected [read keys 3, data 0]; peer: connected [read keys 3, data 0]" },
   { "corpus/fuzz_hsmsg/server_connected_key_update_request_suite%d",
     "target: connected [read keys 3, data 0]; peer: connected [read keys 3, data 0]" },
   { "corpus/fuzz_hsmsg/server_connected_key_update_suite%d",
     "target: connected [read keys 3, data 0]; peer: connected [read keys 2, data 0]" },
   { "corpus/fuzz_hsmsg/client_connected_new_session_ticket_suite%d",
     "target: connected [read keys 2, data 0]; peer: connected [read keys 2, data 0]" },
   -- A HelloRetryRequest the real server never sent: the client accepts it
   -- and answers; the server's real flight then comes encrypted.
   { "corpus/fuzz_hsmsg/client_wait_sh_hello_retry_request.*",
     "target: failed unexpected_message: encrypted record before keys were agreed [read keys 0, data 0]; "
        .. "peer: failed unexpected_message: unprotected handshake record after handshake keys were in use [read keys 1, data 0]" },
   { "regress/fuzz_hsmsg/drop_record_from_empty_output",
     "target: failed unexpected_message: encrypted record before keys were agreed [read keys 0, data 0]; "
        .. "peer: failed unexpected_message: unprotected handshake record after handshake keys were in use [read keys 1, data 0]" },
   -- Nothing at all: found by the fuzzer after the record layer was split
   -- from the engine (an empty buffer's NULL pointer, offset by zero).
   { "regress/fuzz_client/empty_input", "client: handshaking in state 1 [read keys 0, data 0]" },
   { "regress/fuzz_server/empty_input", "server: handshaking in state 7 [read keys 0, data 0]" },
   { "regress/fuzz_hsmsg/drive_client_connected_chacha20",
     "target: connected [read keys 3, data 0]; peer: connected [read keys 3, data 0]" },
   -- fuzz_extra (fuzz_common.h, fuzz_extra_setup): TLS 1.2 RSA key
   -- transport, record_size_limit, PSK resumption through a
   -- HelloRetryRequest, a client certificate required; each pair's real
   -- conversation completes, resumed where the pair resumes.
   { "corpus/fuzz_extra/to_client_rsa_kx12", "client: connected, peer closed [read keys 1, data 26]" },
   { "corpus/fuzz_extra/to_server_rsa_kx12", "server: connected, peer closed [read keys 1, data 18]" },
   { "corpus/fuzz_extra/to_client_rsa_kx12_resume", "client: connected, resumed, peer closed [read keys 1, data 26]" },
   { "corpus/fuzz_extra/to_server_rsa_kx12_resume", "server: connected, resumed, peer closed [read keys 1, data 18]" },
   { "corpus/fuzz_extra/to_client_rsl13", "client: connected, peer closed [read keys 2, data 26]" },
   { "corpus/fuzz_extra/to_server_rsl13", "server: connected, peer closed [read keys 2, data 18]" },
   { "corpus/fuzz_extra/to_client_resume_hrr",
     "client: connected, resumed, hello retry, peer closed [read keys 2, data 26]" },
   { "corpus/fuzz_extra/to_server_resume_hrr",
     "server: connected, resumed, hello retry, peer closed [read keys 2, data 18]" },
   -- fuzz_session: set-up's session texts read, write and read back the
   -- same, and resume; their binary encodings decode; the extra pairs' sessions read but are not offered
   -- by another configuration (a full handshake).
   -- review39i F1: tls_session_from_text used strstr, which read past a
   -- text with no NUL after it when the line it looked for was missing
   -- (the target's copy has none: ASan stops the replay on the old code).
   { "regress/fuzz_session/truncated_begin_line",
     'text: session: not a luatls session (no "BEGIN LUATLS SESSION" line)' },
   { "regress/fuzz_session/no_end_line", "text: session: truncated (no END line)" },
   { "corpus/fuzz_session/session_tls12_.*",
     "text: read; client: connected, resumed [read keys 1, data 0]; server: connected, resumed [read keys 1, data 0]" },
   { "corpus/fuzz_session/session_tls13.*",
     "text: read; client: connected, resumed [read keys 2, data 0]; server: connected, resumed [read keys 2, data 0]" },
   { "corpus/fuzz_session/binary_.*",
     'text: session: not a luatls session (no "BEGIN LUATLS SESSION" line); binary: read' },
   { "corpus/fuzz_session/session_extra_rsa_kx12_resume",
     "text: read; client: connected [read keys 1, data 0]; server: connected [read keys 1, data 0]" },
   { "corpus/fuzz_session/session_extra_resume_hrr",
     "text: read; client: connected [read keys 2, data 0]; server: connected [read keys 2, data 0]" },
   -- fuzz_ocsp: the verdict on each response made with libcrypto, as sent
   -- and signed again (the times are decades from their bounds).
   { "corpus/fuzz_ocsp/good.*", "as sent: good; signed again: good" },
   { "corpus/fuzz_ocsp/revoked_key_compromise",
     "as sent: revoked: keyCompromise; signed again: revoked: keyCompromise" },
   { "corpus/fuzz_ocsp/unknown", "as sent: unknown; signed again: unknown" },
   { "corpus/fuzz_ocsp/try_later", "as sent: bad: the OCSP responder answered 'trylater'" },
   { "corpus/fuzz_ocsp/expired",
     "as sent: bad: the OCSP response is expired: its nextUpdate has passed; "
        .. "signed again: bad: the OCSP response is expired: its nextUpdate has passed" },
   { "corpus/fuzz_ocsp/no_next_update_old",
     "as sent: bad: the OCSP response is too old: it has no nextUpdate and its thisUpdate is more than 7 days ago; "
        .. "signed again: bad: the OCSP response is too old: it has no nextUpdate and its thisUpdate is more than 7 days ago" },
   { "corpus/fuzz_ocsp/future",
     "as sent: bad: the OCSP response is outside its validity window (thisUpdate in the future); "
        .. "signed again: bad: the OCSP response is outside its validity window (thisUpdate in the future)" },
   { "corpus/fuzz_ocsp/other_certificate",
     "as sent: bad: the OCSP response is not about the server's certificate; "
        .. "signed again: bad: the OCSP response is not about the server's certificate" },
}

local function expected_status(path)
   for _, e in ipairs(EXPECTED) do
      if path:match("^" .. e[1] .. "$") then return e[2] end
   end
end

describe("fuzz regression replay", function()
   setup(function()
      local code, out = run(CLEAN_ENV .. "make -s fuzz-replay")
      assert(code == 0, "`make fuzz-replay` failed (is fuzz/fuzz.mk included by the Makefile?):\n" .. out)
   end)

   it("has seeds for every target", function()
      for _, t in ipairs(TARGETS) do
         assert.is_true(is_dir("fuzz/corpus/" .. t), "fuzz/corpus/" .. t .. " is missing")
         assert.is_true(count_files("fuzz/corpus/" .. t) >= 4, "too few seeds for " .. t)
      end
   end)

   it("fails on an input it cannot read, so its exit status means something", function()
      local code = run(CLEAN_ENV .. REPLAY_DIR .. "fuzz_server fuzz/no-such-input")
      assert.are_not.equal(0, code)
   end)

   for _, t in ipairs(TARGETS) do
      it("takes every seed of " .. t .. " to the state it was recorded for", function()
         local dirs = {}
         for _, dir in ipairs { "fuzz/regress/" .. t, "fuzz/corpus/" .. t } do
            if is_dir(dir) then dirs[#dirs + 1] = q(dir) end
         end
         local code, out = run(CLEAN_ENV .. "FUZZ_STATUS=1 " .. REPLAY_DIR .. t .. " " .. table.concat(dirs, " "))
         assert(code == 0, t .. " failed on an input:\n" .. out)
         local seen, wrong = 0, {}
         for path, status in out:gmatch("status fuzz/([^:]+): ([^\n]*)") do
            seen = seen + 1
            local want = expected_status(path)
            if want == nil then
               wrong[#wrong + 1] = path .. ": no expected status in spec/fuzz_regress_spec.lua (it says: " .. status .. ")"
            elseif want ~= status then
               wrong[#wrong + 1] = path .. ":\n    expected " .. want .. "\n    got      " .. status
            end
         end
         assert.is_true(seen > 0, "no status lines from " .. t .. ":\n" .. out)
         assert(#wrong == 0, "inputs that no longer reach their state:\n  " .. table.concat(wrong, "\n  "))
      end)

      it("replays every regression input and seed through " .. t, function()
         local dirs, expected = {}, 0
         for _, dir in ipairs { "fuzz/regress/" .. t, "fuzz/corpus/" .. t } do
            if is_dir(dir) then
               dirs[#dirs + 1] = q(dir)
               expected = expected + count_files(dir)
            end
         end
         local code, out = run(CLEAN_ENV .. REPLAY_DIR .. t .. " " .. table.concat(dirs, " "))
         assert(code == 0, t .. " failed on an input:\n" .. out)
         local replayed = tonumber(out:match("(%d+) inputs replayed"))
         assert.are.equal(expected, replayed)
      end)
   end
end)
