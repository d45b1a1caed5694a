//! A probability vector's scores (predicted class, confidence, margin, entropy), softmax, the
//! check that a vector can be stored, and its compact codec: dense little-endian f32 up to
//! [`DENSE_MAX_CLASSES`] classes, else a sparse top-[`SPARSE_TOP_K`].

/// Above this many classes a prediction keeps a sparse top-[`SPARSE_TOP_K`] instead of the
/// dense vector (1,000 classes × 1,000,000 items would be 4 GB dense; sparse keeps 512 MB).
pub const DENSE_MAX_CLASSES: usize = 256;

pub const SPARSE_TOP_K: usize = 64;

/// Whether a probability vector can be stored: every value a finite number in [0, 1] (softmax
/// of logits with NaN or infinities, or a model emitting them, gives values that are not).
pub(super) fn valid_probabilities(p: &[f32]) -> bool {
    p.iter()
        .all(|v| v.is_finite() && (0.0..=1.0 + 1e-4).contains(v))
}

/// The uncertainty scores of one probability vector, as docs/contract.md defines them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub predicted: usize,
    /// max p
    pub confidence: f32,
    /// p(1st) − p(2nd); 1 for a single class
    pub margin: f64,
    /// −Σ p ln p, natural log, 0·ln 0 = 0
    pub entropy: f64,
}

impl Scores {
    pub fn of(p: &[f32]) -> Scores {
        let (mut best, mut first, mut second) = (0usize, f32::NEG_INFINITY, f32::NEG_INFINITY);
        for (i, &v) in p.iter().enumerate() {
            if v > first {
                second = first;
                first = v;
                best = i;
            } else if v > second {
                second = v;
            }
        }
        let entropy = -p
            .iter()
            .filter(|&&v| v > 0.0)
            .map(|&v| v as f64 * (v as f64).ln())
            .sum::<f64>();
        let margin = if p.len() > 1 {
            first as f64 - second as f64
        } else {
            1.0
        };
        Scores {
            predicted: best,
            confidence: first,
            margin,
            entropy,
        }
    }
}

/// What a prediction stores beside its item: the scores, the given label's class and
/// probability, and the packed vector.
pub(crate) struct Stored {
    pub predicted: i64,
    pub confidence: f64,
    pub margin: f64,
    pub entropy: f64,
    pub given_class: Option<i64>,
    pub given_prob: Option<f64>,
    pub probs: Vec<u8>,
}

/// The statement [`insert_row`] executes, prepared on `conn`: every stored column of a
/// prediction, `(run_id, item_id, predicted, confidence, margin, entropy, given_class,
/// given_prob, probs, error)` as `?1`…`?10`; `or_replace` for a writer that may write an item
/// again (a resumed run).
pub(crate) fn insert_statement(
    conn: &rusqlite::Connection,
    or_replace: bool,
) -> rusqlite::Result<rusqlite::CachedStatement<'_>> {
    let verb = if or_replace {
        "INSERT OR REPLACE"
    } else {
        "INSERT"
    };
    conn.prepare_cached(&format!(
        "{verb} INTO predictions (run_id, item_id, predicted, confidence, margin, entropy, given_class, given_prob, probs, error)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    ))
}

/// Execute `ins` — an [`insert_statement`] — for one item: its stored columns, or why it
/// failed (every score column NULL).
pub(crate) fn insert_row(
    ins: &mut rusqlite::Statement<'_>,
    run: i64,
    item: i64,
    row: std::result::Result<&Stored, &str>,
) -> rusqlite::Result<usize> {
    match row {
        Ok(c) => ins.execute(rusqlite::params![
            run,
            item,
            c.predicted,
            c.confidence,
            c.margin,
            c.entropy,
            c.given_class,
            c.given_prob,
            c.probs,
            None::<&str>
        ]),
        Err(why) => ins.execute(rusqlite::params![
            run,
            item,
            None::<i64>,
            None::<f64>,
            None::<f64>,
            None::<f64>,
            None::<i64>,
            None::<f64>,
            None::<Vec<u8>>,
            why
        ]),
    }
}

/// The stored columns of a probability vector `p` for an item whose given label is class
/// `given` (if the model knows it).
pub(crate) fn stored_columns(p: &[f32], given: Option<usize>) -> Stored {
    let s = Scores::of(p);
    Stored {
        predicted: s.predicted as i64,
        confidence: s.confidence as f64,
        margin: s.margin,
        entropy: s.entropy,
        given_class: given.map(|g| g as i64),
        given_prob: given.and_then(|g| p.get(g)).map(|v| *v as f64),
        probs: pack(p),
    }
}

/// Softmax in f64 for stability, returned as f32.
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let exps: Vec<f64> = logits.iter().map(|&x| (x as f64 - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| (e / sum) as f32).collect()
}

/// Pack a probability vector: dense f32 up to [`DENSE_MAX_CLASSES`], else sparse top-k
/// (`u32` index, `f32` value) pairs sorted by index.
pub fn pack(p: &[f32]) -> Vec<u8> {
    if p.len() <= DENSE_MAX_CLASSES {
        return p.iter().flat_map(|v| v.to_le_bytes()).collect();
    }
    let mut idx: Vec<usize> = (0..p.len()).collect();
    // The k largest, in linear time; then index order for a stable encoding.
    idx.select_nth_unstable_by(SPARSE_TOP_K - 1, |&a, &b| p[b].total_cmp(&p[a]));
    idx.truncate(SPARSE_TOP_K);
    idx.sort_unstable();
    idx.iter()
        .flat_map(|&i| {
            (i as u32)
                .to_le_bytes()
                .into_iter()
                .chain(p[i].to_le_bytes())
        })
        .collect()
}

/// Unpack to a dense vector of `classes` probabilities (classes outside a sparse top-k are 0).
pub fn unpack(bytes: &[u8], classes: usize) -> Vec<f32> {
    let mut out = vec![0f32; classes];
    unpack_into(bytes, &mut out);
    out
}

/// Unpack into `out`, one slot per class, which must hold zeros (classes outside a sparse top-k
/// stay 0; values beyond `out` are ignored).
pub fn unpack_into(bytes: &[u8], out: &mut [f32]) {
    let le = |c: &[u8]| f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    if out.len() <= DENSE_MAX_CLASSES {
        for (o, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            *o = le(c);
        }
        return;
    }
    for pair in bytes.chunks_exact(8) {
        let i = u32::from_le_bytes([pair[0], pair[1], pair[2], pair[3]]) as usize;
        if let Some(o) = out.get_mut(i) {
            *o = le(&pair[4..]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_round_trips_dense_and_keeps_the_top_k_when_sparse() {
        let p = vec![0.1f32, 0.7, 0.2];
        assert_eq!(unpack(&pack(&p), 3), p);
        let mut big = vec![0f32; 1000];
        big[999] = 0.5;
        big[3] = 0.25;
        big[500] = 0.125;
        let packed = pack(&big);
        assert_eq!(packed.len(), SPARSE_TOP_K * 8);
        let back = unpack(&packed, 1000);
        assert_eq!((back[999], back[3], back[500]), (0.5, 0.25, 0.125));
        assert_eq!(back.iter().filter(|v| **v > 0.0).count(), 3);
    }

    #[test]
    fn scores_follow_the_product_definitions() {
        let s = Scores::of(&[0.2, 0.5, 0.3, 0.0]);
        assert_eq!((s.predicted, s.confidence), (1, 0.5));
        assert!((s.margin - (0.5f32 as f64 - 0.3f32 as f64)).abs() < 1e-12);
        let want = -[0.2f32, 0.5, 0.3]
            .iter()
            .map(|&p| p as f64 * (p as f64).ln())
            .sum::<f64>();
        assert!((s.entropy - want).abs() < 1e-12);
        // Ties: the first maximum wins, and the margin is 0.
        let t = Scores::of(&[0.5, 0.5]);
        assert_eq!((t.predicted, t.margin), (0, 0.0));
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let p = softmax(&[1000.0, 1001.0, 1002.0]);
        let s: f32 = p.iter().sum();
        assert!((s - 1.0).abs() < 1e-6);
        assert!(p[2] > p[1] && p[1] > p[0]);
        let e = (1f64).exp();
        let want = e * e / (1.0 + e + e * e);
        assert!((p[2] as f64 - want).abs() < 1e-7);
    }
}
