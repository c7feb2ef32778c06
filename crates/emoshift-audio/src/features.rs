//! [`Features`]: a `[n_bins][n_frames]` matrix (librosa's layout) with frame
//! slicing and a checksummed byte format for the cache.

use crate::FeatureError;

/// Magic bytes at the start of serialised features.
const MAGIC: &[u8; 4] = b"EMSF";
/// Version of the byte layout.
const FORMAT_VERSION: u32 = 1;
/// Magic, version, n_bins, n_frames.
const HEADER_LEN: usize = 16;
/// BLAKE3 digest appended after the data.
const CHECKSUM_LEN: usize = 32;

/// A feature matrix, row-major `[n_bins][n_frames]`: `data[bin * n_frames + frame]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Features {
    /// Rows: frequency bins, mel bands or coefficients.
    pub n_bins: usize,
    /// Columns: time frames.
    pub n_frames: usize,
    /// `n_bins * n_frames` values, one row per bin.
    pub data: Vec<f32>,
}

impl Features {
    /// Wraps `data` (row-major `[n_bins][n_frames]`), checking its length.
    pub fn new(n_bins: usize, n_frames: usize, data: Vec<f32>) -> Result<Self, FeatureError> {
        if data.len() != n_bins * n_frames {
            return Err(FeatureError::InvalidSpec(format!(
                "{} values do not fill {n_bins} bins x {n_frames} frames",
                data.len()
            )));
        }
        Ok(Features {
            n_bins,
            n_frames,
            data,
        })
    }

    /// A matrix of `value`s.
    pub fn filled(n_bins: usize, n_frames: usize, value: f32) -> Self {
        Features {
            n_bins,
            n_frames,
            data: vec![value; n_bins * n_frames],
        }
    }

    /// Builds features from frame-major values (`[n_frames][n_bins]`) by transposing.
    pub fn from_frame_major(n_bins: usize, n_frames: usize, frame_major: &[f32]) -> Self {
        let mut data = vec![0.0; n_bins * n_frames];
        for (t, frame) in frame_major.chunks_exact(n_bins).enumerate() {
            for (b, &v) in frame.iter().enumerate() {
                data[b * n_frames + t] = v;
            }
        }
        Features {
            n_bins,
            n_frames,
            data,
        }
    }

    /// The values transposed to frame-major `[n_frames][n_bins]` (a sequence of frame vectors).
    pub fn to_frame_major(&self) -> Vec<f32> {
        let mut out = vec![0.0; self.data.len()];
        for (b, row) in self.data.chunks_exact(self.n_frames.max(1)).enumerate() {
            for (t, &v) in row.iter().enumerate() {
                out[t * self.n_bins + b] = v;
            }
        }
        out
    }

    /// The value at (`bin`, `frame`), if inside the matrix.
    pub fn get(&self, bin: usize, frame: usize) -> Option<f32> {
        (bin < self.n_bins && frame < self.n_frames).then(|| self.data[bin * self.n_frames + frame])
    }

    /// One bin's values over time.
    pub fn row(&self, bin: usize) -> Option<&[f32]> {
        (bin < self.n_bins).then(|| &self.data[bin * self.n_frames..(bin + 1) * self.n_frames])
    }

    /// Frames `start .. start + len`, where positions outside the matrix
    /// (negative or past the end) are filled with `fill`. Covers cropping
    /// (inside), padding (outside) and both at once.
    pub fn window(&self, start: isize, len: usize, fill: f32) -> Features {
        let mut out = Features::filled(self.n_bins, len, fill);
        let src_start = start.max(0) as usize;
        let src_end = ((start + len as isize).max(0) as usize).min(self.n_frames);
        if src_start < src_end {
            let dst_start = (src_start as isize - start) as usize;
            let count = src_end - src_start;
            for b in 0..self.n_bins {
                let src = &self.data[b * self.n_frames + src_start..][..count];
                out.data[b * len + dst_start..][..count].copy_from_slice(src);
            }
        }
        out
    }

    /// Frames `start .. start + len`, or `None` if that range leaves the matrix.
    pub fn slice_frames(&self, start: usize, len: usize) -> Option<Features> {
        (start.checked_add(len)? <= self.n_frames).then(|| self.window(start as isize, len, 0.0))
    }

    /// Consecutive windows of `len` frames every `step` frames, dropping an
    /// incomplete tail (e.g. the DANN paper's 32-frame segments: `segments(32, 32)`).
    /// A matrix shorter than `len`, or `len`/`step` of 0, yields no segments.
    pub fn segments(&self, len: usize, step: usize) -> Vec<Features> {
        if len == 0 || step == 0 || self.n_frames < len {
            return Vec::new();
        }
        (0..=self.n_frames - len)
            .step_by(step)
            .map(|s| self.window(s as isize, len, 0.0))
            .collect()
    }

    /// Standardises each bin over time to zero mean and unit variance
    /// (`(x − μ) / (σ + 1e-5)`); a matrix without frames is left unchanged.
    pub fn standardize_bins(&mut self) {
        if self.n_frames == 0 {
            return;
        }
        for row in self.data.chunks_exact_mut(self.n_frames) {
            let n = row.len() as f64;
            let mean = row.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
            let var = row
                .iter()
                .map(|&v| (f64::from(v) - mean).powi(2))
                .sum::<f64>()
                / n;
            let scale = 1.0 / (var.sqrt() + 1e-5);
            row.iter_mut()
                .for_each(|v| *v = ((f64::from(*v) - mean) * scale) as f32);
        }
    }

    /// Serialises to bytes: `EMSF`, format version, `n_bins`, `n_frames`
    /// (u32 little-endian), the values (f32 little-endian), then a BLAKE3
    /// checksum of everything before it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + 4 * self.data.len() + CHECKSUM_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(self.n_bins as u32).to_le_bytes());
        out.extend_from_slice(&(self.n_frames as u32).to_le_bytes());
        for v in &self.data {
            out.extend_from_slice(&v.to_le_bytes());
        }
        let checksum = blake3::hash(&out);
        out.extend_from_slice(checksum.as_bytes());
        out
    }

    /// Reads bytes written by [`Features::to_bytes`], rejecting wrong magic,
    /// version, length or checksum.
    pub fn from_bytes(bytes: &[u8]) -> Result<Features, FeatureError> {
        let corrupt = |msg: String| Err(FeatureError::Corrupt(msg));
        if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
            return corrupt(format!("{} bytes is shorter than the header", bytes.len()));
        }
        if &bytes[..4] != MAGIC {
            return corrupt("bad magic".into());
        }
        let word =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        if word(4) != FORMAT_VERSION {
            return corrupt(format!(
                "format version {} is not {FORMAT_VERSION}",
                word(4)
            ));
        }
        let (n_bins, n_frames) = (word(8) as usize, word(12) as usize);
        let expected = n_bins
            .checked_mul(n_frames)
            .and_then(|n| n.checked_mul(4))
            .and_then(|n| n.checked_add(HEADER_LEN + CHECKSUM_LEN));
        if expected != Some(bytes.len()) {
            return corrupt(format!(
                "{} bytes do not match {n_bins} x {n_frames} values",
                bytes.len()
            ));
        }
        let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if blake3::hash(body).as_bytes() != checksum {
            return corrupt("checksum mismatch".into());
        }
        let data = body[HEADER_LEN..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Ok(Features {
            n_bins,
            n_frames,
            data,
        })
    }
}
