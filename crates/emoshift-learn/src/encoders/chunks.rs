//! Cutting a long input into windows the encoder runs one at a time, so
//! memory stays bounded (attention is quadratic in the number of frames).
//!
//! Windows are cut on the frame grid of the convolutional feature encoder:
//! window `i` holds frames `frames.start..frames.end` of the whole input and
//! reads exactly the samples those frames see, so the windows' frames,
//! concatenated, are as many as the whole input would give, each at the
//! same time position. The last window also reads the trailing samples that
//! complete no frame, so an input of one window is passed whole, exactly as
//! transformers sees it (the group norm of base models normalises over all
//! of the first convolution's output). The transformer attends within a
//! window only.

use std::ops::Range;

use super::conv::frames_for;

/// One window: the frames it yields and the samples it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Frame indices of the whole input that this window yields.
    pub frames: Range<usize>,
    /// Sample indices it reads.
    pub samples: Range<usize>,
}

/// Splits `n_samples` samples into as few windows of at most `max_frames`
/// frames as possible, of near-equal length (no short last window).
/// Empty when the input is shorter than one frame.
pub fn plan(
    n_samples: usize,
    receptive_field: usize,
    stride: usize,
    max_frames: usize,
) -> Vec<Chunk> {
    let total = frames_for(n_samples, receptive_field, stride);
    if total == 0 {
        return Vec::new();
    }
    let max_frames = max_frames.max(1);
    let count = total.div_ceil(max_frames);
    let per = total.div_ceil(count);
    (0..count)
        .map(|i| {
            let frames = i * per..((i + 1) * per).min(total);
            let end = if frames.end == total {
                n_samples
            } else {
                (frames.end - 1) * stride + receptive_field
            };
            Chunk {
                samples: frames.start * stride..end,
                frames,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_tile_the_frames_and_read_only_their_samples() {
        // wav2vec2's geometry: 400-sample field, 320-sample stride; 59 s of
        // audio are 2950 frames, three windows of at most 1000.
        let n = 59 * 16_000 + 123;
        let chunks = plan(n, 400, 320, 1000);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].frames.start, 0);
        for pair in chunks.windows(2) {
            assert_eq!(pair[0].frames.end, pair[1].frames.start);
        }
        assert_eq!(chunks.last().unwrap().frames.end, frames_for(n, 400, 320));
        for c in &chunks {
            assert!((982..=1000).contains(&c.frames.len()), "{c:?}");
            assert!(c.samples.end <= n);
            assert_eq!(frames_for(c.samples.len(), 400, 320), c.frames.len());
        }
    }

    #[test]
    fn short_inputs_are_one_window_or_none() {
        assert_eq!(
            plan(16_000, 400, 320, 1000),
            vec![Chunk {
                frames: 0..49,
                samples: 0..16_000
            }]
        );
        assert!(plan(399, 400, 320, 1000).is_empty());
    }
}
