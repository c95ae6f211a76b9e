//! Prints how long each document takes to render: the first render (fonts parsed) and the
//! median and slowest of the next ones. `cargo run --release -p relais-pdf --example timing [DIR]`;
//! with DIR, the last document of each kind is written there to be looked at.

use std::time::Instant;

const RUNS: usize = 21;

fn contract_sample(i: usize) -> serde_json::Value {
    serde_json::json!({
        "kind": "residential_contract",
        "amendment": 0,
        "establishment": { "name": "EHPAD Les Tilleuls", "finess": "630000001" },
        "person": {
            "birth_name": format!("Dupont-{i}"), "first_names": "Jeanne Marie", "used_name": null,
            "birth_date": "03/04/1938", "sex": "Féminin", "ins": null,
        },
        "stay": { "mode": "Hébergement permanent", "start": "12/11/2026", "unit": null },
        "generated_on": "26/11/2026",
        "generated_by": "Secrétariat",
    })
}

/// A plan of the usual size: four objectives with two actions each, two meetings.
fn plan_sample(i: usize) -> serde_json::Value {
    let objectives: Vec<serde_json::Value> = (0..4)
        .map(|o| {
            serde_json::json!({
                "title": format!("Objectif {o} de la personne {i} : marcher jusqu'au jardin chaque jour"),
                "referent": "Paul Kiné",
                "deadline": "31/03/2027",
                "indicators": "Trois sorties par semaine, sans chute",
                "actions": ["Aide-soignant : séance de marche (chaque matin)", "Animatrice : sortie au jardin (mardi)"],
                "evaluation": if o % 2 == 0 { serde_json::json!("Atteint — sort chaque jour") } else { serde_json::Value::Null },
            })
        })
        .collect();
    serde_json::json!({
        "person": { "name": format!("DUPONT-{i} Jeanne"), "used_name": null, "birth_date": "03/04/1938", "sex": "Féminin", "ins": "238047512345678 (NIR)" },
        "establishment": "EHPAD Les Tilleuls",
        "status": "En cours",
        "version": 2,
        "period": { "start": "01/12/2026", "end": "30/11/2027" },
        "expectations": [
            { "from": "La personne", "text": "Continuer à jardiner et voir mes petits-enfants" },
            { "from": "Ses proches", "easy_from": "Mes proches", "text": "Qu'elle garde le lien avec sa famille" },
        ],
        "needs": "Aide à la marche\nSurveillance de l'alimentation (MNA 21/30)",
        "objectives": objectives,
        "meetings": [
            { "date": "01/12/2026", "participants": ["la personne", "IDEC, psychologue", "sa fille"], "summary": "Projet élaboré ensemble" },
            { "date": "01/06/2027", "participants": ["la personne", "IDEC"], "summary": "Point d'étape" },
        ],
        "agreement": { "status": "Accord oral", "date": "01/12/2026", "by": "Claire IDEC", "comment": null },
        "printed_on": "26/11/2026",
        "printed_by": "Claire IDEC",
    })
}

/// Renders `RUNS` documents, each with other data (the same data twice would be answered from
/// Typst's memo), and prints the first render and the median and slowest of the others.
fn measure(
    name: &str,
    render: impl Fn(usize) -> Result<Vec<u8>, relais_pdf::PdfError>,
) -> Result<(), relais_pdf::PdfError> {
    let mut times = Vec::new();
    let mut last = Vec::new();
    for i in 0..RUNS {
        let start = Instant::now();
        last = render(i)?;
        times.push((start.elapsed().as_secs_f64() * 1000.0, last.len()));
    }
    if let Some(dir) = std::env::args().nth(1) {
        let path = std::path::Path::new(&dir).join(format!("{}.pdf", name.replace([' ', ','], "-")));
        if let Err(e) = std::fs::write(&path, &last) {
            eprintln!("cannot write {}: {e}", path.display());
        }
    }
    let (first, size) = times[0];
    let mut rest: Vec<f64> = times[1..].iter().map(|(t, _)| *t).collect();
    rest.sort_by(f64::total_cmp);
    println!(
        "{name}: {size} bytes; first render {first:.0} ms, then median {:.0} ms, slowest {:.0} ms ({} renders)",
        rest[rest.len() / 2],
        rest[rest.len() - 1],
        rest.len()
    );
    Ok(())
}

fn main() -> Result<(), relais_pdf::PdfError> {
    let today = jiff::civil::date(2026, 11, 26);
    measure("contract", |i| relais_pdf::contract(&contract_sample(i), today))?;
    measure("support plan", |i| relais_pdf::support_plan(&plan_sample(i), false))?;
    measure("support plan, easy to read", |i| relais_pdf::support_plan(&plan_sample(i), true))?;
    Ok(())
}
