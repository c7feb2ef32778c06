//! Learning engine for emoshift on tch (libtorch): models, domain-aware
//! batching, the training loop and the domain-generalisation methods.
