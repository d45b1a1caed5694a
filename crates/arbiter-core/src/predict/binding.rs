//! Feeding a run's batches through ONNX Runtime's I/O binding, so the input and output buffers
//! are allocated once per batch shape and reused for every batch after it: each batch is copied
//! into the same input tensor and its scores land in the same output tensor.
//!
//! On CUDA the buffers are pinned (page-locked) host memory from the CUDA provider's allocator,
//! so the copy to and from the GPU is a DMA transfer that needs no staging copy; when that
//! allocator is not offered (and always on CPU) they are ordinary host memory, still reused.
//! Reusing buffers does not change a single bit of the predictions (tested against
//! `Session::run`).

use ort::memory::{AllocationDevice, Allocator, AllocatorType, MemoryInfo, MemoryType};
use ort::session::{IoBinding, Session, SessionOutputs};
use ort::value::{DynTensor, PrimitiveTensorElementType, TensorElementType};

/// Input shapes kept at once: a run has at most two (full batches, and the last one).
const KEEP: usize = 4;

/// Where a run's inputs and outputs live between batches.
pub(crate) struct Feeder {
    binding: IoBinding,
    allocator: Allocator,
    /// Whether `allocator` gives CUDA-pinned host memory.
    pinned: bool,
    /// Input tensors by element type and shape, most recently made last.
    inputs: Vec<(TensorElementType, Vec<i64>, DynTensor)>,
    /// The output fetched, and its row width when it is a float32 `[rows, width]` tensor that
    /// can be bound to a preallocated buffer (else ONNX Runtime allocates it on the host).
    output: String,
    width: Option<usize>,
    /// The preallocated output and its row count, when one is bound.
    bound_output: Option<(usize, DynTensor)>,
    host: MemoryInfo<'static>,
    /// The row count the output was bound to host memory ONNX Runtime allocates for (it
    /// reuses that buffer while the shape holds; a batch of another size binds it again).
    host_rows: Option<usize>,
    /// Tensors allocated so far (inputs and outputs).
    #[cfg_attr(not(test), allow(dead_code))]
    allocations: usize,
}

impl Feeder {
    /// A feeder for `session`'s output `output`. `width`: the output's row width when it is a
    /// float32 `[rows, width]` tensor. `cuda_device`: the GPU the session runs on, if any.
    pub(crate) fn new(
        session: &Session,
        output: &str,
        width: Option<usize>,
        cuda_device: Option<i32>,
    ) -> Result<Feeder, String> {
        let binding = session.create_binding().map_err(|e| e.to_string())?;
        let pinned = cuda_device.and_then(|id| {
            MemoryInfo::new(
                AllocationDevice::CUDA_PINNED,
                id,
                AllocatorType::Device,
                MemoryType::CPUInput,
            )
            .and_then(|info| Allocator::new(session, info))
            .ok()
        });
        let host = MemoryInfo::new(
            AllocationDevice::CPU,
            0,
            AllocatorType::Device,
            MemoryType::Default,
        )
        .map_err(|e| e.to_string())?;
        Ok(Feeder {
            binding,
            pinned: pinned.is_some(),
            allocator: pinned.unwrap_or_default(),
            inputs: Vec::new(),
            output: output.to_string(),
            width,
            bound_output: None,
            host,
            host_rows: None,
            allocations: 0,
        })
    }

    /// Whether the buffers are CUDA-pinned host memory.
    pub(crate) fn pinned(&self) -> bool {
        self.pinned
    }

    /// Tensors allocated so far: one per distinct input shape and output row count.
    #[cfg(test)]
    pub(crate) fn allocations(&self) -> usize {
        self.allocations
    }

    /// Copy `data` into the input tensor of `shape` (made on first use; the rest of it, the
    /// padding of a fixed-size batch, zeroed) and bind it as input `name`.
    pub(crate) fn bind_input<T>(
        &mut self,
        name: &str,
        shape: &[i64],
        data: &[T],
    ) -> Result<(), String>
    where
        T: PrimitiveTensorElementType + Copy + Default + std::fmt::Debug,
    {
        let ty = T::into_tensor_element_type();
        let at = match self
            .inputs
            .iter()
            .position(|(t, s, _)| *t == ty && s.as_slice() == shape)
        {
            Some(i) => i,
            None => {
                let tensor = DynTensor::new(&self.allocator, ty, shape.to_vec())
                    .map_err(|e| e.to_string())?;
                self.allocations += 1;
                if self.inputs.len() >= KEEP {
                    self.inputs.remove(0);
                }
                self.inputs.push((ty, shape.to_vec(), tensor));
                self.inputs.len() - 1
            }
        };
        let tensor = &mut self.inputs[at].2;
        let (_, buffer) = tensor
            .try_extract_tensor_mut::<T>()
            .map_err(|e| e.to_string())?;
        if data.len() > buffer.len() {
            return Err(format!(
                "a batch of {} values does not fit the input shape {shape:?}",
                data.len()
            ));
        }
        buffer[..data.len()].copy_from_slice(data);
        buffer[data.len()..].fill(T::default());
        self.binding
            .bind_input(name, tensor)
            .map_err(|e| e.to_string())
    }

    /// Run the session on the bound input; `rows`: the batch's row count (with padding).
    pub(crate) fn run<'s>(
        &'s mut self,
        session: &'s mut Session,
        rows: usize,
    ) -> Result<SessionOutputs<'s>, String> {
        match self.width {
            Some(width) if self.bound_output.as_ref().map(|(r, _)| *r) != Some(rows) => {
                let mut tensor = DynTensor::new(
                    &self.allocator,
                    TensorElementType::Float32,
                    vec![rows as i64, width as i64],
                )
                .map_err(|e| e.to_string())?;
                self.allocations += 1;
                self.binding
                    .bind_output(self.output.as_str(), &mut tensor)
                    .map_err(|e| e.to_string())?;
                self.bound_output = Some((rows, tensor));
            }
            Some(_) => {}
            None if self.host_rows != Some(rows) => {
                self.binding.clear_outputs();
                self.binding
                    .bind_output_to_device(self.output.as_str(), &self.host)
                    .map_err(|e| e.to_string())?;
                self.host_rows = Some(rows);
            }
            None => {}
        }
        session
            .run_binding(&self.binding)
            .map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::runtime::{self, Device};
    use crate::testutil::fixtures;

    /// Seeded pseudo-random pixels in [0, 1).
    fn pixels(n: usize, seed: u64) -> Vec<f32> {
        let mut x = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 40) as f32 / (1u64 << 24) as f32
            })
            .collect()
    }

    #[test]
    fn batches_reuse_one_input_and_one_output_buffer_and_score_bit_for_bit_as_session_run() {
        let model = fixtures().join("models/digits_logits.onnx");
        let mut session = runtime::session(&model, Device::Cpu)
            .expect("session")
            .session;
        let mut plain = runtime::session(&model, Device::Cpu)
            .expect("session")
            .session;
        let mut feeder = Feeder::new(&session, "logits", Some(10), None).expect("feeder");
        let sample = 8 * 8;
        let mut input_at = None;
        let mut output_at = None;
        // Five full batches of 4, then a last batch of 2.
        for (b, rows) in [4usize, 4, 4, 4, 4, 2].into_iter().enumerate() {
            let data = pixels(rows * sample, b as u64);
            let shape = [rows as i64, 1, 8, 8];
            feeder.bind_input("image", &shape, &data).expect("bind");
            let bound: Vec<u32> = {
                let out = feeder.run(&mut session, rows).expect("run");
                let (s, v) = out["logits"].try_extract_tensor::<f32>().expect("f32");
                assert_eq!(s.as_ref(), &[rows as i64, 10]);
                v.iter().map(|x| x.to_bits()).collect()
            };
            let t = ort::value::Tensor::from_array((shape, data)).expect("tensor");
            let out = plain.run(ort::inputs!["image" => t]).expect("run");
            let (_, v) = out["logits"].try_extract_tensor::<f32>().expect("f32");
            let reference: Vec<u32> = v.iter().map(|x| x.to_bits()).collect();
            assert_eq!(bound, reference, "batch {b}: bound I/O changed the scores");
            if rows == 4 {
                // The same input and output memory every full batch.
                let i = feeder.inputs.last().expect("input").2.data_ptr() as usize;
                let o = feeder.bound_output.as_ref().expect("output").1.data_ptr() as usize;
                assert_eq!(
                    *input_at.get_or_insert(i),
                    i,
                    "batch {b}: a new input buffer"
                );
                assert_eq!(
                    *output_at.get_or_insert(o),
                    o,
                    "batch {b}: a new output buffer"
                );
            }
        }
        // One input and one output buffer for the full batches, one of each for the last.
        assert_eq!(feeder.allocations(), 4);
        assert!(!feeder.pinned());
    }

    #[test]
    fn a_short_batch_padded_to_a_fixed_size_is_zero_filled_and_an_oversized_one_is_refused() {
        let model = fixtures().join("models/digits_logits.onnx");
        let session = runtime::session(&model, Device::Cpu)
            .expect("session")
            .session;
        let mut feeder = Feeder::new(&session, "logits", Some(10), None).expect("feeder");
        let shape = [3i64, 1, 8, 8];
        feeder
            .bind_input("image", &shape, &vec![1.0f32; 3 * 64])
            .expect("full");
        // The same buffer, now with one sample and two of padding: the padding is zeros,
        // not the previous batch's pixels.
        feeder
            .bind_input("image", &shape, &vec![1.0f32; 64])
            .expect("short");
        let tensor = &mut feeder.inputs[0].2;
        let (_, buffer) = tensor.try_extract_tensor_mut::<f32>().expect("f32");
        assert!(buffer[..64].iter().all(|&v| v == 1.0));
        assert!(buffer[64..].iter().all(|&v| v == 0.0));
        let err = feeder
            .bind_input("image", &shape, &vec![1.0f32; 4 * 64])
            .expect_err("too long");
        assert!(err.contains("does not fit the input shape"), "{err}");
    }
}
