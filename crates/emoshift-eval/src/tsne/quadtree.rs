//! Barnes-Hut quadtree for the repulsive forces of 2-D t-SNE.
//!
//! Cells far enough from a point (width / distance < θ) act as one body at
//! their centre of mass; θ = 0 gives the exact O(N²) sum. Points in a cell
//! that contains the query point are always visited one by one, so a point
//! never repels itself.

/// Depth beyond which a leaf keeps several (coincident or near-coincident)
/// points instead of splitting further.
const MAX_DEPTH: usize = 48;

struct Node {
    center: [f64; 2],
    half_width: f64,
    mass: f64,
    center_of_mass: [f64; 2],
    /// Index of the first of four consecutive children, if split.
    children: Option<usize>,
    /// Points held by a leaf.
    points: Vec<usize>,
}

impl Node {
    fn new(center: [f64; 2], half_width: f64) -> Self {
        Self {
            center,
            half_width,
            mass: 0.0,
            center_of_mass: [0.0; 2],
            children: None,
            points: Vec::new(),
        }
    }

    /// Adds one unit of mass at `y` to the running centre of mass.
    fn add_mass(&mut self, y: [f64; 2]) {
        self.mass += 1.0;
        for (c, v) in self.center_of_mass.iter_mut().zip(y) {
            *c += (v - *c) / self.mass;
        }
    }

    fn contains(&self, y: [f64; 2]) -> bool {
        (y[0] - self.center[0]).abs() <= self.half_width
            && (y[1] - self.center[1]).abs() <= self.half_width
    }

    fn quadrant(&self, y: [f64; 2]) -> usize {
        usize::from(y[0] > self.center[0]) + 2 * usize::from(y[1] > self.center[1])
    }
}

/// A quadtree over 2-D points.
pub struct QuadTree<'a> {
    nodes: Vec<Node>,
    points: &'a [[f64; 2]],
}

impl<'a> QuadTree<'a> {
    /// Builds the tree over `points` (inserted in index order).
    pub fn new(points: &'a [[f64; 2]]) -> Self {
        let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for p in points {
            for d in 0..2 {
                lo[d] = lo[d].min(p[d]);
                hi[d] = hi[d].max(p[d]);
            }
        }
        let center = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
        let half_width = ((hi[0] - lo[0]).max(hi[1] - lo[1]) / 2.0).max(1e-12) * (1.0 + 1e-9);
        let mut tree = Self {
            nodes: vec![Node::new(center, half_width)],
            points,
        };
        for i in 0..points.len() {
            tree.insert(i);
        }
        tree
    }

    fn insert(&mut self, i: usize) {
        let y = self.points[i];
        let mut node = 0;
        for depth in 0.. {
            self.nodes[node].add_mass(y);
            if self.nodes[node].children.is_none() {
                let n = &mut self.nodes[node];
                if n.points.is_empty() || depth >= MAX_DEPTH {
                    n.points.push(i);
                    return;
                }
                let residents = std::mem::take(&mut n.points);
                let first = self.split(node);
                for j in residents {
                    let child = first + self.nodes[node].quadrant(self.points[j]);
                    self.nodes[child].add_mass(self.points[j]);
                    self.nodes[child].points.push(j);
                }
            }
            let n = &self.nodes[node];
            node = n.children.map_or(node, |first| first + n.quadrant(y));
        }
    }

    /// Creates the four children of a leaf and returns the first's index.
    fn split(&mut self, node: usize) -> usize {
        let (center, half) = (self.nodes[node].center, self.nodes[node].half_width / 2.0);
        let first = self.nodes.len();
        for q in 0..4 {
            let dx = if q & 1 == 1 { half } else { -half };
            let dy = if q & 2 == 2 { half } else { -half };
            self.nodes
                .push(Node::new([center[0] + dx, center[1] + dy], half));
        }
        self.nodes[node].children = Some(first);
        first
    }

    /// Repulsion on point `i`: returns (Σ_j q_ij² (y_i − y_j), Σ_j q_ij) with
    /// q_ij = 1 / (1 + |y_i − y_j|²), over j ≠ i, summarising far cells.
    pub fn repulsion(&self, i: usize, theta: f64) -> ([f64; 2], f64) {
        let y = self.points[i];
        let (mut force, mut z) = ([0.0f64; 2], 0.0f64);
        let mut body = |diff: [f64; 2], mass: f64| {
            let q = 1.0 / (1.0 + diff[0] * diff[0] + diff[1] * diff[1]);
            z += mass * q;
            force[0] += mass * q * q * diff[0];
            force[1] += mass * q * q * diff[1];
        };
        let mut stack = vec![0usize];
        while let Some(index) = stack.pop() {
            let node = &self.nodes[index];
            if node.mass == 0.0 {
                continue;
            }
            match node.children {
                None => {
                    for &j in node.points.iter().filter(|&&j| j != i) {
                        let p = self.points[j];
                        body([y[0] - p[0], y[1] - p[1]], 1.0);
                    }
                }
                Some(first) => {
                    let com = node.center_of_mass;
                    let diff = [y[0] - com[0], y[1] - com[1]];
                    let dist2 = diff[0] * diff[0] + diff[1] * diff[1];
                    let width = 2.0 * node.half_width;
                    if !node.contains(y) && width * width < theta * theta * dist2 {
                        body(diff, node.mass);
                    } else {
                        stack.extend(first..first + 4);
                    }
                }
            }
        }
        (force, z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(points: &[[f64; 2]], i: usize) -> ([f64; 2], f64) {
        let (mut f, mut z) = ([0.0; 2], 0.0);
        for (_, p) in points.iter().enumerate().filter(|&(j, _)| j != i) {
            let d = [points[i][0] - p[0], points[i][1] - p[1]];
            let q = 1.0 / (1.0 + d[0] * d[0] + d[1] * d[1]);
            z += q;
            f[0] += q * q * d[0];
            f[1] += q * q * d[1];
        }
        (f, z)
    }

    fn scattered(n: usize) -> Vec<[f64; 2]> {
        // A deterministic spread with clusters and two coincident points.
        let mut pts: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let t = i as f64 * 0.7;
                [
                    (t.sin() * 10.0) + (i % 3) as f64 * 25.0,
                    t.cos() * 5.0 + (i % 5) as f64,
                ]
            })
            .collect();
        pts.push(pts[0]);
        pts
    }

    #[test]
    fn theta_zero_is_exact() {
        let pts = scattered(60);
        let tree = QuadTree::new(&pts);
        for i in 0..pts.len() {
            let (f, z) = tree.repulsion(i, 0.0);
            let (fe, ze) = exact(&pts, i);
            assert!((z - ze).abs() < 1e-9 * ze.max(1.0));
            assert!((f[0] - fe[0]).abs() < 1e-9 && (f[1] - fe[1]).abs() < 1e-9);
        }
    }

    #[test]
    fn theta_half_approximates_the_normaliser() {
        let pts = scattered(300);
        let tree = QuadTree::new(&pts);
        let z: f64 = (0..pts.len()).map(|i| tree.repulsion(i, 0.5).1).sum();
        let ze: f64 = (0..pts.len()).map(|i| exact(&pts, i).1).sum();
        assert!((z - ze).abs() / ze < 0.02, "{z} vs {ze}");
    }
}
