//! `relais-bench`: the reference data set for benchmarks, and the reliability drills.

mod drills;
mod generate;
mod instance;
mod match_http;
mod matching;
mod names;
mod records;

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
    /// Measure the disk's durable write rate (write 4 KiB + fdatasync, repeated).
    Fsync {
        #[arg(long, default_value = "/var/tmp/relais-fsync-probe")]
        file: PathBuf,
        #[arg(long, default_value_t = 2000)]
        count: usize,
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
    /// Recall and precision of duplicate detection (`Patient/$match`) on a generated population.
    MatchEval {
        #[arg(long, default_value_t = 10_000)]
        persons: usize,
        /// True duplicates injected: base persons typed again with one or two slips.
        #[arg(long, default_value_t = 600)]
        duplicates: usize,
        /// Hard negatives: twins, homonyms, same first names and date in another family.
        #[arg(long, default_value_t = 600)]
        negatives: usize,
        #[arg(long, default_value_t = 76)]
        seed: u64,
        /// Also write the figures as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
        /// Print this many missed duplicates and false pairs.
        #[arg(long, default_value_t = 0)]
        examples: usize,
        /// Load the population into a new database and send the probes to a running server's
        /// Patient/$match (recall, precision and time per call as the API answers).
        #[arg(long)]
        http: bool,
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
        Command::Fsync { file, count } => fsync(&file, count),
        Command::Crash { common, rounds, writes } => drills::crash(&common.options(), rounds, writes).await,
        Command::Backup { common } => drills::backup(&common.options()).await,
        Command::BadInput { common } => drills::bad_input(&common.options()).await,
        Command::MatchEval { persons, duplicates, negatives, seed, json, examples, http, common } => {
            let opts = matching::Options { persons, duplicates, negatives, seed, json, examples };
            if http {
                let relais = common.relais.clone().unwrap_or_else(instance::default_relais);
                let work = common.work.join(format!("match-{}", std::process::id()));
                let r = match_http::run(&opts, &relais, &work, common.postgres.as_deref()).await;
                let _ = std::fs::remove_dir_all(&work);
                r
            } else {
                matching::run(&opts)
            }
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

/// Durable writes per second of the disk holding `file`: the ceiling of unbatched commits.
fn fsync(file: &std::path::Path, count: usize) -> anyhow::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().create(true).truncate(true).write(true).open(file)?;
    let block = [0x5au8; 4096];
    let start = std::time::Instant::now();
    for _ in 0..count {
        f.write_all(&block)?;
        f.sync_data()?;
    }
    let secs = start.elapsed().as_secs_f64();
    drop(f);
    std::fs::remove_file(file)?;
    println!(
        "fsync: {count} durable 4 KiB writes in {secs:.2} s = {:.0} per second ({:.3} ms each)",
        count as f64 / secs,
        secs * 1000.0 / count as f64
    );
    Ok(())
}
