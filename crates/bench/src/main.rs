//! `relais-bench`: the reference data set for benchmarks, and the reliability drills.

mod drills;
mod generate;
mod instance;
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
    /// Kill -9 the server during concurrent writes, restart, check nothing acknowledged was lost.
    Crash {
        #[command(flatten)]
        common: DrillArgs,
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        #[arg(long, default_value_t = 1000)]
        writes: usize,
    },
    /// Back up while writes run, restore, compare; a damaged backup must be refused.
    Backup {
        #[command(flatten)]
        common: DrillArgs,
    },
    /// Send malformed, hostile and unauthorised requests: each gets a clear 4xx, nothing written.
    BadInput {
        #[command(flatten)]
        common: DrillArgs,
    },
}

#[derive(clap::Args)]
struct DrillArgs {
    /// The relais binary (default: next to this one).
    #[arg(long)]
    relais: Option<PathBuf>,
    /// Working directory for the drill's databases.
    #[arg(long, default_value = "/tmp/relais-drills")]
    work: PathBuf,
    /// Run on PostgreSQL: an administrative URL where a fresh database can be created.
    #[arg(long)]
    postgres: Option<String>,
}

impl DrillArgs {
    fn options(self) -> drills::Options {
        drills::Options { relais: self.relais, work: self.work, postgres: self.postgres }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { profile, years, seed, database_url, manifest } => {
            generate::run(&profile, years, seed, &database_url, &manifest).await
        }
        Command::Crash { common, rounds, writes } => drills::crash(&common.options(), rounds, writes).await,
        Command::Backup { common } => drills::backup(&common.options()).await,
        Command::BadInput { common } => drills::bad_input(&common.options()).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("relais-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
