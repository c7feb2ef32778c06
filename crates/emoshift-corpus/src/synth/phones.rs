//! The phone inventory of the synthesiser and the pseudo-sentences built from it.
//!
//! Formant values (F1–F3, adult male) are the classic Peterson & Barney / IPA
//! handbook averages; languages differ by which vowels and consonants their
//! sentences draw from, how many consonants a syllable may start or end with, and
//! which syllable carries the word stress.

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
/// Extra French vowels (front rounded, open-mid included).
const FRENCH_VOWELS: [Phone; 3] = [
    vowel("y", 280.0, 1650.0, 2200.0),
    vowel("ø", 400.0, 1500.0, 2300.0),
    vowel("œ", 550.0, 1450.0, 2350.0),
];
/// Extra Persian vowels: front /æ/ and back rounded /ɒ/.
const PERSIAN_VOWELS: [Phone; 2] = [
    vowel("æ", 660.0, 1720.0, 2410.0),
    vowel("ɒ", 650.0, 950.0, 2450.0),
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
const fn fricative(symbol: &'static str, centre: f32, bandwidth: f32, voiced: bool) -> Phone {
    cons(
        symbol,
        Manner::Fricative {
            centre,
            bandwidth,
            voiced,
        },
        NEUTRAL_TRACT,
    )
}

/// The velar fricative /x/ (German, Persian, Greek).
const VELAR_FRICATIVE: Phone = fricative("x", 1600.0, 900.0, false);
/// The voiced velar or uvular fricative /ɣ/ (Persian, Greek).
const VOICED_VELAR_FRICATIVE: Phone = fricative("ɣ", 1400.0, 900.0, true);
/// The palatal nasal /ɲ/ (Italian, French).
const PALATAL_NASAL: Phone = cons("ɲ", Manner::Nasal, [250.0, 2000.0, 2800.0]);
/// The voiced postalveolar fricative /ʒ/ (French, Persian).
const VOICED_POSTALVEOLAR: Phone = fricative("ʒ", 2700.0, 1200.0, true);

/// Where a language puts the word stress.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stress {
    /// Any syllable (English, German, Greek).
    Free,
    /// The penultimate syllable (Italian).
    Penultimate,
    /// The last syllable (French phrase accent, Persian).
    Final,
}

/// How a language builds its pseudo-words: inventory, syllable shape and stress.
struct Phonology {
    vowels: Vec<Phone>,
    consonants: Vec<Phone>,
    max_onset: usize,
    coda: f64,
    stress: Stress,
}

/// The phonology of `language`; unknown languages get the shared inventory.
fn phonology(language: &str) -> Phonology {
    let without = |phones: &[Phone], drop: &[&str]| -> Vec<Phone> {
        phones
            .iter()
            .copied()
            .filter(|p| !drop.contains(&p.symbol))
            .collect()
    };
    let mut p = Phonology {
        vowels: VOWELS.to_vec(),
        consonants: CONSONANTS.to_vec(),
        max_onset: 2,
        coda: 0.35,
        stress: Stress::Free,
    };
    match language {
        "en" => p.vowels.extend(ENGLISH_VOWELS),
        "de" => {
            p.vowels.extend(GERMAN_VOWELS);
            p.consonants.push(VELAR_FRICATIVE);
        }
        // Seven vowels, no schwa; mostly open syllables, penultimate stress.
        "it" => {
            p.vowels = without(&VOWELS, &["ə"]);
            p.consonants.push(PALATAL_NASAL);
            p.coda = 0.15;
            p.stress = Stress::Penultimate;
        }
        // Six vowels; no onset clusters, frequent codas, final stress.
        "fa" => {
            p.vowels = without(&VOWELS, &["ɛ", "ɔ", "ə", "a"]);
            p.vowels.extend(PERSIAN_VOWELS);
            p.consonants.extend([
                VELAR_FRICATIVE,
                VOICED_VELAR_FRICATIVE,
                VOICED_POSTALVEOLAR,
                cons(
                    "q",
                    Manner::Plosive {
                        centre: 1200.0,
                        voiced: true,
                    },
                    NEUTRAL_TRACT,
                ),
            ]);
            p.max_onset = 1;
            p.coda = 0.6;
            p.stress = Stress::Final;
        }
        // Front rounded vowels, uvular /ʁ/ for /r/, phrase-final accent.
        "fr" => {
            p.vowels.extend(FRENCH_VOWELS);
            p.consonants = without(&CONSONANTS, &["r"]);
            p.consonants.extend([
                fricative("ʁ", 1100.0, 800.0, true),
                VOICED_POSTALVEOLAR,
                PALATAL_NASAL,
            ]);
            p.coda = 0.3;
            p.stress = Stress::Final;
        }
        // Five vowels; dental and velar fricatives; few codas.
        "el" => {
            p.vowels = without(&VOWELS, &["ɛ", "ɔ", "ə"]);
            p.consonants = without(&CONSONANTS, &["ʃ"]);
            p.consonants.extend([
                fricative("θ", 6000.0, 4000.0, false),
                fricative("ð", 4500.0, 3000.0, true),
                VELAR_FRICATIVE,
                VOICED_VELAR_FRICATIVE,
            ]);
            p.coda = 0.2;
        }
        _ => {}
    }
    p
}

/// One syllable: onset consonants, a vowel nucleus, optional coda, and whether it is
/// stressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Syllable {
    /// Phones in order.
    pub phones: Vec<Phone>,
    /// Carries a pitch accent.
    pub stressed: bool,
}

/// A pseudo-sentence in `language` (`en`, `de`, `it`, `fa`, `fr`, `el`; others get
/// the shared inventory) of `n_syllables` syllables, drawn from `rng`.
pub fn sentence(language: &str, n_syllables: usize, rng: &mut ChaCha8Rng) -> Vec<Syllable> {
    let p = phonology(language);
    let pick = |list: &[Phone], rng: &mut ChaCha8Rng| list[rng.random_range(0..list.len())];
    let stressed_at = match p.stress {
        Stress::Free => rng.random_range(0..n_syllables),
        Stress::Penultimate => n_syllables.saturating_sub(2),
        Stress::Final => n_syllables.saturating_sub(1),
    };
    (0..n_syllables)
        .map(|i| {
            let mut phones = Vec::new();
            for _ in 0..rng.random_range(1..=p.max_onset) {
                phones.push(pick(&p.consonants, rng));
            }
            phones.push(pick(&p.vowels, rng));
            if rng.random_bool(p.coda) {
                phones.push(pick(&p.consonants, rng));
            }
            Syllable {
                phones,
                stressed: i == stressed_at || rng.random_bool(0.2),
            }
        })
        .collect()
}
