//! Rendering speed per certificate kind, a different synthetic person per certificate (names,
//! addresses, income and deduction rows vary, as in real traffic): composition, layout,
//! subsetting, compression and serialisation, fonts loaded once, as the server does per request.
//! Prints median and p99 per kind, then criterion's estimates. Compare with the krilla peer in
//! ../shared/peers/pdf in the same run.

use criterion::{Criterion, criterion_group, criterion_main};
use kofu::compose::{CertificateInput, compose};
use kofu::domain::assessment::{Assessment, Payment};
use kofu::domain::certificate::CertificateKind;
use kofu::domain::resident::Resident;
use kofu::pdf::{FontPaths, Renderer};
use std::hint::black_box;
use std::time::Instant;

struct Person {
    resident: Resident,
    assessment: Assessment,
    payments: Vec<Payment>,
}

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
    let seal = kofu::pdf::Seal::Text(municipality.seal_text.clone());
    let issued_on = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
    // Taxed, declared people with a 令和7年度 assessment: every kind can be issued to them.
    let people: Vec<Person> = kofu::tools::synthetic::people(7, &municipality.into(), 3000, 2025)
        .filter_map(|p| {
            let assessment = p
                .assessments
                .into_iter()
                .find(|a| a.fiscal_year == 2025 && a.taxable && a.declared)?;
            let payments = p
                .payments
                .into_iter()
                .filter(|x| x.fiscal_year == 2025)
                .collect();
            Some(Person {
                resident: p.resident,
                assessment,
                payments,
            })
        })
        .take(512)
        .collect();
    fn input<'a>(
        kind: CertificateKind,
        municipality: &'a kofu::config::MunicipalitySettings,
        person: &'a Person,
        seal: &'a kofu::pdf::Seal,
        issued_on: chrono::NaiveDate,
    ) -> CertificateInput<'a> {
        CertificateInput {
            kind,
            municipality,
            resident: &person.resident,
            assessment: &person.assessment,
            payments: &person.payments,
            certificate_number: "R7-0000123",
            issued_on,
            seal,
        }
    }
    let input = |kind, person| input(kind, municipality, person, &seal, issued_on);

    for kind in CertificateKind::ALL {
        // Warm up, then time each certificate of 2,000.
        for person in &people {
            renderer
                .render(&compose(&input(kind, person)))
                .expect("renders");
        }
        let mut times = Vec::with_capacity(2000);
        let mut bytes = Vec::with_capacity(2000);
        for i in 0..2000 {
            let person = &people[i % people.len()];
            let started = Instant::now();
            let pdf = renderer
                .render(&compose(black_box(&input(kind, person))))
                .expect("renders");
            times.push(started.elapsed().as_secs_f64() * 1e3);
            bytes.push(pdf.len());
        }
        times.sort_by(f64::total_cmp);
        bytes.sort_unstable();
        println!(
            "{kind}: median {:.3} ms, p99 {:.3} ms, size median {:.1} KB, max {:.1} KB",
            times[times.len() / 2],
            times[times.len() * 99 / 100],
            bytes[bytes.len() / 2] as f64 / 1000.0,
            bytes[bytes.len() - 1] as f64 / 1000.0
        );
    }

    let mut group = c.benchmark_group("render");
    for kind in CertificateKind::ALL {
        let mut i = 0;
        group.bench_function(kind.code(), |b| {
            b.iter(|| {
                i = (i + 1) % people.len();
                renderer
                    .render(&compose(black_box(&input(kind, &people[i]))))
                    .expect("renders")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
