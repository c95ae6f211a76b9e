//! Integration tests: the real server over HTTP, each test on SQLite and on PostgreSQL.

mod activities;
mod administrative;
mod admissions;
mod agenda;
mod assessments;
mod audit;
mod auth;
mod contracts;
mod fhir;
mod fhir_create;
mod fhir_record;
mod grids;
mod identity;
mod logbook;
mod observations;
mod ops;
mod persons;
mod relatives;
mod support_plan;

use relais_testkit::{Browser, TestApp};

/// Runs `$body(TestApp)` once per engine.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(relais_testkit::TestApp::spawn(relais_testkit::Engine::Sqlite).await).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(relais_testkit::TestApp::spawn(relais_testkit::Engine::Postgres).await).await
            }
        }
    )*};
}

/// Registers a person through the form as `b` in `establishment`; returns the person id.
pub async fn register(
    b: &Browser,
    establishment: &str,
    birth_name: &str,
    first_names: &str,
    birth_date: &str,
) -> String {
    let res = b
        .post(
            "/persons",
            &[
                ("establishment", establishment),
                ("birth_name", birth_name),
                ("first_names", first_names),
                ("birth_date", birth_date),
                ("sex", "F"),
                ("birthplace", "63220"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "register: {}", res.text().await.unwrap_or_default());
    let loc = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    loc.trim_start_matches("/persons/").split('?').next().unwrap_or_default().to_string()
}

/// Admits a person in `establishment:unit` today.
pub async fn admit(b: &Browser, person: &str, target: &str) {
    let today = crate::today();
    let res = b
        .post(&format!("/persons/{person}/stays"), &[("target", target), ("mode", "permanent"), ("start", &today)])
        .await;
    assert_eq!(res.status(), 303, "admit: {}", res.text().await.unwrap_or_default());
}

/// A person admitted to the EHPAD's north unit by the secretary.
pub async fn resident(t: &TestApp, birth_name: &str) -> String {
    let sec = t.login("secretariat").await;
    // Residents of one test differ by more than their names, or duplicate detection would
    // rightly hold up the second one.
    let day = 1 + birth_name.bytes().map(u32::from).sum::<u32>() % 28;
    let date = format!("{day:02}/03/1938");
    let id = register(&sec, &t.fixture.ehpad.to_string(), birth_name, "Jeanne Marie", &date).await;
    admit(&sec, &id, &format!("{}:{}", t.fixture.ehpad, t.fixture.north)).await;
    id
}

/// Today in Europe/Paris, as typed in forms.
pub fn today() -> String {
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    tz.to_datetime(jiff::Timestamp::now()).date().strftime("%d/%m/%Y").to_string()
}

/// `lundi 30/11`, as agendas write a day.
pub fn french_weekday(d: jiff::civil::Date) -> String {
    let names = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"];
    format!("{} {}", names[d.weekday().to_monday_zero_offset() as usize], d.strftime("%d/%m"))
}
