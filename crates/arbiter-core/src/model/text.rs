//! Text models: how a text item becomes a model's input. Two kinds are fed:
//! - a string input (`[N]` or `[N, 1]` of strings): scikit-learn text pipelines exported by
//!   skl2onnx (`TfidfVectorizer` + a classifier), fed the texts as they are;
//! - transformer-style token inputs: `input_ids` with optional `attention_mask` and
//!   `token_type_ids` (int64 or int32, `[N, L]`), the texts encoded by the model's own
//!   `tokenizer.json` (the `tokenizers` crate: the same tokens as Python's `tokenizers`).
//!   Truncation and padding are the tokenizer's own settings; when the tokenizer pads nothing,
//!   a batch is padded to its longest text with id 0 (the mask marks the padding); a model
//!   with a fixed sequence length gets exactly that many tokens per text (truncated and
//!   padded to it).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// The token inputs of a transformer-style model and its tokenizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenPlan {
    /// The mask input's name (1 for a token, 0 for padding), if the model takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention_mask: Option<String>,
    /// The segment ids input's name, if the model takes one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type_ids: Option<String>,
    /// `int64` or `int32`: the element type of every token input.
    pub dtype: TokenType,
    /// The project's copy of the tokenizer (`models/<sha256>.tokenizer.json`).
    pub tokenizer: String,
    pub tokenizer_sha256: String,
    /// The model's fixed sequence length, when its inputs fix one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Int64,
    Int32,
}

/// The names transformer-style inputs go by.
pub const INPUT_IDS: &str = "input_ids";
pub const ATTENTION_MASK: &str = "attention_mask";
pub const TOKEN_TYPE_IDS: &str = "token_type_ids";

/// A tokenizer file read and checked, ready to encode.
pub fn load_tokenizer(path: &Path) -> std::result::Result<Tokenizer, String> {
    Tokenizer::from_file(path).map_err(|e| {
        format!(
            "{} is not a tokenizer Arbiter can read ({e}); give the tokenizer.json saved with the model (Hugging Face `tokenizers` format)",
            path.display()
        )
    })
}

/// The tokenizer set up for a run: the model's fixed sequence length wins over the file's
/// truncation and padding; without any padding, batches are padded to their longest text.
pub fn prepare(mut tok: Tokenizer, plan: &TokenPlan) -> std::result::Result<Tokenizer, String> {
    if let Some(len) = plan.sequence {
        let trunc = TruncationParams {
            max_length: len,
            ..tok.get_truncation().cloned().unwrap_or_default()
        };
        tok.with_truncation(Some(trunc))
            .map_err(|e| format!("cannot truncate to {len} tokens: {e}"))?;
        let pad = PaddingParams {
            strategy: PaddingStrategy::Fixed(len),
            ..tok.get_padding().cloned().unwrap_or_default()
        };
        tok.with_padding(Some(pad));
    } else if tok.get_padding().is_none() {
        tok.with_padding(Some(PaddingParams::default()));
    }
    Ok(tok)
}

/// A batch of texts encoded: row-major `[n, len]` ids, mask and type ids.
#[derive(Debug, Clone, PartialEq)]
pub struct Encoded {
    pub len: usize,
    pub ids: Vec<i64>,
    pub mask: Vec<i64>,
    pub types: Vec<i64>,
}

/// Encode a batch (special tokens added, as the tokenizer's post-processor says).
pub fn encode(tok: &Tokenizer, texts: &[&str]) -> std::result::Result<Encoded, String> {
    let enc = tok
        .encode_batch(texts.to_vec(), true)
        .map_err(|e| format!("the tokenizer failed on this batch: {e}"))?;
    let len = enc.iter().map(|e| e.get_ids().len()).max().unwrap_or(0);
    let mut out = Encoded {
        len,
        ids: Vec::with_capacity(len * enc.len()),
        mask: Vec::with_capacity(len * enc.len()),
        types: Vec::with_capacity(len * enc.len()),
    };
    for e in &enc {
        // Padded to a common length by the tokenizer; a ragged row is padded here with 0s.
        let pad = len - e.get_ids().len();
        out.ids.extend(e.get_ids().iter().map(|&v| i64::from(v)));
        out.ids.extend(std::iter::repeat_n(0, pad));
        out.mask
            .extend(e.get_attention_mask().iter().map(|&v| i64::from(v)));
        out.mask.extend(std::iter::repeat_n(0, pad));
        out.types
            .extend(e.get_type_ids().iter().map(|&v| i64::from(v)));
        out.types.extend(std::iter::repeat_n(0, pad));
    }
    Ok(out)
}
