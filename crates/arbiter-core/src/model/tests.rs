//! Model registry and inference against the committed fixture models, whose expected outputs
//! were computed by Python onnxruntime 1.31.1 (`fixtures/generate.py`).

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::dataset;
use crate::predict::{self, PredictOptions};
use crate::testutil::{fixtures, imported_project};

fn project_with(source: &str) -> (tempfile::TempDir, Project) {
    let dir = tempfile::tempdir().expect("tmp");
    let (p, _) = imported_project(dir.path(), &fixtures().join(source), Some("data"), false);
    (dir, p)
}

fn add_model(p: &mut Project, file: &str) -> Result<ModelInfo> {
    add(
        p,
        &AddOptions {
            file: fixtures().join("models").join(file),
            ..Default::default()
        },
    )
}

fn run(p: &mut Project, model: &str, device: Device, batch: usize) -> Result<predict::RunSummary> {
    let opts = PredictOptions {
        model: model.into(),
        dataset: "data".into(),
        batch_size: batch,
        device,
        resume: None,
        decode: None,
        cuda: Default::default(),
    };
    predict::predict(p, &opts, &mut |_| {}, &AtomicBool::new(false))
}

use runtime::Device;

/// Expected rows: item id → (predicted, probabilities) from the reference CSV.
/// Item id → (predicted label, probabilities).
type Reference = HashMap<String, (String, Vec<f64>)>;

fn expected(stem: &str, logits: bool) -> (Vec<String>, Reference) {
    let text = std::fs::read_to_string(fixtures().join(format!("models/expected/{stem}.csv")))
        .expect("expected csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let classes = header[2..]
        .iter()
        .map(|h| h.trim_start_matches("p_").to_string())
        .collect();
    let rows = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let mut v: Vec<f64> = f[2..].iter().map(|x| x.parse().expect("float")).collect();
            if logits {
                let m = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = v.iter().map(|x| (x - m).exp()).collect();
                let s: f64 = e.iter().sum();
                v = e.into_iter().map(|x| x / s).collect();
            }
            (f[0].to_string(), (f[1].to_string(), v))
        })
        .collect();
    (classes, rows)
}

/// Register, predict on CPU and compare every probability with Python onnxruntime's to 1e-5.
fn check(source: &str, file: &str, logits: bool, batch: usize) {
    check_with(source, file, None, logits, batch);
}

/// [`check`] with a labels file (under `fixtures/models/`); returns the run's summary.
fn check_with(
    source: &str,
    file: &str,
    labels: Option<&str>,
    logits: bool,
    batch: usize,
) -> predict::RunSummary {
    let (_d, mut p) = project_with(source);
    let m = add(
        &mut p,
        &AddOptions {
            file: fixtures().join("models").join(file),
            labels_file: labels.map(|l| fixtures().join("models").join(l)),
            ..Default::default()
        },
    )
    .unwrap_or_else(|e| panic!("{file}: {e}"));
    let summary =
        run(&mut p, &m.name, Device::Cpu, batch).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert_eq!(summary.failed, 0, "{file}");
    assert_eq!(summary.device, runtime::CPU);
    let stem = file.trim_end_matches(".onnx");
    let (classes, want) = expected(stem, logits);
    let (got_classes, preds) = predict::predictions(&p, summary.run).expect("predictions");
    assert_eq!(got_classes, classes, "{file}: class order");
    assert_eq!(preds.len(), want.len(), "{file}: one prediction per item");
    let mut worst = 0f64;
    for pr in &preds {
        let (label, probs) = &want[&pr.ext_id];
        assert_eq!(
            pr.predicted.as_deref(),
            Some(label.as_str()),
            "{file} {}",
            pr.ext_id
        );
        assert_eq!(pr.probabilities.len(), probs.len());
        for (g, w) in pr.probabilities.iter().zip(probs) {
            worst = worst.max((*g as f64 - w).abs());
        }
        let max = pr
            .probabilities
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        assert_eq!(pr.confidence, Some(max));
    }
    assert!(worst <= 1e-5, "{file}: max |Δp| = {worst:e} exceeds 1e-5");
    summary
}

#[test]
fn a_zipmap_over_integer_classes_named_by_a_labels_file_matches_onnxruntime() {
    // scikit-learn trained on targets 10/20/30: the ZipMap's keys are those integers, the
    // labels file names them class_a/b/c in order.
    check_with(
        "tabular/wine.csv",
        "wine_int_zipmap.onnx",
        Some("wine_int_zipmap.labels.txt"),
        false,
        16,
    );
}

#[test]
fn a_model_with_a_fixed_batch_of_one_is_fed_one_item_at_a_time() {
    let s = check_with(
        "tabular/wine.csv",
        "wine_fixed_batch1.onnx",
        Some("wine_int_zipmap.labels.txt"),
        false,
        64,
    );
    let notice = s.notice.expect("notice");
    assert!(notice.contains("batches of exactly 1"), "{notice}");
}

#[test]
fn non_finite_model_outputs_fail_their_items_with_a_reason() {
    let (_d, mut p) = project_with("tabular/wine.csv");
    add_model(&mut p, "wine_nan_logits.onnx").expect("add");
    let s = run(&mut p, "wine_nan_logits", Device::Cpu, 32).expect("run");
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("models/expected/wine_nan_logits.json"))
            .expect("json"),
    )
    .expect("parse");
    let ids = |k: &str| -> Vec<String> {
        want[k]
            .as_array()
            .expect("ids")
            .iter()
            .map(|v| v.as_str().expect("id").to_string())
            .collect()
    };
    let (nonfinite, finite) = (ids("nonfinite_ids"), ids("finite_ids"));
    assert_eq!(s.failed as usize, nonfinite.len());
    let (_, preds) = predict::predictions(&p, s.run).expect("preds");
    for pr in &preds {
        if nonfinite.contains(&pr.ext_id) {
            assert!(
                pr.predicted.is_none() && pr.confidence.is_none(),
                "{}",
                pr.ext_id
            );
            let why = pr.error.as_deref().expect("reason");
            assert!(why.contains("not finite numbers"), "{why}");
        } else {
            assert!(finite.contains(&pr.ext_id));
            assert!(
                pr.probabilities.iter().all(|v| v.is_finite()),
                "{}",
                pr.ext_id
            );
            assert!(pr.predicted.is_some(), "{}", pr.ext_id);
        }
    }
    // Every strategy ranks the finite items only, without tripping over the failed ones.
    for strategy in [
        crate::queue::Strategy::Margin,
        crate::queue::Strategy::Entropy,
        crate::queue::Strategy::LeastConfidence,
    ] {
        let spec = crate::queue::QueueSpec {
            run: s.run,
            strategy,
            other_run: None,
            threshold: None,
            seed: 0,
            calibrated: false,
        };
        let ranked = crate::queue::rank(&p, &spec).expect("rank");
        assert_eq!(ranked.len(), finite.len());
    }
    let (total, listed) = predict::failures(&p, s.run, 3).expect("failures");
    assert_eq!((total as usize, listed.len()), (nonfinite.len(), 3));
}

#[test]
fn unusable_settings_and_models_are_refused_before_anything_is_registered() {
    let (_d, mut p) = project_with("digits/manifest.csv");
    let refuse = |p: &mut Project, opts: AddOptions, needle: &str| {
        let msg = add(p, &opts).expect_err(needle).to_string();
        assert!(msg.contains(needle), "{msg:?} should contain {needle:?}");
    };
    let digits = || AddOptions {
        file: fixtures().join("models/digits_logits.onnx"),
        ..Default::default()
    };
    refuse(
        &mut p,
        AddOptions {
            scale: Some(f32::NAN),
            ..digits()
        },
        "--scale NaN is not a finite number",
    );
    refuse(
        &mut p,
        AddOptions {
            scale: Some(f32::INFINITY),
            ..digits()
        },
        "--scale inf is not a finite number",
    );
    refuse(
        &mut p,
        AddOptions {
            // 1e40 is infinite as float32.
            mean: Some(vec!["1e40".parse().expect("f32")]),
            ..digits()
        },
        "--mean inf is not a finite number",
    );
    refuse(
        &mut p,
        AddOptions {
            std: Some(vec![f32::NAN]),
            ..digits()
        },
        "--std NaN is not a finite number",
    );
    refuse(
        &mut p,
        AddOptions {
            scale: Some(0.0),
            ..digits()
        },
        "--scale 0 would make every pixel 0",
    );
    refuse(
        &mut p,
        AddOptions {
            file: fixtures().join("models/huge_input.onnx"),
            ..Default::default()
        },
        "one 100000×100000 image as input \"image\" takes 120.0 GB; Arbiter feeds images of up to 512 MB per sample",
    );
    refuse(
        &mut p,
        AddOptions {
            file: fixtures().join("models/external_data.onnx"),
            ..Default::default()
        },
        "keeps its weights in separate file(s) (external_data.onnx.data)",
    );
    let dup = p.root().join("dup.txt");
    std::fs::write(&dup, "0\n1\n2\n3\n4\n5\n6\n7\n8\n8\n").expect("w");
    refuse(
        &mut p,
        AddOptions {
            labels_file: Some(dup),
            ..digits()
        },
        "class \"8\" is named twice in the labels file",
    );
    let models: i64 = p
        .conn()
        .query_row("SELECT COUNT(*) FROM models", [], |r| r.get(0))
        .expect("n");
    assert_eq!(models, 0, "nothing registered");
    assert!(
        !p.root().join("models").exists()
            || std::fs::read_dir(p.root().join("models"))
                .expect("dir")
                .count()
                == 0,
        "no model file copied"
    );
}

#[test]
fn predict_refuses_a_model_whose_samples_were_never_size_checked() {
    // A record written before `model add` checked the input size (here made 100000 × 100000):
    // predict refuses it before allocating anything, and leaves no run behind.
    let (_d, mut p) = project_with("digits/manifest.csv");
    let m = add_model(&mut p, "digits_logits.onnx").expect("add");
    p.conn()
        .execute(
            "UPDATE models SET preprocess = json_set(preprocess, '$.width', 100000, '$.height', 100000) WHERE id = ?1",
            [m.id],
        )
        .expect("an old record");
    let msg = run(&mut p, "digits_logits", Device::Cpu, 64)
        .expect_err("too large")
        .to_string();
    assert!(
        msg.contains("one input sample takes 40.0 GB")
            && msg.contains("register the model again with a smaller --size"),
        "{msg}"
    );
    assert!(
        predict::runs(&p).expect("runs").is_empty(),
        "no run is left behind"
    );
}

#[test]
fn model_remove_takes_out_an_unused_version_and_a_damaged_record() {
    let (_d, mut p) = project_with("tabular/wine.csv");
    let m = add_model(&mut p, "wine_forest.onnx").expect("add");
    let file = m.file.clone();
    let r = remove(&mut p, "wine_forest").expect("remove");
    assert_eq!(
        (r.model.as_str(), r.version, r.file_deleted),
        ("wine_forest", 1, true)
    );
    assert!(!file.exists());
    assert!(list(&p).expect("list").is_empty());
    // A record an older version wrote with a NaN scale (stored as null) cannot be read:
    // `list` names it and the way out, and `remove` takes it out without reading it.
    add_model(&mut p, "wine_forest.onnx").expect("add again");
    let img = add_model(&mut p, "digits_logits.onnx").expect("image model");
    p.conn()
        .execute(
            "UPDATE models SET preprocess = json_set(preprocess, '$.scale', json('null')) WHERE id = ?1",
            [img.id],
        )
        .expect("damage");
    let msg = list(&p).expect_err("damaged").to_string();
    assert!(
        msg.contains("model digits_logits@1 has a record this Arbiter cannot read")
            && msg.contains("arbiter model remove digits_logits@1"),
        "{msg}"
    );
    remove(&mut p, "digits_logits@1").expect("remove damaged");
    assert_eq!(list(&p).expect("list").len(), 1);
    // A model a run used stays.
    let s = run(&mut p, "wine_forest", Device::Cpu, 64).expect("run");
    let msg = remove(&mut p, "wine_forest").expect_err("used").to_string();
    assert!(
        msg.contains(&format!("used by 1 run(s) ({})", s.run)),
        "{msg}"
    );
    let msg = remove(&mut p, "nope").expect_err("unknown").to_string();
    assert!(msg.contains("model not found: nope"), "{msg}");
}

#[test]
fn digits_conv_net_with_logits_output_matches_onnxruntime() {
    check("digits/manifest.csv", "digits_logits.onnx", true, 64);
}

#[test]
fn uint8_nhwc_softmax_model_matches_onnxruntime() {
    check(
        "digits/manifest.csv",
        "digits_softmax_nhwc_u8.onnx",
        false,
        100,
    );
}

#[test]
fn resized_rgb_input_matches_onnxruntime() {
    check("digits/manifest.csv", "digits_rgb_64.onnx", true, 32);
}

#[test]
fn sklearn_pipeline_with_zipmap_matches_onnxruntime() {
    check(
        "tabular/breast_cancer.csv",
        "breast_cancer_pipeline.onnx",
        false,
        50,
    );
}

#[test]
fn tree_ensemble_with_tensor_output_matches_onnxruntime() {
    check("tabular/wine.csv", "wine_forest.onnx", false, 7);
}

#[test]
fn bilinear_resize_and_rgb_conversion_match_the_reference_input() {
    // fixtures/models/expected/digits_rgb_64_input.csv: the exact input tensor for one item.
    let text = std::fs::read_to_string(fixtures().join("models/expected/digits_rgb_64_input.csv"))
        .expect("csv");
    let mut lines = text.lines();
    lines.next();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let id = rows[0][0];
    let pre = ImagePre {
        width: 64,
        height: 64,
        layout: Layout::Nchw,
        color: Color::Rgb,
        dtype: InputType::Float32,
        scale: 1.0 / 255.0,
        mean: vec![0.0; 3],
        std: vec![1.0; 3],
        decode: preprocess::Decode::Full,
    };
    let n: usize = id.trim_start_matches("digit_").parse().expect("index");
    let png = fixtures().join(format!("digits/images/{}/{id}.png", digit_label(n)));
    let preprocess::Sample::F32(got) =
        preprocess::image_sample(&std::fs::read(&png).expect("png"), &pre).expect("sample")
    else {
        panic!("f32")
    };
    let mut worst = 0f64;
    for r in rows.iter().filter(|r| r[0] == id) {
        let (c, y): (usize, usize) = (r[1].parse().expect("c"), r[2].parse().expect("y"));
        for (x, v) in r[3..].iter().enumerate() {
            let want: f64 = v.parse().expect("v");
            worst = worst.max((got[c * 64 * 64 + y * 64 + x] as f64 - want).abs());
        }
    }
    assert!(worst < 1e-6, "max |Δ| = {worst:e}");
}

/// `fixtures/images/exif/expected.json`: Pillow's tensors (`ImageOps.exif_transpose`,
/// `convert("RGB")`, the documented resize, v / 255, NCHW) for a picture saved with each EXIF
/// orientation as PNG and JPEG, a CMYK JPEG, 16-bit RGB and grey PNGs, and a 640×427 photo
/// (upright and turned) decoded in full and with `draft` (`--decode fast`).
fn exif_expected() -> (ImagePre, Vec<(String, Vec<f64>)>) {
    let text = std::fs::read_to_string(fixtures().join("images/exif/expected.json")).expect("json");
    let v: serde_json::Value = serde_json::from_str(&text).expect("parse");
    let dim = |k: &str| v[k].as_u64().expect("size") as u32;
    let pre = ImagePre {
        width: dim("width"),
        height: dim("height"),
        layout: Layout::Nchw,
        color: Color::Rgb,
        dtype: InputType::Float32,
        scale: 1.0 / 255.0,
        mean: vec![0.0; 3],
        std: vec![1.0; 3],
        decode: preprocess::Decode::Full,
    };
    let files = v["files"]
        .as_object()
        .expect("files")
        .iter()
        .map(|(k, vals)| {
            let vals = vals.as_array().expect("values");
            (
                k.clone(),
                vals.iter().map(|x| x.as_f64().expect("f")).collect(),
            )
        })
        .collect();
    (pre, files)
}

#[test]
fn orientation_cmyk_and_16_bit_images_preprocess_as_pillow_does() {
    let (pre, files) = exif_expected();
    assert_eq!(files.len(), 23);
    let mut failures = Vec::new();
    for (name, want) in &files {
        // `NAME@fast`: Pillow's `draft("RGB", input size)` before the same steps.
        let (file, decode) = match name.strip_suffix("@fast") {
            Some(file) => (file, preprocess::Decode::Fast),
            None => (name.as_str(), preprocess::Decode::Full),
        };
        let pre = ImagePre {
            decode,
            ..pre.clone()
        };
        let bytes = std::fs::read(fixtures().join("images/exif").join(file)).expect("read");
        let preprocess::Sample::F32(got) = preprocess::image_sample(&bytes, &pre).expect(name)
        else {
            panic!("f32")
        };
        assert_eq!(got.len(), want.len(), "{name}");
        let worst = got
            .iter()
            .zip(want)
            .map(|(g, w)| (f64::from(*g) - w).abs())
            .fold(0f64, f64::max);
        if worst > 1e-5 {
            failures.push(format!("{name}: max |Δ| = {worst:e}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn thumbnails_and_the_item_view_show_images_upright_as_predictions_see_them() {
    let dir = fixtures().join("images/exif");
    let file = |name: &str| crate::media::MediaFile {
        path: dir.join(name),
        hash: None,
    };
    let png_size = |bytes: &[u8]| {
        let img = image::load_from_memory(bytes).expect("png");
        (img.width(), img.height())
    };
    // Stored 48×32; orientations 5–8 turn it to 32×48.
    for o in 1..=8 {
        for ext in ["jpg", "png"] {
            let name = format!("orientation_{o}.{ext}");
            let upright = if o >= 5 { (32, 48) } else { (48, 32) };
            let shown = crate::media::display_bytes(&file(&name)).expect("display");
            if o == 1 {
                assert_eq!(shown.bytes, std::fs::read(dir.join(&name)).expect("read"));
            } else {
                assert_eq!(shown.mime, "image/png", "{name}");
                assert_eq!(png_size(&shown.bytes), upright, "{name}");
                // The same pixels predictions decode.
                let want =
                    preprocess::decode_image(&std::fs::read(dir.join(&name)).expect("r"), None)
                        .expect("decode")
                        .to_rgb8();
                let shown = image::load_from_memory(&shown.bytes)
                    .expect("png")
                    .to_rgb8();
                assert_eq!(shown, want, "{name}");
            }
            let cache = tempfile::tempdir().expect("tmp");
            let thumb = crate::media::thumbnail(&file(&name), cache.path(), 24).expect("thumb");
            let (w, h) = png_size(&thumb.bytes);
            assert_eq!(w > h, upright.0 > upright.1, "{name}: thumbnail {w}×{h}");
        }
    }
    let cmyk = crate::media::display_bytes(&file("cmyk.jpg")).expect("display");
    assert_eq!(cmyk.mime, "image/png", "CMYK JPEGs are shown converted");
}

#[test]
fn a_run_decoding_otherwise_than_the_model_says_so_in_its_notice() {
    let (_d, mut p) = project_with("digits/manifest.csv");
    let mut opts = AddOptions {
        file: fixtures().join("models/digits_logits.onnx"),
        decode: Some(preprocess::Decode::Fast),
        ..Default::default()
    };
    let m = add(&mut p, &opts).expect("add");
    let Preprocess::Image { image, .. } = &m.preprocess else {
        panic!("image model")
    };
    assert_eq!(
        image.decode,
        preprocess::Decode::Fast,
        "stored with the model"
    );
    let go = |p: &mut Project, decode| {
        predict::predict(
            p,
            &PredictOptions {
                model: "digits_logits".into(),
                dataset: "data".into(),
                batch_size: 512,
                device: Device::Cpu,
                resume: None,
                decode,
                cuda: Default::default(),
            },
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("run")
    };
    let same = go(&mut p, Some(preprocess::Decode::Fast));
    assert!(!same.notice.unwrap_or_default().contains("--decode"));
    let full = go(&mut p, Some(preprocess::Decode::Full));
    assert_eq!(
        full.notice.as_deref(),
        Some("JPEGs decoded with --decode full (the model's preprocessing says fast)")
    );
    // A tabular model has no decoding to choose.
    opts.file = fixtures().join("models/wine_forest.onnx");
    let err = add(&mut p, &opts).expect_err("tabular").to_string();
    assert!(err.contains("--decode apply to image models"), "{err}");
}

fn digit_label(index: usize) -> String {
    let text = std::fs::read_to_string(fixtures().join("digits/manifest.csv")).expect("manifest");
    text.lines()
        .nth(index + 1)
        .and_then(|l| l.rsplit(',').next())
        .expect("row")
        .to_string()
}

#[test]
fn auto_device_falls_back_to_cpu_with_a_notice_and_cuda_alone_is_refused() {
    // These machines have no GPU and the CPU wheel has no CUDA provider.
    let (_d, mut p) = project_with("tabular/wine.csv");
    add_model(&mut p, "wine_forest.onnx").expect("add");
    let s = run(&mut p, "wine_forest", Device::Auto, 64).expect("auto");
    assert_eq!(s.device, runtime::CPU);
    assert_eq!(s.requested_device.as_str(), "auto");
    let notice = s.notice.expect("a notice says why CUDA was not used");
    assert!(
        notice.contains("CUDA is not available") && notice.contains("running on CPU"),
        "{notice}"
    );
    // These machines have the CPU-only library: the notice names it and the way to the GPU.
    assert!(
        notice.contains("is the CPU-only build")
            && notice.contains("ARBITER_ORT_PACKAGE=onnxruntime-gpu ./scripts/setup.sh")
            && !notice.contains("not enabled in this build"),
        "{notice}"
    );
    let stored: (String, Option<String>) = p
        .conn()
        .query_row(
            "SELECT provider, notice FROM runs WHERE id = ?1",
            [s.run],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("run row");
    assert_eq!(stored.0, runtime::CPU);
    assert_eq!(stored.1.as_deref(), Some(notice.as_str()));
    let err = run(&mut p, "wine_forest", Device::Cuda, 64).expect_err("cuda only");
    assert!(
        err.to_string()
            .contains("CUDA was requested but cannot be used"),
        "{err}"
    );
}

#[test]
fn cuda_options_parse_and_bad_ones_say_what_to_give() {
    use runtime::{ConvSearch, CudaOptions};
    assert_eq!(CudaOptions::parse_device_id("0").expect("0"), 0);
    assert_eq!(CudaOptions::parse_device_id(" 3 ").expect("3"), 3);
    for (bad, why) in [
        ("-1", "cannot be negative"),
        ("one", "not a whole number"),
        ("1.5", "not a whole number"),
        ("", "not a whole number"),
        ("99999999999", "too large"),
    ] {
        let msg = CudaOptions::parse_device_id(bad)
            .expect_err(bad)
            .to_string();
        assert!(
            msg.contains(&format!("--cuda-device {bad:?}"))
                && msg.contains(why)
                && msg.contains("nvidia-smi -L"),
            "{msg}"
        );
    }
    for (good, bytes) in [
        ("4GiB", 4u64 << 30),
        ("512 MiB", 512 << 20),
        ("1kib", 1024),
        ("1.5GB", 1_500_000_000),
        ("2000000000", 2_000_000_000),
        ("300B", 300),
    ] {
        assert_eq!(
            CudaOptions::parse_memory_limit(good).expect(good),
            bytes,
            "{good}"
        );
    }
    for (bad, why) in [
        ("-4GiB", "cannot be negative"),
        ("0", "must be above zero"),
        ("0.1B", "must be above zero"),
        ("4XB", "unknown unit \"XB\""),
        ("GiB", "no number"),
        ("", "no number"),
        ("1.2.3GiB", "not a number"),
        ("99999999TiB", "too large"),
    ] {
        let msg = CudaOptions::parse_memory_limit(bad)
            .expect_err(bad)
            .to_string();
        assert!(
            msg.contains(&format!("--gpu-mem-limit {bad:?}"))
                && msg.contains(why)
                && msg.contains("4GiB"),
            "{bad}: {msg}"
        );
    }
    assert_eq!(
        "Heuristic".parse::<ConvSearch>().expect("h"),
        ConvSearch::Heuristic
    );
    assert_eq!(
        "default".parse::<ConvSearch>().expect("d"),
        ConvSearch::Default
    );
    let msg = "fast".parse::<ConvSearch>().expect_err("fast").to_string();
    assert!(
        msg.contains("--cudnn-conv-search \"fast\"")
            && msg.contains("exhaustive")
            && msg.contains("heuristic")
            && msg.contains("default"),
        "{msg}"
    );
    let o = CudaOptions {
        device_id: 1,
        memory_limit: Some(4 << 30),
        conv_search: ConvSearch::Heuristic,
    };
    assert_eq!(
        o.describe(),
        "device 1, memory limit 4 GiB, cuDNN search heuristic"
    );
    assert_eq!(
        CudaOptions::default().describe(),
        "device 0, memory limit none, cuDNN search exhaustive"
    );
}

#[test]
fn cuda_options_are_recorded_with_the_run_and_a_cpu_run_refuses_them() {
    use runtime::{ConvSearch, CudaOptions};
    let (_d, mut p) = project_with("tabular/wine.csv");
    add_model(&mut p, "wine_forest.onnx").expect("add");
    let cuda = CudaOptions {
        device_id: 1,
        memory_limit: Some(2 << 30),
        conv_search: ConvSearch::Heuristic,
    };
    let go = |p: &mut Project, device| {
        predict::predict(
            p,
            &PredictOptions {
                model: "wine_forest".into(),
                dataset: "data".into(),
                batch_size: 64,
                device,
                resume: None,
                decode: None,
                cuda,
            },
            &mut |_| {},
            &AtomicBool::new(false),
        )
    };
    // auto: no GPU here, so CPU, and the notice says why.
    let s = go(&mut p, Device::Auto).expect("auto");
    assert_eq!(s.device, runtime::CPU);
    let notice = s.notice.expect("notice");
    assert!(
        notice.contains("CUDA is not available") && notice.contains("is the CPU-only build"),
        "{notice}"
    );
    let start = crate::audit::recent(&p, 10)
        .expect("audit")
        .into_iter()
        .find(|e| e.action == "run.start")
        .expect("run.start");
    assert_eq!(
        start.details["cuda"],
        serde_json::json!({"device_id": 1, "memory_limit": 2147483648u64, "conv_search": "heuristic"}),
        "{}",
        start.details
    );
    // cuda: refused, naming the settings it was asked with and why.
    let msg = go(&mut p, Device::Cuda).expect_err("cuda").to_string();
    assert!(
        msg.contains("CUDA was requested but cannot be used (device 1, memory limit 2 GiB, cuDNN search heuristic)")
            && msg.contains("not enabled in this build"),
        "{msg}"
    );
    // cpu: the settings would do nothing, so they are refused before a run starts.
    let runs_before = predict::runs(&p).expect("runs").len();
    let err = go(&mut p, Device::Cpu).expect_err("cpu");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("--device cpu with CUDA settings (device 1, memory limit 2 GiB")
            && err.to_string().contains("use --device auto or cuda"),
        "{err}"
    );
    assert_eq!(predict::runs(&p).expect("runs").len(), runs_before);
}

#[test]
fn bad_models_are_refused_saying_why() {
    let (_d, mut p) = project_with("digits/manifest.csv");
    let msg = add_model(&mut p, "not_a_model.onnx")
        .expect_err("not onnx")
        .to_string();
    assert!(
        msg.contains("not_a_model.onnx") && msg.contains("not an ONNX model"),
        "{msg}"
    );
    // A label file whose count differs from the model's outputs.
    let labels = p.root().join("three.txt");
    std::fs::write(&labels, "a\nb\nc\n").expect("w");
    let opts = AddOptions {
        file: fixtures().join("models/digits_logits.onnx"),
        labels_file: Some(labels),
        ..Default::default()
    };
    let msg = add(&mut p, &opts).expect_err("count").to_string();
    assert!(
        msg.contains("outputs 10 classes but labels file names 3"),
        "{msg}"
    );
    // A size that cannot feed a fixed input.
    let opts = AddOptions {
        file: fixtures().join("models/digits_logits.onnx"),
        size: Some((32, 32)),
        ..Default::default()
    };
    let msg = add(&mut p, &opts).expect_err("size").to_string();
    assert!(
        msg.contains("--size 32x32 cannot feed input \"image\", which is fixed at 8x8"),
        "{msg}"
    );
    // A tabular model over an image dataset: refused at predict, naming the counts.
    add_model(&mut p, "wine_forest.onnx").expect("add wine");
    let msg = run(&mut p, "wine_forest", Device::Cpu, 8)
        .expect_err("feed")
        .to_string();
    assert!(
        msg.contains("takes 13 features but this dataset version has 0"),
        "{msg}"
    );
    let runs: i64 = p
        .conn()
        .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
        .expect("n");
    assert_eq!(runs, 0, "a refused run leaves no run behind");
    let models: i64 = p
        .conn()
        .query_row("SELECT COUNT(*) FROM models", [], |r| r.get(0))
        .expect("n");
    assert_eq!(models, 1, "refused models are not registered");
}

#[test]
fn a_corrupt_image_fails_that_item_only() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("img")).expect("mk");
    let mut csv = String::from("id,path,label\n");
    for i in 0..5 {
        let src = fixtures().join(format!("digits/images/{i}/digit_000{i}.png"));
        std::fs::copy(&src, data.join(format!("img/{i}.png"))).expect("cp");
        csv.push_str(&format!("d{i},img/{i}.png,{i}\n"));
    }
    std::fs::write(
        data.join("img/2.png"),
        b"\x89PNG\r\n\x1a\nthis is not really a png",
    )
    .expect("corrupt");
    std::fs::write(data.join("m.csv"), csv).expect("w");
    let (mut p, _) = imported_project(dir.path(), &data.join("m.csv"), Some("data"), false);
    let labels = dir.path().join("labels.txt");
    std::fs::write(
        &labels,
        (0..10)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .expect("w");
    add(
        &mut p,
        &AddOptions {
            file: fixtures().join("models/digits_logits.onnx"),
            labels_file: Some(labels),
            ..Default::default()
        },
    )
    .expect("add");
    let s = run(&mut p, "digits_logits", Device::Cpu, 2).expect("run goes on");
    assert_eq!((s.items, s.failed, s.status.as_str()), (5, 1, "done"));
    let (_, preds) = predict::predictions(&p, s.run).expect("preds");
    let bad = preds.iter().find(|p| p.ext_id == "d2").expect("d2");
    assert!(bad.predicted.is_none() && bad.probabilities.is_empty());
    let reason = bad.error.as_deref().expect("reason stored");
    assert!(
        reason.contains("2.png") && reason.contains("cannot decode"),
        "{reason}"
    );
    assert!(preds
        .iter()
        .filter(|p| p.ext_id != "d2")
        .all(|p| p.predicted.is_some()));
}

/// A JPEG of digit `i` (upscaled to 64×64 so it has some size), encoded at quality 90.
fn digit_jpeg(i: usize) -> Vec<u8> {
    let png = fixtures().join(format!("digits/images/{i}/digit_000{i}.png"));
    let img =
        image::open(png)
            .expect("png")
            .resize_exact(64, 64, image::imageops::FilterType::Triangle);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img.to_luma8())
        .expect("jpeg");
    out
}

#[test]
fn media_truncated_huge_changed_or_swapped_after_import_fail_their_item() {
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("img")).expect("mk");
    // d0: a good JPEG (with data after its end marker, as a motion photo has); d1: the same
    // JPEG cut short; d2: a 20000×20000 PNG of 48 KB; d3, d4: good PNGs changed after import.
    let mut good = digit_jpeg(0);
    let cut = good[..good.len() * 6 / 10].to_vec();
    good.extend_from_slice(b"\0\0\0\x18ftypmp42 trailing video data");
    std::fs::write(data.join("img/0.jpg"), &good).expect("w");
    std::fs::write(data.join("img/1.jpg"), &cut).expect("w");
    std::fs::copy(
        fixtures().join("images/bomb_20000x20000.png"),
        data.join("img/2.png"),
    )
    .expect("cp");
    for i in [3, 4] {
        std::fs::copy(
            fixtures().join(format!("digits/images/{i}/digit_000{i}.png")),
            data.join(format!("img/{i}.png")),
        )
        .expect("cp");
    }
    std::fs::write(
        data.join("m.csv"),
        "id,path,label\nd0,img/0.jpg,0\nd1,img/1.jpg,1\nd2,img/2.png,2\nd3,img/3.png,3\nd4,img/4.png,4\n",
    )
    .expect("w");
    let (mut p, _) = imported_project(dir.path(), &data.join("m.csv"), Some("data"), false);
    // After the import: d3's bytes change; d4 becomes a link to a file outside the root.
    std::fs::copy(
        fixtures().join("digits/images/5/digit_0005.png"),
        data.join("img/3.png"),
    )
    .expect("change");
    let outside = dir.path().join("outside.png");
    std::fs::copy(fixtures().join("digits/images/4/digit_0004.png"), &outside).expect("cp");
    std::fs::remove_file(data.join("img/4.png")).expect("rm");
    std::os::unix::fs::symlink(&outside, data.join("img/4.png")).expect("link");
    let labels = dir.path().join("labels.txt");
    std::fs::write(
        &labels,
        (0..10).map(|i| format!("{i}\n")).collect::<String>(),
    )
    .expect("w");
    add(
        &mut p,
        &AddOptions {
            file: fixtures().join("models/digits_logits.onnx"),
            labels_file: Some(labels),
            ..Default::default()
        },
    )
    .expect("add");
    let s = run(&mut p, "digits_logits", Device::Cpu, 4).expect("the run goes on");
    assert_eq!((s.items, s.failed), (5, 4));
    let (_, preds) = predict::predictions(&p, s.run).expect("preds");
    let why = |id: &str| {
        preds
            .iter()
            .find(|p| p.ext_id == id)
            .and_then(|p| p.error.clone())
            .unwrap_or_default()
    };
    assert!(preds[0].predicted.is_some(), "{:?}", preds[0].error);
    assert!(
        why("d1").contains("the JPEG file is truncated"),
        "{}",
        why("d1")
    );
    assert!(
        why("d2").contains("the image is 20000×20000 (400 megapixels); Arbiter decodes images up to 128 megapixels"),
        "{}",
        why("d2")
    );
    assert!(
        why("d3").contains("changed since it was imported"),
        "{}",
        why("d3")
    );
    assert!(
        why("d4").contains("now resolves outside its dataset root"),
        "{}",
        why("d4")
    );
    // The item view refuses the changed file too.
    let f = crate::media::media_file(&p, preds[3].item).expect("file");
    let msg = crate::media::display_bytes(&f)
        .expect_err("changed")
        .to_string();
    assert!(msg.contains("changed since it was imported"), "{msg}");
}

#[test]
fn a_cancelled_run_resumes_to_the_same_result_as_a_plain_run() {
    let (_d, mut p) = project_with("digits/manifest.csv");
    add_model(&mut p, "digits_logits.onnx").expect("add");
    let plain = run(&mut p, "digits_logits", Device::Cpu, 100).expect("plain");
    // Cancel after the third batch.
    let cancel = AtomicBool::new(false);
    let mut batches = 0;
    let opts = PredictOptions {
        model: "digits_logits".into(),
        dataset: "data".into(),
        batch_size: 100,
        device: Device::Cpu,
        resume: None,
        decode: None,
        cuda: Default::default(),
    };
    // Each batch committed (and reported) on its own, so the third report is the third batch.
    let err = predict::predict_committing(
        &mut p,
        &opts,
        &mut |_| {
            batches += 1;
            if batches == 3 {
                cancel.store(true, std::sync::atomic::Ordering::Relaxed);
            }
        },
        &cancel,
        std::time::Duration::ZERO,
    )
    .expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled));
    let (id, status, done): (i64, String, i64) = p
        .conn()
        .query_row(
            "SELECT id, status, items_done FROM runs ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("run");
    assert_eq!((status.as_str(), done), ("cancelled", 300));
    let resumed = predict::predict(
        &mut p,
        &PredictOptions {
            resume: Some(id),
            decode: None,
            cuda: Default::default(),
            ..opts.clone()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("resume");
    assert_eq!(
        (resumed.run, resumed.items, resumed.status.as_str()),
        (id, 1797, "done")
    );
    let (_, a) = predict::predictions(&p, plain.run).expect("a");
    let (_, b) = predict::predictions(&p, id).expect("b");
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (&x.ext_id, &x.predicted, &x.probabilities),
            (&y.ext_id, &y.predicted, &y.probabilities)
        );
    }
    // A plain predict always starts a new run; a finished run cannot be resumed.
    let again = run(&mut p, "digits_logits", Device::Cpu, 100).expect("new run");
    assert!(again.run > id);
    let msg = predict::predict(
        &mut p,
        &PredictOptions {
            resume: Some(id),
            decode: None,
            cuda: Default::default(),
            ..opts
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect_err("complete")
    .to_string();
    assert!(msg.contains("is complete"), "{msg}");
}

#[test]
fn adding_the_same_model_twice_keeps_one_version_and_new_content_makes_another() {
    let (_d, mut p) = project_with("digits/manifest.csv");
    let a = add_model(&mut p, "digits_logits.onnx").expect("a");
    let b = add_model(&mut p, "digits_logits.onnx").expect("b");
    assert_eq!((a.id, a.version), (b.id, b.version));
    assert!(p.root().join(format!("models/{}.onnx", a.sha256)).is_file());
    let other = AddOptions {
        file: fixtures().join("models/digits_rgb_64.onnx"),
        name: Some("digits_logits".into()),
        ..Default::default()
    };
    let c = add(&mut p, &other).expect("c");
    assert_eq!(c.version, 2);
    assert_ne!(c.sha256, a.sha256);
    assert_eq!(
        resolve(p.conn(), p.root(), "digits_logits")
            .expect("latest")
            .version,
        2
    );
    assert_eq!(
        resolve(p.conn(), p.root(), "digits_logits@1")
            .expect("v1")
            .sha256,
        a.sha256
    );
    // The sha256 is of the file's bytes.
    let bytes = std::fs::read(fixtures().join("models/digits_logits.onnx")).expect("read");
    assert_eq!(a.sha256, format!("{:x}", Sha256::digest(&bytes)));
}

#[test]
fn items_sort_by_confidence_and_filter_by_predicted_class() {
    use crate::items::{self, LabelFilter, Query, Sort};
    let (_d, mut p) = project_with("digits/manifest.csv");
    add_model(&mut p, "digits_logits.onnx").expect("add");
    let s = run(&mut p, "digits_logits", Device::Cpu, 256).expect("run");
    let v = dataset::resolve(&p, "data").expect("v");
    let (_, preds) = predict::predictions(&p, s.run).expect("preds");
    // Reference: every prediction sorted by confidence, ties by item.
    let mut want: Vec<(f32, i64)> = preds
        .iter()
        .map(|x| (x.confidence.expect("c"), x.item))
        .collect();
    want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let q = Query {
        version_id: v.id,
        run: Some(s.run),
        sort: Sort::ConfidenceAsc,
        limit: 50,
        ..Default::default()
    };
    let page = items::query(&p, &q).expect("query");
    assert_eq!(page.total, 1797);
    let got: Vec<i64> = page.items.iter().map(|i| i.rowid).collect();
    let expect: Vec<i64> = want.iter().take(50).map(|w| w.1).collect();
    assert_eq!(got, expect);
    assert!(page
        .items
        .iter()
        .all(|i| i.predicted.is_some() && i.confidence.is_some()));
    // Most confident first, second page.
    let q = Query {
        sort: Sort::ConfidenceDesc,
        offset: 50,
        ..q
    };
    let page = items::query(&p, &q).expect("desc");
    let mut desc = want.clone();
    desc.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(
        page.items.iter().map(|i| i.rowid).collect::<Vec<_>>(),
        desc[50..100].iter().map(|w| w.1).collect::<Vec<_>>()
    );
    // Predicted as "8" and given "1": the model's confusions, counted against the reference.
    let q = Query {
        version_id: v.id,
        run: Some(s.run),
        predicted: Some("8".into()),
        label: LabelFilter::Label("1".into()),
        limit: 1000,
        ..Default::default()
    };
    let page = items::query(&p, &q).expect("confusions");
    let n = preds
        .iter()
        .filter(|x| x.predicted.as_deref() == Some("8"))
        .filter(|x| digit_label(ext_index(&x.ext_id)) == "1")
        .count();
    assert_eq!(page.total as usize, n);
    assert!(page
        .items
        .iter()
        .all(|i| i.predicted.as_deref() == Some("8") && i.label.as_deref() == Some("1")));
    let err = items::query(
        &p,
        &Query {
            predicted: Some("cat".into()),
            ..q
        },
    )
    .expect_err("unknown class");
    assert!(err.to_string().contains("cat"));
}

fn ext_index(id: &str) -> usize {
    id.trim_start_matches("digit_").parse().expect("index")
}

mod text;
