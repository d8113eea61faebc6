//! Rendering speed per certificate kind: one certificate from the sample person's data to PDF
//! bytes (composition, layout, subsetting, compression, serialisation), fonts loaded once, as
//! the server does per request. Compare with the krilla peer in ../shared/peers/pdf, same run.

use criterion::{Criterion, criterion_group, criterion_main};
use kofu::compose::{CertificateInput, compose};
use kofu::domain::certificate::CertificateKind;
use kofu::pdf::{FontPaths, Renderer};
use kofu::synthetic::sample;
use std::hint::black_box;

fn render(c: &mut Criterion) {
    let renderer = Renderer::new(&FontPaths {
        primary: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf".into(),
        fallback: "/usr/share/fonts/truetype/ipamj/ipamjm.ttf".into(),
    })
    .expect("fonts installed (ops/deps.sh)");
    let settings = kofu::config::Settings::load(Some(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ops/kofu.dev.toml"
    ))))
    .expect("the development configuration loads");
    let municipality = &settings.municipalities[0];
    let resident = sample::resident();
    let assessment = sample::assessment(2025, true);
    let payments = sample::payments(&assessment);
    let seal = municipality.load_seal().expect("the seal loads");
    let issued_on = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
    let mut group = c.benchmark_group("render");
    for kind in CertificateKind::ALL {
        let input = CertificateInput {
            kind,
            municipality,
            resident: &resident,
            assessment: &assessment,
            payments: &payments,
            certificate_number: "R7-0000123",
            issued_on,
            seal: &seal,
        };
        let size = renderer.render(&compose(&input)).expect("renders").len();
        println!("{kind}: {size} bytes");
        group.bench_function(kind.code(), |b| {
            b.iter(|| {
                renderer
                    .render(&compose(black_box(&input)))
                    .expect("renders")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
