//! The command line (clap). The names here are a contract: scripts depend on them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// A fast terminal dashboard for the inventory of a Quest KACE SMA.
#[derive(Debug, Parser)]
#[command(name = "kace-tui", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command understands. Each can also come from the profile.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalOptions {
    /// Profile from the configuration file.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Configuration file.
    #[arg(long, global = true, env = "KACE_TUI_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Appliance URL, e.g. https://kace.example.com.
    #[arg(long, global = true, env = "KACE_SERVER", value_name = "URL")]
    pub server: Option<String>,
    /// User name.
    #[arg(long, global = true, env = "KACE_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// Organization to log into.
    #[arg(long, global = true, env = "KACE_ORG", value_name = "NAME")]
    pub org: Option<String>,
    /// Extra CA certificate (PEM) for a self-signed appliance.
    #[arg(long, global = true, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Do not verify the appliance's TLS certificate (dangerous).
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Trust exactly the certificate with this SHA-256 fingerprint (AB:CD:...), instead of
    /// checking its chain.
    #[arg(long, global = true, value_name = "SHA256")]
    pub tls_fingerprint: Option<String>,
    /// Allow plain http:// to a non-loopback appliance (sends the password in clear).
    #[arg(long, global = true)]
    pub allow_http: bool,
    /// Run against the embedded demo appliance.
    #[arg(long, global = true)]
    pub demo: bool,
    /// No colours (also when NO_COLOR is set).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Log level for the log file: error, warn, info, debug or trace.
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Machines of the inventory.
    #[command(subcommand)]
    Machines(MachinesCommand),
    /// Print the organizations the account can see.
    Orgs {
        /// Output format (default: table on a terminal, jsonl when piped).
        #[arg(long, value_enum)]
        output: Option<OutputFormat>,
    },
    /// Print every path used (config, state, log, cache) and the resolved profile.
    Info,
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Run the fake KACE SMA appliance (for the demo and for trying things out).
    DemoServer(DemoServerArgs),
}

#[derive(Debug, Subcommand)]
pub enum MachinesCommand {
    /// Print machines.
    List(ListArgs),
    /// Print one machine with all its fields.
    Get {
        /// Machine id, or exact name (case-insensitive).
        machine: String,
        /// Also print its software.
        #[arg(long)]
        software: bool,
        /// Output format (default: table on a terminal, json when piped).
        #[arg(long, value_enum)]
        output: Option<OutputFormat>,
    },
}

#[derive(Debug, Args, Default)]
pub struct ListArgs {
    /// Appliance filter clause "FIELD OP VALUE" (repeatable; all must match).
    #[arg(long, value_name = "CLAUSE")]
    pub filter: Vec<String>,
    /// Text to match in name, IP, OS, user and model exactly like the TUI's / filter
    /// (smart case, column:text, a leading ! inverts); asks for at least extended shaping.
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Sort by FIELD, or "FIELD desc".
    #[arg(long, value_name = "FIELD")]
    pub sort: Option<String>,
    /// Print at most N machines.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Columns to print, comma-separated: appliance fields (Os_name, Bios_serial_number, any
    /// key, case-insensitive) or the short names os, model, manufacturer, serial, domain.
    #[arg(long, value_name = "A,B,C", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Output format (default: table on a terminal, jsonl when piped).
    #[arg(long, value_enum)]
    pub output: Option<OutputFormat>,
    /// Fields the appliance sends per machine: limited, standard, extended or all (default:
    /// standard, or all when --columns names a field only the full record has).
    #[arg(long, value_name = "LEVEL")]
    pub shaping: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Jsonl,
    Csv,
}

#[derive(Debug, Args, Clone)]
pub struct DemoServerArgs {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Machines in the Default organization.
    #[arg(long, default_value_t = 1_200)]
    pub machines: usize,
    /// Seed of the data generator.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Latency added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Share of /api answers that fail with a 5xx (0.0 to 1.0).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Idle seconds after which a session expires.
    #[arg(long, default_value_t = 3_600)]
    pub session_ttl: u64,
    /// Behave like an 11.x appliance (x-dell-csrf-token required).
    #[arg(long)]
    pub legacy_csrf: bool,
    /// The 2FA code the `secure` account must send.
    #[arg(long, default_value = "123456")]
    pub two_factor_code: String,
    /// Serve HTTPS with a self-signed certificate generated at start (its fingerprint is
    /// printed, its PEM written to a file).
    #[arg(long)]
    pub tls: bool,
    /// Where to write the certificate with --tls (default: the cache directory).
    #[arg(long, value_name = "PATH", requires = "tls")]
    pub cert_out: Option<PathBuf>,
}
