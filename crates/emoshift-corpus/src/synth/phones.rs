//! The phone inventory of the synthesiser and the pseudo-sentences built from it.
//!
//! Formant values (F1–F3, adult male) are the classic Peterson & Barney / IPA
//! handbook averages; languages differ by which vowels and consonants their
//! sentences draw from.

use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// How a phone is produced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Manner {
    /// Voiced, open tract: formants F1–F3.
    Vowel,
    /// Voiced, nasal murmur: low F1, weak.
    Nasal,
    /// Voiced, partly open tract.
    Approximant,
    /// Turbulent noise, voiced or not.
    Fricative {
        /// Centre of the noise band, Hz.
        centre: f32,
        /// Width of the noise band, Hz.
        bandwidth: f32,
        /// Whether the glottal source sounds too.
        voiced: bool,
    },
    /// Closure then a noise burst, voiced or not.
    Plosive {
        /// Centre of the burst, Hz.
        centre: f32,
        /// Whether a voice bar sounds during the closure.
        voiced: bool,
    },
}

/// One phone: its manner and formant targets (Hz, adult male).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Phone {
    /// Symbol, for diagnostics.
    pub symbol: &'static str,
    /// How it is produced.
    pub manner: Manner,
    /// F1–F3 targets.
    pub formants: [f32; 3],
}

const fn vowel(symbol: &'static str, f1: f32, f2: f32, f3: f32) -> Phone {
    Phone {
        symbol,
        manner: Manner::Vowel,
        formants: [f1, f2, f3],
    }
}

const fn cons(symbol: &'static str, manner: Manner, formants: [f32; 3]) -> Phone {
    Phone {
        symbol,
        manner,
        formants,
    }
}

const NEUTRAL_TRACT: [f32; 3] = [500.0, 1500.0, 2500.0];

/// Vowels shared by every language.
const VOWELS: [Phone; 8] = [
    vowel("i", 280.0, 2250.0, 2900.0),
    vowel("e", 400.0, 2100.0, 2700.0),
    vowel("ɛ", 550.0, 1770.0, 2490.0),
    vowel("a", 730.0, 1090.0, 2440.0),
    vowel("ɔ", 570.0, 840.0, 2410.0),
    vowel("o", 450.0, 800.0, 2600.0),
    vowel("u", 300.0, 870.0, 2240.0),
    vowel("ə", 500.0, 1500.0, 2500.0),
];
/// Extra English vowels.
const ENGLISH_VOWELS: [Phone; 2] = [
    vowel("æ", 660.0, 1720.0, 2410.0),
    vowel("ʌ", 640.0, 1190.0, 2390.0),
];
/// Extra German vowels (front rounded).
const GERMAN_VOWELS: [Phone; 2] = [
    vowel("y", 280.0, 1650.0, 2200.0),
    vowel("ø", 400.0, 1500.0, 2300.0),
];

/// Consonants shared by every language.
const CONSONANTS: [Phone; 13] = [
    cons("m", Manner::Nasal, [250.0, 1000.0, 2200.0]),
    cons("n", Manner::Nasal, [250.0, 1700.0, 2600.0]),
    cons("l", Manner::Approximant, [350.0, 1100.0, 2500.0]),
    cons("r", Manner::Approximant, [420.0, 1300.0, 1600.0]),
    cons(
        "s",
        Manner::Fricative {
            centre: 5500.0,
            bandwidth: 2000.0,
            voiced: false,
        },
        NEUTRAL_TRACT,
    ),
    cons(
        "ʃ",
        Manner::Fricative {
            centre: 2800.0,
            bandwidth: 1200.0,
            voiced: false,
        },
        NEUTRAL_TRACT,
    ),
    cons(
        "f",
        Manner::Fricative {
            centre: 6500.0,
            bandwidth: 4000.0,
            voiced: false,
        },
        NEUTRAL_TRACT,
    ),
    cons(
        "z",
        Manner::Fricative {
            centre: 5000.0,
            bandwidth: 2000.0,
            voiced: true,
        },
        NEUTRAL_TRACT,
    ),
    cons(
        "p",
        Manner::Plosive {
            centre: 900.0,
            voiced: false,
        },
        NEUTRAL_TRACT,
    ),
    cons(
        "t",
        Manner::Plosive {
            centre: 4000.0,
            voiced: false,
        },
        NEUTRAL_TRACT,
    ),
    cons(
        "k",
        Manner::Plosive {
            centre: 2000.0,
            voiced: false,
        },
        NEUTRAL_TRACT,
    ),
    cons(
        "b",
        Manner::Plosive {
            centre: 800.0,
            voiced: true,
        },
        NEUTRAL_TRACT,
    ),
    cons(
        "d",
        Manner::Plosive {
            centre: 3500.0,
            voiced: true,
        },
        NEUTRAL_TRACT,
    ),
];
/// German adds the velar fricative.
const GERMAN_CONSONANTS: [Phone; 1] = [cons(
    "x",
    Manner::Fricative {
        centre: 1600.0,
        bandwidth: 900.0,
        voiced: false,
    },
    NEUTRAL_TRACT,
)];

/// One syllable: onset consonants, a vowel nucleus, optional coda, and whether it is
/// stressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Syllable {
    /// Phones in order.
    pub phones: Vec<Phone>,
    /// Carries a pitch accent.
    pub stressed: bool,
}

/// A pseudo-sentence in `language` (`en`, `de`, …) of `n_syllables` syllables, drawn
/// from `rng`.
pub fn sentence(language: &str, n_syllables: usize, rng: &mut ChaCha8Rng) -> Vec<Syllable> {
    let mut vowels: Vec<Phone> = VOWELS.to_vec();
    let mut consonants: Vec<Phone> = CONSONANTS.to_vec();
    match language {
        "en" => vowels.extend(ENGLISH_VOWELS),
        "de" => {
            vowels.extend(GERMAN_VOWELS);
            consonants.extend(GERMAN_CONSONANTS);
        }
        _ => {}
    }
    let stressed_at = rng.random_range(0..n_syllables);
    (0..n_syllables)
        .map(|i| {
            let mut phones = Vec::new();
            for _ in 0..rng.random_range(1..=2usize) {
                phones.push(consonants[rng.random_range(0..consonants.len())]);
            }
            phones.push(vowels[rng.random_range(0..vowels.len())]);
            if rng.random_bool(0.35) {
                phones.push(consonants[rng.random_range(0..consonants.len())]);
            }
            Syllable {
                phones,
                stressed: i == stressed_at || rng.random_bool(0.2),
            }
        })
        .collect()
}
