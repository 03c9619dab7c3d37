import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { answerRange } from './http-range.ts';

const etag = '"abc"';

describe('HTTP range answers for bundle downloads', () => {
  test('sends the whole file without a Range header', () => {
    assert.deepEqual(answerRange(1000, undefined, undefined, etag), { status: 200, start: 0, end: 1000 });
  });

  test('sends the rest of the file from an offset, as a resuming download asks', () => {
    assert.deepEqual(answerRange(1000, 'bytes=400-', undefined, etag), { status: 206, start: 400, end: 1000, contentRange: 'bytes 400-999/1000' });
    assert.deepEqual(answerRange(1000, 'bytes=400-', etag, etag), { status: 206, start: 400, end: 1000, contentRange: 'bytes 400-999/1000' });
  });

  test('sends a closed range and a suffix range, clipped to the file', () => {
    assert.deepEqual(answerRange(1000, 'bytes=0-99', undefined, etag), { status: 206, start: 0, end: 100, contentRange: 'bytes 0-99/1000' });
    assert.deepEqual(answerRange(1000, 'bytes=900-5000', undefined, etag), { status: 206, start: 900, end: 1000, contentRange: 'bytes 900-999/1000' });
    assert.deepEqual(answerRange(1000, 'bytes=-100', undefined, etag), { status: 206, start: 900, end: 1000, contentRange: 'bytes 900-999/1000' });
  });

  test('answers 416 with the size for a range past the end', () => {
    assert.deepEqual(answerRange(1000, 'bytes=1000-', undefined, etag), { status: 416, contentRange: 'bytes */1000' });
  });

  test('sends the whole file when If-Range names another version, or the range is malformed or multiple', () => {
    assert.equal(answerRange(1000, 'bytes=400-', '"old"', etag).status, 200);
    assert.equal(answerRange(1000, 'bytes=0-1,5-6', undefined, etag).status, 200);
    assert.equal(answerRange(1000, 'items=0-1', undefined, etag).status, 200);
    assert.equal(answerRange(1000, 'bytes=50-10', undefined, etag).status, 200);
  });
});
