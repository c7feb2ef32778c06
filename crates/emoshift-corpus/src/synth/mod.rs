//! Built-in synthetic corpora: small emotional-speech corpora written in the real
//! corpora's layouts and names, so every later stage (scan, features, training,
//! reports) runs without downloading anything.
//!
//! # Design
//!
//! **Speech.** A source-filter synthesiser ([`voice`]): a Rosenberg glottal pulse
//! train follows an F0 contour (declination or rise, pitch accents on stressed
//! syllables, optional tremor) with period-to-period jitter and shimmer, aspiration
//! noise and a spectral-tilt low-pass; it drives a cascade of five Klatt resonators
//! whose F1–F3 glide between the targets of vowels, nasals and approximants
//! ([`phones`]); fricatives and plosive bursts add band-passed noise. Sentences are
//! pseudo-words of CV(C) syllables drawn per corpus language, each with its own
//! inventory, syllable shape and stress: German adds front rounded vowels and /x/,
//! Italian has seven vowels, open syllables and penultimate stress, Persian six vowels,
//! no onset clusters, frequent codas, /x ɣ ʒ q/ and final stress, French front rounded
//! vowels, uvular /ʁ/ and a final accent, Greek five vowels and /θ ð x ɣ/. As in the
//! acted corpora, each sentence is spoken in every emotion (ShEMO's radio-play lines
//! are all different).
//!
//! **Emotion.** Each emotion has a prosody and voice-quality profile ([`style`]): F0
//! level and range, contour slope, speaking rate, energy, jitter, shimmer,
//! breathiness and spectral tilt (anger loud, fast, tense and bright; sadness quiet,
//! slow, breathy and dark; fear high with jitter and tremor; disgust low and creaky;
//! boredom flat; surprise rising; …). This makes classes clearly separable in
//! log-mel features within a corpus.
//!
//! **Corpus shift.** Each corpus has its own speakers (random voices of the corpus'
//! genders: F0, vocal-tract length, breathiness, tilt, rate), its own acting style
//! (intensity — TESS exaggerated, IEMOCAP subtle —, per-utterance spread, and a
//! per-corpus "dialect" that bends every emotion's profile by a random offset, so an
//! emotion is not rendered the same way in two corpora), and its own recording chain
//! ([`chain`]): sample rate (RAVDESS, EMOVO and CaFE 48 kHz, CREMA-D/EmoDB/IEMOCAP
//! 16 kHz, TESS 24.414 kHz, SAVEE, ShEMO and AESDD 44.1 kHz), equalisation, room
//! reverberation (IEMOCAP, ShEMO's broadcast band, AESDD's small room), CREMA-D's
//! mains hum, noise floor and level. Emotions therefore transfer between corpora only
//! partly, as in the papers.
//!
//! **Layouts** ([`layouts`], [`multilingual`]): RAVDESS `Actor_XX/03-01-EE-II-SS-RR-AA.wav`; CREMA-D
//! `AudioWAV/AAAA_SSS_EEE_LL.wav` with `VideoDemographics.csv`; EmoDB
//! `wav/SSTTTEV.wav`; TESS `OAF_Fear/OAF_back_fear.wav` with the release's folder
//! spellings; SAVEE `AudioData/DC/a01.wav`; IEMOCAP
//! `SessionN/sentences/wav/<dialog>/<turn>.wav` with `dialog/EmoEvaluation/*.txt`
//! label files (including rater lines and one `xxx` turn per dialog); EMOVO `f1/rab-f1-b1.wav`; ShEMO `female/F01A01.wav` with its skew
//! (anger and neutral common, fear rare, no disgust); CaFE `Colère/Fort/01-C-2-1.wav`
//! and `Neutre/01-N-1.wav`; AESDD `anger/a01 (1).wav` with some second takes
//! (`a01 (1)b.wav`). Everything is 16-bit PCM WAV, mono but for
//! EMOVO's stereo. Together they cover the corpora of all seven DA-MLDG scenarios.
//!
//! **Size and determinism.** At scale 1 the English and German corpora have 128–180
//! files and the other four 104–127, each of 1–2.5 s; `scale` multiplies speakers or
//! sentences (never below what a speaker-independent split needs). File names depend
//! on the scale only. Every file's randomness comes from a ChaCha8 stream seeded by
//! the seed, the corpus and the file path, so files render in parallel, the same seed
//! gives the same bytes, and [`synthesize_corpora`] writes a corpus exactly as
//! [`synthesize`] does.
//!
//! **Damage** ([`damage`]): a copy of a synthetic TESS, CaFE or IEMOCAP corpus with the
//! faults real downloads carry, for the fault-injection tests.

pub mod chain;
#[cfg(unix)]
pub mod damage;
pub mod layouts;
pub mod multilingual;
pub mod phones;
pub mod style;
pub mod voice;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

use crate::adapters::canonical_corpus_name;
use crate::emotion::{Emotion, Gender};
use crate::error::{CorpusError, Result};
use layouts::CorpusPlan;
use voice::Voice;

/// One file written by [`synthesize`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthFile {
    /// Path of the WAV file.
    pub path: PathBuf,
    /// Speaker id as the adapter reports it.
    pub speaker: String,
    /// Speaker gender as the adapter reports it (`None` for AESDD, whose files do
    /// not say).
    pub gender: Option<Gender>,
    /// The labelled emotion (`None` for IEMOCAP's `xxx`).
    pub emotion: Option<Emotion>,
    /// The emotion actually rendered.
    pub rendered: Emotion,
    /// The label as the corpus writes it.
    pub raw_label: String,
    /// Duration in seconds.
    pub duration_s: f64,
}

/// One corpus written by [`synthesize`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthCorpus {
    /// Canonical corpus name.
    pub corpus: String,
    /// Corpus root folder.
    pub root: PathBuf,
    /// Sample rate of its files.
    pub sample_rate: u32,
    /// Its audio files.
    pub files: Vec<SynthFile>,
}

/// What [`synthesize`] wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthSummary {
    /// Output folder.
    pub out: PathBuf,
    /// Seed used.
    pub seed: u64,
    /// Scale used.
    pub scale: f32,
    /// The corpora.
    pub corpora: Vec<SynthCorpus>,
}

impl SynthSummary {
    /// Total number of audio files.
    pub fn file_count(&self) -> usize {
        self.corpora.iter().map(|c| c.files.len()).sum()
    }

    /// Total audio duration in seconds.
    pub fn seconds(&self) -> f64 {
        self.corpora
            .iter()
            .flat_map(|c| &c.files)
            .map(|f| f.duration_s)
            .sum()
    }
}

/// FNV-1a, a fixed, platform-independent string hash for seeding.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A ChaCha8 stream for `key` under `seed`.
fn rng_for(seed: u64, key: &str) -> ChaCha8Rng {
    let mut s = seed ^ fnv1a(key);
    // SplitMix64 finaliser: spreads nearby seeds apart.
    s = (s ^ (s >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    s = (s ^ (s >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ChaCha8Rng::seed_from_u64(s ^ (s >> 31))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| CorpusError::io(parent, e))?;
    }
    std::fs::write(path, bytes).map_err(|e| CorpusError::io(path, e))
}

/// Canonical names of the synthetic corpora, in the order [`synthesize`] writes them.
pub const SYNTH_CORPORA: [&str; 10] = [
    "ravdess", "crema_d", "emodb", "tess", "savee", "iemocap", "emovo", "shemo", "cafe", "aesdd",
];

/// The plan builder of each synthetic corpus, in [`SYNTH_CORPORA`] order.
const BUILDERS: [(&str, layouts::PlanBuilder); 10] = [
    ("ravdess", layouts::ravdess),
    ("crema_d", layouts::crema_d),
    ("emodb", layouts::emodb),
    ("tess", layouts::tess),
    ("savee", layouts::savee),
    ("iemocap", layouts::iemocap),
    ("emovo", multilingual::emovo),
    ("shemo", multilingual::shemo),
    ("cafe", multilingual::cafe),
    ("aesdd", multilingual::aesdd),
];

/// Writes every synthetic corpus under `out` (see the module doc) and says what was
/// written. `scale` must be positive and finite; 1 is the default size.
pub fn synthesize(out: &Path, seed: u64, scale: f32) -> Result<SynthSummary> {
    synthesize_corpora(out, seed, scale, &SYNTH_CORPORA)
}

/// Writes the named synthetic corpora under `out`, in [`SYNTH_CORPORA`] order. Names
/// are compared as [`crate::adapter`] compares them (`CREMA-D`, `crema_d`); a corpus
/// gets the same bytes as from [`synthesize`] with the same seed and scale. An
/// unknown or empty list is an error that lists the valid names.
pub fn synthesize_corpora<S: AsRef<str>>(
    out: &Path,
    seed: u64,
    scale: f32,
    corpora: &[S],
) -> Result<SynthSummary> {
    if !(scale.is_finite() && scale > 0.0) {
        return Err(CorpusError::Invalid {
            what: "synth scale".to_string(),
            reason: format!("must be a positive number, got {scale}"),
        });
    }
    if corpora.is_empty() {
        return Err(CorpusError::Invalid {
            what: "synthetic corpus list".to_string(),
            reason: format!("is empty; choose from {}", SYNTH_CORPORA.join(", ")),
        });
    }
    let mut wanted = Vec::new();
    for name in corpora {
        let name = name.as_ref();
        let canonical = canonical_corpus_name(name)
            .ok()
            .filter(|c| SYNTH_CORPORA.contains(c))
            .ok_or_else(|| CorpusError::unknown("synthetic corpus", name, &SYNTH_CORPORA))?;
        wanted.push(canonical);
    }
    let mut written = Vec::new();
    for (name, build) in BUILDERS.iter().filter(|(n, _)| wanted.contains(n)) {
        let mut rng = rng_for(seed, name);
        let plan = build(scale, &mut rng);
        written.push(render_corpus(&plan, out, seed, &mut rng)?);
    }
    Ok(SynthSummary {
        out: out.to_path_buf(),
        seed,
        scale,
        corpora: written,
    })
}

/// Renders and writes one corpus plan, with its side files.
fn render_corpus(
    plan: &CorpusPlan,
    out: &Path,
    seed: u64,
    rng: &mut ChaCha8Rng,
) -> Result<SynthCorpus> {
    let root = out.join(plan.dir);
    let voices: Vec<Voice> = plan
        .speakers
        .iter()
        .map(|s| {
            let mut v = Voice::random(s.gender, rng);
            v.f0_hz *= 2f32.powf(s.f0_st / 12.0);
            v
        })
        .collect();
    let sentences: Vec<Vec<phones::Syllable>> = (0..plan.sentences)
        .map(|_| {
            let n = rand::RngExt::random_range(rng, plan.syllables.0..=plan.syllables.1);
            phones::sentence(plan.language, n, rng)
        })
        .collect();
    let sr = plan.chain.sample_rate;
    let files: Vec<SynthFile> = plan
        .items
        .par_iter()
        .map(|item| {
            let key = format!("{}/{}", plan.corpus, item.rel_path.display());
            let mut rng = rng_for(seed, &key);
            let voice = &voices[item.speaker];
            let expr = plan.style.express(item.rendered, item.strength, &mut rng);
            let lead = rand::RngExt::random_range(&mut rng, 0.12f32..0.22);
            let speech = voice::render(&sentences[item.sentence], voice, &expr, sr, lead, &mut rng);
            let samples = plan.chain.record(&speech, expr.gain_db, &mut rng);
            let path = root.join(&item.rel_path);
            let interleaved = chain::interleave(&samples, plan.channels);
            let bytes = chain::wav_bytes(&interleaved, sr, plan.channels)
                .map_err(|e| CorpusError::io(&path, e))?;
            write_file(&path, &bytes)?;
            let spk = &plan.speakers[item.speaker];
            Ok(SynthFile {
                path,
                speaker: spk.id.clone(),
                gender: plan.reports_gender.then_some(spk.gender),
                emotion: item.label,
                rendered: item.rendered,
                raw_label: item.raw_label.clone(),
                duration_s: samples.len() as f64 / f64::from(sr),
            })
        })
        .collect::<Result<_>>()?;
    let side_files = match plan.corpus {
        "crema_d" => vec![(
            PathBuf::from("VideoDemographics.csv"),
            layouts::crema_d_demographics(plan),
        )],
        "iemocap" => {
            let durations: Vec<f64> = files.iter().map(|f| f.duration_s).collect();
            layouts::iemocap_labels(plan, &durations)
        }
        _ => Vec::new(),
    };
    for (rel, text) in side_files {
        write_file(&root.join(rel), text.as_bytes())?;
    }
    Ok(SynthCorpus {
        corpus: plan.corpus.to_string(),
        root,
        sample_rate: sr,
        files,
    })
}
