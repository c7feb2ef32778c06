//! Report files: Markdown and HTML exist, carry the tables and figures, and
//! escape user text.

use emoshift_eval::aggregate::{geometric_mean, unweighted_mean, MeanStd};
use emoshift_eval::evaluate;
use emoshift_eval::report::{
    ConfusionHeatmap, Figure, LineChart, Report, ResultsTable, ScatterPlot, Series, Table,
};
use emoshift_eval::tsne::{tsne, TsneConfig};

/// DA-MLDG Table III, scenarios 1–7.
const ROWS: [(&str, [f64; 7]); 2] = [
    (
        "Deep-All",
        [26.95, 43.40, 47.03, 43.16, 60.65, 31.54, 40.19],
    ),
    ("RSC", [32.36, 44.78, 43.77, 39.97, 56.69, 40.70, 40.27]),
];

fn results_table() -> ResultsTable {
    let columns = ["1", "2", "3", "4", "5", "6", "7", "UM", "GM"];
    let mut table = ResultsTable::new(&columns).with_caption("Accuracy (%) per scenario");
    for (method, values) in ROWS {
        let mut row: Vec<Option<MeanStd>> = values
            .iter()
            .map(|&v| Some(MeanStd::of(&[v]).unwrap()))
            .collect();
        row.push(Some(
            MeanStd::of(&[unweighted_mean(&values).unwrap()]).unwrap(),
        ));
        row.push(Some(
            MeanStd::of(&[geometric_mean(&values).unwrap()]).unwrap(),
        ));
        table.push_row(method, row).unwrap();
    }
    table
}

fn sample_report() -> Report {
    let names = ["anger", "happiness", "sadness"];
    let y = [0, 0, 1, 1, 2, 2, 2, 0];
    let probs = [
        [0.7f32, 0.2, 0.1],
        [0.3, 0.6, 0.1],
        [0.1, 0.8, 0.1],
        [0.2, 0.5, 0.3],
        [0.1, 0.2, 0.7],
        [0.3, 0.3, 0.4],
        [0.5, 0.1, 0.4],
        [0.6, 0.3, 0.1],
    ];
    let metrics = evaluate(&y, &probs, &names).unwrap();

    let embedding: Vec<Vec<f32>> = (0..24)
        .map(|i| {
            vec![
                (i % 3) as f32 * 10.0 + (i as f32 * 0.37).sin(),
                (i as f32 * 0.71).cos(),
            ]
        })
        .collect();
    let config = TsneConfig {
        perplexity: 4.0,
        n_iter: 100,
        ..Default::default()
    };
    let points = tsne(&embedding, &config).unwrap();
    let categories: Vec<usize> = (0..24).map(|i| i % 3).collect();

    let mut report = Report::new("Leave-one-corpus-out <script>alert(1)</script> & co");
    report
        .paragraph("Three trials per method; values are mean ± sample std (ddof = 1).")
        .heading("Results")
        .table(results_table())
        .table(Table::per_class(&metrics, 3).with_caption("Per class | ERM"))
        .list(&["seed 0", "corpora: <none>"]);
    report
        .figure(
            "",
            &ConfusionHeatmap::from_report("Confusion ERM", &metrics),
        )
        .unwrap();
    let curves = LineChart::new("Training", "step", "loss")
        .with_series(Series::new(
            "train",
            vec![(0.0, 2.0), (100.0, 1.2), (200.0, 0.9)],
        ))
        .with_series(Series::new(
            "validation",
            vec![(0.0, 2.1), (100.0, 1.5), (200.0, 1.4)],
        ));
    report.figure("Training curves", &curves).unwrap();
    let scatter = ScatterPlot::new(
        "Embeddings by emotion",
        points,
        categories,
        vec!["anger".into(), "happy<ness>".into(), "sadness".into()],
    );
    report.figure("t-SNE by emotion", &scatter).unwrap();
    report
}

#[test]
fn writes_markdown_html_and_svg_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs").join("demo");
    let (md_path, html_path) = sample_report().write(&out).unwrap();
    assert_eq!(md_path, out.join("report.md"));
    assert_eq!(html_path, out.join("report.html"));
    let md = std::fs::read_to_string(&md_path).unwrap();
    let html = std::fs::read_to_string(&html_path).unwrap();

    // Tables: markdown pipes, bold best per column, HTML table with <strong>.
    assert!(
        md.contains("| Method | 1 | 2 | 3 | 4 | 5 | 6 | 7 | UM | GM |"),
        "{md}"
    );
    assert!(md.contains("| Deep\\-All |") || md.contains("| Deep-All |"));
    assert!(md.contains("**32.36**") && md.contains("**47.03**"));
    assert!(md.contains("41.85") && md.contains("40.62"));
    assert_eq!(html.matches("<table>").count(), 2);
    assert!(html.contains("<strong>42.65</strong>"));

    // Figures: three SVG files beside report.md, linked; inline in HTML.
    let svgs: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".svg"))
        .collect();
    assert_eq!(svgs.len(), 3, "{svgs:?}");
    for name in &svgs {
        assert!(md.contains(&format!("]({name})")), "{name} not linked");
        let svg = std::fs::read_to_string(out.join(name)).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("xmlns=\"http://www.w3.org/2000/svg\""));
    }
    assert!(svgs.contains(&"fig-01-confusion-erm.svg".to_string()));
    assert_eq!(html.matches("<svg").count(), 3);
    assert!(html.contains("<figcaption>Figure 2: Training curves</figcaption>"));

    // Self-contained: no external scripts, styles or images.
    assert!(!html.contains("<link") && !html.contains("src=") && !html.contains("<script"));
}

#[test]
fn user_text_is_escaped() {
    let report = sample_report();
    let html = report.to_html();
    let md = report.to_markdown();
    assert!(html.contains(
        "<title>Leave-one-corpus-out &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>"
    ));
    assert!(html.contains("<li>corpora: &lt;none&gt;</li>"));
    assert!(html.contains("<caption>Per class | ERM</caption>"));
    assert!(
        md.starts_with("# Leave-one-corpus-out \\<script\\>"),
        "{md}"
    );
    assert!(md.contains("\\<script\\>") && md.contains("\\&"));
    assert!(md.contains("*Per class \\| ERM*"));
    // Category names inside the SVG legend are escaped by the SVG writer.
    assert!(html.contains("happy&lt;ness&gt;") && !html.contains("happy<ness>"));
}

#[test]
fn figures_show_their_data() {
    let names = vec!["neutral".to_string(), "angry".to_string()];
    let y = [0, 0, 0, 1, 1];
    let probs = [
        [0.9f32, 0.1],
        [0.8, 0.2],
        [0.3, 0.7],
        [0.4, 0.6],
        [0.2, 0.8],
    ];
    let metrics = evaluate(&y, &probs, &names).unwrap();
    let heatmap = ConfusionHeatmap::from_report("cm", &metrics);
    let svg = heatmap.to_svg().unwrap();
    // plotters writes each text on its own line inside <text>…</text>.
    let text = |t: &str| format!("\n{t}\n</text>");
    for label in ["neutral", "angry", "predicted", "true", "2", "1", "0"] {
        assert!(svg.contains(&text(label)), "{label} missing");
    }
    let percent = heatmap.percent().to_svg().unwrap();
    assert!(percent.contains(&text("67%")) && percent.contains(&text("100%")));
    // Four cells, each a filled rectangle.
    assert!(svg.matches("<rect").count() >= 4);
}

#[test]
fn bad_figures_are_errors() {
    let empty = LineChart::new("empty", "x", "y");
    assert!(Report::new("r").figure("", &empty).is_err());
    let nan = LineChart::new("nan", "x", "y").with_series(Series::new("s", vec![(0.0, f64::NAN)]));
    assert!(nan.to_svg().is_err());
    let scatter = ScatterPlot::new("s", vec![[0.0, 0.0]], vec![3], vec!["a".into()]);
    assert!(scatter
        .to_svg()
        .unwrap_err()
        .to_string()
        .contains("category 3"));
    let heatmap = ConfusionHeatmap {
        title: "bad".into(),
        class_names: vec!["a".into()],
        counts: vec![vec![1, 2]],
        show_percent: false,
    };
    assert!(heatmap.to_svg().is_err());
    let mut table = Table::new(&["a", "b"]);
    assert!(table.push_row(vec![]).is_err());
}

#[test]
fn preformatted_text_is_kept_verbatim_and_escaped_for_html() {
    let mut report = Report::new("Scan");
    report.preformatted("corpus  files\n--------\nA<B     ``12``\n");
    let md = report.to_markdown();
    assert!(
        md.contains("```\ncorpus  files\n--------\nA<B     ``12``\n```"),
        "{md}"
    );
    let html = report.to_html();
    assert!(
        html.contains("<pre>corpus  files\n--------\nA&lt;B     ``12``\n</pre>"),
        "{html}"
    );
}
