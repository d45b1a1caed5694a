//! Gold items and qualifications for the Dashboard's gold card: mark gold (a lead), list the
//! answers (a lead), where each annotator stands in the qualification queues, and a reset; and
//! what of the answers a viewer may see ([`Sight`]), the same in the app and over HTTP.

use arbiter_core::{annotate, gold, review};

use super::{no_project, AppState};
use crate::dto::*;

/// What of the gold answers a viewer may see. While the project has gold items, a gold item's
/// answer is its given label (gold taken from the given labels) or its final label, so an
/// annotator — or a viewer who has not said who they are — browses items without either; a
/// reviewer reviews with them; the report's gold details (confusion matrices, missed items with
/// their answers) are a lead's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sight {
    /// Items' given and final labels, and their review.
    pub labels: bool,
    /// The report's per-annotator gold details.
    pub gold_details: bool,
}

impl AppState {
    pub fn sight(&self, viewer: Option<&str>) -> Result<Sight, IpcError> {
        use arbiter_core::annotators::Role as R;
        self.with_project(|p| {
            let role = match viewer.map(str::trim).filter(|v| !v.is_empty()) {
                Some(name) => annotate::annotators(p)?
                    .into_iter()
                    .find(|a| a.name == name)
                    .map(|a| a.role),
                None => None,
            };
            let lead = role == Some(R::Lead);
            let reviews = lead || role == Some(R::Reviewer);
            Ok(Sight {
                labels: reviews || !gold::any(p)?,
                gold_details: lead,
            })
        })
    }

    pub fn add_gold(&self, r: &AddGoldRequest, lead: &str) -> Result<GoldAddedDto, IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        Ok(gold::add(
            p,
            &gold::AddOptions {
                source: match r.source {
                    GoldSource::Given => gold::Source::Given,
                    GoldSource::Decisions => gold::Source::Decisions,
                },
                dataset: r.dataset.clone().filter(|d| !d.trim().is_empty()),
                share: r.share,
                count: r.count.map(|c| c as usize),
                seed: r.seed,
                by: Some(lead.to_string()),
            },
        )?
        .into())
    }

    pub fn list_gold(&self, dataset: Option<&str>) -> Result<Vec<GoldItemDto>, IpcError> {
        self.with_project(|p| {
            Ok(gold::list(p, dataset)?
                .into_iter()
                .map(Into::into)
                .collect())
        })
    }

    pub fn remove_gold(
        &self,
        items: &[String],
        dataset: Option<&str>,
        lead: &str,
    ) -> Result<u64, IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        Ok(gold::remove(p, dataset, items, false, Some(lead))? as u64)
    }

    /// Every annotator's standing in every qualification queue (annotator order, queue order);
    /// reviewers and leads are not held to them.
    pub fn qualifications(&self) -> Result<Vec<QualificationDto>, IpcError> {
        self.with_project(|p| {
            let mut out = Vec::new();
            for a in annotate::annotators(p)?
                .into_iter()
                .filter(|a| a.role == arbiter_core::annotators::Role::Annotator)
            {
                for s in review::qualifications(p, &a.name)? {
                    out.push(QualificationDto::of(&a.name, s));
                }
            }
            Ok(out)
        })
    }

    pub fn reset_qualification(&self, queue: &str, name: &str, lead: &str) -> Result<(), IpcError> {
        let mut guard = self.lock();
        let p = guard.as_mut().ok_or_else(no_project)?;
        Ok(review::reset_qualification(p, queue, name, Some(lead))?)
    }
}
