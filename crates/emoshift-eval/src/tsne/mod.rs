//! t-SNE to two dimensions (Barnes-Hut, van der Maaten 2014), for embedding
//! maps coloured by emotion and by corpus as in the DA-MLDG paper's Fig. 2.
//!
//! Hand-written because no t-SNE crate is in the locked workspace and the
//! crates.io implementations are thinly maintained; this one is short,
//! single-threaded and therefore bit-for-bit deterministic for a seed, which
//! the reports need. It follows scikit-learn's `TSNE(method='barnes_hut')`:
//! ⌊3·perplexity⌋ exact nearest neighbours, early exaggeration 12 for 250
//! iterations with momentum 0.5, then momentum 0.8, gains with minimum 0.01,
//! learning rate `max(N / exaggeration / 4, 50)` and a PCA start scaled to a
//! standard deviation of 1e-4. Exact neighbour search costs O(N²·d) once;
//! each iteration costs O(N log N), fine for a few thousand points.

mod affinity;
mod pca;
mod quadtree;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use crate::EvalError;
use affinity::Affinities;
use quadtree::QuadTree;

/// How the 2-D layout starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TsneInit {
    /// First two principal components (falls back to random for data
    /// without spread).
    Pca,
    /// Gaussian noise with standard deviation 1e-4.
    Random,
}

/// Settings of t-SNE; the defaults are scikit-learn's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TsneConfig {
    /// Effective number of neighbours (clamped to (N − 1) / 3 for small N).
    pub perplexity: f64,
    /// Total gradient steps, early exaggeration included.
    pub n_iter: usize,
    /// Factor on the affinities during the first steps.
    pub early_exaggeration: f64,
    /// Number of exaggerated steps.
    pub exaggeration_iters: usize,
    /// Step size; `None` picks `max(N / early_exaggeration / 4, 50)`.
    pub learning_rate: Option<f64>,
    /// Barnes-Hut accuracy: 0 is exact, larger is faster and coarser.
    pub theta: f64,
    /// Starting layout.
    pub init: TsneInit,
    /// Seed for the starting layout.
    pub seed: u64,
}

impl Default for TsneConfig {
    fn default() -> Self {
        Self {
            perplexity: 30.0,
            n_iter: 1000,
            early_exaggeration: 12.0,
            exaggeration_iters: 250,
            learning_rate: None,
            theta: 0.5,
            init: TsneInit::Pca,
            seed: 0,
        }
    }
}

/// Gain increment, gain decay and minimum gain of the optimiser.
const GAIN_UP: f64 = 0.2;
const GAIN_DOWN: f64 = 0.8;
const MIN_GAIN: f64 = 0.01;
/// Standard deviation of the starting layout.
const INIT_STD: f64 = 1e-4;

impl TsneConfig {
    fn check(&self) -> Result<(), EvalError> {
        if !(self.perplexity.is_finite() && self.perplexity > 0.0) {
            return Err(EvalError::config(
                "perplexity",
                self.perplexity,
                "a positive number",
            ));
        }
        if !(self.early_exaggeration.is_finite() && self.early_exaggeration >= 1.0) {
            return Err(EvalError::config(
                "early_exaggeration",
                self.early_exaggeration,
                "a number ≥ 1",
            ));
        }
        if !(self.theta.is_finite() && self.theta >= 0.0) {
            return Err(EvalError::config("theta", self.theta, "a number ≥ 0"));
        }
        if let Some(rate) = self.learning_rate {
            if !(rate.is_finite() && rate > 0.0) {
                return Err(EvalError::config(
                    "learning_rate",
                    rate,
                    "a positive number",
                ));
            }
        }
        Ok(())
    }
}

/// Checks that the rows are at least two, equally long, non-empty and finite.
fn check_data<R: AsRef<[f32]>>(data: &[R]) -> Result<(), EvalError> {
    if data.len() < 2 {
        return Err(EvalError::input(format!(
            "t-SNE needs at least 2 points, got {}",
            data.len()
        )));
    }
    let dim = data[0].as_ref().len();
    if dim == 0 {
        return Err(EvalError::input("t-SNE: points have no coordinates"));
    }
    for (i, row) in data.iter().enumerate() {
        let row = row.as_ref();
        if row.len() != dim {
            return Err(EvalError::input(format!(
                "t-SNE: point {i} has {} coordinates, point 0 has {dim}",
                row.len()
            )));
        }
        if row.iter().any(|x| !x.is_finite()) {
            return Err(EvalError::input(format!("t-SNE: point {i} is not finite")));
        }
    }
    Ok(())
}

/// The starting layout, scaled so the first coordinate has std 1e-4.
fn initial_layout<R: AsRef<[f32]>>(data: &[R], config: &TsneConfig) -> Vec<[f64; 2]> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    if config.init == TsneInit::Pca {
        if let Some(mut scores) = pca::principal_scores(data, &mut rng) {
            let n = scores.len() as f64;
            let mean = scores.iter().map(|s| s[0]).sum::<f64>() / n;
            let std = (scores.iter().map(|s| (s[0] - mean).powi(2)).sum::<f64>() / n).sqrt();
            for s in &mut scores {
                s[0] *= INIT_STD / std;
                s[1] *= INIT_STD / std;
            }
            return scores;
        }
    }
    (0..data.len())
        .map(|_| {
            let a: f64 = rng.sample(StandardNormal);
            let b: f64 = rng.sample(StandardNormal);
            [INIT_STD * a, INIT_STD * b]
        })
        .collect()
}

/// Gradient of the KL divergence at layout `y` (Barnes-Hut repulsion).
fn gradient(y: &[[f64; 2]], p: &Affinities, exaggeration: f64, theta: f64) -> Vec<[f64; 2]> {
    let tree = QuadTree::new(y);
    let mut repulsion = Vec::with_capacity(y.len());
    let mut z = 0.0;
    for i in 0..y.len() {
        let (force, zi) = tree.repulsion(i, theta);
        repulsion.push(force);
        z += zi;
    }
    (0..y.len())
        .map(|i| {
            let mut attraction = [0.0f64; 2];
            for &(j, pij) in &p.rows[i] {
                let d = [y[i][0] - y[j][0], y[i][1] - y[j][1]];
                let q = 1.0 / (1.0 + d[0] * d[0] + d[1] * d[1]);
                attraction[0] += exaggeration * pij * q * d[0];
                attraction[1] += exaggeration * pij * q * d[1];
            }
            [
                4.0 * (attraction[0] - repulsion[i][0] / z),
                4.0 * (attraction[1] - repulsion[i][1] / z),
            ]
        })
        .collect()
}

/// Runs `steps` steps of gradient descent with momentum and per-coordinate
/// gains (scikit-learn's `_gradient_descent`; state starts fresh per phase).
fn descend(
    y: &mut [[f64; 2]],
    p: &Affinities,
    steps: usize,
    momentum: f64,
    exaggeration: f64,
    learning_rate: f64,
    theta: f64,
) {
    let mut update = vec![[0.0f64; 2]; y.len()];
    let mut gains = vec![[1.0f64; 2]; y.len()];
    for _ in 0..steps {
        let grad = gradient(y, p, exaggeration, theta);
        for i in 0..y.len() {
            for d in 0..2 {
                let g = &mut gains[i][d];
                *g = if update[i][d] * grad[i][d] < 0.0 {
                    *g + GAIN_UP
                } else {
                    *g * GAIN_DOWN
                }
                .max(MIN_GAIN);
                update[i][d] = momentum * update[i][d] - learning_rate * *g * grad[i][d];
                y[i][d] += update[i][d];
            }
        }
    }
}

/// Embeds `data` (one row per point, all of the same length) in two
/// dimensions. Deterministic for a given configuration and input.
pub fn tsne<R: AsRef<[f32]>>(data: &[R], config: &TsneConfig) -> Result<Vec<[f64; 2]>, EvalError> {
    config.check()?;
    check_data(data)?;
    let n = data.len();
    let perplexity = config.perplexity.min((n - 1) as f64 / 3.0).max(1e-3);
    let affinities = Affinities::new(data, perplexity);
    let learning_rate = config
        .learning_rate
        .unwrap_or_else(|| (n as f64 / config.early_exaggeration / 4.0).max(50.0));
    let mut y = initial_layout(data, config);
    let early = config.exaggeration_iters.min(config.n_iter);
    let (exaggeration, theta) = (config.early_exaggeration, config.theta);
    descend(
        &mut y,
        &affinities,
        early,
        0.5,
        exaggeration,
        learning_rate,
        theta,
    );
    descend(
        &mut y,
        &affinities,
        config.n_iter - early,
        0.8,
        1.0,
        learning_rate,
        theta,
    );
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight Gaussian-like clusters in 10-D, 25 points each, far apart.
    fn clusters() -> (Vec<Vec<f32>>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut data = Vec::new();
        let mut labels = Vec::new();
        for c in 0..3 {
            for _ in 0..25 {
                let row = (0..10)
                    .map(|d| {
                        let centre = if d == c { 15.0 } else { 0.0 };
                        let noise: f32 = rng.sample(StandardNormal);
                        centre + noise
                    })
                    .collect();
                data.push(row);
                labels.push(c);
            }
        }
        (data, labels)
    }

    fn distance(a: [f64; 2], b: [f64; 2]) -> f64 {
        ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
    }

    #[test]
    fn separated_clusters_stay_separated() {
        let (data, labels) = clusters();
        let config = TsneConfig {
            perplexity: 10.0,
            n_iter: 400,
            ..Default::default()
        };
        let y = tsne(&data, &config).unwrap();
        let mut centroids = [[0.0f64; 2]; 3];
        for (p, &c) in y.iter().zip(&labels) {
            centroids[c][0] += p[0] / 25.0;
            centroids[c][1] += p[1] / 25.0;
        }
        // Every point is nearer its own cluster's centroid than any other,
        // and the clusters' radii are small against the gaps between them.
        let mut radius = 0.0f64;
        for (p, &c) in y.iter().zip(&labels) {
            let own = distance(*p, centroids[c]);
            radius = radius.max(own);
            for (k, other) in centroids.iter().enumerate().filter(|&(k, _)| k != c) {
                assert!(
                    own < distance(*p, *other),
                    "point of cluster {c} nearer cluster {k}"
                );
            }
        }
        for a in 0..3 {
            for b in a + 1..3 {
                let gap = distance(centroids[a], centroids[b]);
                assert!(gap > 2.0 * radius, "gap {gap} vs radius {radius}");
            }
        }
    }

    #[test]
    fn same_seed_same_layout() {
        let (data, _) = clusters();
        let config = TsneConfig {
            perplexity: 5.0,
            n_iter: 60,
            exaggeration_iters: 30,
            init: TsneInit::Random,
            seed: 4,
            ..Default::default()
        };
        let a = tsne(&data, &config).unwrap();
        assert_eq!(a, tsne(&data, &config).unwrap());
        let other = TsneConfig { seed: 5, ..config };
        assert_ne!(a, tsne(&data, &other).unwrap());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let config = TsneConfig::default();
        assert!(tsne(&[vec![1.0f32]], &config).is_err());
        assert!(tsne(&[vec![1.0f32, 2.0], vec![1.0]], &config).is_err());
        assert!(tsne(&[vec![1.0f32], vec![f32::NAN]], &config).is_err());
        let bad = TsneConfig {
            perplexity: -1.0,
            ..config
        };
        assert!(tsne(&[vec![1.0f32], vec![2.0]], &bad).is_err());
        // Identical points have no spread: PCA falls back to a random start.
        let y = tsne(
            &[[0.5f32, 0.5]; 5],
            &TsneConfig {
                n_iter: 20,
                ..config
            },
        )
        .unwrap();
        assert!(y.iter().flatten().all(|v| v.is_finite()));
    }
}
