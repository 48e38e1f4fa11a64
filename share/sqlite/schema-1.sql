-- mailroom queue database, schema version 1.
--
-- A mailroom queue database is an SQLite file with PRAGMA application_id
-- 0x4D52514D ("MRQM") and PRAGMA user_version = the schema version. mailroom
-- refuses files with another application_id (they are someone else's) and
-- files with a newer user_version (a newer mailroom wrote them), without
-- writing to them. Older versions are migrated in one transaction by applying
-- share/sqlite/schema-N.sql for each N above the file's version.
--
-- Times are Unix seconds (UTC). Text is UTF-8 as the queue gave it; nothing
-- here is trusted: mailroom shows every string with control characters made
-- visible.

-- One row per queued (or bounced) message.
CREATE TABLE message (
    id            INTEGER PRIMARY KEY,           -- internal key, never shown
    queue_id      TEXT NOT NULL UNIQUE           -- the id operators see and act on:
                  CHECK (length(queue_id) BETWEEN 1 AND 64       -- Postfix's alphabet,
                         AND queue_id NOT GLOB '*[^0-9A-Za-z]*'), -- short or long form
    queue         TEXT NOT NULL
                  CHECK (queue IN ('incoming', 'active', 'deferred', 'hold',
                                   'maildrop', 'corrupt', 'bounced')),
    arrival_time  INTEGER NOT NULL,
    size          INTEGER NOT NULL CHECK (size >= 0), -- bytes, as the queue accounted it
    sender        TEXT NOT NULL,                 -- envelope sender; '' is the null sender
    priority      INTEGER NOT NULL DEFAULT 0,    -- higher is delivered sooner
    forced_expire INTEGER NOT NULL DEFAULT 0     -- 1: return to sender at the next attempt
                  CHECK (forced_expire IN (0, 1)),
    headers       BLOB,                          -- the header block, NULL if not kept
    body          BLOB                           -- the body, NULL if not kept
) STRICT;

CREATE INDEX message_queue ON message (queue);

-- One row per recipient still to be delivered (or bounced).
CREATE TABLE recipient (
    message          INTEGER NOT NULL REFERENCES message (id) ON DELETE CASCADE,
    position         INTEGER NOT NULL,           -- order within the message, from 0
    address          TEXT NOT NULL,
    original_address TEXT,                       -- before rewriting, NULL if the same
    state            TEXT NOT NULL
                     CHECK (state IN ('pending', 'deferred', 'bounced')),
    reason           TEXT,                       -- last failure as the MTA wrote it
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_attempt     INTEGER,                    -- NULL: never tried
    next_retry       INTEGER,                    -- NULL: unknown or not scheduled
    PRIMARY KEY (message, position)
) STRICT, WITHOUT ROWID;

-- Every action taken through mailroom, one row per queue id and outcome.
CREATE TABLE action_log (
    id           INTEGER PRIMARY KEY,
    time         INTEGER NOT NULL,
    user         TEXT NOT NULL,                  -- login name of whoever acted
    action       TEXT NOT NULL,                  -- retry, hold, release, delete, requeue,
                                                 -- expire, set-priority
    argument     TEXT,                           -- the new priority for set-priority
    queue_id     TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('done', 'not found', 'failed')),
    detail       TEXT,
    new_queue_id TEXT                            -- requeue: the id it has now
) STRICT;
