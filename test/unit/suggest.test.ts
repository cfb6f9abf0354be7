import { describe, expect, it } from 'vitest';
import { closest, didYouMean, editDistance, matchChoice } from '../../src/core/suggest.js';

const SERVERS = ['tf-serving', 'triton', 'vllm', 'torchserve', 'sglang', 'custom'];
const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer'];

describe('editDistance', () => {
  it.each([
    ['vllm', 'vllm', 0],
    ['vlm', 'vllm', 1],
    ['jsno', 'json', 1], // a swap of neighbours is one edit
    ['kitten', 'sitting', 3],
    ['', 'yaml', 4],
    ['yaml', '', 4],
  ])('%s -> %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('matchChoice', () => {
  it('takes the exact spelling, else the one choice equal with case ignored', () => {
    expect(matchChoice('NodePort', SERVICE_TYPES)).toBe('NodePort');
    expect(matchChoice('nodeport', SERVICE_TYPES)).toBe('NodePort');
    expect(matchChoice('LOADBALANCER', SERVICE_TYPES)).toBe('LoadBalancer');
    expect(matchChoice('vLLM', SERVERS)).toBe('vllm');
    expect(matchChoice('vlm', SERVERS)).toBeUndefined();
  });

  it('keeps case when two choices differ only in case', () => {
    expect(matchChoice('A', ['a', 'A'])).toBe('A');
    expect(matchChoice('b', ['B', 'b'])).toBe('b');
    expect(matchChoice('C', ['c', 'cc', 'Cc'])).toBe('c');
    expect(matchChoice('CC', ['c', 'cc', 'Cc'])).toBeUndefined();
  });
});

describe('closest', () => {
  it.each([
    ['vlm', SERVERS, ['vllm']],
    ['sglnag', SERVERS, ['sglang']],
    ['trition', SERVERS, ['triton']],
    ['torch', SERVERS, ['torchserve']], // the one choice it begins
    ['tf', SERVERS, ['tf-serving']],
    ['Nodport', SERVICE_TYPES, ['NodePort']],
    ['clusterip ', SERVICE_TYPES, ['ClusterIP']],
    ['jsn', ['table', 'json', 'yaml'], ['json']],
    ['yml', ['table', 'json', 'yaml'], ['yaml']],
    ['ReadWriteOne', ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'], ['ReadWriteOnce']],
  ])('%j among %j is %j', (word, candidates, expected) => {
    expect(closest(word, candidates)).toEqual(expected);
  });

  it('suggests nothing for a word that is not near any choice', () => {
    expect(closest('onnx', SERVERS)).toEqual([]);
    expect(closest('Ingress', SERVICE_TYPES)).toEqual([]);
    expect(closest('x', ['yaml', 'json'])).toEqual([]);
    expect(closest('', SERVERS)).toEqual([]);
    expect(closest('t', SERVERS)).toEqual([]); // one letter begins several choices, and is no guess
  });

  it('gives every choice that is equally near', () => {
    expect(closest('ab', ['abc', 'abd', 'xyz'])).toEqual(['abc', 'abd']);
  });
});

describe('didYouMean', () => {
  it('is a clause to append to an error, or nothing', () => {
    expect(didYouMean('vlm', SERVERS)).toBe('; did you mean vllm?');
    expect(didYouMean('ab', ['abc', 'abd'])).toBe('; did you mean abc or abd?');
    expect(didYouMean('ab', ['abc', 'abd', 'abe'])).toBe('; did you mean abc, abd or abe?');
    expect(didYouMean('onnx', SERVERS)).toBe('');
  });
});
