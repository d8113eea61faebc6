//! Rendering speed: one certificate from a `Document` to PDF bytes, fonts loaded once, as the
//! server does per request. Compare with the krilla peer in ../shared/peers/pdf in the same run.

use criterion::{Criterion, criterion_group, criterion_main};
use kofu::pdf::{FontPaths, Renderer};
use std::hint::black_box;

fn render(c: &mut Criterion) {
    let renderer = Renderer::new(&FontPaths {
        primary: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf".into(),
        fallback: "/usr/share/fonts/truetype/ipamj/ipamjm.ttf".into(),
    })
    .expect("fonts installed (ops/deps.sh)");
    let document = kofu::pdf::sample::sample_document();
    let size = renderer.render(&document).expect("renders").len();
    println!("income-and-taxation sample: {size} bytes");
    c.bench_function("render/income-and-taxation", |b| {
        b.iter(|| renderer.render(black_box(&document)).expect("renders"))
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
