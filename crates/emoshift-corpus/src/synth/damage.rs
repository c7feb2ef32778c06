//! Fault injection: a copy of a synthetic corpus with the damage real downloads
//! carry, to prove that bad data never stops a scan and that every good file is kept.
//!
//! [`damaged_copy`] copies a corpus written by [`super::synthesize_corpora`] and adds,
//! next to its good files, one of each [`Damage`]: symlinks that loop or leave the
//! tree, macOS and Windows debris, a README, broken and misnamed audio, audio the WAV
//! header reader of old could not read (FLAC named `.wav`, 64-bit float,
//! `WAVE_FORMAT_EXTENSIBLE` with a `LIST` chunk), unknown label codes, label conflicts
//! and a mislabelled duplicate. The good files are left byte for byte as they were.
//! Names follow the corpus layout, so TESS and CaFE (the synthetic corpora that
//! carry the emotion in both folder and file name) are supported.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use rand::RngExt;
use serde::{Deserialize, Serialize};

use super::{rng_for, write_file, SynthCorpus, SynthFile};
use crate::emotion::Emotion;
use crate::error::{CorpusError, Result};

/// One kind of damage written by [`damaged_copy`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Damage {
    /// `loop -> .` inside a speaker or emotion folder.
    SymlinkLoop,
    /// A link to a folder outside the tree that holds a well-named file.
    LinkOutside,
    /// An AppleDouble `._<name>.wav` beside a good file.
    AppleDouble,
    /// A `__MACOSX/` folder holding AppleDouble files.
    MacosxFolder,
    /// A `.DS_Store` file.
    DsStore,
    /// A `Thumbs.db` file.
    ThumbsDb,
    /// A `README.txt` at the corpus root.
    Readme,
    /// A well-named `.wav` of zero bytes.
    ZeroBytes,
    /// A well-named `.wav` holding only its header (the data chunk declared, absent).
    HeaderOnly,
    /// A well-named `.wav` cut in the middle of its data.
    Truncated,
    /// A well-named `.wav` of random bytes.
    RandomBytes,
    /// Good audio as FLAC, named `.wav`.
    FlacAsWav,
    /// Good audio as 64-bit float WAV.
    Float64Wav,
    /// Good audio as `WAVE_FORMAT_EXTENSIBLE` PCM with a `LIST/INFO` chunk.
    ExtensibleWav,
    /// Good audio whose name carries an emotion code the corpus does not have.
    UnknownLabel,
    /// Good audio whose name says one emotion, in a folder of another.
    LabelConflict,
    /// A mislabelled copy of a good file, same name, in a folder of another emotion
    /// that is walked before the genuine one.
    MislabelledDuplicate,
}

/// One injected file or link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Injection {
    /// What was injected.
    pub damage: Damage,
    /// The file or link written.
    pub path: PathBuf,
    /// The good file beside which, or from whose audio or name, the injection was
    /// made.
    pub source: PathBuf,
    /// The emotion of the audio written, for injections holding good audio.
    pub emotion: Option<Emotion>,
}

/// A damaged copy of a synthetic corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DamagedCorpus {
    /// The copy's root folder.
    pub root: PathBuf,
    /// The folder outside the tree that [`Damage::LinkOutside`] points to.
    pub outside: PathBuf,
    /// Everything injected, in [`Damage`] order.
    pub injections: Vec<Injection>,
}

/// Copies `corpus` to `out/<corpus folder name>` and injects every [`Damage`]
/// (see the module doc); [`Damage::LinkOutside`] links to `outside`, which should
/// lie outside `out`. Only TESS and CaFE are supported; `seed` drives the random
/// bytes.
pub fn damaged_copy(
    corpus: &SynthCorpus,
    out: &Path,
    outside: &Path,
    seed: u64,
) -> Result<DamagedCorpus> {
    let layout = Layout::of(&corpus.corpus)?;
    let folder = corpus
        .root
        .file_name()
        .ok_or_else(|| CorpusError::io(&corpus.root, "corpus root has no folder name"))?;
    let root = out.join(folder);
    let outside = outside.to_path_buf();
    copy_files(corpus, &root)?;
    let files: Vec<SynthFile> = corpus
        .files
        .iter()
        .map(|f| SynthFile {
            path: rebase(&f.path, &corpus.root, &root),
            ..f.clone()
        })
        .collect();
    let good = files
        .iter()
        .find(|f| f.emotion.is_some_and(|e| e != Emotion::Neutral))
        .ok_or_else(|| CorpusError::io(&corpus.root, "no emotional file to derive damage from"))?;
    let other = files
        .iter()
        .filter(|f| f.speaker == good.speaker && f.emotion.is_some() && f.emotion != good.emotion)
        .min_by(|a, b| a.path.cmp(&b.path))
        .ok_or_else(|| CorpusError::io(&corpus.root, "no file of another emotion"))?;
    let dir = parent(&good.path);
    let other_dir = parent(&other.path);
    let name = crate::adapters::fs::file_name(&good.path);
    let samples = read_samples(&good.path)?;
    let bytes = std::fs::read(&good.path).map_err(|e| CorpusError::io(&good.path, e))?;
    let rate = corpus.sample_rate;
    let mut fresh = 0;
    let mut fresh_name = |unknown: bool| {
        fresh += 1;
        layout.rename(&name, fresh, unknown)
    };

    let mut injections = Vec::new();
    let mut add = |damage, path: PathBuf, emotion: Option<Emotion>| {
        injections.push(Injection {
            damage,
            path,
            source: good.path.clone(),
            emotion,
        });
    };

    let link = dir.join("loop");
    symlink(".", &link).map_err(|e| CorpusError::io(&link, e))?;
    add(Damage::SymlinkLoop, link, None);

    let outside_file = outside
        .join(rebase(dir, &root, Path::new("")))
        .join(fresh_name(false));
    write_file(&outside_file, &bytes)?;
    let link = root.join("elsewhere");
    symlink(&outside, &link).map_err(|e| CorpusError::io(&link, e))?;
    add(Damage::LinkOutside, link, good.emotion);

    let path = dir.join(format!("._{name}"));
    write_file(&path, &apple_double())?;
    add(Damage::AppleDouble, path, None);

    let path = root
        .join("__MACOSX")
        .join(rebase(dir, &root, Path::new("")))
        .join(format!("._{name}"));
    write_file(&path, &apple_double())?;
    add(Damage::MacosxFolder, path, None);

    let path = dir.join(".DS_Store");
    write_file(&path, b"\0\0\0\x01Bud1")?;
    add(Damage::DsStore, path, None);

    let path = dir.join("Thumbs.db");
    write_file(&path, &[0xd0, 0xcf, 0x11, 0xe0])?;
    add(Damage::ThumbsDb, path, None);

    let path = root.join("README.txt");
    write_file(&path, b"Damaged copy of a synthetic corpus.\n")?;
    add(Damage::Readme, path, None);

    let path = dir.join(fresh_name(false));
    write_file(&path, b"")?;
    add(Damage::ZeroBytes, path, None);

    let data =
        find_chunk(&bytes, b"data").ok_or_else(|| CorpusError::io(&good.path, "no data chunk"))?;
    let path = dir.join(fresh_name(false));
    write_file(&path, &bytes[..data + 8])?;
    add(Damage::HeaderOnly, path, None);

    let path = dir.join(fresh_name(false));
    write_file(&path, &bytes[..data + 8 + (bytes.len() - data - 8) / 2])?;
    add(Damage::Truncated, path, None);

    let mut rng = rng_for(seed, &format!("damage/{}", corpus.corpus));
    let noise: Vec<u8> = (0..8192).map(|_| rng.random()).collect();
    let path = dir.join(fresh_name(false));
    write_file(&path, &noise)?;
    add(Damage::RandomBytes, path, None);

    let path = dir.join(fresh_name(false));
    write_file(&path, &flac_bytes(&samples, rate))?;
    add(Damage::FlacAsWav, path, good.emotion);

    let path = dir.join(fresh_name(false));
    write_file(&path, &float64_wav(&samples, rate))?;
    add(Damage::Float64Wav, path, good.emotion);

    let path = dir.join(fresh_name(false));
    write_file(&path, &extensible_wav(&samples, rate))?;
    add(Damage::ExtensibleWav, path, good.emotion);

    let path = dir.join(fresh_name(true));
    write_file(&path, &bytes)?;
    add(Damage::UnknownLabel, path, good.emotion);

    let path = other_dir.join(fresh_name(false));
    write_file(&path, &bytes)?;
    add(Damage::LabelConflict, path, good.emotion);

    if layout == Layout::Tess {
        let first = layout.earlier_folder(other_dir, dir);
        let path = first.join(&name);
        write_file(&path, &bytes)?;
        add(Damage::MislabelledDuplicate, path, good.emotion);
    }

    Ok(DamagedCorpus {
        root,
        outside,
        injections,
    })
}

/// How names are made in the supported layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Tess,
    Cafe,
}

impl Layout {
    fn of(corpus: &str) -> Result<Layout> {
        match corpus {
            "tess" => Ok(Layout::Tess),
            "cafe" => Ok(Layout::Cafe),
            other => Err(CorpusError::Invalid {
                what: "damaged corpus".to_string(),
                reason: format!("{other} is not supported; choose tess or cafe"),
            }),
        }
    }

    /// A new well-formed name derived from `name` (the `n`-th), with an emotion code
    /// the corpus does not have when `unknown`.
    fn rename(self, name: &str, n: usize, unknown: bool) -> String {
        match self {
            // OAF_back_angry.wav → OAF_backx3_angry.wav (or _bored).
            Layout::Tess => {
                let stem = name.trim_end_matches(".wav");
                let (head, token) = stem.rsplit_once('_').unwrap_or((stem, ""));
                let token = if unknown { "bored" } else { token };
                format!("{head}x{n}_{token}.wav")
            }
            // 01-C-2-1.wav → 9n-C-2-1.wav (or letter X): a new actor.
            Layout::Cafe => {
                let mut fields: Vec<String> = name.split('-').map(str::to_string).collect();
                fields[0] = format!("{}", 90 + n % 10);
                if unknown {
                    fields[1] = "X".to_string();
                }
                fields.join("-")
            }
        }
    }

    /// A folder with `other`'s emotion that the walk reaches before `genuine`.
    fn earlier_folder(self, other: &Path, genuine: &Path) -> PathBuf {
        if other < genuine {
            other.to_path_buf()
        } else {
            let root = other.parent().unwrap_or(other);
            root.join(format!("0 copy/{}", crate::adapters::fs::file_name(other)))
        }
    }
}

fn parent(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

fn rebase(path: &Path, from: &Path, to: &Path) -> PathBuf {
    to.join(path.strip_prefix(from).unwrap_or(path))
}

fn copy_files(corpus: &SynthCorpus, root: &Path) -> Result<()> {
    for entry in walkdir::WalkDir::new(&corpus.root) {
        let entry = entry.map_err(|e| CorpusError::io(&corpus.root, e))?;
        if entry.file_type().is_file() {
            let bytes =
                std::fs::read(entry.path()).map_err(|e| CorpusError::io(entry.path(), e))?;
            write_file(&rebase(entry.path(), &corpus.root, root), &bytes)?;
        }
    }
    Ok(())
}

fn read_samples(path: &Path) -> Result<Vec<i16>> {
    let reader = hound::WavReader::open(path).map_err(|e| CorpusError::io(path, e))?;
    reader
        .into_samples::<i16>()
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| CorpusError::io(path, e))
}

/// Offset of the RIFF chunk `id` in a WAV file.
fn find_chunk(bytes: &[u8], id: &[u8; 4]) -> Option<usize> {
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        if &bytes[at..at + 4] == id {
            return Some(at);
        }
        at += 8 + size + size % 2;
    }
    None
}

/// The start of an AppleDouble file (magic, version, no entries).
fn apple_double() -> Vec<u8> {
    let mut out = vec![0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00];
    out.extend_from_slice(b"Mac OS X        ");
    out.extend_from_slice(&[0, 0]);
    out
}

/// A RIFF/WAVE file of `fmt` and `data` with the chunks in `extra` between them.
fn riff(fmt: &[u8], extra: &[(&[u8; 4], Vec<u8>)], data: &[u8]) -> Vec<u8> {
    let mut body = b"WAVE".to_vec();
    let mut chunk = |id: &[u8; 4], payload: &[u8]| {
        body.extend_from_slice(id);
        body.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        body.extend_from_slice(payload);
        if payload.len() % 2 == 1 {
            body.push(0);
        }
    };
    chunk(b"fmt ", fmt);
    for (id, payload) in extra {
        chunk(id, payload);
    }
    chunk(b"data", data);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The 16-byte `fmt ` fields: tag, channels, rate, byte rate, block align, bits.
fn fmt_fields(tag: u16, rate: u32, bytes_per_sample: u16) -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&tag.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * u32::from(bytes_per_sample)).to_le_bytes());
    fmt.extend_from_slice(&bytes_per_sample.to_le_bytes());
    fmt.extend_from_slice(&(bytes_per_sample * 8).to_le_bytes());
    fmt
}

/// Mono 64-bit IEEE float WAV (format tag 3, with a `fact` chunk).
fn float64_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|&s| (f64::from(s) / 32768.0).to_le_bytes())
        .collect();
    let fact = (samples.len() as u32).to_le_bytes().to_vec();
    riff(&fmt_fields(3, rate, 8), &[(b"fact", fact)], &data)
}

/// Mono 16-bit PCM as `WAVE_FORMAT_EXTENSIBLE`, with a `LIST/INFO` chunk before the data.
fn extensible_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let mut fmt = fmt_fields(0xFFFE, rate, 2);
    fmt.extend_from_slice(&22u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&4u32.to_le_bytes());
    fmt.extend_from_slice(&[
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B,
        0x71,
    ]);
    let mut list = b"INFOINAM".to_vec();
    list.extend_from_slice(&8u32.to_le_bytes());
    list.extend_from_slice(b"damaged\0");
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    riff(&fmt, &[(b"LIST", list)], &data)
}

/// Mono 16-bit FLAC with verbatim subframes in fixed blocks of 4096 samples.
fn flac_bytes(samples: &[i16], rate: u32) -> Vec<u8> {
    const BLOCK: usize = 4096;
    let mut out = b"fLaC".to_vec();
    out.push(0x80); // last metadata block, STREAMINFO
    out.extend_from_slice(&[0, 0, 34]);
    let mut info = BitWriter::default();
    info.put(BLOCK as u64, 16);
    info.put(BLOCK as u64, 16);
    info.put(0, 24);
    info.put(0, 24);
    info.put(u64::from(rate), 20);
    info.put(0, 3); // one channel
    info.put(15, 5); // 16 bits per sample
    info.put(samples.len() as u64, 36);
    info.put(0, 64); // no MD5
    info.put(0, 64);
    out.extend_from_slice(&info.bytes);
    for (index, block) in samples.chunks(BLOCK).enumerate() {
        let mut frame = BitWriter::default();
        frame.put(0b11_1111_1111_1110, 14);
        frame.put(0, 2); // reserved, fixed block size
        frame.put(0b0111, 4); // block size - 1 follows in 16 bits
        frame.put(0, 4); // rate from STREAMINFO
        frame.put(0, 4); // mono
        frame.put(0b100, 3); // 16 bits per sample
        frame.put(0, 1);
        frame.bytes.extend_from_slice(&utf8_number(index as u32));
        frame.put(block.len() as u64 - 1, 16);
        let crc = crc8(&frame.bytes);
        frame.put(u64::from(crc), 8);
        frame.put(0b0000_0010, 8); // verbatim subframe, no wasted bits
        for &s in block {
            frame.put(u64::from(s as u16), 16);
        }
        let crc = crc16(&frame.bytes);
        frame.put(u64::from(crc), 16);
        out.extend_from_slice(&frame.bytes);
    }
    out
}

/// Big-endian bit packing, whole bytes only at the points FLAC needs them.
#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    acc: u64,
    bits: u32,
}

impl BitWriter {
    fn put(&mut self, value: u64, bits: u32) {
        for i in (0..bits).rev() {
            self.acc = (self.acc << 1) | ((value >> i) & 1);
            self.bits += 1;
            if self.bits == 8 {
                self.bytes.push(self.acc as u8);
                self.acc = 0;
                self.bits = 0;
            }
        }
    }
}

/// FLAC's UTF-8-like coding of a frame number.
fn utf8_number(n: u32) -> Vec<u8> {
    if n < 0x80 {
        return vec![n as u8];
    }
    let mut tail = Vec::new();
    let mut rest = n;
    let mut limit = 0x3f;
    while rest > limit >> 1 {
        tail.push(0x80 | (rest & 0x3f) as u8);
        rest >>= 6;
        limit >>= 1;
    }
    let len = tail.len() + 1;
    let lead = !(0xffu8 >> len) | rest as u8;
    let mut out = vec![lead];
    out.extend(tail.into_iter().rev());
    out
}

/// CRC-8 of FLAC frame headers (polynomial 0x07).
fn crc8(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |mut crc, &b| {
        crc ^= b;
        for _ in 0..8 {
            crc = if crc & 0x80 != 0 {
                (crc << 1) ^ 0x07
            } else {
                crc << 1
            };
        }
        crc
    })
}

/// CRC-16 of FLAC frames (polynomial 0x8005).
fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |mut crc, &b| {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x8005
            } else {
                crc << 1
            };
        }
        crc
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crcs_match_the_check_values() {
        assert_eq!(crc8(b"123456789"), 0xf4);
        assert_eq!(crc16(b"123456789"), 0xfee8);
    }

    #[test]
    fn frame_numbers_use_the_utf8_pattern() {
        assert_eq!(utf8_number(0x7f), [0x7f]);
        assert_eq!(utf8_number(0x80), [0xc2, 0x80]);
        assert_eq!(utf8_number(0x800), [0xe0, 0xa0, 0x80]);
    }

    #[test]
    fn new_names_keep_the_layout() {
        assert_eq!(
            Layout::Tess.rename("OAF_back_angry.wav", 3, false),
            "OAF_backx3_angry.wav"
        );
        assert_eq!(
            Layout::Tess.rename("OAF_back_angry.wav", 4, true),
            "OAF_backx4_bored.wav"
        );
        assert_eq!(
            Layout::Cafe.rename("01-C-2-1.wav", 3, false),
            "93-C-2-1.wav"
        );
        assert_eq!(Layout::Cafe.rename("01-C-2-1.wav", 4, true), "94-X-2-1.wav");
    }
}
