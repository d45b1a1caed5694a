//! What ONNX Runtime's API does not expose but Arbiter needs from a model file: its
//! `metadata_props`, the class labels scikit-learn exporters store as node attributes
//! (`classlabels_strings` / `classlabels_int64s` on ZipMap, LinearClassifier, TreeEnsemble…),
//! which operator produces each graph output, and what its precision rests on (the operators,
//! the element types of weights and constants — see `precision`). Decoded with prost from the subset of
//! `onnx.proto` declared here; every other field is skipped.

use prost::Message;

#[derive(Clone, PartialEq, Message)]
struct ModelProto {
    #[prost(message, optional, tag = "7")]
    graph: Option<GraphProto>,
    #[prost(message, repeated, tag = "14")]
    metadata_props: Vec<StringStringEntryProto>,
}

#[derive(Clone, PartialEq, Message)]
struct StringStringEntryProto {
    #[prost(string, optional, tag = "1")]
    key: Option<String>,
    #[prost(string, optional, tag = "2")]
    value: Option<String>,
}

#[derive(Clone, PartialEq, Message)]
struct GraphProto {
    #[prost(message, repeated, tag = "1")]
    node: Vec<NodeProto>,
    #[prost(message, repeated, tag = "5")]
    initializer: Vec<TensorProto>,
}

/// Only a tensor's element type and where its data lives (its values are skipped, not copied).
#[derive(Clone, PartialEq, Message)]
struct TensorProto {
    /// `onnx.TensorProto.DataType` (1 = FLOAT, 10 = FLOAT16, …).
    #[prost(int32, optional, tag = "2")]
    data_type: Option<i32>,
    #[prost(message, repeated, tag = "13")]
    external_data: Vec<StringStringEntryProto>,
    /// 0 = DEFAULT (inside the file), 1 = EXTERNAL.
    #[prost(int32, optional, tag = "14")]
    data_location: Option<i32>,
}

#[derive(Clone, PartialEq, Message)]
struct NodeProto {
    #[prost(string, repeated, tag = "1")]
    input: Vec<String>,
    #[prost(string, repeated, tag = "2")]
    output: Vec<String>,
    #[prost(string, optional, tag = "4")]
    op_type: Option<String>,
    #[prost(message, repeated, tag = "5")]
    attribute: Vec<AttributeProto>,
}

#[derive(Clone, PartialEq, Message)]
struct AttributeProto {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(int64, repeated, tag = "8")]
    ints: Vec<i64>,
    #[prost(bytes = "vec", repeated, tag = "9")]
    strings: Vec<Vec<u8>>,
    /// A Constant node's `value`.
    #[prost(message, optional, tag = "5")]
    t: Option<TensorProto>,
}

/// The parts of a model file Arbiter reads itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OnnxMeta {
    pub metadata: Vec<(String, String)>,
    /// Class labels found on a classifier node, in output order.
    pub graph_classes: Option<Vec<String>>,
    /// For each graph output name: the operator producing it, looking through Identity/Cast.
    pub producers: Vec<(String, String)>,
    /// Files holding weights outside the model file (ONNX external data), as named in it.
    pub external_files: Vec<String>,
    /// Every operator type in the graph, sorted, once each.
    pub ops: Vec<String>,
    /// The element types (`onnx.TensorProto.DataType`) of initializers and constants, sorted,
    /// once each.
    pub weight_types: Vec<i32>,
}

/// Operators whose `classlabels_*` attribute names the classes of a probability output.
const CLASSIFIER_OPS: &[&str] = &[
    "ZipMap",
    "LinearClassifier",
    "TreeEnsembleClassifier",
    "TreeEnsemble",
    "SVMClassifier",
];

/// Decode `bytes` as an ONNX ModelProto; `None` if they are not one.
pub fn parse(bytes: &[u8]) -> Option<OnnxMeta> {
    let model = ModelProto::decode(bytes).ok()?;
    let graph = model.graph?;
    if graph.node.is_empty() {
        return None;
    }
    let metadata = model
        .metadata_props
        .into_iter()
        .filter_map(|e| Some((e.key?, e.value.unwrap_or_default())))
        .collect();
    let mut graph_classes = None;
    for op in CLASSIFIER_OPS {
        let found = graph
            .node
            .iter()
            .filter(|n| n.op_type.as_deref() == Some(op))
            .find_map(|n| {
                n.attribute.iter().find_map(|a| match a.name.as_deref() {
                    Some("classlabels_strings") if !a.strings.is_empty() => Some(
                        a.strings
                            .iter()
                            .map(|s| String::from_utf8_lossy(s).into_owned())
                            .collect(),
                    ),
                    Some("classlabels_int64s") if !a.ints.is_empty() => {
                        Some(a.ints.iter().map(|i| i.to_string()).collect())
                    }
                    _ => None,
                })
            });
        if found.is_some() {
            graph_classes = found;
            break;
        }
    }
    let producer_of = |name: &str| {
        graph
            .node
            .iter()
            .find(|n| n.output.iter().any(|o| o == name))
    };
    let mut producers = Vec::new();
    let outputs: Vec<String> = graph.node.iter().flat_map(|n| n.output.clone()).collect();
    for out in outputs {
        let mut name = out.clone();
        let mut op = String::new();
        for _ in 0..16 {
            match producer_of(&name) {
                Some(n) => {
                    op = n.op_type.clone().unwrap_or_default();
                    if (op == "Identity" || op == "Cast") && !n.input.is_empty() {
                        name = n.input[0].clone();
                        continue;
                    }
                    break;
                }
                None => break,
            }
        }
        producers.push((out, op));
    }
    let mut external_files: Vec<String> = Vec::new();
    for t in &graph.initializer {
        if t.data_location == Some(1) || !t.external_data.is_empty() {
            let location = t
                .external_data
                .iter()
                .find(|e| e.key.as_deref() == Some("location"))
                .and_then(|e| e.value.clone())
                .unwrap_or_else(|| "?".into());
            if !external_files.contains(&location) {
                external_files.push(location);
            }
        }
    }
    let mut ops: Vec<String> = graph
        .node
        .iter()
        .filter_map(|n| n.op_type.clone())
        .collect();
    ops.sort();
    ops.dedup();
    let constants = graph
        .node
        .iter()
        .filter(|n| n.op_type.as_deref() == Some("Constant"))
        .flat_map(|n| n.attribute.iter().filter_map(|a| a.t.as_ref()));
    let mut weight_types: Vec<i32> = graph
        .initializer
        .iter()
        .chain(constants)
        .filter_map(|t| t.data_type)
        .collect();
    weight_types.sort_unstable();
    weight_types.dedup();
    Some(OnnxMeta {
        metadata,
        graph_classes,
        producers,
        external_files,
        ops,
        weight_types,
    })
}

impl OnnxMeta {
    /// The operator that produces `output` (through Identity/Cast), if known.
    pub fn producer(&self, output: &str) -> Option<&str> {
        self.producers
            .iter()
            .find(|(o, _)| o == output)
            .map(|(_, op)| op.as_str())
    }

    /// Class names from `metadata_props` (`labels`, `classes` or `class_names`): a JSON array or a
    /// comma-separated list.
    pub fn metadata_classes(&self) -> Option<Vec<String>> {
        let (_, v) = self
            .metadata
            .iter()
            .find(|(k, _)| ["labels", "classes", "class_names"].contains(&k.as_str()))?;
        if let Ok(list) = serde_json::from_str::<Vec<serde_json::Value>>(v) {
            return Some(
                list.into_iter()
                    .map(|x| match x {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    })
                    .collect(),
            );
        }
        Some(v.split(',').map(|s| s.trim().to_string()).collect())
    }
}
