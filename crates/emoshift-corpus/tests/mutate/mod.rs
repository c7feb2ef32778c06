//! Mutations shared by the property tests: a valid WAV file to write, and edits
//! of one field of a valid name or label line.

use std::path::Path;
use std::sync::LazyLock;

use emoshift_corpus::synth::chain::wav_bytes;
use proptest::prelude::*;

/// 0.01 s of a quiet tone at 16 kHz: a valid, readable WAV file.
pub static WAV: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let samples: Vec<i16> = (0..160).map(|i| ((i % 16) * 64) as i16).collect();
    wav_bytes(&samples, 16_000, 1).unwrap()
});

/// Writes `bytes` to `path`, creating its folders.
pub fn put(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Text a mutated field takes: empty, digits, ASCII, separators (of names and
/// of label lines), and unicode (non-ASCII digits, full-width digits,
/// case-folding traps, combining marks, zero-width and right-to-left
/// characters, emoji).
pub fn noise() -> BoxedStrategy<String> {
    prop_oneof![
        Just(String::new()),
        "[0-9]{1,4}",
        "[A-Za-z]{1,4}",
        "[-_ .()]{1,2}",
        "[\\[\\];:,\t\"'\r]{1,2}",
        proptest::sample::select(&[
            "٣", "١٢", "０１", "߁", "²", "Ⅻ", "é", "e\u{301}", "ß", "İ", "\u{212a}", "ﬀ",
            "\u{200b}", "\u{202e}", "😀", "ǅ", "\u{fe0f}",
        ])
        .prop_map(String::from),
        "\\PC{1,4}",
    ]
    .boxed()
}

/// `name` split into runs of ASCII digits, runs of letters, and single other
/// characters: the fields of every corpus' naming scheme, with the separators.
fn fields(name: &str) -> Vec<String> {
    let class = |c: char| {
        if c.is_ascii_digit() {
            0
        } else if c.is_alphabetic() {
            1
        } else {
            2
        }
    };
    let mut out: Vec<String> = Vec::new();
    let mut last = None;
    for c in name.chars() {
        let k = class(c);
        match out.last_mut() {
            Some(field) if last == Some(k) && k != 2 => field.push(c),
            _ => out.push(c.to_string()),
        }
        last = Some(k);
    }
    out
}

/// One edit of a name or line's field `i % n` of its `n` fields (see `fields`).
#[derive(Debug, Clone)]
pub enum Edit {
    Replace(usize, String),
    Drop(usize),
    Duplicate(usize),
    Recase(usize),
    InsertBefore(usize, String),
}

/// Any [`Edit`], with [`noise`] for the text it puts in.
pub fn edit() -> BoxedStrategy<Edit> {
    prop_oneof![
        (any::<usize>(), noise()).prop_map(|(i, s)| Edit::Replace(i, s)),
        any::<usize>().prop_map(Edit::Drop),
        any::<usize>().prop_map(Edit::Duplicate),
        any::<usize>().prop_map(Edit::Recase),
        (any::<usize>(), noise()).prop_map(|(i, s)| Edit::InsertBefore(i, s)),
    ]
    .boxed()
}

/// `name` with `edit` applied.
pub fn apply_edit(name: &str, edit: &Edit) -> String {
    let mut f = fields(name);
    if f.is_empty() {
        return name.to_string();
    }
    let n = f.len();
    match edit {
        Edit::Replace(i, s) => f[i % n] = s.clone(),
        Edit::Drop(i) => {
            f.remove(i % n);
        }
        Edit::Duplicate(i) => {
            let x = f[i % n].clone();
            f.insert(i % n, x);
        }
        Edit::Recase(i) => {
            let x = &f[i % n];
            f[i % n] = if x.chars().any(char::is_lowercase) {
                x.to_uppercase()
            } else {
                x.to_lowercase()
            };
        }
        Edit::InsertBefore(i, s) => f.insert(i % (n + 1), s.clone()),
    }
    f.concat()
}
