-- SPDX-License-Identifier: GPL-2.0-or-later
-- A state database after a year of use (bench/suite.sh, the dz-year runs):
-- :N answered queries spread over the last 365 days (inbox, outbox,
-- sent_parts, all delivered), a notice for every third, and the audit rows
-- of the last 180 days (audit.retention_days); 50,000 numbers, the
-- benchmark's senders among them. Run on a state db dossierctl created.
PRAGMA journal_mode = WAL;
BEGIN;
CREATE TEMP TABLE g AS
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :N)
  SELECT i, printf('+849100%05d', abs(random()) % 50000) AS num,
    strftime('%s', 'now') - 86400 * 365 + i * (86400 * 365 / :N) AS at FROM n;
INSERT INTO inbox (dedup, sender, text, modem, received_at, state, kind,
    outcome, handled_at, fp)
  SELECT 'history|' || i, num, 'HS 000.00.12.H39-250101-' || (i % 9000 + 1),
    'usb0', at, 'handled', 'lookup', 'answered', at, i FROM g;
INSERT INTO outbox (lane, number, text, state, attempts, created_at, next_at,
    sent_at, parts, modem, inbox_id, parts_sent, parts_total, delivery,
    delivery_at)
  SELECT 0, num, 'Ho so 000.00.12.H39-250101-0001: Da co ket qua, moi den'
    || ' nhan. Hen tra: 06/01/2025. Noi nhan: Bo phan mot cua UBND xa Hoa Tien.',
    'sent', 1, at, at, at + 2, 1, 'usb0', i, 1, 1, 'delivered', at + 5 FROM g;
INSERT INTO sent_parts (outbox_id, part, total, mr, modem, sent_at, delivery,
    delivery_status, delivery_at)
  SELECT i, 1, 1, i % 256, 'usb0', at + 2, 'delivered', 0, at + 5 FROM g;
INSERT INTO notices (code, kind, n, number, outcome, created_at)
  SELECT 'history-' || i, 'ready', 0, num, 'queued', at FROM g WHERE i % 3 = 0;
INSERT INTO audit (at, number, code, outcome)
  SELECT at, num, '000.00.12.H39-250101-0001',
    CASE WHEN i % 10 = 0 THEN 'not_found' ELSE 'found' END FROM g
  WHERE at >= strftime('%s', 'now') - 86400 * 180;
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
