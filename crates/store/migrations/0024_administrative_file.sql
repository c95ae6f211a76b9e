-- The administrative and social file. Cover, benefits and MDPH notifications are never
-- overwritten: a change is a new row and the newest one is current, so what was known before
-- stays readable. Dates are ISO text (compared as text), amounts are euro cents.
CREATE TABLE social_coverage (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    -- The NIR used as social security number; NULL when not known yet.
    nss TEXT,
    -- Set when the person is covered as a beneficiary (ayant droit) of someone else's number.
    insured_name TEXT,
    beneficiary_rank BIGINT,
    fund_name TEXT NOT NULL,
    fund_code TEXT NOT NULL,
    complementary_name TEXT NOT NULL,
    complementary_contract TEXT NOT NULL,
    complementary_from TEXT,
    complementary_until TEXT,
    -- none, css, ame
    state_cover TEXT NOT NULL,
    state_cover_from TEXT,
    state_cover_until TEXT,
    recorded_by TEXT,
    recorded_label TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX social_coverage_person ON social_coverage(person_id, recorded_at);

CREATE TABLE social_benefit (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    kind TEXT NOT NULL,
    -- The name of an « other » benefit, or the paying body.
    label TEXT NOT NULL,
    decision_date TEXT,
    amount_cents BIGINT NOT NULL,
    periodicity TEXT NOT NULL,
    start_on TEXT NOT NULL,
    expires_on TEXT,
    recorded_by TEXT,
    recorded_label TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX social_benefit_person ON social_benefit(person_id);
CREATE INDEX social_benefit_expiry ON social_benefit(expires_on);

CREATE TABLE mdph_notification (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    decision TEXT NOT NULL,
    decision_number TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT,
    recorded_by TEXT,
    recorded_label TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX mdph_notification_person ON mdph_notification(person_id);
CREATE INDEX mdph_notification_expiry ON mdph_notification(valid_until);

-- Absences during a stay: the person is away but the stay goes on. end_on is the day of return,
-- NULL until then.
CREATE TABLE stay_absence (
    id TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisation(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    stay_id TEXT NOT NULL REFERENCES stay(id),
    kind TEXT NOT NULL,
    start_on TEXT NOT NULL,
    end_on TEXT,
    reason TEXT NOT NULL,
    recorded_by TEXT,
    recorded_label TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX stay_absence_stay ON stay_absence(stay_id, start_on);
CREATE INDEX stay_absence_person ON stay_absence(person_id);
