-- Outgoing mail (issue 13), queued in the same transaction as the change it reports, so a mail
-- is never lost when the change commits and never sent when it rolls back. Every instance's
-- sender claims due rows for a lease; a crashed instance's claim expires and another sends it.
-- Rows with purpose 'password_reset_request' are not mails yet but requests the sender resolves
-- (see server/mail/sender.rs).
CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY NOT NULL,        -- UUID v4; also the AAD of the sealed payload
    purpose         TEXT NOT NULL,                    -- 'verify_email', 'password_reset', 'notice_...'
    recipient       TEXT NOT NULL,                    -- the envelope address
    payload         TEXT NOT NULL,                    -- JSON {subject,text,html}, sealed under the KEK
                                                      -- when one is configured (a queued reset link is
                                                      -- a credential); '' once sent
    created_at      BIGINT NOT NULL,                  -- Unix seconds; the give-up clock starts here
    next_attempt_at BIGINT NOT NULL,                  -- not claimed before this (retry back-off)
    attempts        BIGINT NOT NULL DEFAULT 0,        -- claims so far, the one under way included
    claimed_until   BIGINT,                           -- an instance is sending it until then; NULL = unclaimed
    sent_at         BIGINT,                           -- accepted by the SMTP server or written to the outbox
    failed_at       BIGINT,                           -- given up: never tried again
    last_error      TEXT                              -- why the last attempt failed (never the SMTP URL)
);
-- The sender's "what is due" scan, and the queue depth.
CREATE INDEX mail_outbox_next_attempt_at ON mail_outbox (next_attempt_at);
-- For the pruning task (server/prune.rs): sent rows are deleted by time.
CREATE INDEX mail_outbox_sent_at ON mail_outbox (sent_at);
