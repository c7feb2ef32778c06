//! Learning engine for emoshift on tch (libtorch): models, domain-aware
//! batching, the training loop and the domain-generalisation methods.

pub mod augment;
pub mod batcher;
pub mod checkpoint;
pub mod data;
pub mod encoders;
pub mod error;
pub mod losses;
pub mod method;
pub mod methods;
pub mod model;
pub mod models;
pub mod nn;
pub mod optim;
pub mod params;
pub mod predict;
pub mod runtime;
pub mod train;

pub use error::LearnError;
pub use method::{DomainBatch, LossReport, Method};
pub use model::Model;
pub use params::ParamStore;
