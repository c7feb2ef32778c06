//! The first two principal components by power iteration, for t-SNE's
//! initial layout (scikit-learn's `init='pca'`). Power iteration on XᵀX
//! never forms the d×d covariance, so it stays cheap for wide embeddings.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// Iterations per component and the convergence threshold on the change of
/// the unit direction.
const MAX_ITERATIONS: usize = 300;
const CONVERGED: f64 = 1e-10;

/// Projections of the centred data onto its first two principal
/// directions, or `None` if the data has no spread.
pub fn principal_scores<R: AsRef<[f32]>>(
    data: &[R],
    rng: &mut ChaCha8Rng,
) -> Option<Vec<[f64; 2]>> {
    let n = data.len();
    let dim = data[0].as_ref().len();
    let mut mean = vec![0.0f64; dim];
    for row in data {
        for (m, &x) in mean.iter_mut().zip(row.as_ref()) {
            *m += f64::from(x) / n as f64;
        }
    }
    let centred: Vec<Vec<f64>> = data
        .iter()
        .map(|row| {
            row.as_ref()
                .iter()
                .zip(&mean)
                .map(|(&x, m)| f64::from(x) - m)
                .collect()
        })
        .collect();
    let first = leading_direction(&centred, &[], rng)?;
    let second = leading_direction(&centred, std::slice::from_ref(&first), rng)
        .unwrap_or_else(|| vec![0.0; dim]);
    Some(
        centred
            .iter()
            .map(|x| [dot(x, &first), dot(x, &second)])
            .collect(),
    )
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Scales `v` to unit length; `None` if it is (numerically) zero.
fn normalised(mut v: Vec<f64>) -> Option<Vec<f64>> {
    let norm = dot(&v, &v).sqrt();
    if norm < 1e-300 {
        return None;
    }
    v.iter_mut().for_each(|x| *x /= norm);
    Some(v)
}

/// Removes the components along the (unit) directions in `against`.
fn orthogonalise(v: &mut [f64], against: &[Vec<f64>]) {
    for u in against {
        let along = dot(v, u);
        v.iter_mut().zip(u).for_each(|(x, ui)| *x -= along * ui);
    }
}

/// The dominant eigenvector of XᵀX orthogonal to `against`.
fn leading_direction(
    centred: &[Vec<f64>],
    against: &[Vec<f64>],
    rng: &mut ChaCha8Rng,
) -> Option<Vec<f64>> {
    let dim = centred[0].len();
    let mut start: Vec<f64> = (0..dim).map(|_| rng.sample(StandardNormal)).collect();
    orthogonalise(&mut start, against);
    let mut v = normalised(start)?;
    for _ in 0..MAX_ITERATIONS {
        let mut next = vec![0.0; dim];
        for x in centred {
            let projection = dot(x, &v);
            next.iter_mut()
                .zip(x)
                .for_each(|(acc, xi)| *acc += projection * xi);
        }
        orthogonalise(&mut next, against);
        let next = normalised(next)?;
        let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        v = next;
        if change < CONVERGED {
            break;
        }
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn finds_the_long_axis_first() {
        // Points along (1, 1, 0) with small spread along (1, −1, 0).
        let data: Vec<[f32; 3]> = (0..50)
            .map(|i| {
                let t = i as f32 - 25.0;
                let s = if i % 2 == 0 { 0.5 } else { -0.5 };
                [t + s, t - s, 0.0]
            })
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let scores = principal_scores(&data, &mut rng).unwrap();
        let var = |k: usize| scores.iter().map(|s| s[k] * s[k]).sum::<f64>();
        assert!(var(0) > 100.0 * var(1));
        assert!(var(1) > 0.0);
        let flat = [[1.0f32, 2.0]; 4];
        assert!(principal_scores(&flat, &mut rng).is_none());
    }
}
