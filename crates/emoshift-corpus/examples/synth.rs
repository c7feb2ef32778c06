//! Writes the synthetic corpora, prints the scan table and writes `OUT.csv`:
//! `cargo run -p emoshift-corpus --example synth -- OUT [SEED] [SCALE]`.

use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: synth OUT [SEED] [SCALE]"))?,
    );
    let seed: u64 = args.next().map_or(Ok(0), |s| s.parse())?;
    let scale: f32 = args.next().map_or(Ok(1.0), |s| s.parse())?;
    let start = std::time::Instant::now();
    let summary = emoshift_corpus::synth::synthesize(&out, seed, scale)?;
    println!(
        "{} files, {:.1} s of audio in {:.2} s",
        summary.file_count(),
        summary.seconds(),
        start.elapsed().as_secs_f64()
    );
    let scans = emoshift_corpus::scan_dirs(std::slice::from_ref(&out), &Default::default())?;
    print!("{}", emoshift_corpus::render_table(&scans));
    let manifest =
        emoshift_corpus::Manifest::new(scans.into_iter().flat_map(|s| s.utterances).collect());
    let path = out.with_extension("csv");
    manifest.write(&path)?;
    println!("manifest: {}", path.display());
    Ok(())
}
