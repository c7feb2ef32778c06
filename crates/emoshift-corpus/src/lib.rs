//! Corpus layer for emoshift: adapters that read the public emotional-speech
//! corpora in their distributed layouts, unified labels, speaker-independent
//! splits, the papers' protocols and built-in synthetic corpora.
//!
//! - [`adapters`]: one [`CorpusAdapter`] per corpus (RAVDESS, CREMA-D, EmoDB, TESS,
//!   SAVEE, EMOVO, ShEMO, CaFE, AESDD, IEMOCAP, MSP-Improv, MSP-Podcast, and a generic
//!   CSV/JSONL manifest), each with its own label table.
//! - [`scan_paths`] / [`scan_dirs`] find corpora under folders; [`render_table`]
//!   reports them; [`Manifest`] writes and reads the utterance list.
//! - [`walk`]: the one file walker (cycle-safe, debris skipped and counted) behind
//!   every listing of audio files.
//! - [`LabelSet`]: the label sets of the papers as data, with merge/drop rules.
//! - [`split`]: speaker-independent splits; [`protocol`]: the papers' protocols.
//! - [`synth`]: a source-filter speech synthesiser writing small synthetic corpora in
//!   the real layouts.

pub mod adapters;
mod discover;
mod emotion;
mod error;
mod labels;
mod manifest;
pub mod protocol;
mod report;
mod scan;
pub mod split;
pub mod synth;
mod utterance;
pub mod walk;

pub use adapters::{adapter, adapter_names, adapters, canonical_corpus_name, CorpusAdapter};
pub use discover::{find_corpora, scan_dirs, scan_paths, ScanOutcome};
pub use emotion::{Arousal, Emotion, Gender, Valence};
pub use error::{CorpusError, Result};
pub use labels::{ClassDef, LabelRule, LabelSet, LabelTarget, LABEL_SET_NAMES};
pub use manifest::Manifest;
pub use protocol::{Protocol, SplitSpec, Task, TaskKind};
pub use report::render_table;
pub use scan::{CorpusScan, ScanCollector};
pub use utterance::Utterance;
