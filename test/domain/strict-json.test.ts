// Issue 13, row 11: a key given twice in a payload or rate-card file is an error naming it, never "the last wins".
import { describe, expect, test } from 'vitest';
import { JsonTextError, parseStrictJson } from '../../src/domain/strict-json.js';

function problems(text: string, maxDepth = 8): string[] {
  try {
    parseStrictJson(text, { maxDepth });
  } catch (error) {
    if (error instanceof JsonTextError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('parseStrictJson', () => {
  test('parses what JSON.parse parses', () => {
    const text = '{"a":[1,-2.5e3,true,false,null,"x\\"}{,"],"b":{"c":"\\\\"},"d":[]}';
    expect(parseStrictJson(text, { maxDepth: 8 })).toEqual(JSON.parse(text));
  });

  test('names a duplicate key by its path, at any depth', () => {
    expect(problems('{"model_name":"kling-v2-6","prompt":"p","model_name":"kling-v3"}')).toEqual([
      'model_name: duplicate key: this key appears twice',
    ]);
    expect(problems('{"basePricePerSecond":{"pro":"0.12","pro":"0"}}')).toEqual([
      'basePricePerSecond.pro: duplicate key: this key appears twice',
    ]);
    expect(problems('{"image_list":[{"image":"a"},{"image":"b","image":"c"}]}')).toEqual([
      'image_list[1].image: duplicate key: this key appears twice',
    ]);
  });

  test('compares keys as decoded: an escaped spelling is the same key', () => {
    expect(problems('{"mode":"pro","\\u006dode":"std"}')).toEqual([
      'mode: duplicate key: this key appears twice',
    ]);
  });

  test('the same key in different objects, or a key-like string value, is no duplicate', () => {
    expect(problems('{"a":{"k":1},"b":{"k":2},"c":"k","d":["k","k"],"k":0}')).toEqual([]);
  });

  test('refuses a document nested deeper than the limit, however deep, without recursion', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(problems(deep, 8)).toEqual([
      '[0][0][0][0][0][0][0][0]: nested deeper than 8 levels of objects and arrays',
    ]);
    expect(problems('{"a":{"b":{}}}', 3)).toEqual([]);
    expect(problems('{"a":{"b":{"c":[]}}}', 3)).toEqual([
      'a.b.c: nested deeper than 3 levels of objects and arrays',
    ]);
  });

  test('invalid JSON is still a SyntaxError', () => {
    expect(() => parseStrictJson('{"a":1,}', { maxDepth: 8 })).toThrow(SyntaxError);
  });
});
