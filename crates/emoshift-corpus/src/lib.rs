//! Corpus layer for emoshift: adapters that read the public emotional-speech
//! corpora in their distributed layouts, unified labels, speaker-independent
//! splits, the papers' protocols and built-in synthetic corpora.
