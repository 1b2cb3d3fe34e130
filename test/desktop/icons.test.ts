import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { TRAY_ICON_STATES, trayImageFile, type TrayIconVariant } from '../../electron/main/tray/tray-model.js';

const assets = new URL('../../assets/', import.meta.url).pathname;
const read = (rel: string): Buffer => readFileSync(join(assets, rel));
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const VARIANTS: TrayIconVariant[] = ['light', 'dark'];

interface Ihdr {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

function ihdr(png: Buffer): Ihdr {
  assert.ok(png.subarray(0, 8).equals(PNG_MAGIC), 'not a PNG');
  assert.equal(png.toString('ascii', 12, 16), 'IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), bitDepth: png.readUInt8(24), colorType: png.readUInt8(25), interlace: png.readUInt8(28) };
}

/** Decodes an 8-bit RGBA, non-interlaced PNG (what Chromium writes) into its pixels. */
function rgba(png: Buffer): { width: number; height: number; px: (x: number, y: number) => [number, number, number, number] } {
  const h = ihdr(png);
  assert.deepEqual([h.bitDepth, h.colorType, h.interlace], [8, 6, 0], 'expected 8-bit RGBA, not interlaced');
  const idat: Buffer[] = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    if (type === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = h.width * 4;
  const out = Buffer.alloc(stride * h.height);
  for (let y = 0; y < h.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= 4 ? out[y * stride + i - 4]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = i >= 4 && y > 0 ? out[(y - 1) * stride + i - 4]! : 0;
      let v: number;
      if (filter === 0) v = x;
      else if (filter === 1) v = x + a;
      else if (filter === 2) v = x + b;
      else if (filter === 3) v = x + ((a + b) >> 1);
      else {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
      out[y * stride + i] = v & 0xff;
    }
  }
  return { width: h.width, height: h.height, px: (x, y) => [out[y * stride + x * 4]!, out[y * stride + x * 4 + 1]!, out[y * stride + x * 4 + 2]!, out[y * stride + x * 4 + 3]!] };
}

function assertPng(rel: string, size: number): void {
  assert.ok(existsSync(join(assets, rel)), `${rel} is missing (run node scripts/make-icons.mjs)`);
  const h = ihdr(read(rel));
  assert.deepEqual([h.width, h.height], [size, size], rel);
}

test('icons: the source image and the app icons electron-builder needs exist at their sizes', () => {
  assert.match(read('icon.svg').toString('utf8'), /<svg[^>]*viewBox="0 0 1024 1024"/);
  assertPng('icon.png', 1024);
  for (const n of [16, 32, 48, 64, 128, 256, 512]) assertPng(`icons/${n}x${n}.png`, n);
});

test('icons: the tray has a light and a dark image of every icon state, at 1x and 2x', () => {
  for (const state of TRAY_ICON_STATES) {
    for (const variant of VARIANTS) {
      const file = trayImageFile(state, variant);
      assertPng(file, 16);
      assertPng(file.replace(/\.png$/, '@2x.png'), 32);
    }
  }
});

test('icons: the ICO lists 16…256 px PNG images and each entry matches its image', () => {
  const ico = read('icon.ico');
  assert.equal(ico.readUInt16LE(0), 0);
  assert.equal(ico.readUInt16LE(2), 1, 'type 1 = icon');
  const count = ico.readUInt16LE(4);
  const sizes: number[] = [];
  for (let i = 0; i < count; i++) {
    const e = 6 + 16 * i;
    const size = ico.readUInt8(e) || 256;
    assert.equal(ico.readUInt8(e + 1) || 256, size, 'square');
    assert.equal(ico.readUInt16LE(e + 6), 32, 'bits per pixel');
    const length = ico.readUInt32LE(e + 8);
    const offset = ico.readUInt32LE(e + 12);
    assert.ok(offset >= 6 + 16 * count && offset + length <= ico.length, `entry ${i} lies inside the file`);
    const h = ihdr(ico.subarray(offset, offset + length));
    assert.deepEqual([h.width, h.height], [size, size], `entry ${i}`);
    sizes.push(size);
  }
  assert.deepEqual(sizes, [16, 24, 32, 48, 64, 128, 256]);
});

test('icons: the ICNS holds ic07…ic14 PNG payloads of the sizes macOS expects', () => {
  const icns = read('icon.icns');
  assert.equal(icns.toString('ascii', 0, 4), 'icns');
  assert.equal(icns.readUInt32BE(4), icns.length, 'the header gives the file length');
  const found = new Map<string, number>();
  for (let off = 8; off < icns.length; ) {
    const type = icns.toString('ascii', off, off + 4);
    const len = icns.readUInt32BE(off + 4);
    assert.ok(len > 8 && off + len <= icns.length, `${type} lies inside the file`);
    const h = ihdr(icns.subarray(off + 8, off + len));
    assert.equal(h.width, h.height, type);
    found.set(type, h.width);
    off += len;
  }
  assert.deepEqual(
    Object.fromEntries([...found].sort()),
    { ic07: 128, ic08: 256, ic09: 512, ic10: 1024, ic11: 32, ic12: 64, ic13: 256, ic14: 512 },
  );
});

test('icons: tray images are transparent around the mark, dark on light and light on dark, badges in colour', () => {
  const luminance = ([r, g, b]: number[]): number => 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  const colourOf = (img: ReturnType<typeof rgba>): { blue: number; red: number; markLuma: number } => {
    let blue = 0;
    let red = 0;
    let lumaSum = 0;
    let opaque = 0;
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) {
        const [r, g, b, a] = img.px(x, y);
        if (a < 200) continue;
        if (b > r + 80 && b > g + 30) blue++;
        else if (r > g + 80 && r > b + 80) red++;
        else {
          lumaSum += luminance([r, g, b]);
          opaque++;
        }
      }
    }
    return { blue, red, markLuma: lumaSum / opaque };
  };
  const seen = new Set<string>();
  for (const state of TRAY_ICON_STATES) {
    for (const variant of VARIANTS) {
      const png = read(trayImageFile(state, variant).replace(/\.png$/, '@2x.png'));
      seen.add(png.toString('base64'));
      const img = rgba(png);
      assert.equal(img.px(0, img.height - 1)[3], 0, `${state}-${variant}: bottom-left corner is transparent`);
      assert.equal(img.px(img.width - 1, 0)[3], 0, `${state}-${variant}: top-right corner is transparent`);
      const c = colourOf(img);
      if (variant === 'light') assert.ok(c.markLuma < 80, `${state}-light: the mark is dark (${c.markLuma})`);
      else assert.ok(c.markLuma > 200, `${state}-dark: the mark is light (${c.markLuma})`);
      assert.equal(c.blue > 10, state === 'running', `${state}-${variant}: blue badge (${c.blue} px)`);
      assert.equal(c.red > 10, state === 'failed', `${state}-${variant}: red badge (${c.red} px)`);
    }
  }
  assert.equal(seen.size, TRAY_ICON_STATES.length * VARIANTS.length, 'every state and variant looks different');
});

test('icons: the app icon is opaque in the middle and transparent in the corners', () => {
  const img = rgba(read('icons/256x256.png'));
  assert.equal(img.px(0, 0)[3], 0);
  assert.equal(img.px(128, 200)[3], 255);
});
