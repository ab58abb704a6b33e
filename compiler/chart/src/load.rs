//! Loading a chart from a directory or a `.tgz` archive into a [`Chart`]: Helm's
//! `loader.Load`, `LoadDir` and `LoadFiles`, with bounds for untrusted input.
//!
//! A directory is walked in byte order of names, `.helmignore` (and Helm's default rule)
//! applied, symbolic links followed only when they stay inside the chart. Files are then
//! sorted into `Chart.yaml`, `values.yaml`, `values.schema.json`, `templates/`,
//! `charts/` (subcharts: directories and `.tgz` archives, loaded recursively) and
//! everything else (`.Files`, `crds/` included). Limits ([`Limits`]) bound file sizes,
//! the total size, the number of files and the nesting of subcharts.
//!
//! Not here: dependency processing (`dependencies`) or values beyond a chart's defaults.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use kubake_yaml::{load_stream_with, Duplicates, Schema};
use serde_json::Value as Json;

use crate::archive::{read_archive, strip_bom};
use crate::error::{Error, ErrorKind, Result, Warnings};
use crate::ignore::{Rules, HELM_IGNORE};
use crate::metadata::{decode_into, Metadata, API_VERSION_V1};
use crate::value::{yaml_to_json, Values};

/// Helm's `MaxDecompressedChartSize`: 100 MiB of files per chart archive.
pub const MAX_DECOMPRESSED_CHART_SIZE: u64 = 100 * 1024 * 1024;
/// Helm's `MaxDecompressedFileSize`: 5 MiB per file.
pub const MAX_DECOMPRESSED_FILE_SIZE: u64 = 5 * 1024 * 1024;

/// Bounds on what one load may read. Helm's two size limits are applied to directories
/// as well as archives; the rest are kubake's own guards against hostile charts.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Total bytes of one chart archive's files, or of a chart directory's files.
    pub max_chart_size: u64,
    /// Bytes of any one file.
    pub max_file_size: u64,
    /// Bytes read over the whole load, nested archives included.
    pub max_total_size: u64,
    /// Files over the whole load.
    pub max_files: usize,
    /// Levels of subcharts below the top chart.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_chart_size: MAX_DECOMPRESSED_CHART_SIZE,
            max_file_size: MAX_DECOMPRESSED_FILE_SIZE,
            max_total_size: 4 * MAX_DECOMPRESSED_CHART_SIZE,
            max_files: 100_000,
            max_depth: 20,
        }
    }
}

/// One file of a chart, named relative to the chart root with `/` separators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartFile {
    /// The path inside the chart (`templates/deployment.yaml`, `files/a.conf`).
    pub name: String,
    /// The bytes (a leading UTF-8 byte-order mark removed, as Helm removes it).
    pub data: FileData,
}

impl ChartFile {
    /// A file named `name` holding `data`.
    pub fn new(name: impl Into<String>, data: Vec<u8>) -> ChartFile {
        ChartFile {
            name: name.into(),
            data: FileData::from(data),
        }
    }
}

/// A chart file's bytes, shared (rendering hands every file to `.Files` without copying
/// it). The `crds/` files of a chart directory stay on disk until something reads them:
/// they are most of a big chart's bytes (4.7 of kube-prometheus-stack's 7.5 MB), and a
/// render without `--include-crds` never looks at them. Archives are read whole.
#[derive(Clone, Debug)]
pub struct FileData(Stored);

#[derive(Clone, Debug)]
enum Stored {
    Read(Arc<Vec<u8>>),
    OnDisk(Arc<OnDisk>),
}

#[derive(Debug)]
struct OnDisk {
    path: PathBuf,
    size: u64,
    max: u64,
    read: OnceLock<Result<Arc<Vec<u8>>, String>>,
}

impl FileData {
    fn on_disk(path: PathBuf, size: u64, max: u64) -> FileData {
        FileData(Stored::OnDisk(Arc::new(OnDisk {
            path,
            size,
            max,
            read: OnceLock::new(),
        })))
    }

    /// The bytes, read from disk on first use for a file left there at load. The error
    /// says which file could not be read (it changed or vanished since the chart was
    /// loaded).
    pub fn read(&self) -> std::result::Result<Arc<Vec<u8>>, String> {
        match &self.0 {
            Stored::Read(data) => Ok(data.clone()),
            Stored::OnDisk(file) => file
                .read
                .get_or_init(|| {
                    read_bounded(&file.path, file.max, file.size)
                        .map(|data| Arc::new(strip_bom(data)))
                        .map_err(|e| format!("cannot read {}: {e}", file.path.display()))
                })
                .clone(),
        }
    }

    /// The size in bytes (for a file on disk, its size when the chart was loaded).
    pub fn len(&self) -> u64 {
        match &self.0 {
            Stored::Read(data) => data.len() as u64,
            Stored::OnDisk(file) => file.size,
        }
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<Vec<u8>> for FileData {
    fn from(data: Vec<u8>) -> FileData {
        FileData(Stored::Read(Arc::new(data)))
    }
}

impl PartialEq for FileData {
    fn eq(&self, other: &FileData) -> bool {
        match (&self.0, &other.0) {
            (Stored::OnDisk(a), Stored::OnDisk(b)) if Arc::ptr_eq(a, b) => true,
            _ => self.read() == other.read(),
        }
    }
}

impl Eq for FileData {}

impl Default for FileData {
    fn default() -> FileData {
        FileData::from(Vec::new())
    }
}

/// The bytes of a file the loader itself reads (`Chart.yaml`, values, lock files,
/// subchart archives: never left on disk).
fn contents(f: &ChartFile, source: &Path) -> Result<Arc<Vec<u8>>> {
    f.data
        .read()
        .map_err(|e| Error::new(ErrorKind::Io, e).with_file(source.join(&f.name)))
}

/// Whether `name` (chart-relative) is in the `crds/` folder of the chart or of one of
/// its subchart directories (`crds/a.yaml`, `charts/sub/crds/a.yaml`).
fn in_crds_folder(name: &str) -> bool {
    let mut parts = name.split('/');
    loop {
        match parts.next() {
            Some("crds") => return true,
            Some("charts") => {
                if parts.next().is_none() {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// A loaded chart: Helm's `chart.Chart`.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// `Chart.yaml` (dependencies from `requirements.yaml` for v1 charts).
    pub metadata: Metadata,
    /// `templates/**`, in load order, partials (`_*.tpl`) included.
    pub templates: Vec<ChartFile>,
    /// `values.yaml`: the chart's default values (numbers are `float64`).
    pub values: Values,
    /// `values.schema.json`, as bytes.
    pub schema: Option<Vec<u8>>,
    /// Every other file (`.Files`): `crds/`, `README.md`, `files/**`, `.helmignore`,
    /// `charts/*.prov`; for v1 charts also `requirements.yaml`/`requirements.lock`.
    pub files: Vec<ChartFile>,
    /// Subcharts (`charts/`). Loaded ones are sorted by their directory or archive name;
    /// dependency processing reorders, aliases and drops them as Helm does.
    pub dependencies: Vec<Chart>,
    /// Where the chart was read from, for messages (`dir`, `a.tgz`, `dir/charts/sub`).
    pub source: PathBuf,
}

impl Chart {
    /// The chart's name (`metadata.name`; the alias once dependencies are processed).
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// Helm's `CRDObjects` for this chart alone: files under `crds/` ending in `.yaml`,
    /// `.yml` or `.json` (any case), in load order. Subcharts hold their own.
    pub fn crds(&self) -> impl Iterator<Item = &ChartFile> {
        self.files.iter().filter(|f| {
            f.name.starts_with("crds/") && {
                let ext = f.name.rsplit_once('.').map_or("", |(_, e)| e);
                ["yaml", "yml", "json"]
                    .iter()
                    .any(|m| ext.eq_ignore_ascii_case(m))
            }
        })
    }

    /// Whether the chart is a library chart (`type: library`): its templates are never
    /// rendered, but its named templates are available to its parents.
    pub fn is_library(&self) -> bool {
        self.metadata.is_library()
    }
}

/// Loads a chart from a directory or a `.tgz` archive with Helm's default limits.
/// Warnings (Helm's `log.Printf` lines, such as a deprecated `requirements.yaml` or a
/// symbolic link followed) go to `warnings`.
pub fn load_chart(path: &Path, warnings: &mut Warnings) -> Result<Chart> {
    load_chart_with(path, &Limits::default(), warnings)
}

/// [`load_chart`] with explicit [`Limits`].
pub fn load_chart_with(path: &Path, limits: &Limits, warnings: &mut Warnings) -> Result<Chart> {
    let meta = std::fs::metadata(path).map_err(|_| {
        Error::new(
            ErrorKind::Io,
            format!("path {:?} not found", path.display().to_string()),
        )
        .with_file(path)
    })?;
    if meta.is_dir() {
        let mut budget = Budget::new(limits);
        let files = read_dir(path, limits, &mut budget, warnings)?;
        load_files(files, path.to_path_buf(), limits, &mut budget, 0, warnings)
    } else {
        if meta.len() > limits.max_chart_size.saturating_mul(2) {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "decompressed chart is larger than the maximum file size {}",
                    limits.max_chart_size
                ),
            )
            .with_file(path));
        }
        let bytes = std::fs::read(path).map_err(|e| io_err(path, &e))?;
        load_chart_archive(&bytes, path, limits, warnings)
    }
}

/// Loads a chart from the bytes of a `.tgz` archive; `source` names it in messages and
/// in the loaded [`Chart`]. The archive is untrusted: entries escaping the chart root,
/// links, oversized files and decompression bombs end in an error under `limits`.
pub fn load_chart_archive(
    bytes: &[u8],
    source: &Path,
    limits: &Limits,
    warnings: &mut Warnings,
) -> Result<Chart> {
    let name = source.display().to_string();
    if !bytes.starts_with(&[0x1f, 0x8b, 0x08]) {
        let msg = if name.ends_with(".yaml") || name.ends_with(".yml") {
            format!("file '{name}' seems to be a YAML file, but expected a gzipped archive")
        } else {
            format!(
                "file '{name}' does not appear to be a gzipped archive; got '{}'",
                sniff_content_type(bytes)
            )
        };
        return Err(Error::new(ErrorKind::Archive, msg).with_file(source));
    }
    let mut budget = Budget::new(limits);
    let files = read_archive(bytes, limits).map_err(|e| e.with_file(source))?;
    budget.take_files(&files).map_err(|e| e.with_file(source))?;
    load_files(
        files,
        source.to_path_buf(),
        limits,
        &mut budget,
        0,
        warnings,
    )
}

/// A rough `http.DetectContentType` for the one message that shows it.
fn sniff_content_type(bytes: &[u8]) -> &'static str {
    let head = &bytes[..bytes.len().min(512)];
    let texty = head
        .iter()
        .all(|&b| b >= 0x20 || b == b'\n' || b == b'\r' || b == b'\t');
    if texty && std::str::from_utf8(head).is_ok() {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

/// What the whole load may still read.
struct Budget {
    bytes_left: u64,
    files_left: usize,
    total: u64,
}

impl Budget {
    fn new(limits: &Limits) -> Budget {
        Budget {
            bytes_left: limits.max_total_size,
            files_left: limits.max_files,
            total: limits.max_total_size,
        }
    }

    fn take(&mut self, bytes: u64) -> Result<()> {
        if self.files_left == 0 {
            return Err(Error::new(
                ErrorKind::Limit,
                "chart holds too many files (including its subcharts)",
            ));
        }
        self.files_left -= 1;
        if bytes > self.bytes_left {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "chart and its subcharts are larger than the maximum total size {}",
                    self.total
                ),
            ));
        }
        self.bytes_left -= bytes;
        Ok(())
    }

    fn take_files(&mut self, files: &[ChartFile]) -> Result<()> {
        for f in files {
            self.take(f.data.len())?;
        }
        Ok(())
    }
}

fn io_err(path: &Path, e: &std::io::Error) -> Error {
    Error::new(ErrorKind::Io, format!("{}: {e}", path.display())).with_file(path)
}

/// Helm's `LoadDir` walk: every file under `root` not ignored by `.helmignore`, in the
/// order of Go's `filepath.Walk` (names sorted per directory, depth first).
fn read_dir(
    root: &Path,
    limits: &Limits,
    budget: &mut Budget,
    warnings: &mut Warnings,
) -> Result<Vec<ChartFile>> {
    let canonical_root = std::fs::canonicalize(root).map_err(|e| io_err(root, &e))?;
    let mut rules = Rules::empty();
    let ignore_file = root.join(HELM_IGNORE);
    if ignore_file.is_file() {
        let text = std::fs::read_to_string(&ignore_file).map_err(|e| io_err(&ignore_file, &e))?;
        rules = Rules::parse(&text).map_err(|e| e.with_file(&ignore_file))?;
    }
    rules.add_defaults();
    let (to_read, queue) = std::sync::mpsc::channel::<PendingRead>();
    let queue = std::sync::Mutex::new(queue);
    let max = limits.max_file_size;
    // Reading a chart's hundreds of small files is mostly system calls: other threads
    // read each file as soon as the walk finds it, and the walk's own thread joins them
    // once the walk is done.
    // Set when the walk fails: what is still queued is not worth reading.
    let walk_failed = std::sync::atomic::AtomicBool::new(false);
    let read_queued = || {
        let mut read = Vec::new();
        // The lock is held while waiting: only one reader waits at a time, and the
        // channel closes (every reader returns) when the walk has sent its last file.
        while let Some(pending) = queue.lock().ok().and_then(|q| q.recv().ok()) {
            if walk_failed.load(std::sync::atomic::Ordering::Relaxed) {
                continue;
            }
            let data = read_bounded(&pending.target, max, pending.size);
            read.push((pending, data));
        }
        read
    };
    // The walk, then this thread's share of the reading.
    let walk_then_read = || {
        let mut walk = DirWalk {
            root,
            canonical_root: canonical_root.clone(),
            rules,
            limits,
            budget,
            warnings,
            files: Vec::new(),
            to_read,
            chart_bytes: 0,
        };
        let walked = walk.dir(root, "", &mut vec![canonical_root.clone()]);
        walk_failed.store(walked.is_err(), std::sync::atomic::Ordering::Relaxed);
        let DirWalk { files, to_read, .. } = walk;
        drop(to_read);
        (walked.map(|()| files), read_queued())
    };
    let (walked, mut read) = if crate::parallel::on_rayon_pool() {
        // The walk runs first, on the thread that runs the join, so a reader never
        // waits on a walk that has not started.
        let ((walked, mut read), helped) = rayon::join(walk_then_read, read_queued);
        read.extend(helped);
        (walked, read)
    } else {
        std::thread::scope(|scope| {
            // Without helper threads (a resource limit), the walk's thread reads it all.
            let helpers: Vec<_> = (1..crate::parallel::cores().min(4))
                .filter_map(|_| {
                    std::thread::Builder::new()
                        .spawn_scoped(scope, read_queued)
                        .ok()
                })
                .collect();
            let (walked, mut read) = walk_then_read();
            for helper in helpers {
                read.extend(
                    helper
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                );
            }
            (walked, read)
        })
    };
    let mut files = walked?;
    // The first file in walk order that cannot be read is the error.
    read.sort_unstable_by_key(|(pending, _)| pending.index);
    for (pending, data) in read {
        let file = &mut files[pending.index];
        let data = data.map_err(|e| {
            Error::new(ErrorKind::Io, format!("error reading {}: {e}", file.name))
                .with_file(&pending.path)
        })?;
        file.data = FileData::from(strip_bom(data));
    }
    Ok(files)
}

/// A file the walk found, for a reader thread to read.
struct PendingRead {
    /// Its place in the walk's files.
    index: usize,
    /// What to read (a link's target).
    target: PathBuf,
    /// The path in the chart, for errors.
    path: PathBuf,
    /// The size the walk saw.
    size: u64,
}

/// State of one directory walk.
struct DirWalk<'a> {
    root: &'a Path,
    canonical_root: PathBuf,
    rules: Rules,
    limits: &'a Limits,
    budget: &'a mut Budget,
    warnings: &'a mut Warnings,
    files: Vec<ChartFile>,
    /// Where the files of `files` to read go (all but those left on disk): the
    /// readers take them as the walk finds them.
    to_read: std::sync::mpsc::Sender<PendingRead>,
    chart_bytes: u64,
}

/// Directory levels a chart may have (a guard against hostile trees; Helm has none).
const MAX_DIR_DEPTH: usize = 64;

impl DirWalk<'_> {
    /// Walks `dir` (named `rel` inside the chart); `ancestors` are the canonical paths of
    /// the directories above, to refuse symbolic link cycles.
    fn dir(&mut self, dir: &Path, rel: &str, ancestors: &mut Vec<PathBuf>) -> Result<()> {
        let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(dir)
            .map_err(|e| io_err(dir, &e))?
            .filter_map(std::result::Result::ok)
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .collect();
        entries.sort();
        for (name, path) in entries {
            let rel_name = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            self.entry(&path, rel_name, ancestors)?;
        }
        Ok(())
    }

    fn entry(&mut self, path: &Path, rel_name: String, ancestors: &mut Vec<PathBuf>) -> Result<()> {
        let link_meta = std::fs::symlink_metadata(path).map_err(|e| io_err(path, &e))?;
        let mut target = path.to_path_buf();
        if link_meta.file_type().is_symlink() {
            let resolved = std::fs::canonicalize(path).map_err(|e| io_err(path, &e))?;
            if !resolved.starts_with(&self.canonical_root) {
                return Err(Error::new(
                    ErrorKind::Unsafe,
                    format!(
                        "chart file {rel_name:?} is a symbolic link to {}, outside the chart directory",
                        resolved.display()
                    ),
                )
                .with_file(path)
                .with_help("copy the linked file into the chart instead of linking to it"));
            }
            self.warnings.push(format!(
                "found symbolic link in path: {} resolves to {}. Contents of linked file included and used",
                path.display(),
                resolved.display()
            ));
            target = resolved;
        }
        let is_link = link_meta.file_type().is_symlink();
        let meta = if is_link {
            std::fs::metadata(&target).map_err(|e| io_err(path, &e))?
        } else {
            link_meta
        };
        if meta.is_dir() {
            if self.rules.ignore(&rel_name, true) {
                return Ok(());
            }
            // A real directory's canonical path is its parent's plus its name; only a
            // link needs resolving (`canonicalize` reads every component's link).
            let canonical = match (is_link, ancestors.last(), path.file_name()) {
                (false, Some(parent), Some(name)) => parent.join(name),
                _ => std::fs::canonicalize(&target).map_err(|e| io_err(path, &e))?,
            };
            if ancestors.contains(&canonical) {
                return Err(Error::new(
                    ErrorKind::Unsafe,
                    format!("chart directory {rel_name:?} is a symbolic link cycle"),
                )
                .with_file(path));
            }
            if ancestors.len() > MAX_DIR_DEPTH {
                return Err(Error::new(
                    ErrorKind::Limit,
                    format!("chart directory {rel_name:?} is nested too deeply"),
                )
                .with_file(path));
            }
            ancestors.push(canonical);
            let result = self.dir(&target, &rel_name, ancestors);
            ancestors.pop();
            return result;
        }
        if self.rules.ignore(&rel_name, false) {
            return Ok(());
        }
        if !meta.is_file() {
            return Err(Error::new(
                ErrorKind::Unsafe,
                format!(
                    "cannot load irregular file {} as it has file mode type bits set",
                    path.display()
                ),
            )
            .with_file(path));
        }
        let limits = self.limits;
        if meta.len() > limits.max_file_size {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "chart file {rel_name:?} is larger than the maximum file size {}",
                    limits.max_file_size
                ),
            )
            .with_file(path));
        }
        self.chart_bytes = self.chart_bytes.saturating_add(meta.len());
        if self.chart_bytes > limits.max_chart_size {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "chart is larger than the maximum chart size {}",
                    limits.max_chart_size
                ),
            )
            .with_file(self.root));
        }
        self.budget
            .take(meta.len())
            .map_err(|e| e.with_file(path))?;
        if in_crds_folder(&rel_name) {
            let data = FileData::on_disk(target, meta.len(), limits.max_file_size);
            self.files.push(ChartFile {
                name: rel_name,
                data,
            });
            return Ok(());
        }
        // The receiving end lives as long as `read_dir` runs, so sending cannot fail;
        // if it did, the file would stay empty, which must not pass silently.
        self.to_read
            .send(PendingRead {
                index: self.files.len(),
                target,
                path: path.to_path_buf(),
                size: meta.len(),
            })
            .map_err(|_| {
                Error::new(
                    ErrorKind::Io,
                    format!("error reading {rel_name}: no reader"),
                )
                .with_file(path)
            })?;
        self.files.push(ChartFile::new(rel_name, Vec::new()));
        Ok(())
    }
}

/// Reads at most `max` bytes (a file may grow between the size check and the read).
/// `size` is the size seen when the file was listed.
fn read_bounded(path: &Path, max: u64, size: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    // Sized up front: growing a buffer by doubling touches (and faults in) twice the
    // memory, which shows on charts with megabytes of CRDs.
    let size = size.min(max);
    let mut data = Vec::with_capacity(usize::try_from(size).unwrap_or(0) + 1);
    file.take(max.saturating_add(1)).read_to_end(&mut data)?;
    if data.len() as u64 > max {
        return Err(std::io::Error::other(
            "file grew past the maximum file size",
        ));
    }
    Ok(data)
}

/// Helm's `LoadFiles`: sorts files into the parts of a chart and loads subcharts.
///
/// `values.yaml` is most often the chart's largest YAML file: it is parsed on a thread
/// of its own while the rest of the chart and its subcharts load. (When it and another
/// file of the chart are both broken, its error is the one reported.)
fn load_files(
    mut files: Vec<ChartFile>,
    source: PathBuf,
    limits: &Limits,
    budget: &mut Budget,
    depth: usize,
    warnings: &mut Warnings,
) -> Result<Chart> {
    const PARSE_APART_FROM: u64 = 16 * 1024;
    let values_data = files
        .iter_mut()
        .find(|f| f.name == "values.yaml")
        .map(|f| std::mem::take(&mut f.data));
    let values_error = |e: String| {
        chart_file_err(
            format!("cannot load values.yaml: {e}"),
            &source,
            "values.yaml",
        )
    };
    if let Some(data) = values_data
        .as_ref()
        .filter(|d| d.len() >= PARSE_APART_FROM && crate::parallel::on_rayon_pool())
    {
        let (values, chart) = rayon::join(
            || parse_values(&data.read()?),
            || load_chart_parts(files, source.clone(), limits, budget, depth, warnings),
        );
        let values = values.map_err(values_error)?;
        let mut chart = chart?;
        chart.values = values;
        return Ok(chart);
    }
    std::thread::scope(|scope| {
        let values = values_data.map(|data| {
            let big = data.len() >= PARSE_APART_FROM;
            let parse = move || parse_values(&data.read()?);
            if big {
                match std::thread::Builder::new().spawn_scoped(scope, parse) {
                    Ok(job) => ValuesJob::Running(job),
                    Err(e) => ValuesJob::Done(Err(e.to_string())),
                }
            } else {
                ValuesJob::Done(parse())
            }
        });
        let chart = load_chart_parts(files, source.clone(), limits, budget, depth, warnings);
        let values = values
            .map(ValuesJob::finish)
            .transpose()
            .map_err(values_error)?;
        let mut chart = chart?;
        if let Some(values) = values {
            chart.values = values;
        }
        Ok(chart)
    })
}

/// The parse of a chart's `values.yaml`, running or finished.
enum ValuesJob<'scope> {
    Running(std::thread::ScopedJoinHandle<'scope, std::result::Result<Values, String>>),
    Done(std::result::Result<Values, String>),
}

impl ValuesJob<'_> {
    fn finish(self) -> std::result::Result<Values, String> {
        match self {
            ValuesJob::Running(job) => job.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            ValuesJob::Done(result) => result,
        }
    }
}

/// [`load_files`] without `values.yaml`.
fn load_chart_parts(
    files: Vec<ChartFile>,
    source: PathBuf,
    limits: &Limits,
    budget: &mut Budget,
    depth: usize,
    warnings: &mut Warnings,
) -> Result<Chart> {
    let mut metadata: Option<Metadata> = None;
    for f in files.iter().filter(|f| f.name == "Chart.yaml") {
        let md = metadata.get_or_insert_with(Metadata::default);
        decode_yaml_into(md, &contents(f, &source)?).map_err(|e| {
            chart_file_err(format!("cannot load Chart.yaml: {e}"), &source, &f.name)
        })?;
        if md.api_version.is_empty() {
            md.api_version = API_VERSION_V1.into();
        }
    }
    let mut chart = Chart {
        metadata: Metadata::default(),
        templates: Vec::new(),
        values: Values::new(),
        schema: None,
        files: Vec::new(),
        dependencies: Vec::new(),
        source: source.clone(),
    };
    let mut subcharts: Vec<(String, Vec<ChartFile>)> = Vec::new();
    for f in files {
        let name = f.name.as_str();
        match name {
            "Chart.yaml" => {}
            "Chart.lock" | "requirements.lock" => {
                check_yaml(&contents(&f, &source)?).map_err(|e| {
                    chart_file_err(format!("cannot load {name}: {e}"), &source, name)
                })?;
                if name == "requirements.lock" {
                    let md = metadata.get_or_insert_with(Metadata::default);
                    if md.api_version != API_VERSION_V1 {
                        warnings.push("Dependency locking is handled in Chart.lock since apiVersion \"v2\". We recommend migrating to Chart.lock.".into());
                    } else {
                        chart.files.push(f);
                    }
                }
            }
            // Parsed by `load_files`.
            "values.yaml" => {}
            "values.schema.json" => {
                chart.schema = Some(Arc::unwrap_or_clone(contents(&f, &source)?));
            }
            "requirements.yaml" => {
                let md = metadata.get_or_insert_with(Metadata::default);
                if md.api_version != API_VERSION_V1 {
                    warnings.push("Dependencies are handled in Chart.yaml since apiVersion \"v2\". We recommend migrating dependencies to Chart.yaml.".into());
                }
                decode_yaml_into(md, &contents(&f, &source)?).map_err(|e| {
                    chart_file_err(format!("cannot load requirements.yaml: {e}"), &source, name)
                })?;
                if md.api_version == API_VERSION_V1 {
                    chart.files.push(f);
                }
            }
            _ if name.starts_with("templates/") => chart.templates.push(f),
            _ if name.starts_with("charts/") => {
                if name.ends_with(".prov") {
                    chart.files.push(f);
                    continue;
                }
                // As Helm: grouped by the first path component under charts/, each file
                // keeping that component in its name until the subchart is loaded.
                let rest = name["charts/".len()..].to_string();
                let sub = rest.split('/').next().unwrap_or_default().to_string();
                let file = ChartFile {
                    name: rest,
                    data: f.data,
                };
                match subcharts.iter_mut().find(|(n, _)| *n == sub) {
                    Some((_, list)) => list.push(file),
                    None => subcharts.push((sub, vec![file])),
                }
            }
            _ => chart.files.push(f),
        }
    }
    let Some(metadata) = metadata else {
        return Err(
            Error::new(ErrorKind::ChartFile, "Chart.yaml file is missing").with_file(&source),
        );
    };
    chart.metadata = metadata;
    chart
        .metadata
        .validate()
        .map_err(|e| e.with_file(source.join("Chart.yaml")))?;

    subcharts.sort_by(|a, b| a.0.cmp(&b.0));
    for (n, files) in subcharts {
        if n.starts_with('_') || n.starts_with('.') {
            continue;
        }
        let sub_source = source.join("charts").join(&n);
        let wrap = |e: Error, chart_name: &str| {
            e.wrap(format!("error unpacking subchart {n} in {chart_name}"))
                .with_file(&sub_source)
        };
        if depth + 1 > limits.max_depth {
            return Err(Error::new(
                ErrorKind::Unsafe,
                format!(
                    "subcharts are nested more than {} levels deep at {}",
                    limits.max_depth,
                    sub_source.display()
                ),
            )
            .with_file(&sub_source));
        }
        let sub = if n.ends_with(".tgz") {
            let mut files = files;
            let file = files.swap_remove(0);
            if file.name != n {
                return Err(Error::new(
                    ErrorKind::Archive,
                    format!(
                        "error unpacking subchart tar in {}: expected {n}, got {}",
                        chart.metadata.name, file.name
                    ),
                )
                .with_file(&sub_source));
            }
            let inner = read_archive(&contents(&file, &sub_source)?, limits)
                .and_then(|inner| budget.take_files(&inner).map(|()| inner))
                .map_err(|e| wrap(e, &chart.metadata.name))?;
            load_files(
                inner,
                sub_source.clone(),
                limits,
                budget,
                depth + 1,
                warnings,
            )
        } else {
            // Files directly in charts/ (not in a subchart directory) make an empty chart,
            // which fails as Helm's does: "Chart.yaml file is missing".
            let inner: Vec<ChartFile> = files
                .into_iter()
                .filter_map(|f| {
                    let (_, inner) = f.name.split_once('/')?;
                    Some(ChartFile {
                        name: inner.to_string(),
                        data: f.data,
                    })
                })
                .collect();
            load_files(
                inner,
                sub_source.clone(),
                limits,
                budget,
                depth + 1,
                warnings,
            )
        };
        chart
            .dependencies
            .push(sub.map_err(|e| wrap(e, &chart.metadata.name))?);
    }
    Ok(chart)
}

fn chart_file_err(msg: String, source: &Path, name: &str) -> Error {
    Error::new(ErrorKind::ChartFile, msg).with_file(source.join(name))
}

/// Loads the first YAML document of `data` with yaml.v2's rules (`sigs.k8s.io/yaml`).
fn first_document(data: &[u8]) -> Result<(kubake_yaml::Node, String), String> {
    let text = String::from_utf8_lossy(data).into_owned();
    let docs = load_stream_with(&text, Schema::Yaml11, Duplicates::LastWins).map_err(|e| {
        format!(
            "error converting YAML to JSON: yaml: line {}: {}",
            e.pos.line, e.message
        )
    })?;
    let doc = docs
        .into_iter()
        .next()
        .unwrap_or_else(kubake_yaml::Node::null);
    Ok((doc, text))
}

fn decode_yaml_into(md: &mut Metadata, data: &[u8]) -> Result<(), String> {
    let (doc, text) = first_document(data)?;
    decode_into(md, &doc, &text)
}

fn check_yaml(data: &[u8]) -> Result<(), String> {
    first_document(data).map(|_| ())
}

/// Parses a values document (a chart's `values.yaml` or a `-f` file) as Helm's
/// `yaml.Unmarshal` into `map[string]interface{}` does: the first document, which must
/// be a map or empty; numbers become `float64`.
pub fn parse_values(data: &[u8]) -> Result<Values, String> {
    let (doc, text) = first_document(data)?;
    match yaml_to_json(&doc, &text).map_err(|e| format!("error converting YAML to JSON: {e}"))? {
        Json::Object(m) => Ok(m),
        Json::Null => Ok(Values::new()),
        other => Err(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            match other {
                Json::Array(_) => "array",
                Json::String(_) => "string",
                Json::Bool(_) => "bool",
                _ => "number",
            }
        )),
    }
}
