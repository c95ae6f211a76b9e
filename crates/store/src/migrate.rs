//! Schema migrations: numbered portable SQL files, with an engine-specific companion where needed.

use crate::{Engine, Result, Store, now_micros};
use sqlx::{AssertSqlSafe, Row};

struct Migration {
    version: i64,
    name: &'static str,
    portable: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        portable: include_str!("../migrations/0001_foundation.sql"),
        sqlite: include_str!("../migrations/0001_foundation.sqlite.sql"),
        postgres: include_str!("../migrations/0001_foundation.postgres.sql"),
    },
    Migration {
        version: 2,
        name: "observation",
        portable: include_str!("../migrations/0002_observation.sql"),
        sqlite: include_str!("../migrations/0002_observation.sqlite.sql"),
        postgres: include_str!("../migrations/0002_observation.postgres.sql"),
    },
    Migration {
        version: 3,
        name: "form_submission",
        portable: include_str!("../migrations/0003_form_submission.sql"),
        sqlite: include_str!("../migrations/0003_form_submission.sqlite.sql"),
        postgres: include_str!("../migrations/0003_form_submission.postgres.sql"),
    },
    Migration {
        version: 4,
        name: "name_token",
        portable: include_str!("../migrations/0004_name_token.sql"),
        sqlite: include_str!("../migrations/0004_name_token.sqlite.sql"),
        postgres: include_str!("../migrations/0004_name_token.postgres.sql"),
    },
    Migration {
        version: 5,
        name: "note_search",
        portable: include_str!("../migrations/0005_note_search.sql"),
        sqlite: include_str!("../migrations/0005_note_search.sqlite.sql"),
        postgres: include_str!("../migrations/0005_note_search.postgres.sql"),
    },
    Migration {
        version: 6,
        name: "note_importance",
        portable: include_str!("../migrations/0006_note_importance.sql"),
        sqlite: include_str!("../migrations/0006_note_importance.sqlite.sql"),
        postgres: include_str!("../migrations/0006_note_importance.postgres.sql"),
    },
    Migration {
        version: 7,
        name: "person_alert",
        portable: include_str!("../migrations/0007_person_alert.sql"),
        sqlite: include_str!("../migrations/0007_person_alert.sqlite.sql"),
        postgres: include_str!("../migrations/0007_person_alert.postgres.sql"),
    },
    Migration {
        version: 8,
        name: "appointment",
        portable: include_str!("../migrations/0008_appointment.sql"),
        sqlite: include_str!("../migrations/0008_appointment.sqlite.sql"),
        postgres: include_str!("../migrations/0008_appointment.postgres.sql"),
    },
    Migration {
        version: 9,
        name: "document",
        portable: include_str!("../migrations/0009_document.sql"),
        sqlite: include_str!("../migrations/0009_document.sqlite.sql"),
        postgres: include_str!("../migrations/0009_document.postgres.sql"),
    },
    Migration {
        version: 10,
        name: "document_api_author",
        portable: include_str!("../migrations/0010_document_api_author.sql"),
        sqlite: include_str!("../migrations/0010_document_api_author.sqlite.sql"),
        postgres: include_str!("../migrations/0010_document_api_author.postgres.sql"),
    },
    Migration {
        version: 11,
        name: "observation_threshold",
        portable: include_str!("../migrations/0011_observation_threshold.sql"),
        sqlite: include_str!("../migrations/0011_observation_threshold.sqlite.sql"),
        postgres: include_str!("../migrations/0011_observation_threshold.postgres.sql"),
    },
    Migration {
        version: 12,
        name: "note_mention",
        portable: include_str!("../migrations/0012_note_mention.sql"),
        sqlite: include_str!("../migrations/0012_note_mention.sqlite.sql"),
        postgres: include_str!("../migrations/0012_note_mention.postgres.sql"),
    },
    Migration {
        version: 13,
        name: "activity",
        portable: include_str!("../migrations/0013_activity.sql"),
        sqlite: include_str!("../migrations/0013_activity.sqlite.sql"),
        postgres: include_str!("../migrations/0013_activity.postgres.sql"),
    },
    Migration {
        version: 14,
        name: "record_archive",
        portable: include_str!("../migrations/0014_record_archive.sql"),
        sqlite: include_str!("../migrations/0014_record_archive.sqlite.sql"),
        postgres: include_str!("../migrations/0014_record_archive.postgres.sql"),
    },
    Migration {
        version: 15,
        name: "note_search_folded",
        portable: include_str!("../migrations/0015_note_search_folded.sql"),
        sqlite: include_str!("../migrations/0015_note_search_folded.sqlite.sql"),
        postgres: include_str!("../migrations/0015_note_search_folded.postgres.sql"),
    },
    Migration {
        version: 16,
        name: "identity_vigilance",
        portable: include_str!("../migrations/0016_identity_vigilance.sql"),
        sqlite: include_str!("../migrations/0016_identity_vigilance.sqlite.sql"),
        postgres: include_str!("../migrations/0016_identity_vigilance.postgres.sql"),
    },
    Migration {
        version: 17,
        name: "appointment_api_author",
        portable: include_str!("../migrations/0017_appointment_api_author.sql"),
        sqlite: include_str!("../migrations/0017_appointment_api_author.sqlite.sql"),
        postgres: include_str!("../migrations/0017_appointment_api_author.postgres.sql"),
    },
    Migration {
        version: 18,
        name: "appointment_series",
        portable: include_str!("../migrations/0018_appointment_series.sql"),
        sqlite: include_str!("../migrations/0018_appointment_series.sqlite.sql"),
        postgres: include_str!("../migrations/0018_appointment_series.postgres.sql"),
    },
    Migration {
        version: 19,
        name: "note_search_pg",
        portable: include_str!("../migrations/0019_note_search_pg.sql"),
        sqlite: include_str!("../migrations/0019_note_search_pg.sqlite.sql"),
        postgres: include_str!("../migrations/0019_note_search_pg.postgres.sql"),
    },
    Migration {
        version: 20,
        name: "assessment",
        portable: include_str!("../migrations/0020_assessment.sql"),
        sqlite: include_str!("../migrations/0020_assessment.sqlite.sql"),
        postgres: include_str!("../migrations/0020_assessment.postgres.sql"),
    },
    Migration {
        version: 21,
        name: "admission_request",
        portable: include_str!("../migrations/0021_admission_request.sql"),
        sqlite: include_str!("../migrations/0021_admission_request.sqlite.sql"),
        postgres: include_str!("../migrations/0021_admission_request.postgres.sql"),
    },
    Migration {
        version: 22,
        name: "relatives_consents",
        portable: include_str!("../migrations/0022_relatives_consents.sql"),
        sqlite: include_str!("../migrations/0022_relatives_consents.sqlite.sql"),
        postgres: include_str!("../migrations/0022_relatives_consents.postgres.sql"),
    },
    Migration {
        version: 23,
        name: "support_plan",
        portable: include_str!("../migrations/0023_support_plan.sql"),
        sqlite: include_str!("../migrations/0023_support_plan.sqlite.sql"),
        postgres: include_str!("../migrations/0023_support_plan.postgres.sql"),
    },
    Migration {
        version: 24,
        name: "administrative_file",
        portable: include_str!("../migrations/0024_administrative_file.sql"),
        sqlite: include_str!("../migrations/0024_administrative_file.sqlite.sql"),
        postgres: include_str!("../migrations/0024_administrative_file.postgres.sql"),
    },
    Migration {
        version: 25,
        name: "contract",
        portable: include_str!("../migrations/0025_contract.sql"),
        sqlite: include_str!("../migrations/0025_contract.sqlite.sql"),
        postgres: include_str!("../migrations/0025_contract.postgres.sql"),
    },
    Migration {
        version: 26,
        name: "assessment_grids",
        portable: include_str!("../migrations/0026_assessment_grids.sql"),
        sqlite: include_str!("../migrations/0026_assessment_grids.sqlite.sql"),
        postgres: include_str!("../migrations/0026_assessment_grids.postgres.sql"),
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

impl Store {
    /// Applies the migrations not yet applied, each in its own transaction. Returns how many ran.
    pub async fn migrate(&self) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut applied = 0;
        for m in MIGRATIONS {
            let mut tx = self.begin_write().await?;
            let done: i64 = sqlx::query("SELECT COUNT(*) FROM schema_migration WHERE version = $1")
                .bind(m.version)
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            if done > 0 {
                continue;
            }
            let specific = match self.engine {
                Engine::Sqlite => m.sqlite,
                Engine::Postgres => m.postgres,
            };
            for sql in [m.portable, specific] {
                if !sql.trim().is_empty() {
                    sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await?;
                }
            }
            if m.version == 4 {
                // Folding is Rust code: the tokens of existing persons are computed here.
                crate::persons::backfill_name_tokens(&mut tx).await?;
            }
            if m.version == 16 {
                // Blocking keys are Rust code, as name tokens are.
                crate::identities::backfill_match_keys(&mut tx).await?;
            }
            if m.version == 15 && self.engine == Engine::Sqlite {
                crate::notes::backfill_search(&mut tx).await?;
            }
            if m.version == 19 && self.engine == Engine::Postgres {
                crate::notes::backfill_search_pg(&mut tx).await?;
            }
            sqlx::query("INSERT INTO schema_migration (version, name, applied_at) VALUES ($1, $2, $3)")
                .bind(m.version)
                .bind(m.name)
                .bind(now_micros())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            applied += 1;
        }
        Ok(applied)
    }

    /// The applied schema version, or `None` on an empty database.
    pub async fn schema_version(&self) -> Result<Option<i64>> {
        let exists = match self.engine {
            Engine::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migration'",
            Engine::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'schema_migration'"
            }
        };
        let n: i64 = sqlx::query(exists).fetch_one(self.pool()).await?.try_get(0)?;
        if n == 0 {
            return Ok(None);
        }
        let v: Option<i64> =
            sqlx::query("SELECT MAX(version) FROM schema_migration").fetch_one(self.pool()).await?.try_get(0)?;
        Ok(v)
    }
}
