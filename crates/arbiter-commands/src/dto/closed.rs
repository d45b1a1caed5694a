//! The closed sets crossing the IPC boundary: each mirrors one core enum variant for variant,
//! is exported to TypeScript as a union of string literals, serialises as the core's `as_str`
//! and deserialises through the core's `FromStr` — so the app refuses exactly what the command
//! line refuses (`core_value::<T>` there), with the same message.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use arbiter_core::metrics::{activity, agreement, target};
use arbiter_core::{annotate, decide, export, items, model, predict, queue};

/// A mirror of a core enum (tests check the names against the core's `as_str`).
pub trait ClosedSet: Sized + Copy + 'static {
    /// Every variant, in declaration order.
    const ALL: &'static [Self];
    /// The core's name of this value (`as_str`).
    fn core_str(self) -> &'static str;
}

macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident = $core:ty {
        $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// The wire name (the core's `as_str`).
            pub fn as_str(self) -> &'static str {
                <$core>::from(self).as_str()
            }
        }

        impl ClosedSet for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            fn core_str(self) -> &'static str {
                self.as_str()
            }
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v {
                    $($name::$variant => <$core>::$variant),+
                }
            }
        }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                match v {
                    $(<$core>::$variant => $name::$variant),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = arbiter_core::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse::<$core>().map($name::from)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

closed_set! {
    /// A model input's memory layout.
    Layout = model::Layout { Nchw = "nchw", Nhwc = "nhwc" }
}

closed_set! {
    /// The channel order an image model expects.
    Color = model::Color { Rgb = "rgb", Bgr = "bgr", Gray = "gray" }
}

closed_set! {
    /// How JPEGs are decoded for an image model: full size, or at a reduced DCT scale.
    Decode = model::decode::Decode { Full = "full", Fast = "fast" }
}

closed_set! {
    /// The element type of a model's input.
    InputType = model::InputType { Float32 = "float32", Uint8 = "uint8" }
}

closed_set! {
    /// A model's numeric precision, read from its graph.
    Precision = model::Precision {
        Fp32 = "fp32",
        Fp16 = "fp16",
        Int8Qdq = "int8_qdq",
        Int8Qoperator = "int8_qoperator",
        Mixed = "mixed",
    }
}

closed_set! {
    /// What a model reads: images or feature rows.
    InputKind = model::InputKind { Image = "image", Tabular = "tabular", Text = "text" }
}

closed_set! {
    /// Where a model's class names came from.
    ClassesSource = model::ClassesSource {
        LabelsFile = "labels_file",
        ModelMetadata = "model_metadata",
        ModelGraph = "model_graph",
        ProjectSchema = "project_schema",
    }
}

closed_set! {
    /// What a model's scores are.
    OutputKind = model::OutputKind {
        Logits = "logits",
        Probabilities = "probabilities",
        Zipmap = "zipmap",
    }
}

closed_set! {
    /// What `model add` is told the scores are (`auto` works it out).
    OutputChoice = model::OutputChoice {
        Auto = "auto",
        Logits = "logits",
        Probabilities = "probabilities",
    }
}

closed_set! {
    /// The device a run asks for (`auto` tries CUDA, then the CPU).
    Device = model::runtime::Device { Auto = "auto", Cpu = "cpu", Cuda = "cuda" }
}

closed_set! {
    /// How cuDNN picks convolution algorithms on CUDA.
    ConvSearch = model::runtime::ConvSearch {
        Exhaustive = "exhaustive",
        Heuristic = "heuristic",
        Default = "default",
    }
}

closed_set! {
    /// Where a run stands.
    RunStatus = predict::RunStatus {
        Running = "running",
        Done = "done",
        Cancelled = "cancelled",
        Failed = "failed",
        Interrupted = "interrupted",
    }
}

closed_set! {
    /// An annotator profile's role.
    Role = annotate::Role { Annotator = "annotator", Reviewer = "reviewer", Lead = "lead" }
}

closed_set! {
    /// How a review queue ranks its items.
    Strategy = queue::Strategy {
        LeastConfidence = "least-confidence",
        Margin = "margin",
        Entropy = "entropy",
        LabelDisagreement = "label-disagreement",
        ModelDisagreement = "model-disagreement",
        Random = "random",
        SetSize = "set-size",
        Drift = "drift",
    }
}

closed_set! {
    /// Where an item's decision stands (`pending`: waiting for votes).
    DecisionStatus = decide::Status { Decided = "decided", Conflict = "conflict", Pending = "pending" }
}

closed_set! {
    /// How a decision was reached.
    DecisionHow = decide::How { Override = "override", Unanimous = "unanimous", Majority = "majority", DawidSkene = "dawid-skene", Gold = "gold", Auto = "auto" }
}

closed_set! {
    /// How votes decide an item (the project's decision rule).
    DecisionMode = decide::Mode { Majority = "majority", Unanimous = "unanimous", DawidSkene = "dawid-skene" }
}

closed_set! {
    /// What an annotator records.
    EventKind = annotate::EventKind { Label = "label", Skip = "skip", Flag = "flag" }
}

closed_set! {
    /// Why an item is flagged.
    Flag = annotate::Flag { BadInput = "bad_input", Unsure = "unsure" }
}

closed_set! {
    /// Where a label came from (`import`: an annotations file; the app records the others).
    AnnotationSource = annotate::Source {
        Manual = "manual",
        AcceptedPrediction = "accepted_prediction",
        Override = "override",
        Import = "import",
    }
}

closed_set! {
    /// An export's format.
    ExportFormat = export::Format {
        Parquet = "parquet",
        Csv = "csv",
        Jsonl = "jsonl",
        ImageFolder = "imagefolder",
        LabelStudio = "labelstudio",
    }
}

closed_set! {
    /// Items by where their review stands.
    ReviewFilter = items::ReviewFilter {
        Decided = "decided",
        Conflict = "conflict",
        Waiting = "waiting",
        Flagged = "flagged",
        Unannotated = "unannotated",
    }
}

closed_set! {
    /// The scale agreement was computed on (`ordinal`/`interval` only when the schema says so;
    /// `interval` when every label is also a number).
    AgreementScale = agreement::ScaleName {
        Nominal = "nominal",
        Ordinal = "ordinal",
        Interval = "interval",
    }
}

closed_set! {
    /// The size of an activity bucket (chosen from the span of the events).
    ActivityBucket = activity::Bucket { Hour = "hour", Day = "day", Week = "week" }
}

closed_set! {
    /// The statistic an agreement target is on.
    TargetStatistic = target::Statistic {
        KrippendorffAlpha = "krippendorff_alpha",
        FleissKappa = "fleiss_kappa",
        GwetAc1 = "gwet_ac1",
        PercentAgreement = "percent_agreement",
    }
}

closed_set! {
    /// What an agreement target compares with its minimum.
    TargetOn = target::On { Estimate = "estimate", CiLow = "ci_low" }
}

closed_set! {
    /// An agreement target's verdict (`insufficient`: no figure to compare yet).
    TargetStatus = target::Status {
        Pass = "pass",
        Fail = "fail",
        Insufficient = "insufficient",
    }
}

/// Calls `$m!(Layout, Color, …)` with every closed set above (bindings and tests list them
/// from here, so none is forgotten).
macro_rules! with_closed_sets {
    ($m:ident) => {
        $m!(
            Layout,
            Color,
            Decode,
            InputType,
            Precision,
            InputKind,
            ClassesSource,
            OutputKind,
            OutputChoice,
            Device,
            ConvSearch,
            RunStatus,
            Role,
            Strategy,
            DecisionStatus,
            DecisionHow,
            DecisionMode,
            EventKind,
            Flag,
            AnnotationSource,
            ExportFormat,
            ReviewFilter,
            AgreementScale,
            ActivityBucket,
            TargetStatistic,
            TargetOn,
            TargetStatus
        )
    };
}
pub(crate) use with_closed_sets;

#[cfg(test)]
mod tests {
    use super::*;

    /// Each mirror's wire names are the core's `as_str`, for every variant, both ways; and an
    /// unknown value is refused with the core's message (the command line's).
    fn check<T>() -> Vec<String>
    where
        T: ClosedSet + Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        let mut bad = Vec::new();
        for &v in T::ALL {
            let wire = serde_json::to_value(v).expect("serialise");
            if wire != serde_json::json!(v.core_str()) {
                bad.push(format!(
                    "{v:?} serialises as {wire}, the core says {:?}",
                    v.core_str()
                ));
            }
            match serde_json::from_value::<T>(serde_json::json!(v.core_str())) {
                Ok(back) if back == v => {}
                other => bad.push(format!("{:?} reads back as {other:?}", v.core_str())),
            }
        }
        bad
    }

    #[test]
    fn every_closed_set_speaks_the_cores_names() {
        let mut bad = Vec::new();
        macro_rules! check_all {
            ($($t:ident),*) => { $(bad.extend(check::<$t>());)* };
        }
        with_closed_sets!(check_all);
        assert!(bad.is_empty(), "{bad:#?}");
    }

    #[test]
    fn an_unknown_value_is_refused_with_the_cores_message() {
        let e = serde_json::from_value::<DecisionMode>(serde_json::json!("most"))
            .expect_err("not a mode");
        let core = "most".parse::<decide::Mode>().expect_err("not a mode");
        assert_eq!(e.to_string(), core.to_string());
        assert!(
            e.to_string().contains("majority, unanimous or dawid-skene"),
            "{e}"
        );
        let e = serde_json::from_value::<Flag>(serde_json::json!("meh")).expect_err("no flag");
        assert_eq!(e.to_string(), "flag \"meh\": use bad_input or unsure");
    }
}
