//! `relais-bench`: the reference data set for benchmarks, and the reliability drills.

mod generate;
mod names;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "relais-bench", about = "Relais benchmark data and drills")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate the reference data set straight through the store layer.
    Generate {
        /// small (one EHPAD), group76 (76 establishments), x4 (four times group76).
        #[arg(long, default_value = "small")]
        profile: String,
        /// Years of history.
        #[arg(long, default_value_t = 1)]
        years: u32,
        #[arg(long, default_value_t = 76)]
        seed: u64,
        /// sqlite:PATH (created) or postgres://…/DB (must exist and be empty).
        #[arg(long)]
        database_url: String,
        /// Where to write the manifest read by the load tool.
        #[arg(long)]
        manifest: PathBuf,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { profile, years, seed, database_url, manifest } => {
            generate::run(&profile, years, seed, &database_url, &manifest).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relais-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
