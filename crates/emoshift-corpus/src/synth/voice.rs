//! The source-filter synthesiser: a Rosenberg glottal pulse train with an F0
//! contour, jitter, shimmer, aspiration and spectral tilt, through a cascade of
//! Klatt formant resonators that glide between phone targets, plus filtered noise for
//! fricatives and plosive bursts. Hand-written: no Rust crate synthesises speech
//! this way, and the whole point is control over each acoustic cue.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::f32::consts::PI;

use super::phones::{Manner, Syllable};
use super::style::Expression;
use crate::emotion::Gender;

/// One synthetic speaker.
#[derive(Debug, Clone, PartialEq)]
pub struct Voice {
    /// Gender (sets the F0 and vocal-tract ranges).
    pub gender: Gender,
    /// Neutral mean F0 in Hz.
    pub f0_hz: f32,
    /// Formant scale (vocal-tract length; 1 = adult male average).
    pub formant_scale: f32,
    /// Baseline aspiration added to every expression.
    pub breath: f32,
    /// Baseline spectral tilt added to every expression.
    pub tilt: f32,
    /// Speaker's own rate multiplier.
    pub rate: f32,
}

impl Voice {
    /// A random speaker of `gender`.
    pub fn random(gender: Gender, rng: &mut ChaCha8Rng) -> Self {
        let (f0, scale) = match gender {
            Gender::Male => (rng.random_range(95.0..140.0), rng.random_range(0.95..1.05)),
            Gender::Female => (rng.random_range(175.0..245.0), rng.random_range(1.12..1.22)),
        };
        Voice {
            gender,
            f0_hz: f0,
            formant_scale: scale,
            breath: rng.random_range(0.0..0.1),
            tilt: rng.random_range(-0.2..0.2),
            rate: rng.random_range(0.9..1.1),
        }
    }
}

/// Klatt's digital resonator (unity gain at DC).
#[derive(Debug, Clone, Copy, Default)]
struct Resonator {
    a: f32,
    b: f32,
    c: f32,
    y1: f32,
    y2: f32,
    bypass: bool,
}

impl Resonator {
    fn set(&mut self, freq: f32, bw: f32, sr: f32) {
        if freq >= 0.45 * sr {
            self.bypass = true;
            return;
        }
        self.bypass = false;
        let r = (-PI * bw / sr).exp();
        self.c = -r * r;
        self.b = 2.0 * r * (2.0 * PI * freq / sr).cos();
        self.a = 1.0 - self.b - self.c;
    }

    fn tick(&mut self, x: f32) -> f32 {
        if self.bypass {
            return x;
        }
        let y = self.a * x + self.b * self.y1 + self.c * self.y2;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

/// Sample-level targets of one phone segment.
#[derive(Debug, Clone, Copy)]
struct Segment {
    samples: usize,
    formants: [f32; 3],
    voice_amp: f32,
    noise_amp: f32,
    noise_centre: f32,
    noise_bw: f32,
    accent: f32,
}

/// Lays the syllables out in time as segments.
fn segments(
    syllables: &[Syllable],
    voice: &Voice,
    expr: &Expression,
    sr: f32,
    rng: &mut ChaCha8Rng,
) -> Vec<Segment> {
    let rate = (expr.rate * voice.rate).max(0.7);
    let ms = |m: f32| ((m / 1000.0) * sr / rate) as usize;
    let mut out = Vec::new();
    for syl in syllables {
        let accent = if syl.stressed {
            rng.random_range(1.5..3.0)
        } else {
            rng.random_range(0.0..0.7)
        };
        let stress_amp = if syl.stressed { 1.2 } else { 1.0 };
        for phone in &syl.phones {
            let wobble = rng.random_range(0.85..1.15);
            let f = phone.formants.map(|x| x * voice.formant_scale);
            let base = Segment {
                samples: 0,
                formants: f,
                voice_amp: 0.0,
                noise_amp: 0.0,
                noise_centre: 3000.0,
                noise_bw: 2000.0,
                accent,
            };
            match phone.manner {
                Manner::Vowel => out.push(Segment {
                    samples: ms(if syl.stressed { 135.0 } else { 95.0 } * wobble),
                    voice_amp: stress_amp,
                    ..base
                }),
                Manner::Nasal => out.push(Segment {
                    samples: ms(65.0 * wobble),
                    voice_amp: 0.3,
                    ..base
                }),
                Manner::Approximant => out.push(Segment {
                    samples: ms(60.0 * wobble),
                    voice_amp: 0.55,
                    ..base
                }),
                Manner::Fricative {
                    centre,
                    bandwidth,
                    voiced,
                } => out.push(Segment {
                    samples: ms(80.0 * wobble),
                    voice_amp: if voiced { 0.25 } else { 0.0 },
                    noise_amp: if centre > 6000.0 { 0.18 } else { 0.35 },
                    noise_centre: centre,
                    noise_bw: bandwidth,
                    ..base
                }),
                Manner::Plosive { centre, voiced } => {
                    out.push(Segment {
                        samples: ms(55.0 * wobble),
                        voice_amp: if voiced { 0.08 } else { 0.0 },
                        ..base
                    });
                    out.push(Segment {
                        samples: ms(18.0),
                        noise_amp: 0.5,
                        noise_centre: centre,
                        noise_bw: centre.max(1500.0),
                        ..base
                    });
                }
            }
        }
    }
    out
}

/// Rosenberg glottal flow at `phase` ∈ [0, 1) with open quotient `oq`.
fn glottal_flow(phase: f32, oq: f32) -> f32 {
    let tp = 0.67 * oq;
    let tn = 0.33 * oq;
    if phase < tp {
        0.5 * (1.0 - (PI * phase / tp).cos())
    } else if phase < tp + tn {
        (0.5 * PI * (phase - tp) / tn).cos()
    } else {
        0.0
    }
}

/// Renders `syllables` spoken by `voice` with `expr` at sample rate `sr`, with
/// `lead_s` seconds of silence before and after. Returns samples of peak around 1.
pub fn render(
    syllables: &[Syllable],
    voice: &Voice,
    expr: &Expression,
    sr: u32,
    lead_s: f32,
    rng: &mut ChaCha8Rng,
) -> Vec<f32> {
    let srf = sr as f32;
    let segs = segments(syllables, voice, expr, srf, rng);
    let lead = (lead_s * srf) as usize;
    let speech: usize = segs.iter().map(|s| s.samples).sum();
    let total = speech + 2 * lead;
    let mut out = vec![0.0f32; total];

    let base_f0 = voice.f0_hz * 2f32.powf(expr.f0_st / 12.0);
    let breath = (expr.breath + voice.breath).clamp(0.0, 0.95);
    let tilt = expr.tilt + voice.tilt;
    // Spectral tilt as a one-pole low-pass whose cut-off falls as the voice gets laxer.
    let tilt_cut = (2500.0 * 2f32.powf(-1.6 * tilt)).min(0.45 * srf);
    let tilt_pole = (-2.0 * PI * tilt_cut / srf).exp();
    // Tense voices close faster (smaller open quotient: more high harmonics).
    let oq = (0.6 + 0.12 * tilt).clamp(0.35, 0.85);
    let bandwidths =
        [70.0, 100.0, 140.0, 220.0, 300.0].map(|b: f32| b * (1.0 + 0.25 * tilt).max(0.5));
    let tremor_hz = rng.random_range(5.0..7.0);

    let mut formants = [Resonator::default(); 5];
    let mut noise_filter = Resonator::default();
    let mut cur_formants = segs.first().map_or([500.0, 1500.0, 2500.0], |s| s.formants);
    let (mut voice_amp, mut noise_amp) = (0.0f32, 0.0f32);
    let mut accent = 0.0f32;
    let smooth = (-1.0 / (0.012 * srf)).exp();
    let amp_smooth = (-1.0 / (0.006 * srf)).exp();

    let mut phase = 0.0f32;
    let mut period_f0 = base_f0;
    let mut period_gain = 1.0f32;
    let mut prev_flow = 0.0f32;
    let mut tilt_state = 0.0f32;
    let mut prev_white = 0.0f32;
    let mut n = lead;
    for seg in &segs {
        for i in 0..seg.samples {
            if i % 32 == 0 {
                for (k, f) in cur_formants.iter_mut().enumerate() {
                    *f = seg.formants[k] + (*f - seg.formants[k]) * smooth.powi(32);
                }
                let scale = voice.formant_scale;
                for (k, r) in formants.iter_mut().enumerate() {
                    let freq = if k < 3 {
                        cur_formants[k]
                    } else {
                        [3500.0, 4500.0][k - 3] * scale
                    };
                    r.set(freq, bandwidths[k], srf);
                }
                noise_filter.set(seg.noise_centre.min(0.42 * srf), seg.noise_bw, srf);
            }
            voice_amp = seg.voice_amp + (voice_amp - seg.voice_amp) * amp_smooth;
            noise_amp = seg.noise_amp + (noise_amp - seg.noise_amp) * amp_smooth;
            accent = seg.accent + (accent - seg.accent) * smooth;

            phase += period_f0 / srf;
            if phase >= 1.0 {
                phase -= 1.0;
                // The contour is only read at period starts.
                let t = (n - lead) as f32 / speech.max(1) as f32;
                let st = expr.slope_st * (t - 0.5)
                    + expr.range * accent
                    + expr.tremor_st * (2.0 * PI * tremor_hz * n as f32 / srf).sin();
                let f0 = base_f0 * 2f32.powf(st / 12.0);
                let j: f32 = StandardNormal.sample(rng);
                let s: f32 = StandardNormal.sample(rng);
                period_f0 = f0 * (1.0 + expr.jitter * j);
                period_gain = (1.0 + expr.shimmer * s).max(0.2);
            }
            let flow = glottal_flow(phase, oq);
            let derivative = (flow - prev_flow) * srf / (4.0 * period_f0.max(50.0));
            prev_flow = flow;
            tilt_state = (1.0 - tilt_pole) * derivative + tilt_pole * tilt_state;
            let white: f32 = StandardNormal.sample(rng);
            let aspiration = white * breath * 0.35 * (0.3 + flow);
            let source =
                voice_amp * period_gain * ((1.0 - 0.5 * breath) * tilt_state * 3.0 + aspiration);
            let mut y = source;
            for r in formants.iter_mut() {
                y = r.tick(y);
            }
            let white2: f32 = StandardNormal.sample(rng);
            // First difference tilts the noise upwards before the band-pass.
            let fric = noise_amp * noise_filter.tick(white2 - prev_white) * 0.4;
            prev_white = white2;
            out[n] = y + fric;
            n += 1;
        }
    }
    // Gentle fades at the speech edges.
    let fade = (0.01 * srf) as usize;
    for k in 0..fade.min(speech / 2) {
        let g = k as f32 / fade as f32;
        out[lead + k] *= g;
        out[lead + speech - 1 - k] *= g;
    }
    out
}
