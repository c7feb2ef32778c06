//! Audio front end for emoshift: decoding, resampling, spectral features that
//! match librosa, the papers' augmentations and a content-addressed feature cache.
