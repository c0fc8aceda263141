//! The progress line of a long-running command: a spinner with a message and the time
//! spent, redrawn on stderr while the work runs and cleared when it ends, shown only when
//! stderr is a terminal (nothing at all is written to a pipe or a file).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// How often the spinner is redrawn while nothing else happens.
const TICK: Duration = Duration::from_millis(120);

/// Runs `work`, showing `message` with a spinner and the elapsed seconds on stderr while
/// it runs when stderr is a terminal; the line is cleared before returning `work`'s
/// result. Work that prints to stdout as it runs (`streams`) shows it only when stdout
/// is not a terminal too, so the spinner never draws between its lines.
pub(crate) fn while_running<T>(message: String, streams: bool, work: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() || (streams && std::io::stdout().is_terminal()) {
        return work();
    }
    let spinner = ProgressBar::new_spinner().with_message(message);
    // The template is a constant: it cannot fail to parse, and a spinner without its
    // style still shows the message.
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        spinner.set_style(style);
    }
    // Drawn at once, not on the ticker's first tick: a short run shows its line too.
    spinner.tick();
    spinner.enable_steady_tick(TICK);
    let result = work();
    spinner.finish_and_clear();
    result
}
