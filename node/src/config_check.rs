//! `huizong config check`: reads a node directory's `node.toml` as `huizong run` would and lists
//! every problem at once (the file's syntax and unknown keys first, then each setting that would
//! stop the node or that the node would refuse at start), and, when there is none, the settings in
//! force with their defaults filled in, so an operator sees what the node will do before starting
//! it.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;

use crate::console::server::{resolve, uses_tls};
use crate::directory::{LogFormat, NodeConfig, NodeDirectory};
use crate::t;

/// What the check found: the problems, or the settings in force.
#[derive(Debug)]
pub enum ConfigCheck {
    /// The file reads and every setting can be used: one line a setting.
    Usable(Vec<String>),
    /// Everything to fix, one line each, naming the key.
    Problems(Vec<String>),
}

/// Checks the node.toml of `directory`.
pub fn check(directory: &NodeDirectory) -> ConfigCheck {
    let path = directory.config_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            return ConfigCheck::Problems(vec![
                t!(
                    "node.config.unreadable",
                    file = path.display(),
                    reason = error
                )
                .into_owned(),
            ]);
        }
    };
    let config: NodeConfig = match toml::from_str(&text) {
        Ok(config) => config,
        Err(error) => {
            let line = error
                .span()
                .map(|span| text[..span.start].matches('\n').count() + 1);
            let place = match line {
                Some(line) => format!("{}:{line}", path.display()),
                None => path.display().to_string(),
            };
            return ConfigCheck::Problems(vec![
                t!(
                    "node.config.syntax",
                    place = place,
                    reason = error.message()
                )
                .into_owned(),
            ]);
        }
    };
    let problems = problems(&config, directory.root());
    if problems.is_empty() {
        // Without `listen`, the node listens on its address in the topology.
        let published = directory.read_topology().ok().and_then(|topology| {
            topology
                .node(config.code)
                .and_then(|entry| entry.address.clone())
        });
        ConfigCheck::Usable(settings(&config, published))
    } else {
        ConfigCheck::Problems(problems)
    }
}

/// Every setting of a parsed config that the node would refuse or fail on.
fn problems(config: &NodeConfig, root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(listen) = &config.listen
        && listen.trim().parse::<SocketAddr>().is_err()
        && listen.trim().to_socket_addrs().is_err()
    {
        problems.push(t!("node.config.bad_listen", address = listen).into_owned());
    }
    if config.retry_ms_min == 0 || config.retry_ms_min > config.retry_ms_max {
        problems.push(
            t!(
                "node.config.bad_retry",
                min = config.retry_ms_min,
                max = config.retry_ms_max
            )
            .into_owned(),
        );
    }
    match resolve(&config.console) {
        Err(error) => problems.push(format!("[console] {error}")),
        Ok(Some(address)) => {
            if let Err(error) = uses_tls(&config.console, &address) {
                problems.push(format!("[console] {error}"));
            }
        }
        Ok(None) => {}
    }
    match (&config.console.certificate, &config.console.private_key) {
        (Some(_), None) | (None, Some(_)) => {
            problems.push(t!("node.config.certificate_pair").into_owned());
        }
        (Some(certificate), Some(key)) => {
            for file in [certificate, key] {
                let file = root.join(file);
                if !file.is_file() {
                    problems
                        .push(t!("node.config.missing_file", file = file.display()).into_owned());
                }
            }
        }
        (None, None) => {}
    }
    if let Err(error) = config.metrics.resolve() {
        problems.push(error.to_string());
    }
    if !is_log_filter(&config.log.level) {
        problems.push(t!("node.config.bad_log_level", level = config.log.level).into_owned());
    }
    problems
}

/// The settings in force, defaults filled in, one line each.
fn settings(config: &NodeConfig, published: Option<String>) -> Vec<String> {
    let listen = match (&config.listen, published) {
        (Some(listen), _) => listen.clone(),
        (None, Some(address)) => {
            t!("node.config.listen_from_topology", address = address).into_owned()
        }
        (None, None) => t!("node.config.no_address").into_owned(),
    };
    let console = if config.console.is_off() {
        t!("node.config.console_off").into_owned()
    } else {
        config.console.address.clone()
    };
    let log_format = match config.log.format {
        LogFormat::Text => "text",
        LogFormat::Json => "json",
        LogFormat::Logfmt => "logfmt",
    };
    vec![
        t!("node.config.setting.code", value = config.code).into_owned(),
        t!("node.config.setting.listen", value = listen).into_owned(),
        t!(
            "node.config.setting.retry",
            min = config.retry_ms_min,
            max = config.retry_ms_max
        )
        .into_owned(),
        t!("node.config.setting.console", value = console).into_owned(),
        t!(
            "node.config.setting.log",
            format = log_format,
            level = config.log.level
        )
        .into_owned(),
        t!(
            "node.config.setting.metrics",
            value = if config.metrics.address.trim().eq_ignore_ascii_case("off") {
                t!("node.config.console_off").into_owned()
            } else {
                config.metrics.address.clone()
            }
        )
        .into_owned(),
        t!(
            "node.config.setting.reporting_unit",
            value = if config.reporting_unit.name.is_empty() {
                t!("node.config.unset").into_owned()
            } else {
                config.reporting_unit.name.clone()
            }
        )
        .into_owned(),
    ]
}

/// Whether a `[log] level` reads as levels: a level (`info`), or directives of a target and a level
/// (`info,node::driver=debug`). A bare word that is no level would pass as a target filter and
/// silence everything else, so it is refused.
pub fn is_log_filter(text: &str) -> bool {
    const LEVELS: [&str; 6] = ["error", "warn", "info", "debug", "trace", "off"];
    let is_level = |word: &str| LEVELS.contains(&word.trim().to_ascii_lowercase().as_str());
    !text.trim().is_empty()
        && text
            .split(',')
            .all(|directive| match directive.split_once('=') {
                Some((target, level)) => !target.trim().is_empty() && is_level(level),
                None => is_level(directive),
            })
        && tracing_subscriber::EnvFilter::try_new(text).is_ok()
}

#[cfg(test)]
mod tests {
    use super::is_log_filter;

    #[test]
    fn a_log_level_is_a_level_or_directives_with_levels() {
        for good in ["info", "WARN", "info,node::driver=debug", "off"] {
            assert!(is_log_filter(good), "{good}");
        }
        for bad in ["", "loud", "loud=", "info,node", "=debug"] {
            assert!(!is_log_filter(bad), "{bad}");
        }
    }
}
