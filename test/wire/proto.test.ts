import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ProtoAssembler, ProtoError, ProtoType, protoHeader, type ProtoFrame } from '../../electron/core/wire/proto.js';

function frame(type: number, body: Buffer): Buffer {
  return Buffer.concat([protoHeader(type, body.length), body]);
}

/** Feeds `stream` through one reused read buffer of `readSize` bytes, as a socket's onread does. */
function assemble(stream: Buffer, readSize: number, alloc = (n: number): Buffer => Buffer.allocUnsafe(n)): ProtoFrame[] {
  const a = new ProtoAssembler(alloc);
  const readBuffer = Buffer.alloc(readSize);
  const out: ProtoFrame[] = [];
  for (let off = 0; off < stream.length; off += readSize) {
    const n = stream.copy(readBuffer, 0, off, off + readSize);
    a.push(readBuffer.subarray(0, n), out);
    // The next read overwrites the buffer: frames must not have kept a view of it.
    readBuffer.fill(0xee);
  }
  return out;
}

describe('proto frame assembly from a reused read buffer', () => {
  const bodies = [randomBytes(5), Buffer.alloc(0), randomBytes(70_000), randomBytes(1), randomBytes(4096)];
  const stream = Buffer.concat(bodies.map((b, i) => frame(i % 2 ? ProtoType.INFO : ProtoType.MESSAGE, b)));

  for (const readSize of [1, 3, 8, 9, 1000, 65_536, stream.length]) {
    test(`reads of ${readSize} bytes yield every frame intact`, () => {
      const frames = assemble(stream, readSize);
      assert.equal(frames.length, bodies.length);
      frames.forEach((f, i) => {
        assert.equal(f.type, i % 2 ? ProtoType.INFO : ProtoType.MESSAGE);
        assert.ok(f.body.equals(bodies[i]!), `frame ${i} differs`);
      });
    });
  }

  test('bodies come from the allocator, sized exactly', () => {
    const asked: number[] = [];
    assemble(stream, 4096, (n) => {
      asked.push(n);
      return Buffer.allocUnsafe(n);
    });
    assert.deepEqual(asked, bodies.filter((b) => b.length > 0).map((b) => b.length));
  });

  test('a wrong version or an oversized body is a protocol error', () => {
    const bad = frame(ProtoType.MESSAGE, Buffer.from('x'));
    bad[0] = 9;
    assert.throws(() => assemble(bad, 100), (e: unknown) => e instanceof ProtoError && /version 9/.test(e.message));
    const huge = protoHeader(ProtoType.MESSAGE, 200 * 1024 * 1024);
    assert.throws(() => assemble(huge, 100), (e: unknown) => e instanceof ProtoError && /128 MiB/.test(e.message));
  });
});
