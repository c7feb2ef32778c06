//! One module per subcommand.

pub mod demo;
pub mod features;
pub mod predict;
pub mod quality;
pub mod run;
pub mod scan;
pub mod serve;
pub mod slurm;
pub mod synth;
