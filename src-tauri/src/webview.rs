//! The web view's own process. WebKitGTK runs the UI in a separate web process; when that process
//! dies — a crash (seen in Mesa's software OpenGL, `swrast_dri.so`, on WebKit's compositor thread,
//! on a computer without a GPU) or WebKit stopping it over its memory limit — WebKit keeps the
//! window showing the last frame it drew, and nothing in it answers any more, for good. The app
//! reloads the page instead: WebKit starts a new web process and the UI reads the open project
//! again (the project stays open on this side; every label is in the database). A process that
//! dies again within [`CRASH_LOOP`] of the last reload is left dead, with its reason on stderr,
//! rather than reloaded in a loop.

use std::time::{Duration, Instant};

/// A web process dying this soon after the last reload is not reloaded again.
pub const CRASH_LOOP: Duration = Duration::from_secs(10);

/// Whether to reload after the web process died at `now`, the last reload being at `last`.
pub fn should_reload(last: Option<Instant>, now: Instant) -> bool {
    last.is_none_or(|at| now.saturating_duration_since(at) >= CRASH_LOOP)
}

/// Reload `window`'s page whenever its web process dies (not when the app itself stops it).
#[cfg(target_os = "linux")]
pub fn reload_when_its_process_dies(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    window.with_webview(|platform| {
        use std::cell::Cell;
        use webkit2gtk::{WebProcessTerminationReason as Reason, WebViewExt};
        let last = Cell::new(None);
        platform
            .inner()
            .connect_web_process_terminated(move |view, reason| {
                let what = match reason {
                    Reason::Crashed => "crashed",
                    Reason::ExceededMemoryLimit => "went over its memory limit",
                    // The app closing its window: nothing to recover.
                    Reason::TerminatedByApi => return,
                    _ => "stopped",
                };
                let now = Instant::now();
                if should_reload(last.get(), now) {
                    eprintln!("arbiter-app: the window's web process {what}; reloading the window");
                    last.set(Some(now));
                    view.reload();
                } else {
                    eprintln!(
                        "arbiter-app: the window's web process {what} again within {} s of the last reload; not reloading it again",
                        CRASH_LOOP.as_secs()
                    );
                }
            });
    })
}

/// Elsewhere the web view is not WebKitGTK's: nothing to do.
#[cfg(not(target_os = "linux"))]
pub fn reload_when_its_process_dies(_window: &tauri::WebviewWindow) -> tauri::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_death_reloads_and_one_soon_after_a_reload_does_not() {
        let start = Instant::now();
        assert!(should_reload(None, start));
        assert!(!should_reload(Some(start), start));
        assert!(!should_reload(
            Some(start),
            start + CRASH_LOOP - Duration::from_millis(1)
        ));
        assert!(should_reload(Some(start), start + CRASH_LOOP));
        assert!(should_reload(
            Some(start),
            start + CRASH_LOOP + Duration::from_secs(60)
        ));
    }
}
