//! A progress bar for large imports, drawn on standard error only when it is a terminal, so that
//! scripts and tests see no bar.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Rows from which an import shows progress: smaller files finish before a bar would be read.
pub const PROGRESS_ROWS_MIN: u64 = 20_000;

/// The progress of one import, or nothing.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// No progress shown (the node answering a running command, tests, the demo).
    pub fn hidden() -> Self {
        Self { bar: None }
    }

    /// Progress drawn on standard error if it is a terminal.
    pub fn on_terminal() -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        Self { bar: Some(bar) }
    }

    /// Starts a stage of `total` steps; small stages are not shown.
    pub fn start(&self, stage: &str, total: u64) {
        let Some(bar) = &self.bar else {
            return;
        };
        if total < PROGRESS_ROWS_MIN {
            bar.set_draw_target(ProgressDrawTarget::hidden());
            return;
        }
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.reset();
        bar.set_length(total);
        bar.set_style(
            ProgressStyle::with_template("{msg:16} [{bar:40}] {pos}/{len} rows ({per_sec}, {eta})")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.set_message(stage.to_owned());
    }

    /// Adds steps to the current stage.
    pub fn advance(&self, steps: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(steps);
        }
    }

    /// Ends the current stage, clearing the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
