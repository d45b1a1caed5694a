//! Media access for display: locate an item's image (re-checking that it stays inside its
//! dataset root), serve its bytes, and make cached PNG thumbnails — decoded by `model::decode`,
//! as predictions decode (orientation, colour; big JPEGs at a reduced DCT scale).
//! Lookups need the database; decoding does not, so shells can decode off their DB lock.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{ImageFormat, ImageReader};

use crate::error::{Error, Result};

/// An item's media file, resolved and checked.
#[derive(Debug, Clone)]
pub struct MediaFile {
    pub path: PathBuf,
    /// blake3 of the bytes at import time; the thumbnail cache key.
    pub hash: Option<[u8; 32]>,
}

/// Encoded image bytes and their MIME type.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
}

/// Resolve an item's media file; refuses items without media and paths that resolve outside
/// the dataset root (a symlink swapped in after import).
pub fn media_file(project: &crate::Project, rowid: i64) -> Result<MediaFile> {
    let conn = project.conn();
    let (path, root, hash): (Option<String>, String, Option<Vec<u8>>) = crate::store::optional(conn.query_row(
        "SELECT i.path, v.root, i.media_hash FROM items i JOIN dataset_versions v ON v.id = i.version_id WHERE i.id = ?1",
        [rowid],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    ))?
    .ok_or(Error::NotFound { what: "item", name: rowid.to_string() })?;
    let path = path.ok_or(Error::NotFound {
        what: "media for item",
        name: rowid.to_string(),
    })?;
    let root = PathBuf::from(root);
    let abs = root.join(&path);
    let canonical = abs.canonicalize().map_err(|e| Error::io(&abs, e))?;
    if !canonical.starts_with(&root) {
        return Err(Error::InvalidArgument(format!(
            "{}: resolves outside its dataset root {}; refusing to read it",
            abs.display(),
            root.display()
        )));
    }
    let hash = hash.and_then(|h| <[u8; 32]>::try_from(h.as_slice()).ok());
    Ok(MediaFile {
        path: canonical,
        hash,
    })
}

/// Read a media file for use, checked against what was imported: it must still resolve inside
/// its dataset root (no symbolic link swapped in since) and its bytes must still hash to the
/// content hash recorded at import (`hash`, when known) — so predictions, exports and the
/// item view are always of the data that was imported.
pub fn read_verified(path: &Path, root: &Path, hash: Option<&[u8; 32]>) -> Result<Vec<u8>> {
    let canonical = path.canonicalize().map_err(|e| Error::io(path, e))?;
    if !canonical.starts_with(root) {
        return Err(Error::Media {
            path: path.to_path_buf(),
            message: format!(
                "now resolves outside its dataset root {} (to {}): it was moved or replaced by a link after import; refusing to read it — restore the file or import the dataset again",
                root.display(),
                canonical.display()
            ),
        });
    }
    let bytes = std::fs::read(&canonical).map_err(|e| Error::io(path, e))?;
    verify_hash(path, &bytes, hash)?;
    Ok(bytes)
}

/// Refuse bytes whose hash differs from the one recorded at import.
fn verify_hash(path: &Path, bytes: &[u8], hash: Option<&[u8; 32]>) -> Result<()> {
    match hash {
        Some(h) if blake3::hash(bytes).as_bytes() != h => Err(Error::Media {
            path: path.to_path_buf(),
            message: "changed since it was imported (its content hash differs); restore the original file, or import the dataset again to make a new version with the new content".into(),
        }),
        _ => Ok(()),
    }
}

/// Decode with the one decoder predictions use (upright, 8-bit; `draft` lets a big JPEG decode
/// at a reduced DCT scale no smaller than that size).
fn decode_bytes(
    path: &Path,
    bytes: &[u8],
    draft: Option<(u32, u32)>,
) -> Result<image::DynamicImage> {
    crate::model::decode::decode_image(bytes, draft).map_err(|m| Error::Image {
        path: path.to_path_buf(),
        message: m,
    })
}

fn png(img: &image::DynamicImage, path: &Path) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .map_err(|e| Error::Image {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(out.into_inner())
}

/// The image as the webview can show it, the way predictions see it: the original bytes for
/// PNG, JPEG, GIF, WebP and BMP files that are upright and not CMYK; anything else (another
/// format, an EXIF orientation, CMYK) decoded as predictions decode it and re-encoded as PNG.
pub fn display_bytes(file: &MediaFile) -> Result<Encoded> {
    let bytes = std::fs::read(&file.path).map_err(|e| Error::io(&file.path, e))?;
    verify_hash(&file.path, &bytes, file.hash.as_ref())?;
    let mime = match image::guess_format(&bytes) {
        Ok(ImageFormat::Png) => Some("image/png"),
        Ok(ImageFormat::Jpeg) => Some("image/jpeg"),
        Ok(ImageFormat::Gif) => Some("image/gif"),
        Ok(ImageFormat::WebP) => Some("image/webp"),
        Ok(ImageFormat::Bmp) => Some("image/bmp"),
        _ => None,
    };
    let as_is = mime.filter(|_| {
        crate::model::decode::header(&bytes)
            .is_ok_and(|h| h.orientation == image::metadata::Orientation::NoTransforms && !h.cmyk)
    });
    match as_is {
        Some(mime) => Ok(Encoded { bytes, mime }),
        None => Ok(Encoded {
            bytes: png(&decode_bytes(&file.path, &bytes, None)?, &file.path)?,
            mime: "image/png",
        }),
    }
}

/// Image width and height, read from the header only.
pub fn dimensions(path: &Path) -> Option<(u32, u32)> {
    ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .into_dimensions()
        .ok()
}

/// A PNG thumbnail fitting in `max`×`max` (aspect kept; images already smaller are not
/// enlarged — the UI scales them with nearest-neighbour so tiny images stay crisp). Cached under
/// `cache_dir/thumbs/` by content hash and size.
pub fn thumbnail(file: &MediaFile, cache_dir: &Path, max: u32) -> Result<Encoded> {
    let key = match &file.hash {
        Some(h) => blake3::Hash::from_bytes(*h).to_hex().to_string(),
        None => blake3::hash(file.path.to_string_lossy().as_bytes())
            .to_hex()
            .to_string(),
    };
    let dir = cache_dir.join("thumbs").join(&key[..2]);
    // `-o`: made upright (EXIF orientation) and colour-converted; thumbnails cached before
    // that (`{key}-{max}.png`) are not reused.
    let cached = dir.join(format!("{key}-{max}-o.png"));
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(Encoded {
            bytes,
            mime: "image/png",
        });
    }
    let bytes = std::fs::read(&file.path).map_err(|e| Error::io(&file.path, e))?;
    verify_hash(&file.path, &bytes, file.hash.as_ref())?;
    let img = decode_bytes(&file.path, &bytes, Some((max, max)))?;
    let small = if img.width() > max || img.height() > max {
        img.thumbnail(max, max)
    } else {
        img
    };
    let bytes = png(&small, &file.path)?;
    // Best effort: a cache that cannot be written only costs a re-decode next time.
    if std::fs::create_dir_all(&dir).is_ok() {
        let tmp = dir.join(format!(".{key}-{max}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, &bytes).is_ok() && std::fs::rename(&tmp, &cached).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    Ok(Encoded {
        bytes,
        mime: "image/png",
    })
}
