-- SPDX-License-Identifier: GPL-2.0-or-later
-- Default schema of the shared records database: the contract dossierd reads.
--
-- The dossier-management software owns and writes this database; dossierd
-- opens it read-only (SQLITE_OPEN_READONLY, busy_timeout, short read
-- transactions) and never writes to it. Where the office's software uses
-- other table or column names, records.lookup_sql, ready_sql
-- and audiences in dossierd.conf are set to SQL returning the same columns.
--
-- Columns the default SQL (dossierd.conf(5), records.*) uses:
--   lookup_sql (:code)  code = :code -> code, procedure, phone, office,
--                       status, received_at, due_at, finished_at,
--                       returned_at; the procedure name goes only to the
--                       owner's number (phone, compared after normalising).
--   ready_sql (:since)  updated_at >= :since ORDER BY updated_at (index
--                       dossiers_updated_at: the cost follows the number of
--                       changes) -> the same columns plus notify_sms and
--                       updated_at; status 9 starts the ready notice and
--                       reminders, status 10 ends them; lookup_sql
--                       re-reads the live status before each reminder.
-- applicant is never read by the default SQL and never sent by SMS.
-- Timestamps are ISO 8601 text, 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM:SS',
-- local time. etc/demo/make-records.sh fills a sample database.

CREATE TABLE dossiers (
  code        TEXT PRIMARY KEY,   -- mã hồ sơ, e.g. 000.00.12.H39-240824-0001
  procedure   TEXT,               -- tên thủ tục: only ever sent to the owner's number
  applicant   TEXT,               -- never sent by SMS
  phone       TEXT,               -- owner's number as the clerk typed it
  office      TEXT,               -- where the result is picked up
  status      INTEGER NOT NULL,   -- national status code 1..10 (9 = result ready, 10 = returned)
  received_at TEXT, due_at TEXT, finished_at TEXT, returned_at TEXT,   -- ISO 8601
  notify_sms  INTEGER NOT NULL DEFAULT 1,  -- citizen agreed to SMS notices
  updated_at  TEXT NOT NULL       -- set by the records software on every change
);
CREATE INDEX dossiers_updated_at ON dossiers(updated_at);
