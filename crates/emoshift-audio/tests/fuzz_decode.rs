//! Property tests of the WAV reader where cargo-fuzz cannot run: the probe
//! ([`probe_bytes`]) and the decoder ([`decode_bytes`]) never panic on arbitrary
//! bytes or on WAV files written by hound and then damaged (byte flips,
//! truncation, RIFF/fmt/data sizes set to random values, a chunk inserted);
//! what they accept is usable audio (at least one sample, all finite, a
//! positive rate); a file the probe rejects fails decoding with the same
//! message; and an undamaged file decodes to the frame count hound wrote.

use std::io::Cursor;
use std::path::Path;

use emoshift_audio::decode::decode_bytes;
use emoshift_audio::probe::probe_bytes;
use proptest::prelude::*;

const NAME: &str = "fuzz/input.wav";

/// Runs the probe and the decoder on `bytes` and checks what they must agree on.
fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    let path = Path::new(NAME);
    let probed = probe_bytes(bytes, path);
    let decoded = decode_bytes(bytes, path);
    if let Err(probe_err) = &probed {
        let Err(decode_err) = &decoded else {
            return Err(TestCaseError::fail(format!(
                "probe rejects ({probe_err}) but decoding succeeds"
            )));
        };
        prop_assert_eq!(probe_err.to_string(), decode_err.to_string());
    }
    match &decoded {
        Ok(audio) => {
            prop_assert!(!audio.samples.is_empty(), "Ok with no samples");
            prop_assert!(audio.sample_rate > 0, "Ok with sample rate 0");
            if let Some(i) = audio.samples.iter().position(|s| !s.is_finite()) {
                return Err(TestCaseError::fail(format!(
                    "sample {i} is {}",
                    audio.samples[i]
                )));
            }
            let info = probed.as_ref().expect("decode runs the probe first");
            prop_assert_eq!(info.sample_rate, audio.sample_rate);
        }
        Err(e) => prop_assert_eq!(e.path(), path, "error names another file: {}", e),
    }
    Ok(())
}

/// A sample encoding hound writes.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Int(u16),
    Float,
}

/// Parameters of one WAV file written by hound.
#[derive(Debug, Clone)]
struct WavPlan {
    channels: u16,
    sample_rate: u32,
    encoding: Encoding,
    frames: usize,
    seed: u64,
}

fn wav_plan(max_frames: usize) -> impl Strategy<Value = WavPlan> {
    (
        1u16..=3,
        prop_oneof![
            Just(8_000u32),
            Just(16_000),
            Just(44_100),
            Just(48_000),
            1u32..=200_000
        ],
        prop_oneof![
            Just(Encoding::Int(8)),
            Just(Encoding::Int(16)),
            Just(Encoding::Int(24)),
            Just(Encoding::Int(32)),
            Just(Encoding::Float),
        ],
        0..=max_frames,
        any::<u64>(),
    )
        .prop_map(|(channels, sample_rate, encoding, frames, seed)| WavPlan {
            channels,
            sample_rate,
            encoding,
            frames,
            seed,
        })
}

/// The WAV file of `plan`, samples drawn from a small xorshift generator.
fn write_wav(plan: &WavPlan) -> Vec<u8> {
    let (bits, format) = match plan.encoding {
        Encoding::Int(b) => (b, hound::SampleFormat::Int),
        Encoding::Float => (32, hound::SampleFormat::Float),
    };
    let spec = hound::WavSpec {
        channels: plan.channels,
        sample_rate: plan.sample_rate,
        bits_per_sample: bits,
        sample_format: format,
    };
    let mut bytes = Vec::new();
    let mut w = hound::WavWriter::new(Cursor::new(&mut bytes), spec).expect("valid spec");
    let mut state = plan.seed | 1;
    for _ in 0..plan.frames * usize::from(plan.channels) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        match plan.encoding {
            Encoding::Int(b) => {
                let v = (state >> (64 - b)) as i64 - (1i64 << (b - 1));
                w.write_sample(v as i32).expect("in range");
            }
            Encoding::Float => {
                w.write_sample((state >> 40) as f32 / (1u64 << 23) as f32 - 1.0)
                    .expect("write");
            }
        }
    }
    w.finalize().expect("finalize");
    bytes
}

/// Offset of the first chunk called `id` after the RIFF header, if any.
fn chunk_offset(bytes: &[u8], id: &[u8; 4]) -> Option<usize> {
    let mut at = 12;
    while at + 8 <= bytes.len() {
        if &bytes[at..at + 4] == id {
            return Some(at);
        }
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        at = at.checked_add(8 + size + (size & 1))?;
    }
    None
}

/// Which size field a mutation overwrites.
#[derive(Debug, Clone, Copy)]
enum SizeField {
    Riff,
    Fmt,
    Data,
}

/// One way of damaging a WAV file.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR the byte at `at % len` with `mask` (non-zero).
    Flip { at: usize, mask: u8 },
    /// Keep only the first `at % (len + 1)` bytes.
    Truncate { at: usize },
    /// Overwrite a size field.
    Size { field: SizeField, value: u32 },
    /// Overwrite the 16-bit field at bytes `2 × (at % 20)` of the `fmt ` chunk's body
    /// (format tag, channels, rate, block align, bits, extension, mask, GUID).
    Fmt { at: usize, value: u16 },
    /// Insert a chunk before the `data` chunk (or at `at % (len + 1)`).
    Chunk {
        id: [u8; 4],
        declared: Option<u32>,
        payload: Vec<u8>,
        at: Option<usize>,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let size_value = prop_oneof![
        Just(0u32),
        Just(u32::MAX),
        Just(u32::MAX - 1),
        Just(1),
        0u32..64,
        any::<u32>(),
    ];
    let chunk_id = prop_oneof![
        Just(*b"LIST"),
        Just(*b"FLLR"),
        Just(*b"fact"),
        Just(*b"JUNK"),
        Just(*b"data"),
        Just(*b"fmt "),
        any::<[u8; 4]>(),
    ];
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (
            prop_oneof![
                Just(SizeField::Riff),
                Just(SizeField::Fmt),
                Just(SizeField::Data)
            ],
            size_value.clone()
        )
            .prop_map(|(field, value)| Mutation::Size { field, value }),
        (
            any::<usize>(),
            prop_oneof![
                Just(0u16),
                Just(1),
                Just(u16::MAX),
                Just(0xfffe),
                any::<u16>()
            ]
        )
            .prop_map(|(at, value)| Mutation::Fmt { at, value }),
        (
            chunk_id,
            proptest::option::of(size_value),
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::option::of(any::<usize>()),
        )
            .prop_map(|(id, declared, payload, at)| Mutation::Chunk {
                id,
                declared,
                payload,
                at
            }),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::Flip { at, mask } => {
            if !bytes.is_empty() {
                let i = at % bytes.len();
                bytes[i] ^= mask;
            }
        }
        Mutation::Truncate { at } => bytes.truncate(at % (bytes.len() + 1)),
        Mutation::Size { field, value } => {
            let at = match field {
                SizeField::Riff => Some(4),
                SizeField::Fmt => chunk_offset(bytes, b"fmt ").map(|o| o + 4),
                SizeField::Data => chunk_offset(bytes, b"data").map(|o| o + 4),
            };
            if let Some(at) = at.filter(|&a| a + 4 <= bytes.len()) {
                bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
            }
        }
        Mutation::Fmt { at, value } => {
            if let Some(fmt) = chunk_offset(bytes, b"fmt ") {
                let at = fmt + 8 + (at % 20) * 2;
                if at + 2 <= bytes.len() {
                    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
                }
            }
        }
        Mutation::Chunk {
            id,
            declared,
            payload,
            at,
        } => {
            let at = match at {
                Some(a) => a % (bytes.len() + 1),
                None => chunk_offset(bytes, b"data").unwrap_or(bytes.len()),
            };
            let mut chunk = id.to_vec();
            chunk.extend(declared.unwrap_or(payload.len() as u32).to_le_bytes());
            chunk.extend(payload);
            if declared.is_none() && payload.len() % 2 == 1 {
                chunk.push(0);
            }
            bytes.splice(at..at, chunk);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        check(&bytes)?;
    }

    /// Arbitrary bytes behind a RIFF/WAVE header, so the WAV reader itself is reached.
    #[test]
    fn arbitrary_riff_bodies_never_panic(
        riff_size in any::<u32>(),
        body in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = b"RIFF".to_vec();
        bytes.extend(riff_size.to_le_bytes());
        bytes.extend(b"WAVE");
        bytes.extend(body);
        check(&bytes)?;
    }

    #[test]
    fn damaged_wav_files_never_panic(
        plan in wav_plan(300),
        mutations in proptest::collection::vec(mutation(), 1..4),
    ) {
        let mut bytes = write_wav(&plan);
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check(&bytes)?;
    }

    /// Arbitrary bytes behind the markers of the other containers symphonia reads.
    #[test]
    fn arbitrary_bytes_behind_other_markers_never_panic(
        marker in prop_oneof![
            Just(&b"fLaC"[..]),
            Just(&b"OggS"[..]),
            Just(&b"ID3"[..]),
            Just(&b"FORM"[..]),
            Just(&b"caff"[..]),
            Just(&b"\x1a\x45\xdf\xa3"[..]),
            Just(&b"\xff\xfb"[..]),
            Just(&b"\0\0\0\x18ftyp"[..]),
        ],
        body in proptest::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = marker.to_vec();
        bytes.extend(body);
        check(&bytes)?;
    }

    #[test]
    fn undamaged_wav_files_decode_to_what_hound_wrote(plan in wav_plan(2_000)) {
        let bytes = write_wav(&plan);
        check(&bytes)?;
        let decoded = decode_bytes(&bytes, Path::new(NAME));
        if plan.frames == 0 {
            prop_assert!(decoded.is_err(), "a file without samples decodes");
        } else {
            let audio = decoded.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(audio.samples.len(), plan.frames);
            prop_assert_eq!(audio.sample_rate, plan.sample_rate);
            let info = probe_bytes(&bytes, Path::new(NAME)).unwrap();
            prop_assert_eq!(info.channels, usize::from(plan.channels));
            prop_assert_eq!(info.frames, Some(plan.frames as u64));
        }
    }
}

/// A hound WAV file of `frames` frames with `edit` applied to its `fmt ` chunk
/// body, and the error that probing and decoding it give (the same one).
fn fmt_edited_error(plan: &WavPlan, edit: impl Fn(&mut [u8])) -> String {
    let mut bytes = write_wav(plan);
    let fmt = chunk_offset(&bytes, b"fmt ").expect("hound writes a fmt chunk") + 8;
    edit(&mut bytes[fmt..]);
    check(&bytes).unwrap();
    let err = probe_bytes(&bytes, Path::new(NAME)).expect_err("rejected");
    err.to_string()
}

/// Found by `damaged_wav_files_never_panic`: symphonia widened the channel
/// mask of a `WAVE_FORMAT_EXTENSIBLE` header declaring 33 channels with a
/// shift by 32 (a panic with overflow checks).
#[test]
fn extensible_mask_missing_32_channels_is_rejected_not_a_panic() {
    let plan = WavPlan {
        channels: 1,
        sample_rate: 8000,
        encoding: Encoding::Int(24),
        frames: 83,
        seed: 0,
    };
    let err = fmt_edited_error(&plan, |fmt| fmt[2..4].copy_from_slice(&33u16.to_le_bytes()));
    assert!(err.contains("too many channels in mask"), "{err}");
}

/// The other overflow of the same widening: a mask with bit 31 set and fewer
/// bits than channels.
#[test]
fn extensible_mask_with_bit_31_is_rejected_not_a_panic() {
    let plan = WavPlan {
        channels: 2,
        sample_rate: 16_000,
        encoding: Encoding::Float,
        frames: 10,
        seed: 1,
    };
    let err = fmt_edited_error(&plan, |fmt| {
        assert_eq!(
            fmt[0..2],
            0xfffeu16.to_le_bytes(),
            "hound writes floats as extensible"
        );
        fmt[20..24].copy_from_slice(&0x8000_0000u32.to_le_bytes());
    });
    assert!(err.contains("too many channels in mask"), "{err}");
}

/// Found by `damaged_wav_files_never_panic`: a PCM header declaring 32770
/// channels of 16 bits overflowed symphonia's 16-bit block-align product.
#[test]
fn pcm_header_with_32770_channels_is_rejected_not_a_panic() {
    let plan = WavPlan {
        channels: 2,
        sample_rate: 8000,
        encoding: Encoding::Int(16),
        frames: 94,
        seed: 0,
    };
    let err = fmt_edited_error(&plan, |fmt| {
        fmt[2..4].copy_from_slice(&0x8002u16.to_le_bytes())
    });
    assert!(err.contains("invalid channel count"), "{err}");
}

/// A `WAVE_FORMAT_EXTENSIBLE` file with more channels than mask bits but no
/// overflow still reaches symphonia's own check, with its own message.
#[test]
fn extensible_mask_widened_without_overflow_is_left_to_symphonia() {
    let plan = WavPlan {
        channels: 3,
        sample_rate: 8000,
        encoding: Encoding::Int(24),
        frames: 5,
        seed: 2,
    };
    let mut bytes = write_wav(&plan);
    let fmt = chunk_offset(&bytes, b"fmt ").unwrap() + 8;
    assert_eq!(bytes[fmt..fmt + 2], 0xfffeu16.to_le_bytes());
    bytes[fmt + 20..fmt + 24].copy_from_slice(&0u32.to_le_bytes());
    let audio = decode_bytes(&bytes, Path::new(NAME)).unwrap();
    assert_eq!(audio.samples.len(), 5);
}
