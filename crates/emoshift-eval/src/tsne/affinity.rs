//! Input-space affinities of t-SNE: Gaussian conditional probabilities over
//! each point's nearest neighbours, calibrated to a perplexity, then
//! symmetrised and normalised (van der Maaten 2014; scikit-learn's
//! `_joint_probabilities_nn`).

/// Symmetric joint probabilities p_ij in compressed rows: `rows[i]` holds
/// `(j, p_ij)` sorted by `j`; all entries sum to 1.
pub struct Affinities {
    /// Non-zero p_ij of each point.
    pub rows: Vec<Vec<(usize, f64)>>,
}

/// Binary-search steps and entropy tolerance (scikit-learn's values).
const SEARCH_STEPS: usize = 100;
const ENTROPY_TOLERANCE: f64 = 1e-5;

/// Squared Euclidean distance.
fn squared_distance(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = f64::from(x) - f64::from(y);
            d * d
        })
        .sum()
}

/// The `k` nearest neighbours of point `i` (exact search), as
/// `(j, squared distance)` sorted by distance then index.
fn nearest_neighbours<R: AsRef<[f32]>>(data: &[R], i: usize, k: usize) -> Vec<(usize, f64)> {
    let xi = data[i].as_ref();
    let mut all: Vec<(usize, f64)> = (0..data.len())
        .filter(|&j| j != i)
        .map(|j| (j, squared_distance(xi, data[j].as_ref())))
        .collect();
    let order = |a: &(usize, f64), b: &(usize, f64)| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0));
    if k < all.len() {
        all.select_nth_unstable_by(k, order);
        all.truncate(k);
    }
    all.sort_by(order);
    all
}

/// Conditional probabilities p_{j|i} ∝ exp(−β·d_ij) over the neighbours,
/// with β found by bisection so that the entropy equals ln(perplexity).
/// Distances are shifted by their minimum first, which leaves p unchanged
/// and keeps exp from underflowing.
fn conditional_probabilities(distances: &[f64], perplexity: f64) -> Vec<f64> {
    let min = distances.iter().copied().fold(f64::INFINITY, f64::min);
    let shifted: Vec<f64> = distances.iter().map(|d| d - min).collect();
    let target = perplexity.ln();
    let (mut beta, mut lo, mut hi) = (1.0f64, f64::NEG_INFINITY, f64::INFINITY);
    let mut p = vec![0.0; shifted.len()];
    for _ in 0..SEARCH_STEPS {
        for (pj, d) in p.iter_mut().zip(&shifted) {
            *pj = (-d * beta).exp();
        }
        let sum: f64 = p.iter().sum();
        p.iter_mut().for_each(|pj| *pj /= sum);
        let mean_distance: f64 = p.iter().zip(&shifted).map(|(pj, d)| pj * d).sum();
        let entropy = sum.ln() + beta * mean_distance;
        let diff = entropy - target;
        if diff.abs() <= ENTROPY_TOLERANCE {
            break;
        }
        if diff > 0.0 {
            lo = beta;
            beta = if hi.is_infinite() {
                beta * 2.0
            } else {
                (beta + hi) / 2.0
            };
        } else {
            hi = beta;
            beta = if lo.is_infinite() {
                beta / 2.0
            } else {
                (beta + lo) / 2.0
            };
        }
    }
    p
}

impl Affinities {
    /// Affinities of `data` (rows of equal length, at least 2) for the given
    /// perplexity, using the ⌊3·perplexity⌋ nearest neighbours of each point.
    pub fn new<R: AsRef<[f32]>>(data: &[R], perplexity: f64) -> Self {
        let n = data.len();
        let k = ((3.0 * perplexity).floor() as usize).clamp(1, n - 1);
        let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
        for i in 0..n {
            let neighbours = nearest_neighbours(data, i, k);
            let distances: Vec<f64> = neighbours.iter().map(|&(_, d)| d).collect();
            let p = conditional_probabilities(&distances, perplexity);
            for (&(j, _), pj) in neighbours.iter().zip(p) {
                rows[i].push((j, pj));
                rows[j].push((i, pj));
            }
        }
        let total = 2.0 * n as f64;
        for row in &mut rows {
            row.sort_by_key(|&(j, _)| j);
            let mut merged: Vec<(usize, f64)> = Vec::with_capacity(row.len());
            for &(j, p) in row.iter() {
                match merged.last_mut() {
                    Some(last) if last.0 == j => last.1 += p,
                    _ => merged.push((j, p)),
                }
            }
            merged.iter_mut().for_each(|e| e.1 /= total);
            *row = merged;
        }
        Self { rows }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_probabilities_reach_the_perplexity() {
        let distances: Vec<f64> = (0..40).map(|i| 0.5 + i as f64 * 0.3).collect();
        let p = conditional_probabilities(&distances, 10.0);
        let entropy: f64 = -p
            .iter()
            .filter(|&&x| x > 0.0)
            .map(|x| x * x.ln())
            .sum::<f64>();
        assert!(
            (entropy.exp() - 10.0).abs() < 1e-3,
            "perplexity {}",
            entropy.exp()
        );
    }

    #[test]
    fn joint_probabilities_are_symmetric_and_sum_to_one() {
        let data: Vec<Vec<f32>> = (0..12)
            .map(|i| vec![i as f32, (i * i % 5) as f32])
            .collect();
        let a = Affinities::new(&data, 2.0);
        let total: f64 = a.rows.iter().flatten().map(|e| e.1).sum();
        assert!((total - 1.0).abs() < 1e-12);
        for (i, row) in a.rows.iter().enumerate() {
            for &(j, p) in row {
                let back = a.rows[j].iter().find(|e| e.0 == i).unwrap().1;
                assert_eq!(p, back);
            }
        }
    }
}
