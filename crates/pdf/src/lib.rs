//! Renders Typst documents to PDF bytes in memory: contracts and printouts of the record.
//!
//! The world a document sees holds only its main source and the fonts embedded in the binary: no
//! file system, no network, no packages. Data reaches a document as JSON in `sys.inputs.data`,
//! read there with `json(bytes(sys.inputs.data))`, so a person's name is always text and never
//! markup, whatever characters it holds.

use jiff::civil::Date;
use std::sync::OnceLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, IntoValue, Smart};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// The contract template (contrat de séjour and DIPC share it; `kind` chooses the wording).
pub const CONTRACT_TEMPLATE: &str = include_str!("../templates/contract.typ");
/// The printout of a projet personnalisé, in its usual and easy-to-read variants.
pub const SUPPORT_PLAN_TEMPLATE: &str = include_str!("../templates/support_plan.typ");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The template does not compile with these data: a bug of the template, or data of the wrong
    /// shape. The message lists Typst's diagnostics.
    #[error("the document does not compile: {0}")]
    Compile(String),
    #[error("the PDF could not be written: {0}")]
    Export(String),
    #[error("the data could not be encoded: {0}")]
    Data(#[from] serde_json::Error),
}

/// Renders `source` to PDF with `inputs` available as JSON text in `sys.inputs.data`; Typst's
/// `datetime.today()` is unavailable (a document dates itself from its data).
pub fn render(source: &str, inputs: &serde_json::Value) -> Result<Vec<u8>, PdfError> {
    render_on(source, inputs, None)
}

/// As [`render`], with `today` answering `datetime.today()` and dating the PDF's metadata, so
/// that the same data on the same day give the same bytes.
pub fn render_on(source: &str, inputs: &serde_json::Value, today: Option<Date>) -> Result<Vec<u8>, PdfError> {
    let mut dict = Dict::new();
    dict.insert("data".into(), serde_json::to_string(inputs)?.into_value());
    let today = today.and_then(|d| {
        Datetime::from_ymd(i32::from(d.year()), u8::try_from(d.month()).ok()?, u8::try_from(d.day()).ok()?)
    });
    let world = MemoryWorld::new(source, dict, today)?;
    let warned = typst::compile::<PagedDocument>(&world);
    let document = warned.output.map_err(|errors| PdfError::Compile(describe(&errors)))?;
    let options = typst_pdf::PdfOptions {
        ident: Smart::Auto,
        timestamp: today.map(typst_pdf::Timestamp::new_utc),
        ..Default::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| PdfError::Export(describe(&errors)));
    // Typst memoises across compilations; in a long-running server that cache would only grow.
    // Entries unused for a few renders are dropped, as the Typst CLI does in watch mode.
    typst::comemo::evict(10);
    pdf
}

/// The contract (contrat de séjour or DIPC) of `data`; see `templates/contract.typ` for its shape.
pub fn contract(data: &serde_json::Value, today: Date) -> Result<Vec<u8>, PdfError> {
    render_on(CONTRACT_TEMPLATE, data, Some(today))
}

/// The printout of a projet personnalisé (`data` as described in `templates/support_plan.typ`);
/// `easy` chooses the easy-to-read variant: larger type, short sentences, no jargon.
pub fn support_plan(data: &serde_json::Value, easy: bool) -> Result<Vec<u8>, PdfError> {
    let mut with_flag = data.clone();
    if let serde_json::Value::Object(map) = &mut with_flag {
        map.insert("easy".into(), serde_json::Value::Bool(easy));
    } else {
        with_flag = serde_json::json!({ "plan": data, "easy": easy });
    }
    render(SUPPORT_PLAN_TEMPLATE, &with_flag)
}

fn describe(errors: &typst::ecow::EcoVec<SourceDiagnostic>) -> String {
    errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// The embedded fonts, parsed once: parsing them is most of a first render's time.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        Fonts { book: LazyHash::new(FontBook::from_fonts(&fonts)), fonts }
    })
}

struct MemoryWorld {
    library: LazyHash<Library>,
    main: Source,
    today: Option<Datetime>,
}

impl MemoryWorld {
    fn new(source: &str, inputs: Dict, today: Option<Datetime>) -> Result<Self, PdfError> {
        let path = VirtualPath::new("/main.typ").map_err(|e| PdfError::Compile(format!("{e:?}")))?;
        let id = FileId::new(RootedPath::new(VirtualRoot::Project, path));
        Ok(Self {
            library: LazyHash::new(Library::builder().with_inputs(inputs).build()),
            main: Source::new(id, source.to_string()),
            today,
        })
    }
}

impl World for MemoryWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }
    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().book
    }
    fn main(&self) -> FileId {
        self.main.id()
    }
    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() { Ok(self.main.clone()) } else { Err(FileError::AccessDenied) }
    }
    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() { Ok(Bytes::from_string(self.main.clone())) } else { Err(FileError::AccessDenied) }
    }
    fn font(&self, index: usize) -> Option<Font> {
        fonts().fonts.get(index).cloned()
    }
    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        self.today
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::io::Write;
    use std::process::Command;

    /// The text of a PDF as `pdftotext` (Debian `poppler-utils`) reads it, whitespace collapsed.
    fn text_of(pdf: &[u8]) -> String {
        let mut file = tempfile::NamedTempFile::new().expect("temporary file");
        file.write_all(pdf).expect("write the PDF");
        let out = match Command::new("pdftotext").arg("-enc").arg("UTF-8").arg(file.path()).arg("-").output() {
            Ok(out) => out,
            Err(e) => panic!(
                "pdftotext is needed to read the rendered PDFs back ({e}): install Debian's poppler-utils (scripts/browser-deps does)"
            ),
        };
        assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("UTF-8 text").split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn contract_sample(name: &str, ins: Option<&str>, kind: &str) -> serde_json::Value {
        json!({
            "kind": kind,
            "amendment": 0,
            "establishment": { "name": "EHPAD Les Tilleuls", "finess": "630000001" },
            "person": {
                "birth_name": name,
                "first_names": "Jeanne Marie",
                "used_name": null,
                "birth_date": "03/04/1938",
                "sex": "Féminin",
                "ins": ins,
            },
            "stay": { "mode": "Hébergement permanent", "start": "12/11/2026", "unit": "Unité Les Lilas" },
            "generated_on": "26/11/2026",
            "generated_by": "Claire Secrétaire",
        })
    }

    #[test]
    fn a_contract_renders_to_an_a4_pdf_with_its_data() {
        let today = jiff::civil::date(2026, 11, 26);
        let pdf = contract(&contract_sample("Dupont", Some("238047512345678 (NIR)"), "residential_contract"), today)
            .expect("rendered");
        assert!(pdf.starts_with(b"%PDF-"));
        // A4 is 595.28 × 841.89 points.
        let raw = String::from_utf8_lossy(&pdf);
        assert!(raw.contains("/MediaBox [0 0 595.2") || raw.contains("/MediaBox[0 0 595.2"), "A4 pages");
        let text = text_of(&pdf);
        for expected in [
            "Contrat de séjour",
            "EHPAD Les Tilleuls",
            "DUPONT",
            "Jeanne Marie",
            "03/04/1938",
            "12/11/2026",
            "hébergement permanent",
            "238047512345678 (NIR)",
            "Unité Les Lilas",
        ] {
            assert!(text.contains(expected), "« {expected} » missing from: {text}");
        }
        // The same data on the same day give the same bytes.
        let again = contract(&contract_sample("Dupont", Some("238047512345678 (NIR)"), "residential_contract"), today)
            .expect("rendered");
        assert_eq!(pdf, again);
    }

    #[test]
    fn a_dipc_has_its_own_title_and_no_ins_line_without_one() {
        let pdf =
            contract(&contract_sample("Martin", None, "dipc"), jiff::civil::date(2026, 11, 26)).expect("rendered");
        let text = text_of(&pdf);
        assert!(text.contains("Document individuel de prise en charge"), "{text}");
        assert!(!text.contains("Contrat de séjour"), "{text}");
        assert!(!text.contains("INS"), "no INS line: {text}");
    }

    #[test]
    fn data_is_never_read_as_markup() {
        let name = "O'Brien #panic(\"boom\") *gras* $x^2$ [lien] ] _souligné_ @ref <label> // commentaire";
        let pdf = contract(&contract_sample(name, None, "residential_contract"), jiff::civil::date(2026, 11, 26))
            .expect("a name with markup characters still renders");
        let text = text_of(&pdf);
        let shown = name.to_uppercase();
        for part in shown.split_whitespace() {
            assert!(text.contains(part), "« {part} » should appear verbatim in: {text}");
        }
        let plan = support_plan(&plan_sample("#set text(size: 1pt) [x] *y* $z$"), false).expect("rendered");
        assert!(text_of(&plan).contains("#set text(size: 1pt) [x] *y* $z$"));
    }

    #[test]
    fn a_template_error_is_reported_not_panicked() {
        let err = render("#let x = (", &json!({})).unwrap_err();
        assert!(matches!(err, PdfError::Compile(_)), "{err}");
        // No file outside the main source can be read.
        let err = render("#read(\"/etc/passwd\")", &json!({})).unwrap_err();
        assert!(matches!(err, PdfError::Compile(_)), "{err}");
        // Without a given day, `today` is unknown rather than the machine's clock.
        assert!(render("#datetime.today().display()", &json!({})).is_err());
        let dated = render_on("#datetime.today().display()", &json!({}), Some(jiff::civil::date(2026, 11, 26)))
            .expect("rendered");
        assert!(text_of(&dated).contains("2026-11-26"));
    }

    fn plan_sample(expectation: &str) -> serde_json::Value {
        json!({
            "person": { "name": "Jeanne Dupont", "birth_date": "03/04/1938" },
            "establishment": "EHPAD Les Tilleuls",
            "period": { "start": "01/12/2026", "end": "30/11/2027" },
            "expectations": [
                { "from": "La personne", "text": expectation },
                { "from": "Sa fille", "easy_from": "Ma fille", "text": "Qu'elle garde le lien avec sa famille" },
            ],
            "objectives": [
                {
                    "title": "Marcher jusqu'au jardin chaque jour",
                    "referent": "Paul Kiné",
                    "deadline": "31/03/2027",
                    "actions": ["Séance de marche le matin", "Sortie au jardin l'après-midi"],
                    "evaluation": "Marche 50 mètres avec le déambulateur",
                },
                {
                    "title": "Participer à l'atelier mémoire",
                    "referent": "Léa Animatrice",
                    "deadline": "30/06/2027",
                    "actions": ["Atelier le jeudi"],
                    "evaluation": null,
                },
            ],
            "meetings": [
                { "date": "01/12/2026", "participants": ["Jeanne Dupont", "Sa fille", "IDEC"], "summary": "Projet élaboré ensemble" },
            ],
            "agreement": { "status": "Accord donné", "date": "01/12/2026", "by": "Jeanne Dupont", "comment": null },
        })
    }

    #[test]
    fn a_support_plan_prints_in_usual_and_easy_to_read_forms() {
        let data = plan_sample("Continuer à jardiner");
        let usual = text_of(&support_plan(&data, false).expect("rendered"));
        for expected in [
            "Projet personnalisé d'accompagnement",
            "Continuer à jardiner",
            "Marcher jusqu'au jardin chaque jour",
            "Paul Kiné",
            "31/03/2027",
            "Séance de marche le matin",
            "Marche 50 mètres avec le déambulateur",
            "Référent",
            "Échéance",
            "Projet élaboré ensemble",
            "Accord donné",
        ] {
            assert!(usual.contains(expected), "« {expected} » missing from the usual form: {usual}");
        }
        let easy_pdf = support_plan(&data, true).expect("rendered");
        let easy = text_of(&easy_pdf);
        for expected in [
            "Mon projet",
            "Ce que je souhaite",
            "Continuer à jardiner",
            "Ma fille : Qu'elle garde",
            "Qui m’aide : Paul Kiné",
            "Mon accord",
        ] {
            assert!(easy.contains(expected), "« {expected} » missing from the easy form: {easy}");
        }
        for jargon in ["Référent", "Échéance", "Projet personnalisé d'accompagnement"] {
            assert!(!easy.contains(jargon), "« {jargon} » is jargon in the easy form: {easy}");
        }
        // Larger type and more space: the same plan takes more pages.
        let usual_pdf = support_plan(&data, false).expect("rendered");
        assert!(pages(&easy_pdf) > pages(&usual_pdf), "the easy form is set larger");
    }

    #[test]
    fn a_support_plan_carries_the_identity_banner_and_the_ins_only_when_given() {
        let mut data = plan_sample("Continuer à jardiner");
        data["person"] = json!({
            "name": "DUPONT Jeanne",
            "used_name": "MARTIN",
            "birth_date": "03/04/1938",
            "sex": "Féminin",
            "ins": "238047512345678 (NIR)",
        });
        data["needs"] = json!("Aide à la marche (Braden 14)");
        data["assessed_needs"] = json!(["MNA 21/30 — risque de dénutrition (évaluation du 20/11/2026)"]);
        data["objectives"][1]["assessments"] = json!(["Morse 45/125 — risque élevé (évaluation du 21/11/2026)"]);
        data["objectives"][0]["indicators"] = json!("Distance parcourue sans pause");
        data["version"] = json!(2);
        data["status"] = json!("En cours");
        data["printed_on"] = json!("26/11/2026");
        data["printed_by"] = json!("Claire Infirmière");
        let text = text_of(&support_plan(&data, false).expect("rendered"));
        for expected in [
            "DUPONT Jeanne (nom utilisé : MARTIN) — né(e) le 03/04/1938 — Féminin — INS : 238047512345678 (NIR)",
            "Besoins évalués",
            "Aide à la marche (Braden 14)",
            "Indicateurs",
            "Distance parcourue sans pause",
            "MNA 21/30 — risque de dénutrition (évaluation du 20/11/2026)",
            "Grilles",
            "Morse 45/125 — risque élevé (évaluation du 21/11/2026)",
            "Version 2 — En cours",
            "Imprimé le 26/11/2026 par Claire Infirmière",
        ] {
            assert!(text.contains(expected), "« {expected} » missing: {text}");
        }
        // The banner is on every page of the easy form too, which runs to several pages.
        let easy_pdf = support_plan(&data, true).expect("rendered");
        let easy = text_of(&easy_pdf);
        assert_eq!(easy.matches("INS : 238047512345678").count(), pages(&easy_pdf), "{easy}");
        data["person"]["ins"] = serde_json::Value::Null;
        let text = text_of(&support_plan(&data, false).expect("rendered"));
        assert!(!text.contains("INS") && !text.contains("238047512345678"), "{text}");
        assert!(text.contains("DUPONT Jeanne"), "{text}");
    }

    fn pages(pdf: &[u8]) -> usize {
        let mut file = tempfile::NamedTempFile::new().expect("temporary file");
        file.write_all(pdf).expect("write the PDF");
        let out = Command::new("pdfinfo").arg(file.path()).output().expect("pdfinfo (poppler-utils) is needed");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("Pages:").and_then(|n| n.trim().parse().ok()))
            .expect("a page count")
    }
}
