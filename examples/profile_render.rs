//! Times rendering of the sample page and prints its size (development aid).
fn main() {
    let r = kofu::pdf::Renderer::new(&kofu::pdf::FontPaths {
        primary: "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf".into(),
        fallback: "/usr/share/fonts/truetype/ipamj/ipamjm.ttf".into(),
    })
    .unwrap();
    let d = kofu::pdf::sample::sample_document();
    println!("size: {} bytes", r.render(&d).unwrap().len());
    for _ in 0..50 {
        r.render(&d).unwrap();
    }
    let t = std::time::Instant::now();
    for _ in 0..500 {
        std::hint::black_box(r.render(&d).unwrap());
    }
    println!("render: {:.3} ms", t.elapsed().as_secs_f64() * 1e3 / 500.0);
}
