//! How emotions are rendered: a prosody and voice-quality profile per emotion, scaled
//! and bent by each corpus' acting style.
//!
//! Profiles follow the direction of the classic acoustic findings (Banse & Scherer
//! 1996; Juslin & Laukka 2003): anger, happiness, fear and surprise raise F0 level and
//! energy and speed up; sadness, boredom and calm lower them and slow down; anger is
//! tense with a flat spectral tilt, sadness breathy with a steep one, fear has jitter
//! and tremor, disgust is creaky with a falling contour.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::emotion::Emotion;

/// Prosody and voice quality of one rendition, as offsets from a speaker's neutral
/// voice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Expression {
    /// F0 level shift in semitones.
    pub f0_st: f32,
    /// Multiplier of the pitch-accent excursions.
    pub range: f32,
    /// Overall contour slope in semitones from start to end.
    pub slope_st: f32,
    /// Speaking-rate multiplier.
    pub rate: f32,
    /// Level change in dB.
    pub gain_db: f32,
    /// Period-to-period F0 jitter (fraction).
    pub jitter: f32,
    /// Period-to-period amplitude shimmer (fraction).
    pub shimmer: f32,
    /// Aspiration noise mixed into the voice source (0–1).
    pub breath: f32,
    /// Spectral tilt: −1 bright/tense … +1 dark/lax.
    pub tilt: f32,
    /// Depth of a 5–7 Hz F0 tremor in semitones.
    pub tremor_st: f32,
}

/// The neutral rendition.
pub const NEUTRAL: Expression = Expression {
    f0_st: 0.0,
    range: 1.0,
    slope_st: -2.0,
    rate: 1.0,
    gain_db: 0.0,
    jitter: 0.005,
    shimmer: 0.03,
    breath: 0.08,
    tilt: 0.0,
    tremor_st: 0.0,
};

/// The prototypical expression of `emotion` (see the module doc).
pub fn profile(emotion: Emotion) -> Expression {
    let e = |f0_st, range, slope_st, rate, gain_db, jitter, shimmer, breath, tilt, tremor_st| {
        Expression {
            f0_st,
            range,
            slope_st,
            rate,
            gain_db,
            jitter,
            shimmer,
            breath,
            tilt,
            tremor_st,
        }
    };
    match emotion {
        Emotion::Neutral | Emotion::Other => NEUTRAL,
        Emotion::Calm => e(-1.5, 0.7, -2.0, 0.88, -4.0, 0.005, 0.03, 0.22, 0.35, 0.0),
        Emotion::Happiness => e(4.0, 1.9, 1.0, 1.12, 3.0, 0.006, 0.03, 0.05, -0.35, 0.0),
        Emotion::Sadness => e(-2.5, 0.45, -3.0, 0.75, -7.0, 0.015, 0.06, 0.35, 0.7, 0.0),
        Emotion::Anger => e(3.0, 1.5, -4.0, 1.15, 7.0, 0.01, 0.05, 0.0, -0.8, 0.0),
        Emotion::Fear => e(6.5, 1.0, 2.0, 1.28, 1.0, 0.025, 0.06, 0.3, -0.15, 0.8),
        Emotion::Disgust => e(-3.0, 1.2, -6.0, 0.8, -2.0, 0.03, 0.1, 0.1, 0.2, 0.0),
        Emotion::Surprise => e(5.0, 2.1, 6.0, 1.0, 3.0, 0.006, 0.03, 0.15, -0.2, 0.0),
        Emotion::Boredom => e(-3.0, 0.3, -1.0, 0.8, -4.0, 0.006, 0.04, 0.2, 0.45, 0.0),
        Emotion::Excitement => e(5.5, 2.0, 2.0, 1.22, 5.0, 0.008, 0.04, 0.05, -0.45, 0.0),
        Emotion::Frustration => e(1.0, 1.2, -4.5, 1.05, 4.0, 0.012, 0.05, 0.15, -0.45, 0.0),
        Emotion::Contempt => e(-1.5, 1.3, -5.0, 0.9, -1.0, 0.01, 0.05, 0.12, 0.1, 0.0),
    }
}

impl Expression {
    /// Neutral plus `k` times this expression's deviation from neutral.
    pub fn scaled(self, k: f32) -> Expression {
        let n = NEUTRAL;
        let lerp = |a: f32, b: f32| a + k * (b - a);
        Expression {
            f0_st: lerp(n.f0_st, self.f0_st),
            range: lerp(n.range, self.range).max(0.1),
            slope_st: lerp(n.slope_st, self.slope_st),
            rate: lerp(n.rate, self.rate).max(0.5),
            gain_db: lerp(n.gain_db, self.gain_db),
            jitter: lerp(n.jitter, self.jitter).max(0.0),
            shimmer: lerp(n.shimmer, self.shimmer).max(0.0),
            breath: lerp(n.breath, self.breath).clamp(0.0, 0.9),
            tilt: lerp(n.tilt, self.tilt).clamp(-1.5, 1.5),
            tremor_st: lerp(n.tremor_st, self.tremor_st).max(0.0),
        }
    }

    /// Adds natural variation: Gaussian noise scaled by `spread` on every dimension.
    pub fn varied(self, spread: f32, rng: &mut ChaCha8Rng) -> Expression {
        let normal = Normal::new(0.0f32, 1.0).expect("valid normal");
        let mut g = |scale: f32| normal.sample(rng) * scale * spread;
        Expression {
            f0_st: self.f0_st + g(1.0),
            range: (self.range * (1.0 + g(0.15))).max(0.1),
            slope_st: self.slope_st + g(1.0),
            rate: (self.rate * (1.0 + g(0.06))).max(0.5),
            gain_db: self.gain_db + g(1.2),
            jitter: (self.jitter * (1.0 + g(0.2))).max(0.0),
            shimmer: (self.shimmer * (1.0 + g(0.2))).max(0.0),
            breath: (self.breath + g(0.04)).clamp(0.0, 0.9),
            tilt: (self.tilt + g(0.12)).clamp(-1.5, 1.5),
            tremor_st: (self.tremor_st * (1.0 + g(0.2))).max(0.0),
        }
    }
}

/// How a corpus' actors express emotions.
#[derive(Debug, Clone, PartialEq)]
pub struct ActingStyle {
    /// Scales every emotion's deviation from neutral (1 = the prototype).
    pub intensity: f32,
    /// Spread of per-utterance natural variation (1 ≈ a few tenths of the gaps
    /// between emotions).
    pub spread: f32,
    /// Per-emotion deviations of this corpus from the prototypes (the corpus'
    /// "dialect" of each emotion), so emotions transfer between corpora only partly.
    pub dialect: Vec<(Emotion, Expression)>,
}

impl ActingStyle {
    /// A style with `intensity` and `spread` and a dialect of strength `bend` drawn
    /// from `rng` for every emotion.
    pub fn new(intensity: f32, spread: f32, bend: f32, rng: &mut ChaCha8Rng) -> Self {
        let dialect = Emotion::ALL
            .iter()
            .map(|&e| {
                let mut u = |s: f32| (rng.random::<f32>() * 2.0 - 1.0) * s * bend;
                (
                    e,
                    Expression {
                        f0_st: u(2.0),
                        range: u(0.35),
                        slope_st: u(2.5),
                        rate: u(0.12),
                        gain_db: u(2.5),
                        jitter: u(0.006),
                        shimmer: u(0.02),
                        breath: u(0.1),
                        tilt: u(0.3),
                        tremor_st: u(0.2),
                    },
                )
            })
            .collect();
        ActingStyle {
            intensity,
            spread,
            dialect,
        }
    }

    /// The expression of `emotion` at `strength` (1 = the corpus' usual intensity),
    /// bent by the corpus dialect and varied per utterance.
    pub fn express(&self, emotion: Emotion, strength: f32, rng: &mut ChaCha8Rng) -> Expression {
        let base = profile(emotion).scaled(self.intensity * strength);
        let bent = match self.dialect.iter().find(|(e, _)| *e == emotion) {
            Some((_, d)) if emotion != Emotion::Neutral => Expression {
                f0_st: base.f0_st + d.f0_st,
                range: (base.range + d.range).max(0.1),
                slope_st: base.slope_st + d.slope_st,
                rate: (base.rate + d.rate).max(0.5),
                gain_db: base.gain_db + d.gain_db,
                jitter: (base.jitter + d.jitter).max(0.0),
                shimmer: (base.shimmer + d.shimmer).max(0.0),
                breath: (base.breath + d.breath).clamp(0.0, 0.9),
                tilt: (base.tilt + d.tilt).clamp(-1.5, 1.5),
                tremor_st: (base.tremor_st + d.tremor_st).max(0.0),
            },
            _ => base,
        };
        bent.varied(self.spread, rng)
    }
}
