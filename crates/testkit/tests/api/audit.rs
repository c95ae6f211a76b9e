//! The audit trail: events per access, the DPO view, and tamper detection.

use crate::{both_engines, resident};
use relais_testkit::{Engine, TestApp};

both_engines!(dpo_sees_who_accessed, tampering_is_detected);

async fn dpo_sees_who_accessed(t: TestApp) {
    let id = resident(&t, "BLANC").await;
    let nurse = t.login("infirmier").await;
    assert_eq!(nurse.get(&format!("/persons/{id}")).await.status(), 200);
    let dpo = t.login("dpo").await;
    let (status, page) = dpo.text(&format!("/persons/{id}/access-log")).await;
    assert_eq!(status, 200);
    assert!(page.contains("infirmier (account)"));
    assert!(page.contains("person.read"));
    assert!(page.contains("secretariat (account)"), "the admission shows");
    // Shown in a search result: that access is on the list too.
    let (_, _) = t.login("directrice").await.text("/persons?q=blanc").await;
    let (_, page) = dpo.text(&format!("/persons/{id}/access-log")).await;
    assert!(page.contains("person.search") && page.contains("directrice (account)"));
    // The nurse may not see the access log.
    assert_eq!(nurse.get(&format!("/persons/{id}/access-log")).await.status(), 403);
    // The DPO does not read the record's notes.
    let (_, record) = dpo.text(&format!("/persons/{id}")).await;
    assert!(!record.contains("Nouvelle transmission"));
}

async fn tampering_is_detected(t: TestApp) {
    resident(&t, "FAURE").await;
    let v = t.app.store.verify_audit().await.unwrap();
    assert!(v.first_bad.is_none());
    assert!(v.events > 10);
    let pool = t.app.store.pool();
    // The database itself refuses changes to the trail.
    assert!(sqlx::query("UPDATE audit_event SET actor_label = 'x' WHERE seq = 3").execute(pool).await.is_err());
    assert!(sqlx::query("DELETE FROM audit_event WHERE seq = 3").execute(pool).await.is_err());
    // Someone with full access drops the guard and edits an event: verify names it.
    match t.engine {
        Engine::Sqlite => {
            sqlx::query("DROP TRIGGER audit_event_no_update").execute(pool).await.unwrap();
            sqlx::query("DROP TRIGGER audit_event_no_delete").execute(pool).await.unwrap();
        }
        Engine::Postgres => {
            sqlx::query("DROP TRIGGER audit_event_no_update ON audit_event").execute(pool).await.unwrap();
        }
    }
    let last: i64 =
        sqlx::Row::try_get(&sqlx::query("SELECT MAX(seq) FROM audit_event").fetch_one(pool).await.unwrap(), 0).unwrap();
    sqlx::query("DELETE FROM audit_event WHERE seq = $1").bind(last).execute(pool).await.unwrap();
    let v = t.app.store.verify_audit().await.unwrap();
    assert_eq!(v.first_bad.map(|b| b.0), Some(last), "a deleted last event is seen through the head");
    sqlx::query("UPDATE audit_event SET actor_label = 'someone else' WHERE seq = 5").execute(pool).await.unwrap();
    let v = t.app.store.verify_audit().await.unwrap();
    assert_eq!(v.first_bad.as_ref().map(|b| b.0), Some(5), "{v:?}");
    assert!(v.first_bad.unwrap().1.contains("modified"));
    sqlx::query("DELETE FROM audit_event WHERE seq = 4").execute(pool).await.unwrap();
    let v = t.app.store.verify_audit().await.unwrap();
    assert_eq!(v.first_bad.map(|b| b.0), Some(4));
}
