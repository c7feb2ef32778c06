//! Per-bin standardisation fitted on a task's training data: every feature
//! bin gets zero mean and unit variance over the training frames. The
//! statistics travel with the model folder so prediction applies the same.

use emoshift_audio::Features;
use serde::{Deserialize, Serialize};

/// Smallest standard deviation divided by, so constant bins stay finite.
const MIN_STD: f64 = 1e-5;

/// Mean and standard deviation per feature bin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinNorm {
    /// Mean per bin.
    pub mean: Vec<f32>,
    /// Standard deviation per bin.
    pub std: Vec<f32>,
}

impl BinNorm {
    /// Fits the statistics over every frame of `items` (all with the same
    /// number of bins); `None` when there is nothing to fit on.
    pub fn fit<'a>(items: impl IntoIterator<Item = &'a Features>) -> Option<Self> {
        let mut sum: Vec<f64> = Vec::new();
        let mut sq: Vec<f64> = Vec::new();
        let mut n = 0usize;
        for f in items {
            if sum.is_empty() {
                sum = vec![0.0; f.n_bins];
                sq = vec![0.0; f.n_bins];
            }
            for (b, row) in f.data.chunks(f.n_frames.max(1)).enumerate().take(sum.len()) {
                for &v in row {
                    sum[b] += f64::from(v);
                    sq[b] += f64::from(v) * f64::from(v);
                }
            }
            n += f.n_frames;
        }
        if n == 0 {
            return None;
        }
        let count = n as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / count).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(q, m)| ((q / count - m * m).max(0.0).sqrt().max(MIN_STD)) as f32)
            .collect();
        Some(Self {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        })
    }

    /// A standardised copy of `f`.
    pub fn apply(&self, f: &Features) -> Features {
        let mut out = f.clone();
        for (b, row) in out.data.chunks_mut(f.n_frames.max(1)).enumerate() {
            let (m, s) = (self.mean[b], self.std[b]);
            for v in row {
                *v = (*v - m) / s;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standardises_each_bin_over_all_training_frames() {
        let a = Features::new(2, 2, vec![1.0, 3.0, 10.0, 10.0]).unwrap();
        let b = Features::new(2, 2, vec![1.0, 3.0, 20.0, 20.0]).unwrap();
        let norm = BinNorm::fit([&a, &b]).unwrap();
        assert_eq!(norm.mean, vec![2.0, 15.0]);
        assert_eq!(norm.std, vec![1.0, 5.0]);
        let z = norm.apply(&b);
        assert_eq!(z.data, vec![-1.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn constant_bins_stay_finite_and_empty_input_fits_nothing() {
        let a = Features::new(1, 3, vec![4.0, 4.0, 4.0]).unwrap();
        let norm = BinNorm::fit([&a]).unwrap();
        assert!(norm
            .apply(&a)
            .data
            .iter()
            .all(|v| v.is_finite() && *v == 0.0));
        assert!(BinNorm::fit(std::iter::empty()).is_none());
    }
}
