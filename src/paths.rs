//! Where kace-tui keeps its files: the configuration file, the state directory (log file,
//! remembered UI state) and the cache directory.
//!
//! Precedence for the configuration file: `--config` / `KACE_TUI_CONFIG`, then
//! `$XDG_CONFIG_HOME/kace-tui/config.toml` (when absolute, on every platform), then the
//! platform's directory from `directories`. The state and cache directories follow the same
//! pattern with `XDG_STATE_HOME` and `XDG_CACHE_HOME`, so tests and users can isolate them.
//! Files holding logs or inventory data are created readable by the owner only.

use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The directory and file names kace-tui uses under the base directories.
const APP_DIR: &str = "kace-tui";
const CONFIG_FILE: &str = "config.toml";
const LOG_FILE: &str = "kace-tui.log";

/// Every path kace-tui reads or writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// The configuration file (it may not exist).
    pub config_file: PathBuf,
    /// Whether `config_file` was named explicitly (`--config` / `KACE_TUI_CONFIG`); a missing
    /// explicit file is an error, a missing default one is not.
    pub config_explicit: bool,
    /// Logs and remembered UI state.
    pub state_dir: PathBuf,
    /// The log file, inside `state_dir`.
    pub log_file: PathBuf,
    /// Cached data (never credentials).
    pub cache_dir: PathBuf,
}

impl Paths {
    /// Resolves every path from the override and the environment. Fails only when there is no
    /// home directory to put anything in.
    pub fn resolve(config_override: Option<&Path>) -> Result<Paths, String> {
        Self::resolve_with(config_override, |name| std::env::var_os(name))
    }

    fn resolve_with(
        config_override: Option<&Path>,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Paths, String> {
        let project = directories::ProjectDirs::from("", "", APP_DIR);
        let from_xdg = |var: &str| {
            env(var)
                .map(PathBuf::from)
                .filter(|dir| dir.is_absolute())
                .map(|dir| dir.join(APP_DIR))
        };
        let no_home = || {
            "cannot find a home directory: set XDG_CONFIG_HOME and XDG_STATE_HOME, or HOME"
                .to_string()
        };

        let (config_file, config_explicit) = match config_override {
            Some(path) => (path.to_path_buf(), true),
            None => {
                let dir = from_xdg("XDG_CONFIG_HOME")
                    .or_else(|| project.as_ref().map(|p| p.config_dir().to_path_buf()))
                    .ok_or_else(no_home)?;
                (dir.join(CONFIG_FILE), false)
            }
        };
        let state_dir = from_xdg("XDG_STATE_HOME")
            .or_else(|| {
                project.as_ref().map(|p| {
                    // `state_dir` exists only on Linux; elsewhere the local data dir is the
                    // conventional place.
                    p.state_dir()
                        .unwrap_or_else(|| p.data_local_dir())
                        .to_path_buf()
                })
            })
            .ok_or_else(no_home)?;
        let cache_dir = from_xdg("XDG_CACHE_HOME")
            .or_else(|| project.as_ref().map(|p| p.cache_dir().to_path_buf()))
            .ok_or_else(no_home)?;
        Ok(Paths {
            config_file,
            config_explicit,
            log_file: state_dir.join(LOG_FILE),
            state_dir,
            cache_dir,
        })
    }
}

/// Creates `dir` and its parents; the directories we create are private to the owner.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Opens `path` for appending (creating it and its directory), readable and writable by the
/// owner only, also when it already existed with looser permissions. For logs and any file
/// that holds inventory data.
pub fn open_private_append(path: &Path) -> io::Result<File> {
    open_private(path, OpenOptions::new().append(true).create(true))
}

/// Creates or truncates `path` as a private file (see [`open_private_append`]).
pub fn create_private(path: &Path) -> io::Result<File> {
    open_private(
        path,
        OpenOptions::new().write(true).create(true).truncate(true),
    )
}

fn open_private(path: &Path, options: &mut OpenOptions) -> io::Result<File> {
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    let file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn xdg_variables_place_every_directory() {
        let env = env_of(&[
            ("XDG_CONFIG_HOME", "/x/config"),
            ("XDG_STATE_HOME", "/x/state"),
            ("XDG_CACHE_HOME", "/x/cache"),
        ]);
        let paths = Paths::resolve_with(None, env).unwrap();
        assert_eq!(
            paths.config_file,
            PathBuf::from("/x/config/kace-tui/config.toml")
        );
        assert!(!paths.config_explicit);
        assert_eq!(paths.state_dir, PathBuf::from("/x/state/kace-tui"));
        assert_eq!(
            paths.log_file,
            PathBuf::from("/x/state/kace-tui/kace-tui.log")
        );
        assert_eq!(paths.cache_dir, PathBuf::from("/x/cache/kace-tui"));
    }

    #[test]
    fn an_explicit_config_file_wins_and_relative_xdg_values_are_ignored() {
        let env = env_of(&[
            ("XDG_CONFIG_HOME", "relative/config"),
            ("XDG_STATE_HOME", "/x/state"),
            ("XDG_CACHE_HOME", "/x/cache"),
        ]);
        let paths = Paths::resolve_with(Some(Path::new("/etc/k.toml")), env).unwrap();
        assert_eq!(paths.config_file, PathBuf::from("/etc/k.toml"));
        assert!(paths.config_explicit);
    }

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only_even_if_they_existed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/log.txt");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(open_private_append(&path).unwrap());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");

        let fresh = dir.path().join("new/export.csv");
        drop(create_private(&fresh).unwrap());
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
