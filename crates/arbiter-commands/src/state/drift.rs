//! The Drift screen's work: the report between two sides (marking the auto-accept in force
//! stale when its data drifted), and a lead's drift queue.

use arbiter_core::{drift, review};

use super::{no_project, AppState};
use crate::dto::*;

impl AppState {
    pub fn drift_report(&self, r: &DriftRequest) -> Result<DriftReportDto, IpcError> {
        self.with_project(|p| {
            let report = drift::report_and_mark(
                p,
                &r.reference,
                &r.current,
                drift::Options {
                    method: if r.psi {
                        drift::Method::Psi
                    } else {
                        drift::Method::Default
                    },
                    domain_classifier: r.classifier,
                },
            )?;
            Ok((&report).into())
        })
    }

    pub fn save_drift_queue(&self, r: &DriftQueueRequest) -> Result<QueueDto, IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        let (_, q) = drift::save_queue(
            p,
            &r.reference,
            &r.current,
            drift::Options::default(),
            r.name.trim(),
            r.limit.map(|l| l as usize),
        )?;
        let c = review::counts(p, q.id)?;
        Ok(QueueDto::new(q, c))
    }
}
