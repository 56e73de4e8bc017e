// What a file is, from its first bytes — the same rules the server applies
// (upscaler/uploads/validation.py: sniff_kind), so the page can refuse a file
// before sending it, with a message that says what the file actually is.

export const MIME_BY_KIND = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tiff: 'image/tiff',
  gif: 'image/gif',
};

export const LABEL_BY_MIME = {
  'image/jpeg': 'JPEG',
  'image/png': 'PNG',
  'image/webp': 'WebP',
  'image/tiff': 'TIFF',
  'image/gif': 'GIF',
};

const KIND_BY_EXTENSION = {
  jpg: 'jpeg', jpeg: 'jpeg', jpe: 'jpeg', png: 'png', webp: 'webp', tif: 'tiff', tiff: 'tiff', gif: 'gif',
};

function startsWith(bytes, signature, offset = 0) {
  if (bytes.length < offset + signature.length) return false;
  for (let i = 0; i < signature.length; i += 1) {
    if (bytes[offset + i] !== signature[i]) return false;
  }
  return true;
}

function ascii(text) {
  return Array.from(text, (ch) => ch.charCodeAt(0));
}

/** 'jpeg' | 'png' | 'webp' | 'tiff' | 'gif' | null, from the first 16 bytes. */
export function sniffKind(bytes) {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  for (const signature of [ascii('II*\0'), ascii('MM\0*'), ascii('II+\0'), ascii('MM\0+')]) {
    if (startsWith(bytes, signature)) return 'tiff';
  }
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  return null;
}

/** A name for formats people commonly try that the service does not take. */
export function describeOther(bytes) {
  if (startsWith(bytes, ascii('BM'))) return 'a BMP image';
  if (startsWith(bytes, ascii('%PDF'))) return 'a PDF document';
  if (startsWith(bytes, ascii('ftyp'), 4)) {
    const brand = String.fromCharCode(...bytes.slice(8, 12));
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(brand)) return 'a HEIC/HEIF photo';
    if (/^avi[fs]$/.test(brand)) return 'an AVIF image';
    return 'a video or MP4-style file';
  }
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return 'an icon (ICO) file';
  if (startsWith(bytes, ascii('PK'))) return 'a ZIP archive or office document';
  if (startsWith(bytes, ascii('<svg')) || startsWith(bytes, ascii('<?xml'))) return 'an SVG or XML file';
  return null;
}

/** The image kind a file name suggests ('photo.JPG' -> 'jpeg'), or null. */
export function kindFromName(name) {
  const match = /\.([a-z0-9]+)$/i.exec(name || '');
  return match ? KIND_BY_EXTENSION[match[1].toLowerCase()] || null : null;
}

/** Width and height from a TIFF header (browsers cannot decode TIFF to tell us). */
export async function tiffDimensions(file) {
  const head = new DataView(await file.slice(0, 16).arrayBuffer());
  const little = head.getUint8(0) === 0x49;
  const bigTiff = head.getUint16(2, little) === 43;
  const offset = bigTiff ? Number(head.getBigUint64(8, little)) : head.getUint32(4, little);
  const entrySize = bigTiff ? 20 : 12;
  const countSize = bigTiff ? 8 : 2;
  const countView = new DataView(await file.slice(offset, offset + countSize).arrayBuffer());
  const count = bigTiff ? Number(countView.getBigUint64(0, little)) : countView.getUint16(0, little);
  if (!count || count > 4096) return null;
  const entries = new DataView(
    await file.slice(offset + countSize, offset + countSize + count * entrySize).arrayBuffer(),
  );
  let width = null;
  let height = null;
  for (let i = 0; i < count && (i + 1) * entrySize <= entries.byteLength; i += 1) {
    const at = i * entrySize;
    const tag = entries.getUint16(at, little);
    const type = entries.getUint16(at + 2, little);
    const valueAt = at + (bigTiff ? 12 : 8);
    let value;
    if (type === 3) value = entries.getUint16(valueAt, little); // SHORT
    else if (type === 4) value = entries.getUint32(valueAt, little); // LONG
    else if (type === 16) value = Number(entries.getBigUint64(valueAt, little)); // LONG8
    else continue;
    if (tag === 256) width = value;
    if (tag === 257) height = value;
  }
  return width && height ? { width, height } : null;
}
