//! Dawid–Skene: the true label of every item and a confusion matrix per annotator, estimated
//! together by expectation–maximisation (A. P. Dawid and A. M. Skene, "Maximum Likelihood
//! Estimation of Observer Error-Rates Using the EM Algorithm", Applied Statistics 28, 1979).
//!
//! [`fit`] follows crowd-kit's `DawidSkene` (1.4.2) step for step, so that the two agree to
//! floating-point rounding (checked against `fixtures/dawid_skene/`):
//! - **Labels** are the labels given (or fixed), in the order they first appear in the votes
//!   (crowd-kit's column order); among equal probabilities the first in that order is the
//!   most probable ([`Fit::most_probable`]).
//! - **Initialisation**: each item's probabilities are its vote shares (majority vote as a
//!   distribution, not a single winner); fixed items are set to their answer.
//! - **Priors**: the mean of the items' probabilities; a prior below 1e-10 counts as 1e-10.
//! - **M-step**: an annotator's matrix row for a label they gave holds, per true label, the sum
//!   of the probabilities of the items they gave it to, raised to at least 1e-10, then divided
//!   by that column's sum over the labels the annotator gave; rows of labels an annotator never
//!   gave are 0 and never read.
//! - **E-step**: prior times the product of each vote's matrix entry, in logs, normalised per
//!   item; then fixed items are set back to their answer.
//! - **Stopping**: at most `max_iterations` (100) E/M rounds; after each, crowd-kit's evidence
//!   lower bound per vote (Σ over votes of Σ_c q·(log e + log prior), plus the entropy of the
//!   items' probabilities, each clipped below at 1e-10, over the number of votes); it stops
//!   when the bound rises by less than `tolerance` (1e-5).
//!
//! One deliberate difference: crowd-kit returns its probabilities clipped below at 1e-10 (so
//! they may sum to slightly more than 1); these are not clipped and sum to 1.
//! A fixed answer whose label nobody gave joins the labels (crowd-kit would add a column with
//! gaps); a fixed item without votes is not an item of the fit (as in crowd-kit).

use std::collections::HashMap;
use std::hash::Hash;

/// Below this, a probability counts as this (crowd-kit's `_EPS`).
const EPS: f64 = 1e-10;

/// When the EM stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    pub max_iterations: usize,
    pub tolerance: f64,
}

impl Default for Options {
    /// crowd-kit's defaults: 100 rounds, 1e-5.
    fn default() -> Self {
        Options {
            max_iterations: 100,
            tolerance: 1e-5,
        }
    }
}

/// What [`fit`] estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit<I, A, L> {
    /// The labels, in the order of the columns below.
    pub labels: Vec<L>,
    /// The items with votes, in the order they first appear in the votes.
    pub items: Vec<I>,
    /// Per item (in `items` order), the probability of each label (in `labels` order).
    pub posteriors: Vec<Vec<f64>>,
    /// The estimated share of each label among the items.
    pub priors: Vec<f64>,
    /// The annotators, in the order they first appear in the votes.
    pub annotators: Vec<A>,
    /// Per annotator, `errors[a][given][truth]`: the probability that the annotator gives
    /// label `given` to an item whose true label is `truth` (0 for labels they never gave).
    pub errors: Vec<Vec<Vec<f64>>>,
    /// The evidence lower bound per vote after each round (as many as rounds run).
    pub loss_history: Vec<f64>,
}

impl<I, A, L> Fit<I, A, L> {
    /// The index of the most probable label of item `i` (the first among equals).
    pub fn most_probable(&self, i: usize) -> usize {
        argmax(&self.posteriors[i])
    }
    /// How many E/M rounds ran.
    pub fn iterations(&self) -> usize {
        self.loss_history.len()
    }
}

/// The first index of the largest value.
pub(crate) fn argmax(p: &[f64]) -> usize {
    let mut best = 0;
    for (c, v) in p.iter().enumerate() {
        if *v > p[best] {
            best = c;
        }
    }
    best
}

/// Fit Dawid–Skene to `votes` (item, annotator, label), with `fixed` items held to their
/// answers (gold). Each vote counts once: give each annotator's one vote per item.
pub fn fit<I, A, L>(votes: &[(I, A, L)], fixed: &HashMap<I, L>, opts: Options) -> Fit<I, A, L>
where
    I: Clone + Eq + Hash,
    A: Clone + Eq + Hash,
    L: Clone + Eq + Hash,
{
    let mut items: Vec<I> = Vec::new();
    let mut annotators: Vec<A> = Vec::new();
    let mut labels: Vec<L> = Vec::new();
    let (mut item_ix, mut ann_ix, mut label_ix) = (HashMap::new(), HashMap::new(), HashMap::new());
    let mut coded: Vec<(u32, u32, u32)> = Vec::with_capacity(votes.len());
    fn index<T: Clone + Eq + Hash>(v: &T, list: &mut Vec<T>, ix: &mut HashMap<T, u32>) -> u32 {
        *ix.entry(v.clone()).or_insert_with(|| {
            list.push(v.clone());
            (list.len() - 1) as u32
        })
    }
    for (i, a, l) in votes {
        coded.push((
            index(i, &mut items, &mut item_ix),
            index(a, &mut annotators, &mut ann_ix),
            index(l, &mut labels, &mut label_ix),
        ));
    }
    // Fixed answers of items with votes (a label nobody gave joins the labels).
    // In item order, so that labels join in an order that does not depend on the map's.
    let mut held: Vec<(usize, &L)> = fixed
        .iter()
        .filter_map(|(i, l)| item_ix.get(i).map(|&t| (t as usize, l)))
        .collect();
    held.sort_unstable_by_key(|(t, _)| *t);
    let fixed_ix: Vec<(usize, usize)> = held
        .into_iter()
        .map(|(t, l)| (t, index(l, &mut labels, &mut label_ix) as usize))
        .collect();
    let coded_fixed = em(
        &coded,
        items.len(),
        annotators.len(),
        labels.len(),
        &fixed_ix,
        opts,
    );
    let k = labels.len();
    Fit {
        posteriors: coded_fixed
            .q
            .chunks(k.max(1))
            .map(<[f64]>::to_vec)
            .collect(),
        priors: coded_fixed.priors,
        errors: (0..annotators.len())
            .map(|a| {
                (0..k)
                    .map(|g| coded_fixed.errors[(a * k + g) * k..(a * k + g + 1) * k].to_vec())
                    .collect()
            })
            .collect(),
        loss_history: coded_fixed.loss_history,
        labels,
        items,
        annotators,
    }
}

/// The EM over integer codes.
pub(crate) struct Coded {
    /// items × labels, row-major.
    pub q: Vec<f64>,
    pub priors: Vec<f64>,
    /// annotators × labels (given) × labels (truth).
    pub errors: Vec<f64>,
    pub loss_history: Vec<f64>,
}

/// [`fit`] over codes: `votes` are (item, annotator, label) indices below `n_items`,
/// `n_annotators` and `k`; `fixed` (item, label) pairs.
pub(crate) fn em(
    votes: &[(u32, u32, u32)],
    n_items: usize,
    n_annotators: usize,
    k: usize,
    fixed: &[(usize, usize)],
    opts: Options,
) -> Coded {
    if votes.is_empty() || k == 0 {
        return Coded {
            q: Vec::new(),
            priors: Vec::new(),
            errors: vec![0.0; n_annotators * k * k],
            loss_history: Vec::new(),
        };
    }
    // The votes grouped by item (counting sort), for the E-step's per-item sums.
    let mut start = vec![0usize; n_items + 1];
    for v in votes {
        start[v.0 as usize + 1] += 1;
    }
    for i in 0..n_items {
        start[i + 1] += start[i];
    }
    let mut by_item: Vec<(u32, u32)> = vec![(0, 0); votes.len()];
    {
        let mut next = start.clone();
        for v in votes {
            let slot = &mut next[v.0 as usize];
            by_item[*slot] = (v.1, v.2);
            *slot += 1;
        }
    }
    // Which labels each annotator gave.
    let mut gave = vec![false; n_annotators * k];
    for v in votes {
        gave[v.1 as usize * k + v.2 as usize] = true;
    }
    let fix = |q: &mut [f64]| {
        for &(t, c) in fixed {
            let row = &mut q[t * k..(t + 1) * k];
            row.fill(0.0);
            row[c] = 1.0;
        }
    };
    // Initialisation: vote shares.
    let mut q = vec![0.0; n_items * k];
    for t in 0..n_items {
        let row = &mut q[t * k..(t + 1) * k];
        let n = (start[t + 1] - start[t]) as f64;
        for &(_, l) in &by_item[start[t]..start[t + 1]] {
            row[l as usize] += 1.0;
        }
        for x in row.iter_mut() {
            *x /= n;
        }
    }
    fix(&mut q);
    let mut priors = mean_rows(&q, k);
    let mut errors = vec![0.0; n_annotators * k * k];
    let mut log_errors = vec![0.0; n_annotators * k * k];
    // Per item, Σ over its votes of ln e[annotator][given][·]: made once per set of errors, it
    // serves that round's bound and the next round's E-step (both read the same errors).
    let mut sums = vec![0.0; n_items * k];
    // ln q, kept from the E-step for the entropy (ln of a normalised exponential).
    let mut log_q = vec![0.0; n_items * k];
    m_step(&by_item, &start, &q, &gave, k, &mut errors);
    log_table(&errors, &mut log_errors);
    vote_sums(&by_item, &start, &log_errors, k, &mut sums);
    let mut loss = f64::NEG_INFINITY;
    let mut loss_history = Vec::new();
    let mut log_priors = vec![0.0; k];
    let ln_eps = EPS.ln();
    for _ in 0..opts.max_iterations {
        // E-step (with the previous round's priors and errors).
        for (lp, p) in log_priors.iter_mut().zip(&priors) {
            *lp = p.max(EPS).ln();
        }
        for t in 0..n_items {
            let row = &mut q[t * k..(t + 1) * k];
            let logs = &mut log_q[t * k..(t + 1) * k];
            let s = &sums[t * k..(t + 1) * k];
            let mut max = f64::NEG_INFINITY;
            for ((lq, x), lp) in logs.iter_mut().zip(s).zip(&log_priors) {
                *lq = x + lp;
                max = max.max(*lq);
            }
            let mut sum = 0.0;
            for (r, lq) in row.iter_mut().zip(logs.iter_mut()) {
                *lq -= max;
                *r = lq.exp();
                sum += *r;
            }
            let ln_sum = sum.ln();
            for (r, lq) in row.iter_mut().zip(logs.iter_mut()) {
                *r /= sum;
                *lq -= ln_sum;
            }
        }
        fix(&mut q);
        for &(t, c) in fixed {
            let logs = &mut log_q[t * k..(t + 1) * k];
            logs.fill(f64::NEG_INFINITY);
            logs[c] = 0.0;
        }
        priors = mean_rows(&q, k);
        m_step(&by_item, &start, &q, &gave, k, &mut errors);
        log_table(&errors, &mut log_errors);
        vote_sums(&by_item, &start, &log_errors, k, &mut sums);
        // crowd-kit's evidence lower bound, per vote: Σ_votes Σ_c q·(ln e + ln prior) plus the
        // entropy of q clipped below at 1e-10.
        for (lp, p) in log_priors.iter_mut().zip(&priors) {
            *lp = p.max(EPS).ln();
        }
        let mut joint = 0.0;
        let mut entropy = 0.0;
        for t in 0..n_items {
            let n = (start[t + 1] - start[t]) as f64;
            let row = &q[t * k..(t + 1) * k];
            let s = &sums[t * k..(t + 1) * k];
            let logs = &log_q[t * k..(t + 1) * k];
            for (((p, x), lp), lq) in row.iter().zip(s).zip(&log_priors).zip(logs) {
                joint += p * (x + n * lp);
                entropy -= if *p < EPS { EPS * ln_eps } else { p * lq };
            }
        }
        let new_loss = (joint + entropy) / votes.len() as f64;
        loss_history.push(new_loss);
        if new_loss - loss < opts.tolerance {
            break;
        }
        loss = new_loss;
    }
    Coded {
        q,
        priors,
        errors,
        loss_history,
    }
}

/// Per item, the sum over its votes of the log error rows they read, into `sums`.
fn vote_sums(
    by_item: &[(u32, u32)],
    start: &[usize],
    log_errors: &[f64],
    k: usize,
    sums: &mut [f64],
) {
    for t in 0..start.len() - 1 {
        let s = &mut sums[t * k..(t + 1) * k];
        s.fill(0.0);
        for &(a, l) in &by_item[start[t]..start[t + 1]] {
            let e = &log_errors[(a as usize * k + l as usize) * k..][..k];
            for (x, y) in s.iter_mut().zip(e) {
                *x += y;
            }
        }
    }
}

/// The column means of a row-major matrix with `k` columns.
fn mean_rows(q: &[f64], k: usize) -> Vec<f64> {
    let n = q.len() / k;
    let mut m = vec![0.0; k];
    for row in q.chunks(k) {
        for (s, x) in m.iter_mut().zip(row) {
            *s += x;
        }
    }
    m.iter_mut().for_each(|s| *s /= n as f64);
    m
}

/// ln of each entry (`-inf` for the rows of labels an annotator never gave, never read).
fn log_table(errors: &[f64], out: &mut [f64]) {
    for (o, e) in out.iter_mut().zip(errors) {
        *o = e.ln();
    }
}

/// The M-step into `errors`.
fn m_step(
    by_item: &[(u32, u32)],
    start: &[usize],
    q: &[f64],
    gave: &[bool],
    k: usize,
    errors: &mut [f64],
) {
    errors.fill(0.0);
    for t in 0..start.len() - 1 {
        let row = &q[t * k..(t + 1) * k];
        for &(a, l) in &by_item[start[t]..start[t + 1]] {
            let e = &mut errors[(a as usize * k + l as usize) * k..][..k];
            for (x, p) in e.iter_mut().zip(row) {
                *x += p;
            }
        }
    }
    let n_annotators = gave.len() / k.max(1);
    let mut sums = vec![0.0; k];
    for a in 0..n_annotators {
        sums.fill(0.0);
        for g in 0..k {
            if !gave[a * k + g] {
                continue;
            }
            let e = &mut errors[(a * k + g) * k..][..k];
            for (s, x) in sums.iter_mut().zip(e.iter_mut()) {
                *x = x.max(EPS);
                *s += *x;
            }
        }
        for g in 0..k {
            if !gave[a * k + g] {
                continue;
            }
            let e = &mut errors[(a * k + g) * k..][..k];
            for (x, s) in e.iter_mut().zip(&sums) {
                *x /= s;
            }
        }
    }
}

#[cfg(test)]
mod tests;
