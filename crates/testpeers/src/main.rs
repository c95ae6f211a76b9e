//! `relais-testpeers`: runs a local stand-in for a national service (INSi) for manual and CI tests.

use clap::{Parser, Subcommand};
use relais_testpeers::insi::{self, FIXTURE_OID, PeerConfig};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "relais-testpeers", about = "Local stand-ins for national services, for tests")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// INSi teleservice (rechercherInsAvecTraitsIdentite, rechercherInsAvecCarteVitale) over mutual TLS.
    Insi {
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// Server certificate chain (PEM).
        #[arg(long)]
        cert: PathBuf,
        /// Server private key (PEM).
        #[arg(long)]
        key: PathBuf,
        /// CA that client certificates must chain to (PEM).
        #[arg(long)]
        client_ca: PathBuf,
        /// Accepted CNDA authorisation number (repeat the option for several); none accepts any.
        #[arg(long = "authorisation-number")]
        authorisation_numbers: Vec<String>,
        /// OID returned with NIR matricules.
        #[arg(long, default_value = FIXTURE_OID)]
        oid: String,
    },
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Insi { listen, cert, key, client_ca, authorisation_numbers, oid } => {
            let mut config = PeerConfig::from_files(&cert, &key, &client_ca)?;
            config.authorisation_numbers = authorisation_numbers;
            config.oid = oid;
            let (addr, task) = insi::spawn(listen, config).await?;
            println!("INSi peer listening on https://{addr}{}", insi::PATH);
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = task => {}
            }
        }
    }
    Ok(())
}
