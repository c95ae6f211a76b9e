//! `relais`: the command line of Relais (serve, migrate, admin, audit, backup, restore).

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use relais_app::admin::{AdminBy, NewAccount, open_grant};
use relais_app::{App, SystemClock};
use relais_domain::access::Profile;
use relais_server::{Config, backup, build_app, demo, open_store, serve, serve_metrics};
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(name = "relais", version, about = "Relais : dossier usager informatisé pour les ESMS")]
struct Cli {
    /// Configuration file (TOML). Also RELAIS_CONFIG.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data directory (SQLite database by default). Also RELAIS_DATA_DIR.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL: sqlite:PATH or postgres://… Also RELAIS_DATABASE_URL.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the FHIR API.
    Serve {
        /// Address to listen on. Also RELAIS_LISTEN.
        #[arg(long)]
        listen: Option<String>,
        /// Address for Prometheus metrics. Also RELAIS_METRICS_LISTEN.
        #[arg(long)]
        metrics_listen: Option<String>,
        /// Start on a fresh demo database (data-dir/demo.db) and print the demo logins.
        #[arg(long)]
        demo: bool,
    },
    /// Create or upgrade the database schema.
    Migrate {
        /// Allow creating a new SQLite file at --database-url.
        #[arg(long)]
        create: bool,
    },
    /// Administration.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Identity vigilance.
    Identity {
        #[command(subcommand)]
        command: IdentityCommand,
    },
    /// Write a consistent copy of the database (SQLite), with a SHA-256 file beside it.
    Backup {
        #[arg(long)]
        to: PathBuf,
    },
    /// GIR of an AGGIR grid from its eight computed variables, e.g. `relais aggir CCBBBBAA`:
    /// cohérence, orientation, toilette, habillage, alimentation, élimination, transferts,
    /// déplacements à l'intérieur, one letter A, B or C each. Prints `rang=R gir=G`.
    Aggir {
        #[arg(allow_hyphen_values = true)]
        modalities: String,
    },
    /// Restore a backup after checking its checksum, integrity and audit chain.
    Restore {
        #[arg(long)]
        from: PathBuf,
        /// Replace a database that already holds data.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum IdentityCommand {
    /// Ask INSi for the INS of every identity of an establishment that may rise (provisional
    /// or validated): an answer identical to the person's traits is recorded, any other waits
    /// in the identity-vigilance queue. Needs the [insi] configuration.
    Qualify {
        /// FINESS of the establishment.
        #[arg(long)]
        establishment: String,
        /// Calls per second at most.
        #[arg(long, default_value_t = 2)]
        per_second: u32,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// The archival rule: purge the daily record (notes, measures, appointments, documents,
    /// alerts, activity registrations) of persons discharged more than RETENTION_YEARS ago.
    /// Identity, stays and the audit trail are kept. Lists them unless --apply.
    Archive {
        #[arg(long)]
        retention_years: i16,
        #[arg(long)]
        apply: bool,
        /// FINESS juridique, when the database holds several organisations.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Create the organisation (organisme gestionnaire).
    CreateOrganisation {
        #[arg(long)]
        name: String,
        /// FINESS juridique.
        #[arg(long)]
        finess: String,
    },
    /// Create an establishment of the organisation.
    CreateEstablishment {
        #[arg(long)]
        finess: String,
        #[arg(long)]
        name: String,
        /// elderly, disability, child_protection, home, specific_difficulties
        #[arg(long)]
        sector: String,
        /// FINESS category code (500 = EHPAD, 354 = SSIAD, 183 = IME…)
        #[arg(long)]
        category: String,
        /// FINESS juridique of the organisation, when there are several.
        #[arg(long)]
        organisation: Option<String>,
    },
    /// Create a unit in an establishment.
    CreateUnit {
        /// FINESS of the establishment.
        #[arg(long)]
        establishment: String,
        #[arg(long)]
        name: String,
    },
    /// Create an account with one grant. The password is read from standard input with
    /// --password-stdin, or generated and printed once.
    CreateAccount {
        #[arg(long)]
        username: String,
        #[arg(long)]
        given_name: String,
        #[arg(long)]
        family_name: String,
        /// director, care_coordinator, nurse, care_aide, coordinating_physician, psychologist,
        /// educator, social_worker, secretary, dpo, administrator
        #[arg(long)]
        profile: String,
        /// FINESS of the establishment of the grant.
        #[arg(long)]
        establishment: String,
        /// Name of a unit, to limit the grant to it.
        #[arg(long)]
        unit: Option<String>,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable an account; its sessions end at once.
    DisableAccount {
        #[arg(long)]
        username: String,
    },
    /// Re-enable an account.
    EnableAccount {
        #[arg(long)]
        username: String,
    },
    /// Require (or not) a TOTP second factor for every account of the organisation.
    RequireTotp {
        #[arg(long, value_parser = ["on", "off"])]
        value: String,
        #[arg(long)]
        organisation: Option<String>,
    },
    /// API clients (OAuth 2 client credentials).
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
    /// Print the default access matrix (Markdown).
    AccessMatrix,
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Create a client; prints client_id and client_secret once.
    Create {
        #[arg(long)]
        name: String,
        /// SMART system scopes, e.g. "system/Patient.read system/Patient.write".
        #[arg(long)]
        scope: String,
        #[arg(long)]
        organisation: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain; exit non-zero naming the first bad event.
    Verify,
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("RELAIS_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("RELAIS_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// mimalloc instead of glibc's allocator: under load glibc spent a quarter of the server's CPU
/// in malloc and free (profiled on the group76 data set), and it kept the 19 MiB blocks of
/// password hashing after use.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(async_main()),
        Err(e) => {
            eprintln!("relais: cannot start the runtime: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn async_main() -> ExitCode {
    init_logs();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("relais: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(d) = &cli.data_dir {
        config.data_dir = d.clone();
    }
    if let Some(u) = &cli.database_url {
        config.database_url = Some(u.clone());
    }
    Ok(config)
}

async fn organisation(app: &App, finess: Option<&str>) -> anyhow::Result<relais_domain::ids::OrganisationId> {
    let all = app.organisations().await?;
    match finess {
        Some(f) => all
            .iter()
            .find(|o| o.finess_legal == f)
            .map(|o| o.id)
            .with_context(|| format!("no organisation with FINESS {f}")),
        None => match all.as_slice() {
            [one] => Ok(one.id),
            [] => bail!("no organisation yet: run `relais admin create-organisation` first"),
            _ => bail!("several organisations: name one with --organisation FINESS"),
        },
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // A pure computation: it must work without configuration or database.
    if let Command::Aggir { modalities } = &cli.command {
        return Ok(aggir(modalities));
    }
    let mut config = load_config(&cli)?;
    match cli.command {
        Command::Serve { listen, metrics_listen, demo } => {
            if let Some(l) = listen {
                config.listen = l;
            }
            if let Some(m) = metrics_listen {
                config.metrics_listen = Some(m);
            }
            config.validate()?;
            if demo && config.database_url.is_none() {
                std::fs::create_dir_all(&config.data_dir)?;
                let path = config.data_dir.join("demo.db");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
                config.database_url = Some(format!("sqlite:{}", path.display()));
                config.create = true;
            }
            let store = open_store(&config, true).await?;
            let mut app = build_app(store, config.settings(), Arc::new(SystemClock));
            if let Some(insi) = &config.insi {
                let client = relais_interop::insi::InsiClient::new(insi.client_config()?)
                    .map_err(|e| anyhow::anyhow!("INSi: {e}"))?;
                app = app.with_insi(client);
                tracing::info!(endpoint = %insi.endpoint, "INSi configured");
            }
            // The demo talks to a local INSi unless a real one is configured; kept alive while serving.
            let mut _demo_insi = None;
            if demo && config.insi.is_none() {
                match demo::insi_peer(&config.data_dir).await {
                    Ok((peer, client)) => {
                        println!("INSi de démonstration (identités de test CNDA) : {}", peer.endpoint());
                        app = app.with_insi(client);
                        _demo_insi = Some(peer);
                    }
                    Err(e) => eprintln!("INSi de démonstration indisponible ({e}) : Relais démarre sans INSi."),
                }
            }
            let listener = TcpListener::bind(&config.listen)
                .await
                .with_context(|| format!("cannot listen on {}", config.listen))?;
            let addr = listener.local_addr()?;
            if demo {
                if !app.organisations().await?.is_empty() {
                    bail!("--demo needs an empty database; this one already holds an organisation");
                }
                let logins = demo::seed(&app).await?;
                println!("Relais — données de démonstration. Comptes (mots de passe générés maintenant) :");
                for l in &logins {
                    println!("  {:<20} {:<22} {}", l.username, l.password, l.role);
                }
            }
            if let Some(m) = &config.metrics_listen {
                let handle = metrics_exporter_prometheus::PrometheusBuilder::new()
                    .install_recorder()
                    .context("metrics recorder")?;
                let ml = TcpListener::bind(m).await.with_context(|| format!("cannot listen on {m}"))?;
                tokio::spawn(async move {
                    if let Err(e) = serve_metrics(ml, handle).await {
                        tracing::error!(error = %e, "metrics listener stopped");
                    }
                });
            }
            println!("Relais écoute sur http://{addr}");
            tracing::info!(%addr, engine = app.store.engine().name(), "listening");
            let shutdown = async {
                let ctrl_c = tokio::signal::ctrl_c();
                #[cfg(unix)]
                let term = async {
                    if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                        s.recv().await;
                    }
                };
                #[cfg(not(unix))]
                let term = std::future::pending::<()>();
                tokio::select! { _ = ctrl_c => {}, _ = term => {} }
                tracing::info!("shutting down");
            };
            let store = app.store.clone();
            serve(app, config.web(), listener, shutdown).await?;
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { create } => {
            config.create = create;
            config.validate()?;
            let store = open_store(&config, true).await?;
            println!("schema version {}", store.schema_version().await?.unwrap_or(0));
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command: AuditCommand::Verify } => {
            config.validate()?;
            let store = open_store(&config, false).await?;
            let v = store.verify_audit().await?;
            match v.first_bad {
                None => {
                    println!("audit chain intact: {} events", v.events);
                    Ok(ExitCode::SUCCESS)
                }
                Some((seq, why)) => {
                    println!("audit chain BROKEN at event {seq}: {why} ({} events verified before it)", v.events);
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Backup { to } => {
            config.validate()?;
            let store = open_store(&config, false).await?;
            let r = backup::backup(&store, &to).await?;
            println!(
                "backup written: {} ({} bytes, {} audit events)\nsha256 {}",
                to.display(),
                r.bytes,
                r.audit_events,
                r.sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Aggir { modalities } => Ok(aggir(&modalities)),
        Command::Restore { from, force } => {
            config.validate()?;
            let (url, _) = config.database_url()?;
            let target = url
                .strip_prefix("sqlite:")
                .context("restore writes a SQLite database; for PostgreSQL use its own tools")?;
            let target = PathBuf::from(target.trim_start_matches("//").split('?').next().unwrap_or(""));
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let r = backup::restore(&from, &target, force).await?;
            println!(
                "restored into {}: {} persons, audit chain intact ({} events)",
                target.display(),
                r.persons,
                r.audit_events
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Identity { command: IdentityCommand::Qualify { establishment, per_second } } => {
            config.validate()?;
            let insi =
                config.insi.clone().context("INSi is not configured: add an [insi] table to the configuration")?;
            let client = relais_interop::insi::InsiClient::new(insi.client_config()?)
                .map_err(|e| anyhow::anyhow!("INSi: {e}"))?;
            let store = open_store(&config, true).await?;
            let app = build_app(store, config.settings(), Arc::new(SystemClock)).with_insi(client);
            let est = find_establishment(&app, &establishment).await?;
            let report = app
                .qualify_establishment(est.organisation_id, est.id, per_second, |done, total| {
                    if done % 20 == 0 || done == total {
                        eprintln!("  {done}/{total}");
                    }
                })
                .await
                .map_err(explain)?;
            println!("identity qualification for {} ({}):", est.name, est.finess);
            println!("  eligible identities        {}", report.eligible);
            println!("  INS recorded               {}", report.recorded);
            println!("  found, to be reviewed      {}", report.to_review);
            println!("  not found (CR 01)          {}", report.not_found);
            println!("  several found (CR 02)      {}", report.several);
            println!("  errors                     {}", report.errors);
            if let Some(e) = report.first_error {
                println!("  first error: {e}");
            }
            Ok(if report.errors > 0 { ExitCode::from(3) } else { ExitCode::SUCCESS })
        }
        Command::Admin { command } => {
            if let AdminCommand::AccessMatrix = command {
                print!("{}", relais_domain::access::matrix_markdown());
                return Ok(ExitCode::SUCCESS);
            }
            config.validate()?;
            let store = open_store(&config, true).await?;
            let app = build_app(store, config.settings(), Arc::new(SystemClock));
            admin(&app, command).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn aggir(modalities: &str) -> ExitCode {
    match relais_domain::aggir::parse_eight(modalities) {
        Ok(eight) => {
            let r = relais_domain::aggir::gir(eight);
            println!("rang={} gir={}", r.rank, r.gir);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("relais aggir : {}", e.message);
            ExitCode::from(2)
        }
    }
}

async fn admin(app: &App, command: AdminCommand) -> anyhow::Result<()> {
    let by = || AdminBy::CommandLine;
    match command {
        AdminCommand::Archive { retention_years, apply, organisation: org } => {
            let org = organisation(app, org.as_deref()).await?;
            let r = app.archive_records(by(), org, retention_years, apply).await.map_err(explain)?;
            let verb = if apply { "archived" } else { "would archive (dry run; --apply to purge)" };
            println!("archival rule: last discharge before {}: {verb} {} record(s)", r.cutoff, r.persons.len());
            for (person, last, purged) in &r.persons {
                if apply {
                    println!(
                        "  {person}  discharged {last}: {} notes, {} observations, {} appointments, {} documents, {} alerts, {} activity registrations, {} assessments, {} admission requests",
                        purged.notes,
                        purged.observations,
                        purged.appointments,
                        purged.documents,
                        purged.alerts,
                        purged.activities,
                        purged.assessments,
                        purged.admission_requests
                    );
                } else {
                    println!("  {person}  discharged {last}");
                }
            }
        }
        AdminCommand::CreateOrganisation { name, finess } => {
            let id = app.create_organisation(&name, &finess).await.map_err(explain)?;
            println!("organisation created: {id}");
        }
        AdminCommand::CreateEstablishment { finess, name, sector, category, organisation: org } => {
            let org = organisation(app, org.as_deref()).await?;
            let id = app.create_establishment(by(), org, &name, &finess, &sector, &category).await.map_err(explain)?;
            println!("establishment created: {id}");
        }
        AdminCommand::CreateUnit { establishment, name } => {
            let e = find_establishment(app, &establishment).await?;
            let id = app.create_unit(by(), e.organisation_id, e.id, &name).await.map_err(explain)?;
            println!("unit created: {id}");
        }
        AdminCommand::CreateAccount {
            username,
            given_name,
            family_name,
            profile,
            establishment,
            unit,
            password_stdin,
        } => {
            let e = find_establishment(app, &establishment).await?;
            let profile = Profile::from_code(&profile).with_context(|| format!("unknown profile {profile}"))?;
            let unit = match unit {
                Some(name) => Some(
                    app.units(e.organisation_id)
                        .await?
                        .into_iter()
                        .find(|u| u.establishment_id == e.id && u.name == name)
                        .with_context(|| format!("no unit named {name:?} in {}", e.name))?
                        .id,
                ),
                None => None,
            };
            let (password, generated) = if password_stdin {
                if std::io::stdin().is_terminal() {
                    eprint!("Mot de passe : ");
                }
                let mut line = String::new();
                std::io::stdin().lock().read_line(&mut line)?;
                (line.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (relais_app::secret::generate_password()?, true)
            };
            let id = app
                .create_account(
                    by(),
                    e.organisation_id,
                    NewAccount {
                        username: &username,
                        family_name: &family_name,
                        given_name: &given_name,
                        password: &password,
                        grants: vec![open_grant(profile, e.id, unit, app.today())],
                    },
                )
                .await
                .map_err(explain)?;
            println!("account created: {id}");
            if generated {
                println!("password={password}");
                eprintln!("This password is shown once: hand it over, then ask the person to enrol a second factor.");
            }
        }
        AdminCommand::DisableAccount { username } => {
            let a = app.account_by_username(&username).await?.with_context(|| format!("no account {username}"))?;
            app.set_account_disabled(by(), a.id, true).await.map_err(explain)?;
            println!("account disabled, sessions ended: {username}");
        }
        AdminCommand::EnableAccount { username } => {
            let a = app.account_by_username(&username).await?.with_context(|| format!("no account {username}"))?;
            app.set_account_disabled(by(), a.id, false).await.map_err(explain)?;
            println!("account enabled: {username}");
        }
        AdminCommand::RequireTotp { value, organisation: org } => {
            let org = organisation(app, org.as_deref()).await?;
            app.set_totp_required(by(), org, value == "on").await.map_err(explain)?;
            println!("second factor required: {value}");
        }
        AdminCommand::Client { command: ClientCommand::Create { name, scope, organisation: org } } => {
            let org = organisation(app, org.as_deref()).await?;
            let (id, secret) = app.create_api_client(org, &name, &scope).await.map_err(explain)?;
            println!("client_id={id}");
            println!("client_secret={secret}");
        }
        AdminCommand::AccessMatrix => {}
    }
    Ok(())
}

async fn find_establishment(app: &App, finess: &str) -> anyhow::Result<relais_app::store::org::Establishment> {
    let mut conn = app.store.read().await?;
    relais_app::store::org::establishment_by_finess(&mut conn, finess.trim())
        .await?
        .with_context(|| format!("no establishment with FINESS {finess}"))
}

/// Turns validation errors into a readable message for the terminal.
fn explain(e: relais_app::AppError) -> anyhow::Error {
    match e {
        relais_app::AppError::Invalid(errors) => {
            anyhow::anyhow!(errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("\n"))
        }
        other => anyhow::anyhow!(other),
    }
}
