//! Times rendering of the sample page and the cost of subsetting by glyph count (development aid).
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
    let data = std::fs::read("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf").unwrap();
    for n in [10u16, 40, 150] {
        let mut remapper = subsetter::GlyphRemapper::new();
        for g in 0..n {
            remapper.remap(1000 + g * 7);
        }
        let t = std::time::Instant::now();
        let mut bytes = 0;
        for _ in 0..200 {
            bytes = subsetter::subset(&data, 0, &remapper).unwrap().len();
        }
        let sub = t.elapsed().as_secs_f64() * 1e3 / 200.0;
        let subset = subsetter::subset(&data, 0, &remapper).unwrap();
        let mut compressor =
            libdeflater::Compressor::new(libdeflater::CompressionLvl::new(1).unwrap());
        let mut out = vec![0; compressor.zlib_compress_bound(subset.len())];
        let t = std::time::Instant::now();
        for _ in 0..200 {
            std::hint::black_box(compressor.zlib_compress(&subset, &mut out).unwrap());
        }
        let z = t.elapsed().as_secs_f64() * 1e3 / 200.0;
        println!("{n} glyphs: subset {sub:.3} ms ({bytes} bytes), deflate-1 {z:.3} ms");
    }
}
