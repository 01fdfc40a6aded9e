/**
 * Draws the tray state icons and the app icon into RGBA buffers and writes them as PNG files to
 * assets/. No dependencies: shapes are point-in-shape tests, anti-aliased by 4x4 supersampling;
 * PNG is written by hand (zlib deflate + CRC-32). Run: `npx tsx tools/icons/generate.ts`.
 * Output is deterministic, so re-running it on unchanged code leaves the files byte-identical.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

type Rgba = readonly [number, number, number, number];
/** A shape in a unit design space: the icon is `units` x `units`, y grows downwards. */
type Shape = (x: number, y: number) => boolean;
interface Layer {
  shape: Shape;
  color: Rgba;
}

const WHITE: Rgba = [255, 255, 255, 255];

// ---- shapes -------------------------------------------------------------------------------
const circle =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const ring =
  (cx: number, cy: number, r1: number, r2: number): Shape =>
  (x, y) => {
    const d = (x - cx) ** 2 + (y - cy) ** 2;
    return d >= r1 * r1 && d <= r2 * r2;
  };
const segment =
  (ax: number, ay: number, bx: number, by: number, width: number): Shape =>
  (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= (width / 2) ** 2;
  };
const rect =
  (x0: number, y0: number, x1: number, y1: number): Shape =>
  (x, y) =>
    x >= x0 && x <= x1 && y >= y0 && y <= y1;
const roundedRect =
  (x0: number, y0: number, x1: number, y1: number, r: number): Shape =>
  (x, y) => {
    if (x < x0 || x > x1 || y < y0 || y > y1) return false;
    const cx = Math.min(Math.max(x, x0 + r), x1 - r);
    const cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  };
const triangle =
  (ax: number, ay: number, bx: number, by: number, cx: number, cy: number): Shape =>
  (x, y) => {
    const s1 = (bx - ax) * (y - ay) - (by - ay) * (x - ax);
    const s2 = (cx - bx) * (y - by) - (cy - by) * (x - bx);
    const s3 = (ax - cx) * (y - cy) - (ay - cy) * (x - cx);
    return (s1 >= 0 && s2 >= 0 && s3 >= 0) || (s1 <= 0 && s2 <= 0 && s3 <= 0);
  };
const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    shapes.some((s) => s(x, y));
const minus =
  (a: Shape, b: Shape): Shape =>
  (x, y) =>
    a(x, y) && !b(x, y);

// ---- rasterizer ---------------------------------------------------------------------------
function render(size: number, units: number, layers: readonly Layer[]): Buffer {
  const out = Buffer.alloc(size * size * 4);
  const ss = 4;
  const scale = units / size;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const x = (px + (sx + 0.5) / ss) * scale;
          const y = (py + (sy + 0.5) / ss) * scale;
          let color: Rgba | null = null;
          for (const layer of layers) if (layer.shape(x, y)) color = layer.color;
          if (color === null) continue;
          const alpha = color[3] / 255;
          r += color[0] * alpha;
          g += color[1] * alpha;
          b += color[2] * alpha;
          a += alpha;
        }
      }
      const i = (py * size + px) * 4;
      if (a > 0) {
        out[i] = Math.round(r / a);
        out[i + 1] = Math.round(g / a);
        out[i + 2] = Math.round(b / a);
        out[i + 3] = Math.round((a / (ss * ss)) * 255);
      }
    }
  }
  return out;
}

// ---- PNG ----------------------------------------------------------------------------------
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function encodePng(size: number, rgba: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // colour type RGBA
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// ---- icons (16-unit design space for the tray) ---------------------------------------------
const disc = circle(8, 8, 7.5);
const TRAY: Record<string, Layer[]> = {
  synced: [
    { shape: disc, color: [46, 158, 91, 255] },
    { shape: union(segment(4.3, 8.3, 7, 11, 2), segment(7, 11, 11.8, 5.2, 2)), color: WHITE },
  ],
  syncing: [
    { shape: disc, color: [47, 111, 222, 255] },
    {
      shape: union(
        minus(ring(8, 8, 3.2, 4.8), union(rect(0, 6.6, 3.6, 9.4), rect(12.4, 6.6, 16, 9.4))),
        triangle(10.6, 8.6, 14.6, 8.6, 12.6, 11.2),
        triangle(1.4, 7.4, 5.4, 7.4, 3.4, 4.8),
      ),
      color: WHITE,
    },
  ],
  paused: [
    { shape: disc, color: [122, 127, 135, 255] },
    { shape: union(rect(5, 4.5, 7, 11.5), rect(9, 4.5, 11, 11.5)), color: WHITE },
  ],
  offline: [
    { shape: ring(8, 8, 5.6, 7.5), color: [122, 127, 135, 255] },
    { shape: segment(3.9, 12.1, 12.1, 3.9, 1.9), color: [122, 127, 135, 255] },
  ],
  error: [
    { shape: disc, color: [214, 69, 69, 255] },
    { shape: union(segment(8, 4, 8, 9, 2.2), circle(8, 11.9, 1.25)), color: WHITE },
  ],
};

// App icon, 64-unit design space: a blue rounded square, a white cloud, a padlock on it.
const APP: Layer[] = [
  { shape: roundedRect(2, 2, 62, 62, 13), color: [37, 99, 205, 255] },
  {
    shape: union(
      circle(24, 34, 10),
      circle(36, 28, 12.5),
      circle(45, 37, 8),
      roundedRect(14, 34, 53, 45, 5.5),
    ),
    color: WHITE,
  },
  { shape: roundedRect(26, 32, 38, 42, 1.8), color: [37, 99, 205, 255] },
  { shape: minus(ring(32, 31.5, 3.2, 5), rect(0, 31.5, 64, 64)), color: [37, 99, 205, 255] },
  {
    shape: union(rect(26.8, 31.5, 28.8, 33), rect(35.2, 31.5, 37.2, 33)),
    color: [37, 99, 205, 255],
  },
  { shape: union(circle(32, 36, 1.6), rect(31.3, 36, 32.7, 39.5)), color: WHITE },
];

const assets = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets');
for (const [state, layers] of Object.entries(TRAY)) {
  writeFileSync(path.join(assets, `tray-${state}.png`), encodePng(16, render(16, 16, layers)));
  writeFileSync(path.join(assets, `tray-${state}@2x.png`), encodePng(32, render(32, 16, layers)));
}
writeFileSync(path.join(assets, 'icon.png'), encodePng(512, render(512, 64, APP)));
console.log(`wrote ${Object.keys(TRAY).length * 2 + 1} PNG files to ${assets}`);
