//! Finding and loading the ONNX Runtime library (`load-dynamic`), and building sessions on the
//! requested device with an honest record of the provider actually used.
//!
//! Lookup order: `ORT_DYLIB_PATH`; beside the executable; where `scripts/setup.sh` puts it
//! (`$XDG_DATA_HOME/arbiter/onnxruntime/1.31.1/`, default `~/.local/share/...`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ort::session::Session;

use crate::error::{Error, Result};

/// The ONNX Runtime version Arbiter is built and tested against (the `onnxruntime` wheel on PyPI).
pub const ORT_VERSION: &str = "1.31.1";

#[cfg(target_os = "linux")]
const LIB_NAMES: &[&str] = &["libonnxruntime.so.1.31.1", "libonnxruntime.so"];
#[cfg(target_os = "macos")]
const LIB_NAMES: &[&str] = &["libonnxruntime.1.31.1.dylib", "libonnxruntime.dylib"];
#[cfg(target_os = "windows")]
const LIB_NAMES: &[&str] = &["onnxruntime.dll"];

/// Where set-up installs the library.
pub fn setup_dir() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("arbiter/onnxruntime").join(ORT_VERSION))
}

/// Every place looked at, in order: `ORT_DYLIB_PATH` when set (an empty value counts as unset),
/// else beside the executable, then where set-up put it.
pub fn candidates() -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        return vec![PathBuf::from(p)];
    }
    let mut out = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        out.extend(LIB_NAMES.iter().map(|n| dir.join(n)));
    }
    if let Some(dir) = setup_dir() {
        out.extend(LIB_NAMES.iter().map(|n| dir.join(n)));
    }
    out
}

fn missing_message(looked: &[PathBuf]) -> String {
    let list: Vec<String> = looked.iter().map(|p| p.display().to_string()).collect();
    format!(
        "the ONNX Runtime {ORT_VERSION} library was not found (looked at: {}). Run ./scripts/setup.sh \
         (it installs it from the onnxruntime=={ORT_VERSION} wheel on PyPI), or set ORT_DYLIB_PATH to a \
         libonnxruntime {ORT_VERSION} file (onnxruntime-gpu=={ORT_VERSION} for CUDA)",
        list.join(", ")
    )
}

/// The loaded library: its path, version and the process-wide ONNX Runtime environment.
pub struct Runtime {
    pub path: PathBuf,
    pub version: String,
    env: ort::environment::Environment,
}

static LOADED: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// Load the library once per process.
pub fn load() -> Result<&'static Runtime> {
    LOADED
        .get_or_init(|| {
            let looked = candidates();
            let Some(path) = looked.iter().find(|p| p.is_file()).cloned() else {
                return Err(missing_message(&looked));
            };
            let cannot = |e: String| {
                format!(
                    "{}: cannot load ONNX Runtime: {e}. Arbiter needs ONNX Runtime {ORT_VERSION}: run ./scripts/setup.sh or point ORT_DYLIB_PATH at it",
                    path.display()
                )
            };
            let env = ort::init_from(&path)
                .map_err(|e| cannot(e.to_string()))?
                .with_name("arbiter")
                .build()
                .map_err(|e| cannot(e.to_string()))?;
            Ok(Runtime { version: ort_version(), path, env })
        })
        .as_ref()
        .map_err(|e| Error::Runtime(e.clone()))
}

fn ort_version() -> String {
    // "ORT Build Info: git-branch=rel-1.31.1, ..." → 1.31.1
    let info = ort::info();
    info.split("rel-")
        .nth(1)
        .and_then(|s| s.split([',', ' ']).next())
        .unwrap_or(ORT_VERSION)
        .to_string()
}

/// The device a run asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    Auto,
    Cpu,
    Cuda,
}

impl Device {
    pub fn parse(s: &str) -> Result<Device> {
        match s {
            "auto" => Ok(Device::Auto),
            "cpu" => Ok(Device::Cpu),
            "cuda" | "gpu" => Ok(Device::Cuda),
            other => Err(Error::InvalidArgument(format!(
                "--device {other:?}: use auto, cpu or cuda"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Device::Auto => "auto",
            Device::Cpu => "cpu",
            Device::Cuda => "cuda",
        }
    }
}

impl std::str::FromStr for Device {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Device> {
        Device::parse(s)
    }
}

/// How cuDNN picks a convolution algorithm on CUDA (ONNX Runtime's `cudnn_conv_algo_search`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConvSearch {
    /// Benchmark every algorithm on the first batch (slow start, fastest after; ONNX Runtime's default).
    #[default]
    Exhaustive,
    /// cuDNN's heuristics: a quick start, usually as fast.
    Heuristic,
    /// cuDNN's default algorithm: no search and the least memory.
    Default,
}

impl ConvSearch {
    pub fn as_str(self) -> &'static str {
        match self {
            ConvSearch::Exhaustive => "exhaustive",
            ConvSearch::Heuristic => "heuristic",
            ConvSearch::Default => "default",
        }
    }
}

impl std::str::FromStr for ConvSearch {
    type Err = crate::Error;
    fn from_str(s: &str) -> Result<ConvSearch> {
        match s.trim().to_ascii_lowercase().as_str() {
            "exhaustive" => Ok(ConvSearch::Exhaustive),
            "heuristic" => Ok(ConvSearch::Heuristic),
            "default" => Ok(ConvSearch::Default),
            other => Err(Error::InvalidArgument(format!(
                "--cudnn-conv-search {other:?}: use exhaustive (benchmark every algorithm once), heuristic (cuDNN's guess) or default (no search, least memory)"
            ))),
        }
    }
}

/// The CUDA execution provider's settings for a run (ignored when the run ends up on CPU, but
/// still recorded with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct CudaOptions {
    /// The GPU's index (as `nvidia-smi -L` numbers them).
    pub device_id: u32,
    /// The most bytes ONNX Runtime's GPU memory arena may take (`None`: no limit).
    pub memory_limit: Option<u64>,
    /// How cuDNN picks convolution algorithms.
    pub conv_search: ConvSearch,
}

/// The largest GPU index accepted (ONNX Runtime takes an `int`).
const MAX_DEVICE_ID: i64 = i32::MAX as i64;

impl CudaOptions {
    /// A GPU index from user input: a whole number, 0 or more.
    pub fn parse_device_id(s: &str) -> Result<u32> {
        let bad = |why: &str| {
            Error::InvalidArgument(format!(
                "--cuda-device {s:?}: {why}; give the GPU's index, 0 for the first (`nvidia-smi -L` lists them)"
            ))
        };
        let n: i64 = s.trim().parse().map_err(|_| bad("not a whole number"))?;
        if n < 0 {
            return Err(bad("a GPU index cannot be negative"));
        }
        if n > MAX_DEVICE_ID {
            return Err(bad("too large"));
        }
        Ok(n as u32)
    }

    /// A memory limit from user input: bytes, or a number with a unit — `4GiB`, `512MiB`,
    /// `1.5GB` (KiB/MiB/GiB/TiB are powers of 1024, KB/MB/GB/TB of 1000, B bytes).
    pub fn parse_memory_limit(s: &str) -> Result<u64> {
        let bad = |why: &str| {
            Error::InvalidArgument(format!(
                "--gpu-mem-limit {s:?}: {why}; give a size such as 4GiB, 512MiB or 2000000000 (bytes)"
            ))
        };
        let t = s.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = (t[..split].trim(), t[split..].trim());
        if number.is_empty() {
            return Err(bad(if t.starts_with('-') {
                "a memory limit cannot be negative"
            } else {
                "no number"
            }));
        }
        let value: f64 = number.parse().map_err(|_| bad("not a number"))?;
        let scale: f64 = match unit.to_ascii_lowercase().as_str() {
            "" | "b" => 1.0,
            "kb" => 1e3,
            "mb" => 1e6,
            "gb" => 1e9,
            "tb" => 1e12,
            "kib" => 1024.0,
            "mib" => 1024f64.powi(2),
            "gib" => 1024f64.powi(3),
            "tib" => 1024f64.powi(4),
            _ => {
                return Err(bad(&format!(
                    "unknown unit {unit:?} (use B, KiB, MiB, GiB, TiB, KB, MB, GB or TB)"
                )))
            }
        };
        let bytes = (value * scale).round();
        if bytes < 1.0 {
            return Err(bad("a memory limit must be above zero"));
        }
        if bytes > usize::MAX as f64 || bytes > u64::MAX as f64 {
            return Err(bad("too large"));
        }
        Ok(bytes as u64)
    }

    /// The options as stored with a run (e.g. `device 0, memory limit 4 GiB, cuDNN search heuristic`).
    pub fn describe(&self) -> String {
        format!(
            "device {}, memory limit {}, cuDNN search {}",
            self.device_id,
            self.memory_limit.map_or("none".to_string(), format_bytes),
            self.conv_search.as_str()
        )
    }

    fn provider(&self) -> ort::ep::ExecutionProviderDispatch {
        let mut cuda = ort::ep::CUDA::default()
            .with_device_id(self.device_id as i32)
            .with_conv_algorithm_search(match self.conv_search {
                ConvSearch::Exhaustive => ort::ep::cuda::ConvAlgorithmSearch::Exhaustive,
                ConvSearch::Heuristic => ort::ep::cuda::ConvAlgorithmSearch::Heuristic,
                ConvSearch::Default => ort::ep::cuda::ConvAlgorithmSearch::Default,
            });
        if let Some(limit) = self.memory_limit {
            cuda = cuda.with_memory_limit(limit as usize);
        }
        cuda.build().error_on_failure()
    }
}

/// Bytes for people: a whole number of GiB/MiB/KiB when exact, else bytes.
fn format_bytes(b: u64) -> String {
    for (unit, size) in [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if b >= size && b.is_multiple_of(size) {
            return format!("{} {unit}", b / size);
        }
    }
    format!("{b} B")
}

/// A session and the provider it really runs on.
pub struct Built {
    pub session: Session,
    pub provider: &'static str,
    /// Why the requested device was not used, when it was not.
    pub notice: Option<String>,
}

pub const CPU: &str = "CPUExecutionProvider";
pub const CUDA: &str = "CUDAExecutionProvider";

/// The CPUs this process may use.
pub(crate) fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn cpu_session(rt: &Runtime, model: &Path) -> Result<Session> {
    let bad = |e: String| Error::Model {
        path: model.to_path_buf(),
        message: e,
    };
    Session::builder(&rt.env)
        .map_err(|e| bad(e.to_string()))?
        .with_intra_threads(threads())
        .map_err(|e| bad(e.to_string()))?
        // Idle intra-op threads sleep instead of spinning: the CPU they would burn between
        // operators goes to decoding the next batches (a third faster runs on 2 CPUs).
        .with_intra_op_spinning(false)
        .map_err(|e| bad(e.to_string()))?
        .commit_from_file(model)
        .map_err(|e| bad(e.to_string()))
}

/// Build a session for `model` on `device`. `Auto` tries CUDA and falls back to CPU with a notice;
/// `Cuda` fails when CUDA cannot be used.
pub fn session(model: &Path, device: Device) -> Result<Built> {
    session_with(model, device, &CudaOptions::default())
}

/// [`session`] with the CUDA provider's options. On CUDA, ONNX Runtime's own CPU threads only
/// launch kernels: one thread, sleeping when idle, so the CPUs go to decoding.
pub fn session_with(model: &Path, device: Device, cuda_options: &CudaOptions) -> Result<Built> {
    let rt = load()?;
    if device == Device::Cpu {
        return Ok(Built {
            session: cpu_session(rt, model)?,
            provider: CPU,
            notice: None,
        });
    }
    let cuda = cuda_options.provider();
    let attempt = Session::builder(&rt.env)
        .map_err(|e| e.to_string())
        .and_then(|b| b.with_intra_threads(1).map_err(|e| e.to_string()))
        .and_then(|b| b.with_intra_op_spinning(false).map_err(|e| e.to_string()))
        .and_then(|b| {
            b.with_execution_providers([cuda])
                .map_err(|e| e.to_string())
        })
        .and_then(|mut b| b.commit_from_file(model).map_err(|e| e.to_string()));
    match (attempt, device) {
        (Ok(session), _) => Ok(Built { session, provider: CUDA, notice: None }),
        (Err(e), Device::Cuda) => Err(Error::Runtime(format!(
            "CUDA was requested but cannot be used ({}): {}. Install onnxruntime-gpu=={ORT_VERSION} with a working CUDA set-up, or use --device cpu",
            cuda_options.describe(),
            e.trim_end_matches('.')
        ))),
        (Err(e), _) => Ok(Built {
            session: cpu_session(rt, model)?,
            provider: CPU,
            notice: Some(cuda_notice(rt, &e)),
        }),
    }
}

/// Why CUDA was not used, in terms of what is installed and what to do: a CPU-only library
/// (the `onnxruntime` wheel) names itself and the command that installs the GPU one; a GPU
/// library that cannot start CUDA gives ONNX Runtime's reason.
fn cuda_notice(rt: &Runtime, error: &str) -> String {
    use ort::ep::ExecutionProvider;
    let cpu_only = !ort::ep::CUDA::is_available().unwrap_or(false);
    if cpu_only {
        format!(
            "CUDA is not available: the ONNX Runtime library in use ({}) is the CPU-only build (the onnxruntime {ORT_VERSION} wheel); running on CPU. For an NVIDIA GPU, install the GPU build with `ARBITER_ORT_PACKAGE=onnxruntime-gpu ./scripts/setup.sh` (onnxruntime-gpu=={ORT_VERSION}; it needs the NVIDIA driver and CUDA 12), or point ORT_DYLIB_PATH at it",
            rt.path.display()
        )
    } else {
        format!(
            "CUDA is not available ({}): the ONNX Runtime library in use ({}) has CUDA support, but CUDA could not start (check the NVIDIA driver and CUDA 12 libraries); running on CPU",
            first_line(error),
            rt.path.display()
        )
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s).trim()
}
