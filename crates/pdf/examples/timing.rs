//! Prints how long a contract takes to render: the first render (fonts parsed) and the next ones.

use std::time::Instant;

fn main() -> Result<(), relais_pdf::PdfError> {
    let sample = |i: usize| {
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
    };
    let today = jiff::civil::date(2026, 11, 26);
    let mut times = Vec::new();
    // Each render has other data: the same data twice would be answered from Typst's memo.
    for i in 0..11 {
        let data = sample(i);
        let start = Instant::now();
        let pdf = relais_pdf::contract(&data, today)?;
        times.push((start.elapsed().as_secs_f64() * 1000.0, pdf.len()));
    }
    let (first, size) = times[0];
    let mut rest: Vec<f64> = times[1..].iter().map(|(t, _)| *t).collect();
    rest.sort_by(f64::total_cmp);
    println!("contract: {size} bytes; first render {first:.0} ms, then median {:.0} ms", rest[rest.len() / 2]);
    Ok(())
}
