//! `relais-load`: drives a running Relais over HTTP (care shift mix, FHIR mix), measures
//! latencies and server resources, writes JSON results and Markdown tables of them.

mod care;
mod fhir;
mod http;
mod logbook;
mod manifest;
mod report;
mod run;
mod server;
mod stats;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "relais-load", about = "Load testing of a running Relais server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Care shift mix: unit logbook, person page, nursing note, search, access log.
    Care(care::CareArgs),
    /// Logbook mix: a unit's last 24 hours, "since my last shift", full-text search of notes.
    Logbook(logbook::LogbookArgs),
    /// FHIR mix: create Patient and Observation, name and INS search, read the record.
    Fhir(fhir::FhirArgs),
    /// Markdown tables of the newest result per scenario, engine, profile and concurrency.
    Report {
        /// Directory of JSON results.
        #[arg(long, default_value = "bench/results")]
        results: PathBuf,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let done = match cli.command {
        Command::Care(args) => care::run(args).await,
        Command::Fhir(args) => fhir::run(args).await,
        Command::Logbook(args) => logbook::run(args).await,
        Command::Report { results } => report::load_dir(&results).map(|r| print!("{}", report::render(&r))),
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relais-load: {e:#}");
            ExitCode::FAILURE
        }
    }
}
