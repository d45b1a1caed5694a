//! Inter-annotator agreement over (item, annotator, label) ratings — pure functions, no I/O.
//!
//! Definitions (checked against scikit-learn, statsmodels, the `krippendorff` package and
//! published examples in `fixtures/agreement/`):
//! - **percent agreement**: over items with ≥ 2 ratings, the mean share of agreeing rating
//!   pairs within the item.
//! - **Cohen's kappa** per annotator pair, on the items both rated: (p_o − p_e)/(1 − p_e);
//!   on an ordinal [`Scale`] also weighted (linear, quadratic) by the distance of positions on
//!   the scale, as scikit-learn's `cohen_kappa_score(labels=every label, weights=…)`.
//! - **Fleiss' kappa** when every item has the same number (≥ 2) of ratings.
//! - **Krippendorff's alpha** with missing ratings: nominal; ordinal on an ordinal [`Scale`];
//!   interval when the scale's labels are all numbers (the values are the numbers). The scale
//!   is chosen by the caller (a project's schema flag `ordinal_labels`, or `--ordinal` for a
//!   file), never guessed from how the label names look.
//! - **Gwet's AC1** (multi-rater, missing ratings allowed; q = the number of labels observed).
//! - **per label**: nominal alpha of the one-vs-rest data "rating = L".
//! - **per annotator**: Cohen's kappa of the annotator against the strict-majority label of
//!   the others, on the items where the others have one.
//!
//! A statistic the data cannot define is `None` with a reason — never NaN, never a panic.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

/// One rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub item: String,
    pub annotator: String,
    pub label: String,
}

/// A value, or why there is none. Serialises as the number or `null`; the reasons for nulls
/// are collected in [`Report::undefined`].
#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    pub value: Option<f64>,
    pub reason: Option<String>,
}

impl Serialize for Stat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl Stat {
    fn of(v: f64) -> Stat {
        if v.is_finite() {
            Stat {
                value: Some(v),
                reason: None,
            }
        } else {
            Stat::none("the statistic is not finite for this data")
        }
    }
    fn none(reason: impl Into<String>) -> Stat {
        Stat {
            value: None,
            reason: Some(reason.into()),
        }
    }
    fn ratio(num: f64, den: f64, reason: &str) -> Stat {
        if den.abs() < 1e-15 {
            Stat::none(reason)
        } else {
            Stat::of(num / den)
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairKappa {
    pub a: String,
    pub b: String,
    pub items: usize,
    pub kappa: Stat,
    pub kappa_linear: Option<Stat>,
    pub kappa_quadratic: Option<Stat>,
    pub percent_agreement: Stat,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alpha {
    pub nominal: Stat,
    pub ordinal: Option<Stat>,
    pub interval: Option<Stat>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotatorAgreement {
    /// Items where the others had a strict majority.
    pub items: usize,
    pub kappa: Stat,
    pub percent_agreement: Stat,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub items: usize,
    pub annotators: usize,
    /// In scale order when ordinal, else natural order (numbers numerically, then text).
    pub labels: Vec<String>,
    /// The scale the statistics were computed on: `nominal`, `ordinal`, or `interval`
    /// (ordinal with numeric labels) — see [`Scale`].
    pub scale: ScaleName,
    pub ratings: usize,
    pub percent_agreement: Stat,
    pub cohen_kappa: Vec<PairKappa>,
    pub fleiss_kappa: Stat,
    pub krippendorff_alpha: Alpha,
    pub gwet_ac1: Stat,
    pub per_label: BTreeMap<String, Stat>,
    pub per_annotator: BTreeMap<String, AnnotatorAgreement>,
    /// Why each `null` is null, keyed by its path (e.g. `fleiss_kappa`, `cohen_kappa.ana/ben.kappa`).
    pub undefined: BTreeMap<String, String>,
    /// 95% bootstrap intervals, when asked for ([`report_with_intervals`]).
    pub intervals: Option<Intervals>,
}

impl Report {
    fn collect_reasons(&mut self) {
        let mut out = BTreeMap::new();
        let mut note = |path: String, s: &Stat| {
            if let (None, Some(r)) = (s.value, &s.reason) {
                out.insert(path, r.clone());
            }
        };
        note("percent_agreement".into(), &self.percent_agreement);
        note("fleiss_kappa".into(), &self.fleiss_kappa);
        note("gwet_ac1".into(), &self.gwet_ac1);
        note(
            "krippendorff_alpha.nominal".into(),
            &self.krippendorff_alpha.nominal,
        );
        if let Some(o) = &self.krippendorff_alpha.ordinal {
            note("krippendorff_alpha.ordinal".into(), o);
        }
        if let Some(i) = &self.krippendorff_alpha.interval {
            note("krippendorff_alpha.interval".into(), i);
        }
        for p in &self.cohen_kappa {
            note(format!("cohen_kappa.{}/{}.kappa", p.a, p.b), &p.kappa);
            if let Some(l) = &p.kappa_linear {
                note(format!("cohen_kappa.{}/{}.kappa_linear", p.a, p.b), l);
            }
            if let Some(q) = &p.kappa_quadratic {
                note(format!("cohen_kappa.{}/{}.kappa_quadratic", p.a, p.b), q);
            }
        }
        for (l, s) in &self.per_label {
            note(format!("per_label.{l}"), s);
        }
        for (a, s) in &self.per_annotator {
            note(format!("per_annotator.{a}.kappa"), &s.kappa);
        }
        self.undefined = out;
    }
}

/// How the labels are measured: the switch for the ordinal statistics.
///
/// - `Nominal`: unordered categories; weighted kappa and ordinal/interval alpha are not
///   computed (`None`), whatever the label names look like.
/// - `Ordinal(order)`: the labels are ranked in `order` (a project's schema order, or
///   [`file_order`] for a file). Weighted kappa weighs a pair of labels by the distance of
///   their positions in `order` (unused positions count: low↔high is 2 when medium exists but
///   nobody used it); ordinal alpha ranks the labels in that order; interval alpha is computed
///   only when, in addition, every label of `order` parses as a number (the values are the
///   numbers). A rated label missing from `order` makes the ordinal statistics undefined.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Scale {
    #[default]
    Nominal,
    Ordinal(Vec<String>),
}

impl Scale {
    /// `nominal`, `ordinal` or `interval` (ordinal with numeric labels).
    pub fn name(&self) -> &'static str {
        self.scale_name().as_str()
    }
    pub fn scale_name(&self) -> ScaleName {
        match self {
            Scale::Nominal => ScaleName::Nominal,
            Scale::Ordinal(order) if numbers(order).is_some() => ScaleName::Interval,
            Scale::Ordinal(_) => ScaleName::Ordinal,
        }
    }
}

/// The scale agreement was computed on: `interval` is ordinal with numeric labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScaleName {
    Nominal,
    Ordinal,
    Interval,
}

impl ScaleName {
    pub fn as_str(self) -> &'static str {
        match self {
            ScaleName::Nominal => "nominal",
            ScaleName::Ordinal => "ordinal",
            ScaleName::Interval => "interval",
        }
    }
}

impl std::str::FromStr for ScaleName {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<ScaleName> {
        match s {
            "nominal" => Ok(ScaleName::Nominal),
            "ordinal" => Ok(ScaleName::Ordinal),
            "interval" => Ok(ScaleName::Interval),
            o => Err(crate::Error::InvalidArgument(format!(
                "scale {o:?}: use nominal, ordinal or interval"
            ))),
        }
    }
}

/// The label order of a file's ratings for `--ordinal` (a file has no schema): numeric order
/// when every label parses as a number, else lexical (code-point) order.
pub fn file_order(ratings: &[Rating]) -> Vec<String> {
    let mut labels = distinct(ratings, |r| r.label.as_str());
    natural(&mut labels);
    labels
}

/// Numeric order when every label is a number, else code-point order.
fn natural(labels: &mut [String]) {
    if numbers(labels).is_some() {
        labels.sort_by(|a, b| num(a).total_cmp(&num(b)).then(a.cmp(b)));
    } else {
        labels.sort();
    }
}

fn num(l: &str) -> f64 {
    l.trim().parse::<f64>().unwrap_or(0.0)
}

/// Every label as a finite number, or `None`.
fn numbers(labels: &[String]) -> Option<Vec<f64>> {
    labels
        .iter()
        .map(|l| l.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
        .collect()
}

/// Ratings indexed: items × annotators → label index.
struct Table {
    labels: Vec<String>,
    annotators: Vec<String>,
    /// Per item: (annotator index, label index), annotators ascending.
    items: Vec<Vec<(usize, usize)>>,
    /// The labels' ordinal scale, if they have one.
    ordinal: OrdinalScale,
}

/// Whether the ordinal statistics apply: not asked for (nominal labels: they are left out), a
/// usable scale, or a scale that cannot be used (they are reported as undefined, and why).
enum OrdinalScale {
    Nominal,
    Ordinal(Ordinal),
    Unusable(String),
}

impl OrdinalScale {
    fn ranks(&self) -> Option<&[f64]> {
        match self {
            OrdinalScale::Ordinal(o) => Some(&o.ranks),
            _ => None,
        }
    }
}

/// Each label's position on the ordinal scale, and its numeric value when every label of the
/// scale is a number.
struct Ordinal {
    ranks: Vec<f64>,
    values: Option<Vec<f64>>,
}

/// Nominal table (the labels in natural order: numbers numerically, then text).
fn table(ratings: &[Rating]) -> Table {
    table_on(ratings, &Scale::Nominal)
}

/// The distinct values of one field of the ratings, sorted (code-point order).
fn distinct(ratings: &[Rating], f: impl Fn(&Rating) -> &str) -> Vec<String> {
    let set: std::collections::HashSet<&str> = ratings.iter().map(f).collect();
    let mut v: Vec<String> = set.into_iter().map(str::to_owned).collect();
    v.sort_unstable();
    v
}

fn table_on(ratings: &[Rating], scale: &Scale) -> Table {
    let mut labels = distinct(ratings, |r| r.label.as_str());
    let ordinal = match scale {
        Scale::Nominal => {
            natural(&mut labels);
            OrdinalScale::Nominal
        }
        Scale::Ordinal(order) => {
            let pos: HashMap<&str, usize> = order
                .iter()
                .enumerate()
                .map(|(i, l)| (l.as_str(), i))
                .collect();
            if let Some(stray) = labels
                .iter()
                .find(|l| !pos.contains_key(l.as_str()))
                .cloned()
            {
                natural(&mut labels);
                OrdinalScale::Unusable(format!("label {stray:?} is not on the ordinal scale"))
            } else {
                labels.sort_by_key(|l| pos[l.as_str()]);
                let ranks: Vec<f64> = labels.iter().map(|l| pos[l.as_str()] as f64).collect();
                let values = numbers(order).map(|_| labels.iter().map(|l| num(l)).collect());
                OrdinalScale::Ordinal(Ordinal { ranks, values })
            }
        }
    };
    let annotators = distinct(ratings, |r| r.annotator.as_str());
    let li: HashMap<&str, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i))
        .collect();
    let ai: HashMap<&str, usize> = annotators
        .iter()
        .enumerate()
        .map(|(i, a)| (a.as_str(), i))
        .collect();
    // Items in id order; per item (annotator, label, position in the input).
    let mut item_of: HashMap<&str, usize> = HashMap::new();
    let mut ids: Vec<&str> = Vec::new();
    let mut cells: Vec<Vec<(usize, usize, usize)>> = Vec::new();
    for (at, r) in ratings.iter().enumerate() {
        let i = *item_of.entry(r.item.as_str()).or_insert_with(|| {
            ids.push(r.item.as_str());
            cells.push(Vec::new());
            ids.len() - 1
        });
        cells[i].push((ai[r.annotator.as_str()], li[r.label.as_str()], at));
    }
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_unstable_by(|&a, &b| ids[a].cmp(ids[b]));
    let items = order
        .into_iter()
        .map(|i| {
            let mut c = std::mem::take(&mut cells[i]);
            // One rating per (item, annotator): the last one given wins.
            c.sort_unstable_by_key(|&(a, _, at)| (a, std::cmp::Reverse(at)));
            c.dedup_by_key(|x| x.0);
            c.into_iter().map(|(a, l, _)| (a, l)).collect()
        })
        .collect();
    Table {
        labels,
        annotators,
        items,
        ordinal,
    }
}

fn percent_agreement(t: &Table) -> Stat {
    let mut sum = 0.0;
    let mut n = 0usize;
    let mut counts = vec![0usize; t.labels.len()];
    for item in &t.items {
        let m = item.len();
        if m < 2 {
            continue;
        }
        counts.iter_mut().for_each(|c| *c = 0);
        for &(_, l) in item {
            counts[l] += 1;
        }
        let agree: usize = counts.iter().map(|c| c * c.saturating_sub(1) / 2).sum();
        sum += agree as f64 / (m * (m - 1) / 2) as f64;
        n += 1;
    }
    if n == 0 {
        Stat::none("no item has two or more ratings")
    } else {
        Stat::of(sum / n as f64)
    }
}

/// Cohen's kappa (and weighted forms) for two label sequences over `q` labels.
pub(crate) fn cohen(
    pairs: &[(usize, usize)],
    q: usize,
    ranks: Option<&[f64]>,
) -> (Stat, Option<Stat>, Option<Stat>, Stat) {
    let numeric = ranks.is_some();
    let n = pairs.len();
    if n == 0 {
        let none = Stat::none("the two annotators rated no item in common");
        return (
            none.clone(),
            numeric.then(|| none.clone()),
            numeric.then(|| none.clone()),
            none,
        );
    }
    let mut confusion = vec![0f64; q * q];
    for &(x, y) in pairs {
        confusion[x * q + y] += 1.0;
    }
    // Every label of the data, in scale order: weighted distances are positions on the whole
    // scale (scikit-learn's `cohen_kappa_score(…, labels=all labels, weights=…)`).
    let nf = n as f64;
    let rows: Vec<f64> = (0..q)
        .map(|i| (0..q).map(|j| confusion[i * q + j]).sum())
        .collect();
    let cols: Vec<f64> = (0..q)
        .map(|j| (0..q).map(|i| confusion[i * q + j]).sum())
        .collect();
    let po: f64 = (0..q).map(|i| confusion[i * q + i]).sum::<f64>() / nf;
    let weighted = |w: &dyn Fn(usize, usize) -> f64| -> Stat {
        let (mut obs, mut exp) = (0.0, 0.0);
        for i in 0..q {
            for j in 0..q {
                let wt = w(i, j);
                obs += wt * confusion[i * q + j] / nf;
                exp += wt * rows[i] * cols[j] / (nf * nf);
            }
        }
        if exp.abs() < 1e-15 {
            Stat::none("chance disagreement is zero: both annotators used one and the same label")
        } else {
            Stat::of(1.0 - obs / exp)
        }
    };
    let kappa = weighted(&|a, b| if a == b { 0.0 } else { 1.0 });
    let linear = ranks.map(|r| weighted(&|a, b| (r[a] - r[b]).abs()));
    let quadratic = ranks.map(|r| weighted(&|a, b| (r[a] - r[b]).powi(2)));
    (kappa, linear, quadratic, Stat::of(po))
}

fn pairs_of(t: &Table, a: usize, b: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for item in &t.items {
        let x = item.iter().find(|(who, _)| *who == a).map(|(_, l)| *l);
        let y = item.iter().find(|(who, _)| *who == b).map(|(_, l)| *l);
        if let (Some(x), Some(y)) = (x, y) {
            out.push((x, y));
        }
    }
    out
}

fn fleiss(t: &Table) -> Stat {
    let rated: Vec<&Vec<(usize, usize)>> = t.items.iter().collect();
    if rated.is_empty() {
        return Stat::none("no ratings");
    }
    let m = rated[0].len();
    if rated.iter().any(|i| i.len() != m) {
        return Stat::none("unequal numbers of ratings per item (Fleiss' kappa needs the same number for every item)");
    }
    if m < 2 {
        return Stat::none("every item has a single rating");
    }
    let q = t.labels.len();
    let n = rated.len() as f64;
    let mf = m as f64;
    let mut p = vec![0f64; q];
    let mut pbar = 0.0;
    for item in &rated {
        let mut c = vec![0f64; q];
        for &(_, l) in item.iter() {
            c[l] += 1.0;
        }
        for j in 0..q {
            p[j] += c[j];
        }
        pbar += (c.iter().map(|x| x * x).sum::<f64>() - mf) / (mf * (mf - 1.0));
    }
    pbar /= n;
    let pe: f64 = p.iter().map(|x| (x / (n * mf)).powi(2)).sum();
    Stat::ratio(
        pbar - pe,
        1.0 - pe,
        "chance agreement is 1: every rating has the same label",
    )
}

/// Krippendorff's alpha from per-item label counts, with δ² given on label indices.
fn kripp(units: &[Vec<usize>], q: usize, delta2: &dyn Fn(usize, usize, &[f64]) -> f64) -> Stat {
    // Coincidence matrix over pairable units (≥ 2 values).
    let mut o = vec![0f64; q * q];
    for counts in units {
        let m: usize = counts.iter().sum();
        if m < 2 {
            continue;
        }
        let mf = (m - 1) as f64;
        for c in 0..q {
            if counts[c] == 0 {
                continue;
            }
            for k in 0..q {
                let pairs = if c == k {
                    counts[c] * (counts[c] - 1)
                } else {
                    counts[c] * counts[k]
                };
                if pairs > 0 {
                    o[c * q + k] += pairs as f64 / mf;
                }
            }
        }
    }
    let nc: Vec<f64> = (0..q).map(|c| (0..q).map(|k| o[c * q + k]).sum()).collect();
    let n: f64 = nc.iter().sum();
    if n <= 1.0 {
        return Stat::none("no item has two or more ratings");
    }
    let (mut d_o, mut d_e) = (0.0, 0.0);
    for c in 0..q {
        for k in 0..q {
            let d = delta2(c, k, &nc);
            d_o += o[c * q + k] * d;
            d_e += nc[c] * nc[k] * d;
        }
    }
    if d_e.abs() < 1e-15 {
        return Stat::none("no variation: every rating has the same value");
    }
    Stat::of(1.0 - (n - 1.0) * d_o / d_e)
}

fn unit_counts(t: &Table) -> Vec<Vec<usize>> {
    t.items
        .iter()
        .map(|item| {
            let mut c = vec![0usize; t.labels.len()];
            for &(_, l) in item {
                c[l] += 1;
            }
            c
        })
        .collect()
}

fn alpha(t: &Table) -> Alpha {
    let units = unit_counts(t);
    let q = t.labels.len();
    let nominal = kripp(&units, q, &|c, k, _| if c == k { 0.0 } else { 1.0 });
    let (ordinal, interval) = match &t.ordinal {
        OrdinalScale::Ordinal(o) => {
            // Labels are in scale order, so the ordinal metric sums the pairable frequencies
            // between two positions (labels nobody used have frequency 0).
            let ordinal = kripp(&units, q, &|c, k, nc| {
                if c == k {
                    return 0.0;
                }
                let (lo, hi) = if c < k { (c, k) } else { (k, c) };
                let s: f64 = nc[lo..=hi].iter().sum::<f64>() - (nc[c] + nc[k]) / 2.0;
                s * s
            });
            let interval = match &o.values {
                Some(values) => kripp(&units, q, &|c, k, _| (values[c] - values[k]).powi(2)),
                None => Stat::none("not every label is a number (interval alpha needs numbers)"),
            };
            (Some(ordinal), Some(interval))
        }
        OrdinalScale::Unusable(why) => (Some(Stat::none(why)), Some(Stat::none(why))),
        OrdinalScale::Nominal => (None, None),
    };
    Alpha {
        nominal,
        ordinal,
        interval,
    }
}

fn gwet_ac1(t: &Table) -> Stat {
    let q = t.labels.len();
    if q < 2 {
        return Stat::none("fewer than two labels: AC1 needs at least two categories");
    }
    let units = unit_counts(t);
    let rated: Vec<&Vec<usize>> = units
        .iter()
        .filter(|c| c.iter().sum::<usize>() >= 1)
        .collect();
    let pairable: Vec<&&Vec<usize>> = rated
        .iter()
        .filter(|c| c.iter().sum::<usize>() >= 2)
        .collect();
    if pairable.is_empty() {
        return Stat::none("no item has two or more ratings");
    }
    let pa = pairable
        .iter()
        .map(|c| {
            let r: usize = c.iter().sum();
            c.iter()
                .map(|&x| (x * x.saturating_sub(1)) as f64)
                .sum::<f64>()
                / (r * (r - 1)) as f64
        })
        .sum::<f64>()
        / pairable.len() as f64;
    let mut pi = vec![0f64; q];
    for c in &rated {
        let r: usize = c.iter().sum();
        for k in 0..q {
            pi[k] += c[k] as f64 / r as f64;
        }
    }
    let n = rated.len() as f64;
    let pe = pi.iter().map(|p| (p / n) * (1.0 - p / n)).sum::<f64>() / (q as f64 - 1.0);
    Stat::ratio(pa - pe, 1.0 - pe, "chance agreement is 1")
}

fn per_label(t: &Table) -> BTreeMap<String, Stat> {
    let mut out = BTreeMap::new();
    for (l, name) in t.labels.iter().enumerate() {
        let units: Vec<Vec<usize>> = t
            .items
            .iter()
            .map(|item| {
                let yes = item.iter().filter(|(_, x)| *x == l).count();
                vec![item.len() - yes, yes]
            })
            .collect();
        out.insert(
            name.clone(),
            kripp(&units, 2, &|c, k, _| if c == k { 0.0 } else { 1.0 }),
        );
    }
    out
}

fn per_annotator(t: &Table) -> BTreeMap<String, AnnotatorAgreement> {
    let q = t.labels.len();
    let mut out = BTreeMap::new();
    for (a, name) in t.annotators.iter().enumerate() {
        let mut pairs = Vec::new();
        for item in &t.items {
            let Some(&(_, mine)) = item.iter().find(|(who, _)| *who == a) else {
                continue;
            };
            let mut counts = vec![0usize; q];
            let mut others = 0;
            for &(who, l) in item {
                if who != a {
                    counts[l] += 1;
                    others += 1;
                }
            }
            if let Some((best, &c)) = counts.iter().enumerate().max_by_key(|(_, c)| **c) {
                if others > 0 && 2 * c > others {
                    pairs.push((mine, best));
                }
            }
        }
        let (kappa, _, _, pa) = cohen(&pairs, q, None);
        out.insert(
            name.clone(),
            AnnotatorAgreement {
                items: pairs.len(),
                kappa,
                percent_agreement: pa,
            },
        );
    }
    out
}

/// A 95% percentile bootstrap interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Bootstrap intervals over items (resampled with replacement), seeded and reproducible.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Intervals {
    pub resamples: usize,
    pub seed: u64,
    pub percent_agreement: Option<Interval>,
    pub krippendorff_alpha: Option<Interval>,
    pub fleiss_kappa: Option<Interval>,
    pub gwet_ac1: Option<Interval>,
}

fn percentile_interval(mut v: Vec<f64>) -> Option<Interval> {
    v.retain(|x| x.is_finite());
    if v.len() < 20 {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (v.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        v[lo] + (v[hi] - v[lo]) * (pos - lo as f64)
    };
    Some(Interval {
        low: at(0.025),
        high: at(0.975),
    })
}

/// The items (indices into the ratings' items, in the table's order) that resample `b` draws:
/// `n` draws with replacement from a xorshift seeded from `seed` and `b`, so every resample is
/// reproducible on its own, whatever the thread count.
fn resample_draws(n: usize, seed: u64, b: usize) -> impl Iterator<Item = usize> {
    let mut x = crate::queue::splitmix64(seed ^ crate::queue::splitmix64(b as u64 + 1)) | 1;
    (0..n).map(move |_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % n.max(1) as u64) as usize
    })
}

/// Percent agreement, nominal alpha, Fleiss' kappa and AC1 of each of `resamples` resamples of
/// the items (NaN where undefined). Items with the same label counts contribute alike to every
/// statistic, so a resample is a weight per distinct count vector (pattern): one pass over the
/// patterns, each contribution times the number of times the resample drew such an item.
fn resample_stats(ratings: &[Rating], resamples: usize, seed: u64) -> Vec<[f64; 4]> {
    use rayon::prelude::*;
    let t = table(ratings);
    let q = t.labels.len();
    let units = unit_counts(&t);
    let n_items = units.len();
    let equal_m = units
        .first()
        .map(|u| u.iter().sum::<usize>())
        .filter(|&m| m >= 2 && units.iter().all(|u| u.iter().sum::<usize>() == m));
    let mut ids: HashMap<&[usize], u32> = HashMap::new();
    let mut patterns: Vec<&[usize]> = Vec::new();
    let pattern_of: Vec<u32> = units
        .iter()
        .map(|u| {
            *ids.entry(u.as_slice()).or_insert_with(|| {
                patterns.push(u.as_slice());
                (patterns.len() - 1) as u32
            })
        })
        .collect();
    let one = |weights: &[u32]| -> [f64; 4] {
        // Percent agreement and AC1 agreement.
        let (mut pa_sum, mut pa_n) = (0.0, 0usize);
        let mut pi = vec![0f64; q];
        let mut rated = 0usize;
        let mut o = vec![0f64; q * q];
        let mut fleiss_p = vec![0f64; q];
        let mut fleiss_pbar = 0.0;
        for (c, &w) in patterns.iter().zip(weights) {
            let r: usize = c.iter().sum();
            if r == 0 || w == 0 {
                continue;
            }
            let wf = w as f64;
            rated += w as usize;
            for k in 0..q {
                pi[k] += wf * (c[k] as f64 / r as f64);
            }
            if r >= 2 {
                let a = c
                    .iter()
                    .map(|&x| (x * x.saturating_sub(1)) as f64)
                    .sum::<f64>()
                    / (r * (r - 1)) as f64;
                pa_sum += wf * a;
                pa_n += w as usize;
                let mf = (r - 1) as f64;
                for i in 0..q {
                    if c[i] == 0 {
                        continue;
                    }
                    for k in 0..q {
                        let pairs = if i == k {
                            c[i] * (c[i] - 1)
                        } else {
                            c[i] * c[k]
                        };
                        o[i * q + k] += wf * (pairs as f64 / mf);
                    }
                }
                if let Some(m) = equal_m {
                    let mf = m as f64;
                    for k in 0..q {
                        fleiss_p[k] += wf * c[k] as f64;
                    }
                    fleiss_pbar += wf
                        * ((c.iter().map(|&x| (x * x) as f64).sum::<f64>() - mf)
                            / (mf * (mf - 1.0)));
                }
            }
        }
        let pa = if pa_n > 0 {
            pa_sum / pa_n as f64
        } else {
            f64::NAN
        };
        let ac1 = if pa_n > 0 && q >= 2 {
            let pe = pi
                .iter()
                .map(|p| (p / rated as f64) * (1.0 - p / rated as f64))
                .sum::<f64>()
                / (q as f64 - 1.0);
            (pa - pe) / (1.0 - pe)
        } else {
            f64::NAN
        };
        let nc: Vec<f64> = (0..q).map(|c| (0..q).map(|k| o[c * q + k]).sum()).collect();
        let n: f64 = nc.iter().sum();
        let (mut d_o, mut d_e) = (0.0, 0.0);
        for c in 0..q {
            for k in 0..q {
                if c != k {
                    d_o += o[c * q + k];
                    d_e += nc[c] * nc[k];
                }
            }
        }
        let alpha = if n > 1.0 && d_e > 0.0 {
            1.0 - (n - 1.0) * d_o / d_e
        } else {
            f64::NAN
        };
        let fleiss = match equal_m {
            Some(m) if pa_n > 0 => {
                let total = pa_n as f64 * m as f64;
                let pbar = fleiss_pbar / pa_n as f64;
                let pe: f64 = fleiss_p.iter().map(|x| (x / total).powi(2)).sum();
                (pbar - pe) / (1.0 - pe)
            }
            _ => f64::NAN,
        };
        [pa, alpha, fleiss, ac1]
    };
    (0..resamples)
        .into_par_iter()
        .map(|b| {
            let mut weights = vec![0u32; patterns.len()];
            for u in resample_draws(n_items, seed, b) {
                weights[pattern_of[u] as usize] += 1;
            }
            one(&weights)
        })
        .collect()
}

/// 95% bootstrap intervals for percent agreement, nominal alpha, Fleiss' kappa and AC1: items
/// are resampled with replacement `resamples` times (xorshift seeded from `seed` and the
/// resample's index, so the result is reproducible and independent of thread count); each
/// statistic is recomputed from per-item sufficient statistics; the 2.5th and 97.5th
/// percentiles (linear interpolation) bound the interval. `None` where the statistic is
/// undefined in the data or in too many resamples.
pub fn bootstrap(ratings: &[Rating], resamples: usize, seed: u64) -> Intervals {
    let results = resample_stats(ratings, resamples, seed);
    let col = |i: usize| percentile_interval(results.iter().map(|r| r[i]).collect());
    Intervals {
        resamples,
        seed,
        percent_agreement: col(0),
        krippendorff_alpha: col(1),
        fleiss_kappa: col(2),
        gwet_ac1: col(3),
    }
}

/// Every agreement statistic for the ratings, on the nominal scale (no weighted kappa, no
/// ordinal or interval alpha).
pub fn report(ratings: &[Rating]) -> Report {
    report_on(ratings, &Scale::Nominal)
}

/// Every agreement statistic for the ratings on `scale`.
pub fn report_on(ratings: &[Rating], scale: &Scale) -> Report {
    let t = table_on(ratings, scale);
    let q = t.labels.len();
    let ranks = t.ordinal.ranks();
    let mut cohen_kappa = Vec::new();
    for a in 0..t.annotators.len() {
        for b in a + 1..t.annotators.len() {
            let pairs = pairs_of(&t, a, b);
            let (kappa, mut kappa_linear, mut kappa_quadratic, pa) = cohen(&pairs, q, ranks);
            if let OrdinalScale::Unusable(why) = &t.ordinal {
                kappa_linear = Some(Stat::none(why));
                kappa_quadratic = Some(Stat::none(why));
            }
            cohen_kappa.push(PairKappa {
                a: t.annotators[a].clone(),
                b: t.annotators[b].clone(),
                items: pairs.len(),
                kappa,
                kappa_linear,
                kappa_quadratic,
                percent_agreement: pa,
            });
        }
    }
    let mut r = Report {
        items: t.items.len(),
        annotators: t.annotators.len(),
        labels: t.labels.clone(),
        scale: scale.scale_name(),
        ratings: t.items.iter().map(Vec::len).sum(),
        percent_agreement: percent_agreement(&t),
        cohen_kappa,
        fleiss_kappa: fleiss(&t),
        krippendorff_alpha: alpha(&t),
        gwet_ac1: gwet_ac1(&t),
        per_label: per_label(&t),
        per_annotator: per_annotator(&t),
        undefined: BTreeMap::new(),
        intervals: None,
    };
    r.collect_reasons();
    r
}

/// The most bootstrap resamples asked for at once: past it the intervals stop changing in
/// any digit shown, and memory and time would grow without bound.
pub const MAX_BOOTSTRAP: usize = 100_000;

/// Refuse a number of bootstrap resamples above [`MAX_BOOTSTRAP`].
pub fn check_bootstrap(resamples: usize) -> crate::Result<()> {
    if resamples > MAX_BOOTSTRAP {
        return Err(crate::Error::InvalidArgument(format!(
            "--bootstrap {resamples}: at most {MAX_BOOTSTRAP} resamples (1,000 give intervals to about two decimals; 10,000 to three)"
        )));
    }
    Ok(())
}

/// [`report_on`] plus bootstrap intervals (`resamples` = 0 skips them; at most
/// [`MAX_BOOTSTRAP`], more are capped — callers refuse them with [`check_bootstrap`]).
pub fn report_with_intervals(
    ratings: &[Rating],
    scale: &Scale,
    resamples: usize,
    seed: u64,
) -> Report {
    let mut r = report_on(ratings, scale);
    if resamples > 0 {
        r.intervals = Some(bootstrap(ratings, resamples.min(MAX_BOOTSTRAP), seed));
    }
    r
}

#[cfg(test)]
mod tests;
