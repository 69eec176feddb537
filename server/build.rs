//! Embeds the operator console (`console/dist/`, built by `scripts/build-console.sh`) in the
//! server binary: every file as it is and, where it is smaller, gzip-compressed once here, so
//! `zailai serve` answers `/console/` with no second web server and no compression at run
//! time (`server/src/serve/console.rs`). Without a build, a one-page placeholder saying how to
//! make one is embedded instead, with a cargo warning.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dist = manifest.join("../console/dist");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    // A directory: cargo looks at every file under it (a new build reruns this script).
    println!("cargo:rerun-if-changed={}", dist.display());
    println!("cargo:rerun-if-changed=build.rs");

    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(&dist, &dist, &mut files);
    } else {
        println!(
            "cargo:warning=console/dist/ is missing: the binary serves a placeholder at /console/ \
             (run scripts/build-console.sh, then build again)"
        );
        let placeholder = out.join("console-placeholder.html");
        std::fs::write(&placeholder, PLACEHOLDER).unwrap();
        files.push(("index.html".to_owned(), placeholder));
    }
    files.sort();

    let mut code = String::from("&[\n");
    for (i, (name, path)) in files.iter().enumerate() {
        let raw = std::fs::read(path).unwrap();
        let mut encoder = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::best());
        encoder.write_all(&raw).unwrap();
        let gz = encoder.finish().unwrap();
        let gzip = if gz.len() < raw.len() {
            let gz_path = out.join(format!("console-{i}.gz"));
            std::fs::write(&gz_path, &gz).unwrap();
            format!("Some(include_bytes!({:?}))", gz_path.display().to_string())
        } else {
            "None".to_owned()
        };
        writeln!(
            code,
            "    Asset {{ path: {name:?}, raw: include_bytes!({:?}), gzip: {gzip} }},",
            path.display().to_string()
        )
        .unwrap();
    }
    code.push(']');
    std::fs::write(out.join("console_assets.rs"), code).unwrap();
}

/// Every file under `dir` but hidden ones (`.vite/manifest.json` is the build's, not a page's),
/// as (path relative to `root` with `/`, file).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, PathBuf)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let rel = path.strip_prefix(root).unwrap();
            let name: Vec<_> = rel.iter().map(|s| s.to_string_lossy()).collect();
            files.push((name.join("/"), path));
        }
    }
}

const PLACEHOLDER: &str = "<!doctype html>
<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>zailai console: not built</title></head>
<body>
<h1>运营后台尚未构建 · The console was not built</h1>
<p>这个 zailai 二进制在构建时没有找到 <code>console/dist/</code>。请运行
<code>bash scripts/build-console.sh</code>，然后重新构建服务端（<code>cargo build -p zailai-server</code>）。</p>
<p>This zailai binary was built without <code>console/dist/</code>. Run
<code>bash scripts/build-console.sh</code>, then build the server again
(<code>cargo build -p zailai-server</code>); <code>scripts/start.sh</code> does both.</p>
</body></html>
";
