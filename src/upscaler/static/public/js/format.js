// Small formatting helpers shared by the pages (no dependencies).

/** 1536 -> "1.5 KB", 15728640 -> "15 MB" (binary units, like the server). */
export function formatBytes(size) {
  let value = Number(size);
  const units = ['bytes', 'KB', 'MB', 'GB'];
  for (let i = 0; i < units.length; i += 1) {
    if (value < 1024 || i === units.length - 1) {
      if (i === 0) return `${Math.round(value)} bytes`;
      return `${Number(value.toFixed(1))} ${units[i]}`;
    }
    value /= 1024;
  }
  return `${size} bytes`;
}

/** 50000000 -> "50 megapixels". */
export function formatPixels(pixels) {
  return `${Number((pixels / 1e6).toFixed(1))} megapixels`;
}

/** 7 -> "7 s", 95 -> "1 min 35 s", 3700 -> "1 h 2 min". */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) {
    const rest = total % 60;
    return rest ? `${minutes} min ${rest} s` : `${minutes} min`;
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** "the file is too large" -> "The file is too large." */
export function sentence(text) {
  const trimmed = String(text || '').trim().replace(/\.+$/, '');
  return trimmed ? `${trimmed[0].toUpperCase()}${trimmed.slice(1)}.` : '';
}

/** "×" dimensions: (179, 179) -> "179 × 179 px". */
export function formatDimensions(width, height) {
  return `${width} × ${height} px`;
}
