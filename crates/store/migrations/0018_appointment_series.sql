-- Recurring appointments: each occurrence is a row; the occurrences planned together share a
-- series id (the first occurrence's id) and keep how they repeat, for display. The
-- establishment agenda reads appointments by establishment and period.
ALTER TABLE appointment ADD COLUMN series_id TEXT;
ALTER TABLE appointment ADD COLUMN series_repeat TEXT;
CREATE INDEX appointment_series ON appointment(series_id, starts_at);
CREATE INDEX appointment_establishment ON appointment(establishment_id, starts_at);
