//! Fault injection: a copy of a synthetic corpus with the damage real downloads
//! carry, to prove that bad data never stops a scan and that every good file is kept.
//!
//! [`damaged_copy`] copies a corpus written by [`super::synthesize_corpora`] and adds,
//! next to its good files, one of each [`Damage`]: symlinks that loop or leave the
//! tree, macOS and Windows debris, a README, broken and misnamed audio, audio the WAV
//! header reader of old could not read (FLAC named `.wav`, 64-bit float,
//! `WAVE_FORMAT_EXTENSIBLE` with a `LIST` chunk), good audio in the other encodings
//! real corpora mix (unsigned 8-bit, 24-bit and 32-bit float PCM, stereo with equal or
//! different channels, 8 and 96 kHz, a `LIST` chunk before `fmt `, an odd-sized
//! unknown chunk with its pad byte), audio that only quality gates can refuse (digital
//! silence, 10 ms, heavy clipping, NaN samples, a 1 Hz header), unknown label codes,
//! label conflicts, a mislabelled duplicate and, in TESS, a file in the other
//! speaker's folder. Names follow the corpus layout, so TESS and CaFE (the synthetic
//! corpora that carry the emotion in both folder and file name) are supported, and so
//! is IEMOCAP, whose labels live in label files: it gets only the damage of those, a
//! wav no label line names and a label line (added to a label file) whose wav is
//! missing. The good audio files are left byte for byte as they were, and the bytes
//! written depend on the corpus and the seed only.

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
    /// A well-named `.wav` cut inside its `fmt ` chunk.
    TruncatedHeader,
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
    /// Good audio as unsigned 8-bit PCM WAV.
    Unsigned8Wav,
    /// Good audio as 24-bit PCM WAV.
    Pcm24Wav,
    /// Good audio as 32-bit float WAV.
    Float32Wav,
    /// Good audio as stereo WAV with the same signal in both channels.
    StereoSameWav,
    /// Good audio as stereo WAV whose right channel is the left one 1 ms later at half
    /// level (a second, farther microphone).
    StereoDifferentWav,
    /// Good audio resampled to 8 kHz.
    Rate8kWav,
    /// Good audio resampled to 96 kHz.
    Rate96kWav,
    /// Good audio as 16-bit PCM WAV with a `LIST/INFO` chunk before the `fmt ` chunk.
    ListBeforeFmtWav,
    /// Good audio as 16-bit PCM WAV with an odd-sized unknown chunk (and its pad byte)
    /// before the `data` chunk.
    OddChunkWav,
    /// Digital silence (every sample zero) as long as a good file.
    Silent,
    /// 10 ms of good audio.
    TooShort,
    /// Good audio amplified until at least 30 % of its samples sit at full scale.
    Clipped,
    /// Good audio as 32-bit float WAV with a run of NaN samples in the middle.
    NanSamples,
    /// A valid WAV of 4096 samples whose header declares 1 Hz (68 minutes).
    SampleRateBomb,
    /// Good audio whose name carries an emotion code the corpus does not have.
    UnknownLabel,
    /// Good audio whose name says one emotion, in a folder of another.
    LabelConflict,
    /// A mislabelled copy of a good file, same name, in a folder of another emotion
    /// that is walked before the genuine one (TESS).
    MislabelledDuplicate,
    /// A copy of a good file, same name, in the other speaker's folder of its emotion
    /// that is walked before the genuine one (TESS).
    SpeakerConflict,
    /// Good audio under a new turn id that no label line names (IEMOCAP).
    UnlabelledAudio,
    /// A label line for a new turn whose wav is missing (IEMOCAP).
    LabelWithoutAudio,
}

/// One injected file or link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Injection {
    /// What was injected.
    pub damage: Damage,
    /// The file or link written; for [`Damage::LabelWithoutAudio`], the missing wav
    /// its label line names.
    pub path: PathBuf,
    /// The good file beside which, or from whose audio or name, the injection was
    /// made.
    pub source: PathBuf,
    /// The emotion of the audio written, for injections holding good, labelled audio
    /// (not for the audio meant for quality gates, from [`Damage::Silent`] to
    /// [`Damage::SampleRateBomb`], nor for [`Damage::UnlabelledAudio`]).
    pub emotion: Option<Emotion>,
}

/// A damaged copy of a synthetic corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DamagedCorpus {
    /// The copy's root folder.
    pub root: PathBuf,
    /// The folder outside the tree that [`Damage::LinkOutside`] points to (nothing is
    /// written there for IEMOCAP).
    pub outside: PathBuf,
    /// Everything injected, in [`Damage`] order.
    pub injections: Vec<Injection>,
}

/// Samples in a [`Damage::SampleRateBomb`].
const BOMB_SAMPLES: usize = 4096;

/// The payload of [`Damage::OddChunkWav`]'s unknown chunk: AFsp's text notes, which
/// come in odd lengths.
const ODD_CHUNK: &[u8] = b"AFspnote: damaged copy\0";

/// Copies `corpus` to `out/<corpus folder name>` and injects every [`Damage`] its
/// layout supports (see the module doc); [`Damage::LinkOutside`] links to `outside`,
/// which should lie outside `out`. Only TESS, CaFE and IEMOCAP are supported; `seed`
/// drives the random bytes.
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
    let bytes = std::fs::read(&good.path).map_err(|e| CorpusError::io(&good.path, e))?;
    let name = crate::adapters::fs::file_name(&good.path);
    let mut inj = Injector {
        layout,
        good,
        name: name.clone(),
        fresh: 0,
        injections: Vec::new(),
    };
    if layout == Layout::Iemocap {
        inj.label_file_damage(&bytes)?;
        return Ok(DamagedCorpus {
            root,
            outside,
            injections: inj.injections,
        });
    }

    let other = files
        .iter()
        .filter(|f| f.speaker == good.speaker && f.emotion.is_some() && f.emotion != good.emotion)
        .min_by(|a, b| a.path.cmp(&b.path))
        .ok_or_else(|| CorpusError::io(&corpus.root, "no file of another emotion"))?;
    let dir = parent(&good.path);
    let other_dir = parent(&other.path);
    let samples = read_samples(&good.path)?;
    let rate = corpus.sample_rate;
    let emotion = good.emotion;

    let link = dir.join("loop");
    symlink(".", &link).map_err(|e| CorpusError::io(&link, e))?;
    inj.add(Damage::SymlinkLoop, link, None);

    let outside_file = outside
        .join(rebase(dir, &root, Path::new("")))
        .join(inj.fresh_name(false));
    write_file(&outside_file, &bytes)?;
    let link = root.join("elsewhere");
    symlink(&outside, &link).map_err(|e| CorpusError::io(&link, e))?;
    inj.add(Damage::LinkOutside, link, emotion);

    inj.write(
        Damage::AppleDouble,
        dir.join(format!("._{name}")),
        &apple_double(),
        None,
    )?;
    let path = root
        .join("__MACOSX")
        .join(rebase(dir, &root, Path::new("")))
        .join(format!("._{name}"));
    inj.write(Damage::MacosxFolder, path, &apple_double(), None)?;
    inj.write(
        Damage::DsStore,
        dir.join(".DS_Store"),
        b"\0\0\0\x01Bud1",
        None,
    )?;
    inj.write(
        Damage::ThumbsDb,
        dir.join("Thumbs.db"),
        &[0xd0, 0xcf, 0x11, 0xe0],
        None,
    )?;
    inj.write(
        Damage::Readme,
        root.join("README.txt"),
        b"Damaged copy of a synthetic corpus.\n",
        None,
    )?;

    inj.write_beside(Damage::ZeroBytes, b"", None)?;
    let data =
        find_chunk(&bytes, b"data").ok_or_else(|| CorpusError::io(&good.path, "no data chunk"))?;
    let fmt =
        find_chunk(&bytes, b"fmt ").ok_or_else(|| CorpusError::io(&good.path, "no fmt chunk"))?;
    inj.write_beside(Damage::TruncatedHeader, &bytes[..fmt + 14], None)?;
    inj.write_beside(Damage::HeaderOnly, &bytes[..data + 8], None)?;
    let half = data + 8 + (bytes.len() - data - 8) / 2;
    inj.write_beside(Damage::Truncated, &bytes[..half], None)?;
    let mut rng = rng_for(seed, &format!("damage/{}", corpus.corpus));
    let noise: Vec<u8> = (0..8192).map(|_| rng.random()).collect();
    inj.write_beside(Damage::RandomBytes, &noise, None)?;

    let resample_to =
        |to| resampled(&samples, rate, to).map_err(|e| CorpusError::io(&good.path, e));
    let delayed = delayed_half(&samples, rate as usize / 1000);
    let reencoded = [
        (Damage::FlacAsWav, flac_bytes(&samples, rate)),
        (Damage::Float64Wav, float64_wav(&samples, rate)),
        (Damage::ExtensibleWav, extensible_wav(&samples, rate)),
        (Damage::Unsigned8Wav, unsigned8_wav(&samples, rate)),
        (Damage::Pcm24Wav, pcm24_wav(&samples, rate)),
        (Damage::Float32Wav, float32_wav(&to_float(&samples), rate)),
        (
            Damage::StereoSameWav,
            pcm16_wav(&stereo(&samples, &samples), rate, 2),
        ),
        (
            Damage::StereoDifferentWav,
            pcm16_wav(&stereo(&samples, &delayed), rate, 2),
        ),
        (Damage::Rate8kWav, pcm16_wav(&resample_to(8_000)?, 8_000, 1)),
        (
            Damage::Rate96kWav,
            pcm16_wav(&resample_to(96_000)?, 96_000, 1),
        ),
        (
            Damage::ListBeforeFmtWav,
            list_before_fmt_wav(&samples, rate),
        ),
        (Damage::OddChunkWav, odd_chunk_wav(&samples, rate)),
    ];
    for (damage, audio) in reencoded {
        inj.write_beside(damage, &audio, emotion)?;
    }

    let for_gates = [
        (Damage::Silent, pcm16_wav(&vec![0; samples.len()], rate, 1)),
        (
            Damage::TooShort,
            pcm16_wav(middle(&samples, rate as usize / 100), rate, 1),
        ),
        (Damage::Clipped, pcm16_wav(&clipped(&samples), rate, 1)),
        (Damage::NanSamples, float32_wav(&with_nans(&samples), rate)),
        (
            Damage::SampleRateBomb,
            pcm16_wav(middle(&samples, BOMB_SAMPLES), 1, 1),
        ),
    ];
    for (damage, audio) in for_gates {
        inj.write_beside(damage, &audio, None)?;
    }

    let path = dir.join(inj.fresh_name(true));
    inj.write(Damage::UnknownLabel, path, &bytes, emotion)?;
    let path = other_dir.join(inj.fresh_name(false));
    inj.write(Damage::LabelConflict, path, &bytes, emotion)?;
    if layout == Layout::Tess {
        let first = layout.earlier_folder(other_dir, dir);
        inj.write(
            Damage::MislabelledDuplicate,
            first.join(&name),
            &bytes,
            emotion,
        )?;
        let twin = files
            .iter()
            .find(|f| f.speaker != good.speaker && f.emotion == emotion)
            .ok_or_else(|| CorpusError::io(&corpus.root, "no other speaker of the emotion"))?;
        let first = layout.earlier_folder(parent(&twin.path), dir);
        inj.write(Damage::SpeakerConflict, first.join(&name), &bytes, emotion)?;
    }

    Ok(DamagedCorpus {
        root,
        outside,
        injections: inj.injections,
    })
}

/// Writes the injections derived from one good file and records them in order.
struct Injector<'a> {
    layout: Layout,
    good: &'a SynthFile,
    name: String,
    fresh: usize,
    injections: Vec<Injection>,
}

impl Injector<'_> {
    /// The next new well-formed name derived from the good file's (see
    /// [`Layout::rename`]).
    fn fresh_name(&mut self, unknown: bool) -> String {
        self.fresh += 1;
        self.layout.rename(&self.name, self.fresh, unknown)
    }

    /// Records `path` as `damage`, holding audio of `emotion`.
    fn add(&mut self, damage: Damage, path: PathBuf, emotion: Option<Emotion>) {
        self.injections.push(Injection {
            damage,
            path,
            source: self.good.path.clone(),
            emotion,
        });
    }

    /// Writes `bytes` to `path` and records it as `damage`.
    fn write(
        &mut self,
        damage: Damage,
        path: PathBuf,
        bytes: &[u8],
        emotion: Option<Emotion>,
    ) -> Result<()> {
        write_file(&path, bytes)?;
        self.add(damage, path, emotion);
        Ok(())
    }

    /// Writes `bytes` under a fresh name in the good file's folder and records it as
    /// `damage`.
    fn write_beside(
        &mut self,
        damage: Damage,
        bytes: &[u8],
        emotion: Option<Emotion>,
    ) -> Result<()> {
        let path = parent(&self.good.path).join(self.fresh_name(false));
        self.write(damage, path, bytes, emotion)
    }

    /// IEMOCAP's damage: the good file's audio under a new turn id of its dialog, and
    /// a label line for another new turn, added to the dialog's label file.
    fn label_file_damage(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_beside(Damage::UnlabelledAudio, bytes, None)?;
        // …/SessionN/sentences/wav/<dialog>/<turn>.wav
        let dir = parent(&self.good.path);
        let missing = dir.join(self.fresh_name(false));
        let dialog = crate::adapters::fs::file_name(dir);
        let labels = dir
            .ancestors()
            .nth(3)
            .unwrap_or(dir)
            .join("dialog/EmoEvaluation")
            .join(format!("{dialog}.txt"));
        let mut text = std::fs::read_to_string(&labels).map_err(|e| CorpusError::io(&labels, e))?;
        text.push_str(&format!(
            "[9000.0000 - {:.4}]\t{}\t{}\t[2.5000, 2.5000, 2.5000]\nC-E1:\tNeutral;\t()\n\n",
            9000.0 + self.good.duration_s,
            crate::adapters::fs::stem(&missing),
            self.good.raw_label,
        ));
        write_file(&labels, text.as_bytes())?;
        self.add(Damage::LabelWithoutAudio, missing, None);
        Ok(())
    }
}

/// How names are made in the supported layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    Tess,
    Cafe,
    Iemocap,
}

impl Layout {
    fn of(corpus: &str) -> Result<Layout> {
        match corpus {
            "tess" => Ok(Layout::Tess),
            "cafe" => Ok(Layout::Cafe),
            "iemocap" => Ok(Layout::Iemocap),
            other => Err(CorpusError::Invalid {
                what: "damaged corpus".to_string(),
                reason: format!("{other} is not supported; choose tess, cafe or iemocap"),
            }),
        }
    }

    /// A new well-formed name derived from `name` (the `n`-th), with an emotion code
    /// the corpus does not have when `unknown` (IEMOCAP's names carry no emotion, so
    /// there `unknown` changes nothing).
    fn rename(self, name: &str, n: usize, unknown: bool) -> String {
        match self {
            // OAF_back_angry.wav → OAF_backx3_angry.wav (or _bored).
            Layout::Tess => {
                let stem = name.trim_end_matches(".wav");
                let (head, token) = stem.rsplit_once('_').unwrap_or((stem, ""));
                let token = if unknown { "bored" } else { token };
                format!("{head}x{n}_{token}.wav")
            }
            // 01-C-2-1.wav → 62-C-2-1.wav (or letter X): a new actor, from 60 up.
            Layout::Cafe => {
                let mut fields: Vec<String> = name.split('-').map(str::to_string).collect();
                fields[0] = format!("{}", 59 + n);
                if unknown {
                    fields[1] = "X".to_string();
                }
                fields.join("-")
            }
            // Ses01F_impro01_F003.wav → Ses01F_impro01_F903.wav: a new turn.
            Layout::Iemocap => {
                let stem = name.trim_end_matches(".wav");
                let head = &stem[..stem.len().saturating_sub(3)];
                format!("{head}{}.wav", 900 + n)
            }
        }
    }

    /// A folder named as `other` that the walk reaches before `genuine`.
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

/// `samples` scaled to [-1, 1) as 16-bit PCM decoders scale them.
fn to_float(samples: &[i16]) -> Vec<f32> {
    samples.iter().map(|&s| f32::from(s) / 32768.0).collect()
}

/// A sample in [-1, 1) as 16-bit PCM, rounded, out-of-range values clipped.
fn quantize(value: f32) -> i16 {
    (value * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// `samples` resampled from `from` to `to` Hz by the audio front end's resampler.
fn resampled(samples: &[i16], from: u32, to: u32) -> std::result::Result<Vec<i16>, String> {
    let out = emoshift_audio::resample::resample(&to_float(samples), from, to)?;
    Ok(out.into_iter().map(quantize).collect())
}

/// `left` and `right` interleaved (the shorter one sets the length).
fn stereo(left: &[i16], right: &[i16]) -> Vec<i16> {
    left.iter().zip(right).flat_map(|(&l, &r)| [l, r]).collect()
}

/// `samples` `delay` samples later at half level, as long as `samples`.
fn delayed_half(samples: &[i16], delay: usize) -> Vec<i16> {
    std::iter::repeat_n(0, delay)
        .chain(samples.iter().map(|&s| s / 2))
        .take(samples.len())
        .collect()
}

/// `n` samples (all, if there are fewer) from the middle of `samples`.
fn middle(samples: &[i16], n: usize) -> &[i16] {
    let n = n.min(samples.len());
    let start = (samples.len() - n) / 2;
    &samples[start..start + n]
}

/// `samples` amplified so that the loudest 40 % of them clip at full scale.
fn clipped(samples: &[i16]) -> Vec<i16> {
    let mut levels: Vec<i32> = samples.iter().map(|&s| i32::from(s).abs()).collect();
    levels.sort_unstable();
    let knee = levels
        .get(levels.len() * 6 / 10)
        .copied()
        .unwrap_or(1)
        .max(1);
    let gain = 32768.0 / knee as f32;
    to_float(samples)
        .into_iter()
        .map(|v| quantize(v * gain))
        .collect()
}

/// `samples` as floats with 16 NaN samples from the middle on.
fn with_nans(samples: &[i16]) -> Vec<f32> {
    let mut out = to_float(samples);
    let mid = out.len() / 2;
    let end = (mid + 16).min(out.len());
    out[mid..end].fill(f32::NAN);
    out
}

/// A RIFF/WAVE file of `chunks` in order, each padded to an even length.
fn riff(chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut body = b"WAVE".to_vec();
    for (id, payload) in chunks {
        body.extend_from_slice(*id);
        body.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        body.extend_from_slice(payload);
        if payload.len() % 2 == 1 {
            body.push(0);
        }
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// The 16-byte `fmt ` fields: tag, channels, rate, byte rate, block align, bits.
fn fmt_fields(tag: u16, channels: u16, rate: u32, bits: u16) -> Vec<u8> {
    let block_align = channels * bits / 8;
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&tag.to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    fmt.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    fmt.extend_from_slice(&block_align.to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());
    fmt
}

/// Little-endian 16-bit sample bytes.
fn le16(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// A `LIST/INFO` chunk's payload naming the file.
fn info_list() -> Vec<u8> {
    let mut list = b"INFOINAM".to_vec();
    list.extend_from_slice(&8u32.to_le_bytes());
    list.extend_from_slice(b"damaged\0");
    list
}

/// 16-bit PCM WAV of interleaved `samples` in `channels` channels.
fn pcm16_wav(samples: &[i16], rate: u32, channels: u16) -> Vec<u8> {
    riff(&[
        (b"fmt ", &fmt_fields(1, channels, rate, 16)),
        (b"data", &le16(samples)),
    ])
}

/// Mono unsigned 8-bit PCM WAV (offset 128), rounded from 16 bits.
fn unsigned8_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples
        .iter()
        .map(|&s| (((i32::from(s) + 128) >> 8).min(127) + 128) as u8)
        .collect();
    riff(&[(b"fmt ", &fmt_fields(1, 1, rate, 8)), (b"data", &data)])
}

/// Mono 24-bit PCM WAV (format tag 1, as most tools write it).
fn pcm24_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|&s| {
            let b = (i32::from(s) << 8).to_le_bytes();
            [b[0], b[1], b[2]]
        })
        .collect();
    riff(&[(b"fmt ", &fmt_fields(1, 1, rate, 24)), (b"data", &data)])
}

/// Mono IEEE float WAV (format tag 3, with a `fact` chunk) of `bits`-bit samples
/// already in `data`.
fn float_wav(data: &[u8], bits: u16, rate: u32) -> Vec<u8> {
    let frames = (data.len() / usize::from(bits / 8)) as u32;
    riff(&[
        (b"fmt ", &fmt_fields(3, 1, rate, bits)),
        (b"fact", &frames.to_le_bytes()),
        (b"data", data),
    ])
}

/// Mono 32-bit IEEE float WAV.
fn float32_wav(samples: &[f32], rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples.iter().flat_map(|v| v.to_le_bytes()).collect();
    float_wav(&data, 32, rate)
}

/// Mono 64-bit IEEE float WAV.
fn float64_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples
        .iter()
        .flat_map(|&s| (f64::from(s) / 32768.0).to_le_bytes())
        .collect();
    float_wav(&data, 64, rate)
}

/// Mono 16-bit PCM as `WAVE_FORMAT_EXTENSIBLE`, with a `LIST/INFO` chunk before the data.
fn extensible_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let mut fmt = fmt_fields(0xFFFE, 1, rate, 16);
    fmt.extend_from_slice(&22u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&4u32.to_le_bytes());
    fmt.extend_from_slice(&[
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B,
        0x71,
    ]);
    riff(&[
        (b"fmt ", &fmt),
        (b"LIST", &info_list()),
        (b"data", &le16(samples)),
    ])
}

/// Mono 16-bit PCM WAV whose `LIST/INFO` chunk comes before `fmt `.
fn list_before_fmt_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    riff(&[
        (b"LIST", &info_list()),
        (b"fmt ", &fmt_fields(1, 1, rate, 16)),
        (b"data", &le16(samples)),
    ])
}

/// Mono 16-bit PCM WAV with the odd-sized unknown chunk [`ODD_CHUNK`] (and its pad
/// byte) between `fmt ` and `data`.
fn odd_chunk_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    riff(&[
        (b"fmt ", &fmt_fields(1, 1, rate, 16)),
        (b"afsp", ODD_CHUNK),
        (b"data", &le16(samples)),
    ])
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
            "62-C-2-1.wav"
        );
        assert_eq!(Layout::Cafe.rename("01-C-2-1.wav", 4, true), "63-X-2-1.wav");
        assert_eq!(
            Layout::Iemocap.rename("Ses01F_impro01_F003.wav", 2, false),
            "Ses01F_impro01_F902.wav"
        );
    }

    /// A second at 16 kHz: 0.2 s of silence, then a 440 Hz tone at half scale.
    fn tone() -> Vec<i16> {
        (0..16_000)
            .map(|i| {
                let phase = f32::from(i as u16) * 440.0 / 16_000.0 * std::f32::consts::TAU;
                if i < 3_200 {
                    0
                } else {
                    quantize(0.5 * phase.sin())
                }
            })
            .collect()
    }

    #[test]
    fn clipping_puts_at_least_30_percent_at_full_scale() {
        let out = clipped(&tone());
        let full = out
            .iter()
            .filter(|&&s| s == i16::MAX || s == i16::MIN)
            .count();
        assert!(full * 10 >= out.len() * 3, "{full} of {}", out.len());
    }

    #[test]
    fn the_odd_chunk_is_padded_and_the_data_follows() {
        assert_eq!(ODD_CHUNK.len() % 2, 1);
        let bytes = odd_chunk_wav(&tone(), 16_000);
        let at = find_chunk(&bytes, b"afsp").unwrap();
        assert_eq!(
            &bytes[at + 4..at + 8],
            (ODD_CHUNK.len() as u32).to_le_bytes()
        );
        let data = at + 8 + ODD_CHUNK.len() + 1;
        assert_eq!(bytes[data - 1], 0, "pad byte");
        assert_eq!(find_chunk(&bytes, b"data"), Some(data));
        assert_eq!(
            u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize,
            bytes.len() - 8
        );
    }

    #[test]
    fn the_bomb_declares_one_hertz_in_a_small_file() {
        let bytes = pcm16_wav(middle(&tone(), BOMB_SAMPLES), 1, 1);
        let reader = hound::WavReader::new(std::io::Cursor::new(&bytes)).unwrap();
        assert_eq!(reader.spec().sample_rate, 1);
        assert_eq!(reader.duration() as usize, BOMB_SAMPLES);
        assert!(bytes.len() < 10_000);
    }

    #[test]
    fn nans_sit_in_the_middle() {
        let out = with_nans(&tone());
        let first = out.iter().position(|v| v.is_nan()).unwrap();
        assert_eq!(first, 8_000);
        assert_eq!(out.iter().filter(|v| v.is_nan()).count(), 16);
    }
}
