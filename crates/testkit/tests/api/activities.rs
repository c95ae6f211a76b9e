//! Collective activities: planned once or repeated, registrations, capacity, attendance, agenda.

use crate::{both_engines, resident};
use jiff::{SignedDuration, Span};
use relais_testkit::TestApp;

both_engines!(activities_repeat_register_and_take_attendance);

fn day(offset: i64) -> jiff::civil::Date {
    let tz = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    tz.to_datetime(jiff::Timestamp::now()).date() + Span::new().days(offset)
}

async fn activities_repeat_register_and_take_attendance(t: TestApp) {
    let x = resident(&t, "ATELIER").await;
    let y = resident(&t, "SORTIE").await;
    let path = format!("/establishments/{}/activities", t.fixture.ehpad);
    let nurse = t.login("infirmier").await;
    let tomorrow = day(1).strftime("%d/%m/%Y").to_string();
    // Every error at once, the typed values kept, nothing planned.
    let bad = [("title", ""), ("date", tomorrow.as_str()), ("start", "15:00"), ("end", "14:00"), ("repeat", "weekly")];
    let res = nurse.post(&path, &bad).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(page.contains("Objet : obligatoire"), "{page}");
    assert!(page.contains("la fin doit suivre le début") && page.contains("indiquez jusqu&#39;à quand"), "{page}");
    assert!(page.contains("value=\"15:00\""));
    // Weekly for two weeks: three sessions.
    let until = day(15).strftime("%d/%m/%Y").to_string();
    let ok = [
        ("title", "Atelier mémoire"),
        ("location", "Salon du rez-de-chaussée"),
        ("date", tomorrow.as_str()),
        ("start", "14:30"),
        ("end", "15:30"),
        ("repeat", "weekly"),
        ("until", until.as_str()),
        ("unit", &t.fixture.north.to_string()),
    ];
    let res = nurse.post(&path, &ok).await;
    assert_eq!(res.status(), 303);
    let session = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/activities/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let (_, page) = nurse.text(&format!("/activities/{session}")).await;
    assert!(page.contains("Atelier mémoire") && page.contains("14:30 – 15:30"), "{page}");
    assert!(page.contains("ATELIER Jeanne") && page.contains("aussi aux 2 séances suivantes"), "{page}");
    let res = nurse.post(&format!("/activities/{session}/participants"), &[("person", &x), ("series", "on")]).await;
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"].to_str().unwrap().ends_with("n=3"));
    let (_, week) = nurse.text(&format!("{path}?from={}", day(1))).await;
    assert_eq!(week.matches("Atelier mémoire").count(), 1, "one session in the week shown");
    assert!(week.contains("1 inscrit") && week.contains(&crate::french_weekday(day(1))), "{week}");
    // The unit's agenda and its iCalendar show the sessions.
    let aide = t.login("aide.nord").await;
    let (_, agenda) = aide.text(&format!("/units/{}/agenda?from={}", t.fixture.north, day(1))).await;
    assert!(agenda.contains("Atelier mémoire") && agenda.contains(">activité<"), "{agenda}");
    let ics = aide.get(&format!("/units/{}/agenda.ics?from={}", t.fixture.north, day(1))).await.text().await.unwrap();
    assert!(ics.contains("SUMMARY:Activité — Atelier mémoire"), "{ics}");

    // Capacity: one place, taken.
    let outing = [
        ("title", "Sortie au marché"),
        ("date", tomorrow.as_str()),
        ("start", "10:00"),
        ("end", "11:30"),
        ("repeat", "once"),
        ("capacity", "1"),
    ];
    let res = nurse.post(&path, &outing).await;
    let sortie = res.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/activities/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(nurse.post(&format!("/activities/{sortie}/participants"), &[("person", &y)]).await.status(), 303);
    let res = nurse.post(&format!("/activities/{sortie}/participants"), &[("person", &x)]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("séance complète"));

    // Attendance is taken at the session, not the day before.
    let mark = [(format!("attendance_{x}"), "present".to_string())];
    let mark: Vec<(&str, &str)> = mark.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(nurse.post(&format!("/activities/{session}/attendance"), &mark).await.status(), 400);
    // Whatever the hour now, 40 hours on is after tomorrow's 14:30 session and before the next.
    t.clock.advance(SignedDuration::from_hours(40));
    let nurse = t.login("infirmier").await;
    assert_eq!(nurse.post(&format!("/activities/{session}/attendance"), &mark).await.status(), 303);
    let (_, page) = nurse.text(&format!("/activities/{session}")).await;
    assert!(page.contains(&format!("name=\"attendance_{x}\" value=\"present\" checked")), "{page}");
    // An unknown mark is refused and nothing of the form is written, the valid line included.
    let bad = [(format!("attendance_{x}"), "absent".to_string()), (format!("attendance_{y}"), "peut-être".to_string())];
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let res = nurse.post(&format!("/activities/{session}/attendance"), &bad).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("présence inconnue"));
    let (_, page) = nurse.text(&format!("/activities/{session}")).await;
    assert!(page.contains(&format!("name=\"attendance_{x}\" value=\"present\" checked")), "unchanged: {page}");
    let wrong = [(format!("attendance_{y}"), "present".to_string())];
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(nurse.post(&format!("/activities/{session}/attendance"), &wrong).await.status(), 404, "not registered");
    // A resident of the south unit, unknown to the north unit's care aide, put on the list by
    // the nurse: the aide's mark for her, valid or not, answers as for an unknown person (access
    // is checked before the mark), and nothing is written.
    let sec = t.login("secretariat").await;
    let z = crate::register(&sec, &t.fixture.ehpad.to_string(), "MIDI", "Zoé", "05/05/1945").await;
    crate::admit(&sec, &z, &format!("{}:{}", t.fixture.ehpad, t.fixture.south)).await;
    assert_eq!(nurse.post(&format!("/activities/{session}/participants"), &[("person", &z)]).await.status(), 303);
    let aide = t.login("aide.nord").await;
    let key = format!("attendance_{z}");
    for mark in ["present", "peut-être"] {
        let res = aide.post(&format!("/activities/{session}/attendance"), &[(key.as_str(), mark)]).await;
        assert_eq!(res.status(), 404, "{mark}");
        assert!(!res.text().await.unwrap().contains("présence inconnue"));
    }
    let (_, page) = nurse.text(&format!("/activities/{session}")).await;
    assert!(!page.contains(&format!("name=\"attendance_{z}\" value=\"present\" checked")), "{page}");

    // Others: the IME's educator does not find the establishment's activities; the DPO reads, does not plan.
    let edu = t.login("educateur").await;
    assert_eq!(edu.text(&path).await.0, 404);
    assert_eq!(edu.text(&format!("/activities/{session}")).await.0, 404);
    let dpo = t.login("dpo").await;
    let (s, page) = dpo.text(&path).await;
    assert_eq!(s, 200);
    assert!(!page.contains("Planifier une activité"));
    let (_, session_page) = dpo.text(&format!("/activities/{session}")).await;
    assert!(session_page.contains("<span class=\"tag\">présent</span>"), "attendance in French: {session_page}");
    assert!(!session_page.contains("Enregistrer les présences"), "the DPO reads, does not take attendance");
    assert_eq!(dpo.post(&path, &ok).await.status(), 403);

    // Cancelling from the second session on keeps the first.
    let (_, week2) = nurse.text(&format!("{path}?from={}", day(8))).await;
    let second = week2.split("/activities/").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert_eq!(nurse.post(&format!("/activities/{second}/cancel"), &[("series", "on")]).await.status(), 303);
    let (_, week2) = nurse.text(&format!("{path}?from={}", day(8))).await;
    assert!(week2.contains("annulée"));
    let (_, first) = nurse.text(&format!("/activities/{session}")).await;
    assert!(!first.contains("séance annulée"));
    assert_eq!(nurse.post(&format!("/activities/{second}/cancel"), &[]).await.status(), 409);

    let (_, log) = dpo.text(&format!("/persons/{x}/access-log")).await;
    assert!(log.contains("activity.register") && log.contains("activity.attendance") && log.contains("activity.read"));
}
