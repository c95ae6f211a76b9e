//! Recurring appointments and the establishment agenda (week and day, iCalendar).

use crate::{admit, both_engines, register, resident};
use relais_testkit::TestApp;

both_engines!(recurring_appointments_keep_their_local_time_and_cancel_from_one_on);

/// The appointments of a person's page, soonest first: (id, text of its block).
fn listed(page: &str) -> Vec<(String, String)> {
    page.split("<div class=\"appointment")
        .skip(1)
        .map(|block| {
            let block = block.split("</div>").next().unwrap_or_default().to_string();
            let id =
                block.split("/appointments/").nth(1).and_then(|s| s.split('/').next()).unwrap_or_default().to_string();
            (id, block)
        })
        .collect()
}

async fn recurring_appointments_keep_their_local_time_and_cancel_from_one_on(t: TestApp) {
    let id = resident(&t, "KINE").await;
    let sec = t.login("secretariat").await;
    let plan = format!("/persons/{id}/appointments");
    let weekly = |until: &'static str| {
        vec![
            ("title", "Kinésithérapie"),
            ("location", "Salle de rééducation"),
            ("date", "15/03/2027"),
            ("start", "10:00"),
            ("end", "10:45"),
            ("transport", "none"),
            ("repeat", "weekly"),
            ("until", until),
        ]
    };
    // A repetition needs its end, after the first appointment, and not too far: nothing written.
    for (until, repeat, message) in [
        ("", "weekly", "indiquez jusqu&#39;à quand le rendez-vous se répète"),
        ("01/03/2027", "weekly", "la fin de la répétition doit suivre le premier rendez-vous"),
        ("15/03/2029", "daily", "120 rendez-vous au plus : choisissez une fin plus proche"),
        ("15/04/2027", "hourly", "répétition inconnue"),
    ] {
        let mut fields = weekly("");
        fields.retain(|(k, _)| *k != "until" && *k != "repeat");
        fields.push(("until", until));
        fields.push(("repeat", repeat));
        let res = sec.post(&plan, &fields).await;
        assert_eq!(res.status(), 422, "{until} {repeat}");
        let page = res.text().await.unwrap();
        assert!(page.contains(message), "{message}: {page}");
        assert!(page.contains("value=\"15/03/2027\""), "typed values are kept");
    }
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    assert!(listed(&page).is_empty() && page.contains("Aucun rendez-vous prévu"), "nothing written: {page}");
    assert!(!t.audit_actions(&id).await.iter().any(|a| a == "appointment.create"));

    // Weekly across the change to summer time (28/03/2027): five appointments, all at 10:00.
    let res = sec.post(&plan, &weekly("12/04/2027")).await;
    assert_eq!(res.status(), 303);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = sec.text(&to).await;
    assert!(page.contains("5 rendez-vous enregistrés."), "{page}");
    let list = listed(&page);
    let days = ["15/03/2027", "22/03/2027", "29/03/2027", "05/04/2027", "12/04/2027"];
    assert_eq!(list.len(), 5, "{page}");
    for ((_, block), day) in list.iter().zip(days) {
        assert!(block.contains(&format!("{day} 10:00 – 10:45")), "{day}: {block}");
        assert!(block.contains("série : chaque semaine"), "{block}");
        assert!(block.contains("Annuler celui-ci et les suivants"), "{block}");
    }
    // In UTC, the hour moves with the offset: 09:00Z in winter, 08:00Z in summer.
    let ics = |date: &'static str| {
        let sec = &sec;
        let est = t.fixture.ehpad;
        async move { sec.get(&format!("/establishments/{est}/agenda.ics?date={date}")).await.text().await.unwrap() }
    };
    let winter = ics("2027-03-22").await;
    assert!(winter.contains("DTSTART:20270322T090000Z") && winter.contains("DTEND:20270322T094500Z"), "{winter}");
    let summer = ics("2027-03-29").await;
    assert!(summer.contains("DTSTART:20270329T080000Z") && summer.contains("DTEND:20270329T084500Z"), "{summer}");

    // Cancelling the third "and the following": the first two stay planned.
    let third = &list[2].0;
    let res = sec.post(&format!("/appointments/{third}/cancel"), &[("following", "on")]).await;
    assert_eq!(res.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    let cancelled: Vec<bool> = listed(&page).iter().map(|(_, b)| b.contains(">annulé<")).collect();
    assert_eq!(cancelled, vec![false, false, true, true, true], "{page}");
    // Then the first one alone.
    let first = &list[0].0;
    assert_eq!(sec.post(&format!("/appointments/{first}/cancel"), &[]).await.status(), 303);
    let (_, page) = sec.text(&format!("/persons/{id}")).await;
    let cancelled: Vec<bool> = listed(&page).iter().map(|(_, b)| b.contains(">annulé<")).collect();
    assert_eq!(cancelled, vec![true, false, true, true, true], "{page}");
    // Nothing left to cancel from the third on.
    assert_eq!(sec.post(&format!("/appointments/{third}/cancel"), &[("following", "on")]).await.status(), 409);
    // Outside the establishment: not found, nothing cancelled.
    let second = &list[1].0;
    let edu = t.login("educateur").await;
    assert_eq!(edu.post(&format!("/appointments/{second}/cancel"), &[("following", "on")]).await.status(), 404);
    assert_eq!(edu.post(&plan, &weekly("12/04/2027")).await.status(), 404);

    // Each appointment created and cancelled is in the person's audit trail.
    let actions = t.audit_actions(&id).await;
    assert_eq!(actions.iter().filter(|a| *a == "appointment.create").count(), 5);
    assert_eq!(actions.iter().filter(|a| *a == "appointment.cancel").count(), 4);

    // Monthly on the 31st: June has none, and the page says so.
    let mut monthly = weekly("31/08/2027");
    monthly.retain(|(k, _)| *k != "date" && *k != "repeat");
    monthly.extend([("date", "31/05/2027"), ("repeat", "monthly")]);
    let res = sec.post(&plan, &monthly).await;
    assert_eq!(res.status(), 303);
    let (_, page) = sec.text(res.headers()["location"].to_str().unwrap()).await;
    assert!(page.contains("3 rendez-vous enregistrés. Pas de rendez-vous en juin 2027"), "{page}");
    for day in ["31/05/2027 10:00", "31/07/2027 10:00", "31/08/2027 10:00"] {
        assert!(page.contains(day), "{day}: {page}");
    }
    assert!(page.contains("série : chaque mois"));
}

both_engines!(the_establishment_agenda_shows_its_units_to_those_who_may_see);

async fn the_establishment_agenda_shows_its_units_to_those_who_may_see(t: TestApp) {
    let north = resident(&t, "NORDISTE").await;
    let sec = t.login("secretariat").await;
    let south = register(&sec, &t.fixture.ehpad.to_string(), "SUDISTE", "Paule", "12/05/1940").await;
    admit(&sec, &south, &format!("{}:{}", t.fixture.ehpad, t.fixture.south)).await;
    let sec_ime = t.login("secretariat.ime").await;
    let other = register(&sec_ime, &t.fixture.ime.to_string(), "AILLEURS", "Louis", "03/02/2012").await;
    admit(&sec_ime, &other, &format!("{}:{}", t.fixture.ime, t.fixture.group)).await;

    let appointment = |title: &'static str, date: &'static str, repeat: &'static str, until: &'static str| {
        vec![
            ("title", title),
            ("date", date),
            ("start", "14:00"),
            ("end", "15:00"),
            ("transport", "taxi"),
            ("escort", "Aide-soignante"),
            ("location", "Cabinet du Dr Martin"),
            ("repeat", repeat),
            ("until", until),
        ]
    };
    // The north resident daily from Wednesday to Friday, the south one on Wednesday only.
    let res = sec
        .post(&format!("/persons/{north}/appointments"), &appointment("Pansement", "13/01/2027", "daily", "15/01/2027"))
        .await;
    assert_eq!(res.status(), 303);
    let res =
        sec.post(&format!("/persons/{south}/appointments"), &appointment("Dentiste", "13/01/2027", "once", "")).await;
    assert_eq!(res.status(), 303);
    let res = sec_ime
        .post(&format!("/persons/{other}/appointments"), &appointment("Orthophonie", "13/01/2027", "once", ""))
        .await;
    assert_eq!(res.status(), 303);
    let activity = [
        ("title", "Loto"),
        ("date", "13/01/2027"),
        ("start", "16:00"),
        ("end", "17:00"),
        ("repeat", "once"),
        ("unit", &t.fixture.south.to_string()),
    ];
    let nurse = t.login("infirmier").await;
    assert_eq!(nurse.post(&format!("/establishments/{}/activities", t.fixture.ehpad), &activity).await.status(), 303);

    let path = format!("/establishments/{}/agenda", t.fixture.ehpad);
    // The week from Monday 11/01, whatever day of it is asked for.
    let (s, week) = nurse.text(&format!("{path}?date=2027-01-14")).await;
    assert_eq!(s, 200);
    assert!(week.contains("semaine du 11/01/2027 au 17/01/2027"), "{week}");
    assert_eq!(week.matches("Pansement").count(), 3, "one per day: {week}");
    assert!(week.contains("NORDISTE Jeanne") && week.contains("SUDISTE Paule") && week.contains("Loto"), "{week}");
    assert!(week.contains("14:00 – 15:00 · Nord") && week.contains("14:00 – 15:00 · Sud"), "with their unit: {week}");
    assert!(week.contains("Transport : taxi conventionné · accompagnement : Aide-soignante"), "{week}");
    assert!(week.contains("Cabinet du Dr Martin") && week.contains("série : chaque jour"), "{week}");
    assert!(!week.contains("AILLEURS") && !week.contains("Orthophonie"), "another establishment's: {week}");
    // One day.
    let (_, day) = nurse.text(&format!("{path}?date=2027-01-14&view=day")).await;
    assert_eq!(day.matches("Pansement").count(), 1, "{day}");
    assert!(!day.contains("SUDISTE") && !day.contains("Loto"), "{day}");
    assert!(day.contains("date=2027-01-13&#38;view=day") && day.contains("date=2027-01-15&#38;view=day"), "{day}");
    // One unit.
    let (_, south_only) = nurse.text(&format!("{path}?date=2027-01-13&unit={}", t.fixture.south)).await;
    assert!(south_only.contains("SUDISTE") && south_only.contains("Loto") && !south_only.contains("NORDISTE"));
    // A care aide of the north unit works in the establishment, and sees only whom she may see.
    let aide = t.login("aide.nord").await;
    let (s, aide_week) = aide.text(&format!("{path}?date=2027-01-13")).await;
    assert_eq!(s, 200);
    assert!(aide_week.contains("NORDISTE") && !aide_week.contains("SUDISTE"), "{aide_week}");
    // The unit's agenda has the same day view, and leads to the establishment's.
    let (_, unit_day) = aide.text(&format!("/units/{}/agenda?date=2027-01-15&view=day", t.fixture.north)).await;
    assert_eq!(unit_day.matches("Pansement").count(), 1, "{unit_day}");
    assert!(unit_day.contains(&format!("href=\"{path}?date=2027-01-15&#38;view=day\"")), "{unit_day}");

    // The iCalendar of the week: one event per occurrence, each with its own UID.
    let res = nurse.get(&format!("/establishments/{}/agenda.ics?date=2027-01-13", t.fixture.ehpad)).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = res.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"), "{ics}");
    assert_eq!(ics.matches("BEGIN:VEVENT\r\n").count(), 5, "3 + 1 appointments, 1 session: {ics}");
    let mut uids: Vec<&str> = ics.lines().filter(|l| l.starts_with("UID:")).collect();
    uids.sort();
    uids.dedup();
    assert_eq!(uids.len(), 5);
    assert!(ics.contains("X-WR-CALNAME:EHPAD Test") && !ics.contains("AILLEURS"), "{ics}");
    let aide_ics = aide.get(&format!("/establishments/{}/agenda.ics?date=2027-01-13", t.fixture.ehpad)).await;
    let aide_ics = aide_ics.text().await.unwrap();
    assert_eq!(aide_ics.matches("BEGIN:VEVENT\r\n").count(), 4, "the south resident left out: {aide_ics}");

    // Someone without a grant in the establishment finds nothing there; bad parameters are named.
    let edu = t.login("educateur").await;
    assert_eq!(edu.text(&format!("{path}?date=2027-01-13")).await.0, 404);
    assert_eq!(edu.get(&format!("{path}.ics?date=2027-01-13")).await.status(), 404);
    let (s, bad) = nurse.text(&format!("{path}?view=month")).await;
    assert_eq!(s, 400);
    assert!(bad.contains("vue non reconnue"), "{bad}");
    assert_eq!(nurse.text(&format!("{path}?unit={}", t.fixture.group)).await.0, 400);
    assert_eq!(nurse.text(&format!("{path}?date=31/02/2027")).await.0, 400);

    // One listing event names the persons shown.
    let (_, log) = t.login("dpo").await.text(&format!("/persons/{north}/access-log")).await;
    assert!(log.contains("Agenda de l&#39;établissement") || log.contains("Agenda de l'établissement"), "{log}");
}
