import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { i32be, put32be, putU16be, u16be, u32be } from '../../electron/core/wire/big-endian.js';
import { xorshift } from '../helpers/xorshift.js';

describe('big-endian reads and writes without validation', () => {
  const rnd = xorshift(0x2545f491);
  const values = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678];
  for (let i = 0; i < 2000; i++) values.push(rnd());

  test('reads agree with Buffer#read*BE at any offset', () => {
    const b = Buffer.alloc(16);
    for (const v of values) {
      const at = v % 12;
      b.writeUInt32BE(v, at);
      assert.equal(u32be(b, at), b.readUInt32BE(at));
      assert.equal(i32be(b, at), b.readInt32BE(at));
      assert.equal(u16be(b, at), b.readUInt16BE(at));
    }
  });

  test('writes agree with Buffer#write*BE for unsigned and signed values, and touch only their bytes', () => {
    const ours = Buffer.alloc(16);
    const node = Buffer.alloc(16);
    for (const v of values) {
      const at = v % 12;
      ours.fill(0xa5);
      node.fill(0xa5);
      put32be(ours, at, v);
      node.writeUInt32BE(v, at);
      assert.ok(ours.equals(node), `unsigned ${v}`);
      put32be(ours, at, v | 0);
      node.writeInt32BE(v | 0, at);
      assert.ok(ours.equals(node), `signed ${v | 0}`);
      putU16be(ours, at, v & 0xffff);
      node.writeUInt16BE(v & 0xffff, at);
      assert.ok(ours.equals(node), `16 bits ${v & 0xffff}`);
    }
  });
});
