//! The `nba-props` command line.

/// `println!` for every module of the binary: the macros below are defined before the `mod`
/// lines, so they shadow std's in all of them. A closed stdout (`nba-props jobs | head -1`)
/// ends the process at once with exit 0, as a reader that stopped reading expects, instead of
/// std's "failed printing to stdout" panic; any other write error is exit 1 with its message.
macro_rules! println {
    () => {
        $crate::write_stdout(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::write_stdout(format_args!($($arg)*))
    };
}

/// `eprintln!` for every module: a closed stderr is ignored (nowhere left to report it) and the
/// command carries on to its own exit code.
macro_rules! eprintln {
    () => {
        $crate::write_stderr(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::write_stderr(format_args!($($arg)*))
    };
}

mod commands;
mod config;
mod live;
mod ops;
mod phase1;
mod predict;
mod replay_server;
mod runtime;
mod web;

use clap::{Parser, Subcommand};
use config::Config;
use nba_props_core::{BuildInfo, GameDate};
use std::path::PathBuf;
use std::process::ExitCode;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "nba-props", version = version(), about = "NBA player-props analytics: collect, clean, predict, grade, publish.")]
struct Cli {
    /// TOML configuration file (default: ./nba-props.toml when present).
    #[arg(long, global = true, env = "NBA_PROPS_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory (database and raw store). Overrides NBA_PROPS_DATA_DIR.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL (postgres://… or sqlite://…). Overrides NBA_PROPS_DATABASE_URL.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// The daily job for a date (or a range): fetch or import the raw data, then run every phase.
    Run {
        /// A date (YYYY-MM-DD) or today / yesterday / tomorrow, in US Eastern time.
        #[arg(long, default_value = "yesterday", conflicts_with_all = ["from", "to"])]
        date: String,
        #[arg(long, requires = "to")]
        from: Option<String>,
        #[arg(long, requires = "from")]
        to: Option<String>,
        /// Run over this raw archive instead of the live sources (default: archive_dir from config).
        #[arg(long)]
        archive: Option<PathBuf>,
        /// Workers run in this process.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
    },
    /// Fetch one source (all its datasets) or one `source.dataset` for a date into the raw store.
    Scrape {
        /// `nbacom`, `nbacom.leaguegamelog_player`, … (`nba-props sources` lists them).
        dataset: String,
        #[arg(long, default_value = "yesterday")]
        date: String,
    },
    /// Every source dataset: what it fetches, when, the key it needs, and its last fetch.
    Sources,
    /// Load a raw archive (DIR/manifest.jsonl) into the raw store.
    Import { dir: PathBuf },
    /// Run processors over a date range; resumable (every partition write is idempotent).
    Backfill {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// Phases to run: `2`, or a range like `2-5`.
        #[arg(long, default_value = "2")]
        phases: String,
        /// Workers run in this process (and the cap on workers running this backfill).
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// Only enqueue: workers elsewhere (`nba-props worker`, `serve`) run the jobs.
        #[arg(long, conflicts_with = "in_process")]
        no_wait: bool,
        /// Run the processors directly, without the job table (for comparison and benchmarks).
        #[arg(long)]
        in_process: bool,
    },
    /// Claim and run jobs until SIGTERM or ctrl-c (the first finishes the current batch).
    Worker {
        /// The worker's name: keep it stable across restarts (default: the host name).
        #[arg(long)]
        name: Option<String>,
        /// Stop when no job is ready instead of waiting for more.
        #[arg(long)]
        exit_when_idle: bool,
    },
    /// Serve a raw archive on the endpoints the scrapers call, as of a replay clock (docs/replay.md).
    ReplayServer {
        /// The archive directory (with manifest.jsonl).
        #[arg(long)]
        archive: PathBuf,
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: std::net::SocketAddr,
        /// The replay clock's first instant, RFC 3339 (2024-01-08T06:00:00-05:00).
        #[arg(long)]
        from: String,
        /// Simulated seconds per real second.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
    },
    /// Run workers, the scheduler and alerts (`[ops]`) and the web dashboard (`[web]`) until stopped.
    Serve {
        /// Workers in this process (default: `[runtime] workers`, 2).
        #[arg(long)]
        workers: Option<usize>,
    },
    /// The job table: counts, recent jobs, dead jobs, workers; `--retry ID` queues a dead job again.
    Jobs {
        /// Only dead jobs (exit code 1 when there are any).
        #[arg(long)]
        dead: bool,
        /// Only jobs in this state: queued, running, succeeded, dead.
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        processor: Option<String>,
        /// Queue this dead job again with fresh attempts.
        #[arg(long)]
        retry: Option<i64>,
        #[arg(long, default_value_t = 30)]
        limit: usize,
    },
    /// Independent checks of what the pipeline wrote.
    Check {
        #[command(subcommand)]
        what: Check,
    },
    /// What each processor did for a date: runs, rows, unmatched source rows, bad payloads.
    Status {
        #[arg(long, default_value = "yesterday")]
        date: String,
    },
    /// Walk-forward evaluation of every prediction system against the lines.
    Eval {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// points, threes or pra.
        #[arg(long, default_value = "points")]
        market: String,
        /// Print the report as JSON (it is always written as JSON, markdown and SVG too).
        #[arg(long)]
        json: bool,
        /// Directory of the report files (default: <data dir>/reports).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// The pick record of graded picks at their own prices, per market and system.
    Record {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        json: bool,
    },
    /// Every health check (heartbeats, jobs, late work, missing partitions, duplicate keys,
    /// completion, data quality, builds) and the 0-100 score; exit 1 when a check fails.
    Health {
        /// Days back from today (ET) the checks cover (default: `[ops.health] days`, 30).
        #[arg(long)]
        days: Option<u32>,
        #[arg(long)]
        json: bool,
        /// Also deliver the alerts the report raises (webhook and log; deduplicated per day).
        #[arg(long)]
        alert: bool,
    },
    /// Every gap between derived completion, the tables and the schedule; `--fix` queues the work.
    Reconcile {
        #[arg(long, default_value_t = 30)]
        days: u32,
        #[arg(long)]
        fix: bool,
    },
    /// Builds seen in runs and heartbeats of the last days vs this binary; exit 1 when mixed.
    Drift {
        #[arg(long, default_value_t = 7)]
        days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Worker and processor heartbeats; `--prune-older-than 7d` deletes retired ones.
    Heartbeats {
        #[arg(long)]
        prune_older_than: Option<String>,
    },
    /// Write the phase 6 JSON files of a date (predictions, results, players, status).
    Export {
        #[arg(long, default_value = "today")]
        date: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum Check {
    /// Recompute a sample of a date's features from player_game_summary and report mismatches.
    Features {
        #[arg(long, default_value = "yesterday")]
        date: String,
        /// How many feature rows to check.
        #[arg(long, default_value_t = 50)]
        sample: usize,
    },
    /// Per model that predicted the date, each feature's NULL share in its training rows vs
    /// the date's prediction rows; exit 1 naming each feature present in training and absent
    /// live (docs/live-day.md).
    Parity {
        #[arg(long, default_value = "today")]
        date: String,
        #[arg(long)]
        json: bool,
    },
}

fn version() -> &'static str {
    let b = BuildInfo::current();
    // clap wants a static string; this runs once per process.
    Box::leak(format!("{} (git {})", b.version, b.git_sha).into_boxed_str())
}

/// The most workers `--jobs` / `--workers` start in one process.
const MAX_WORKERS: usize = 64;

/// Resolves a date or a date word in US Eastern time.
pub fn resolve_date(s: &str) -> anyhow::Result<GameDate> {
    let today = GameDate::today_at(jiff::Timestamp::now());
    Ok(match s {
        "today" => today,
        "yesterday" => today.add_days(-1),
        "tomorrow" => today.add_days(1),
        other => GameDate::parse(other)
            .map_err(|e| anyhow::anyhow!("{e} (or today / yesterday / tomorrow)"))?,
    })
}

/// One line to stdout; see `println!` above.
pub(crate) fn write_stdout(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        let _ = writeln!(std::io::stderr(), "error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}

/// One line to stderr; see `eprintln!` above.
pub(crate) fn write_stderr(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// A count flag (`--jobs`, `--workers`, `--limit`, `--sample`) of at most `max`, or an error
/// naming the flag: a huge value would start that many workers or ask for that many rows.
fn at_most(flag: &str, v: usize, max: usize) -> anyhow::Result<usize> {
    anyhow::ensure!(v <= max, "{flag} {v}: expected at most {max}");
    Ok(v)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    // Several threads: a worker's heartbeat and lease renewal keep running while a batch computes.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(std::thread::available_parallelism().map_or(2, |n| n.get().max(2)))
        .enable_all()
        .build()
        .expect("start the async runtime");
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NBA_PROPS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(d) = cli.data_dir {
        config.data_dir = d;
    }
    if let Some(u) = cli.database_url {
        config.database_url = Some(u);
    }
    predict::install_settings(&config)?;
    match cli.command {
        Command::Eval {
            from,
            to,
            market,
            json,
            out,
        } => {
            predict::eval(
                &config,
                resolve_date(&from)?,
                resolve_date(&to)?,
                &market,
                json,
                out,
            )
            .await
        }
        Command::Record { from, to, json } => {
            predict::record(&config, resolve_date(&from)?, resolve_date(&to)?, json).await
        }
        Command::Export { date, out } => predict::export(&config, resolve_date(&date)?, out).await,
        Command::Import { dir } => commands::import(&config, &dir).await,
        Command::Health { days, json, alert } => ops::health(&config, days, json, alert).await,
        Command::Reconcile { days, fix } => ops::reconcile(&config, days, fix).await,
        Command::Drift { days, json } => ops::drift(&config, days, json).await,
        Command::Heartbeats { prune_older_than } => {
            ops::heartbeats(&config, prune_older_than).await
        }
        Command::Backfill {
            from,
            to,
            phases,
            jobs,
            no_wait,
            in_process,
        } => {
            let (from, to) = (resolve_date(&from)?, resolve_date(&to)?);
            let jobs = at_most("--jobs", jobs, MAX_WORKERS)?;
            commands::backfill(&config, from, to, &phases, jobs, no_wait, in_process).await
        }
        Command::Worker {
            name,
            exit_when_idle,
        } => runtime::worker(&config, name, exit_when_idle).await,
        Command::Serve { workers } => {
            let workers = workers
                .map(|w| at_most("--workers", w, MAX_WORKERS))
                .transpose()?;
            runtime::serve(&config, workers).await
        }
        Command::Jobs {
            dead,
            state,
            processor,
            retry,
            limit,
        } => {
            let limit = at_most("--limit", limit, 100_000)?;
            runtime::jobs_command(&config, dead, state, processor, retry, limit).await
        }
        Command::Status { date } => commands::status(&config, resolve_date(&date)?).await,
        Command::Scrape { dataset, date } => {
            commands::scrape(&config, &dataset, resolve_date(&date)?).await
        }
        Command::Sources => commands::sources(&config).await,
        Command::ReplayServer {
            archive,
            addr,
            from,
            speed,
        } => replay_server::run(&archive, addr, &from, speed).await,
        Command::Check {
            what: Check::Features { date, sample },
        } => {
            let sample = at_most("--sample", sample, 1_000_000)?;
            commands::check_features(&config, resolve_date(&date)?, sample).await
        }
        Command::Check {
            what: Check::Parity { date, json },
        } => ops::parity(&config, resolve_date(&date)?, json).await,
        Command::Run {
            date,
            from,
            to,
            archive,
            jobs,
        } => {
            let (from, to) = match (from, to) {
                (Some(f), Some(t)) => (resolve_date(&f)?, resolve_date(&t)?),
                _ => {
                    let d = resolve_date(&date)?;
                    (d, d)
                }
            };
            let jobs = at_most("--jobs", jobs, MAX_WORKERS)?;
            commands::run(
                &config,
                from,
                to,
                archive.or(config.archive_dir.clone()),
                jobs,
            )
            .await
        }
    }
}
