import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { validateTrainOptions, type TrainInput } from '../../src/core/train.js';
import { validateCron } from '../../src/core/train-cron.js';

function input(overrides: Partial<TrainInput>): TrainInput {
  return {
    name: 'job',
    namespace: 'default',
    image: 'img:1',
    command: ['python', 'train.py'],
    env: [],
    envFromSecret: [],
    volumes: [],
    podAnnotations: [],
    gpuResource: 'nvidia.com/gpu',
    gpuProductLabel: 'nvidia.com/gpu.product',
    ...overrides,
  };
}

function usageError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('validateCron', () => {
  it.each([
    '0 2 * * *',
    '*/15 * * * *',
    '0 0-23/2 * * MON-FRI',
    '30 4 1,15 * ?',
    '0 0 1 jan,jul *',
    '5 4 * * sun',
    '0 12 * * 0-6',
    '@daily',
    '@hourly',
    '@every 1h30m',
  ])('accepts %s', (expr) => {
    expect(validateCron(expr)).toBe(expr);
  });

  it('normalises spacing', () => {
    expect(validateCron('  0   2 * *  * ')).toBe('0 2 * * *');
  });

  it.each([
    ['61 * * * *', '61 in the minute field is out of range 0-59'],
    ['0 24 * * *', '24 in the hour field is out of range 0-23'],
    ['0 0 0 * *', '0 in the day of month field is out of range 1-31'],
    ['0 0 * 13 *', '13 in the month field is out of range 1-12'],
    ['0 0 * * 7', '7 in the day of week field is out of range 0-6'],
    ['*/0 * * * *', 'step "0"'],
    ['5-1 * * * *', 'runs backwards'],
    ['0 2 * *', 'it has 4 fields'],
    ['0 0 2 * * *', 'it has 6 fields'],
    ['0 2 * * FUNDAY', '"FUNDAY" in the day of week field is not a number or a name'],
    ['? * * * *', '"?" is allowed only'],
    ['1,,2 * * * *', 'empty list item'],
    ['@reboot', 'unknown descriptor @reboot'],
    ['TZ=UTC 0 2 * * *', 'use --time-zone'],
    ['', 'needs a cron expression'],
  ])('rejects %s', (expr, why) => {
    const message = usageError(() => validateCron(expr));
    expect(message).toContain('--schedule');
    expect(message).toContain(why);
  });
});

describe('validateTrainOptions', () => {
  it.each<[Partial<TrainInput>, string]>([
    [{ gpus: '-1' }, '--gpus must be at least 0, got -1'],
    [{ gpus: 'two' }, '--gpus "two" is not a whole number'],
    [{ workers: '0' }, '--workers must be at least 1, got 0'],
    [{ command: [] }, 'the command to run is required after --'],
    [{ volumes: ['pvc'] }, '--volume "pvc" must look like CLAIM:/mount/path'],
    [{ volumes: ['pvc:data'] }, 'must be an absolute path'],
    [{ volumes: ['pvc:/data:rx'] }, '--volume "pvc:/data:rx" must look like'],
    [{ volumes: ['a:/data', 'b:/data/'] }, 'the mount path /data is given twice'],
    [{ volumes: ['Bad_Claim:/data'] }, '--volume claim "Bad_Claim" is not a valid name'],
    [{ name: 'Model_Training' }, 'NAME "Model_Training" is not a valid name'],
    [{ name: 'run' }, 'NAME "run" is reserved'],
    [{ name: 'list' }, 'NAME "list" is reserved'],
    [{ name: undefined }, 'NAME is required'],
    [{ image: undefined }, '--image is required'],
    [{ schedule: '0 25 * * *' }, '--schedule "0 25 * * *" is not a valid cron expression'],
    [{ schedule: '@daily', name: 'a'.repeat(53) }, 'at most 52 characters'],
    [{ concurrencyPolicy: 'Forbid' }, '--concurrency-policy applies only to scheduled training'],
    [{ suspend: true }, '--suspend applies only to scheduled training'],
    [{ schedule: '@daily', concurrencyPolicy: 'Never' }, '--concurrency-policy "Never" is not one of Allow, Forbid, Replace'],
    [{ schedule: '@daily', workers: '2' }, '--workers cannot be combined with --schedule'],
    [{ gpuType: 'NVIDIA-A100' }, '--gpu-type needs --gpus N'],
    [{ gpus: '1', gpuType: 'A100 80GB' }, '--gpu-type "A100 80GB" is not a valid node label value'],
    [{ masterPort: '29501' }, '--master-port applies only to distributed training'],
    [{ workers: '2', masterPort: '70000' }, '--master-port must be at most 65535'],
    [{ workers: '2', env: ['RANK=3'] }, '--env RANK is set by mlk for --workers'],
    [{ workdir: 'src' }, '--workdir "src" must be an absolute path'],
    [{ backoffLimit: '-2' }, '--backoff-limit must be at least 0'],
    [{ activeDeadline: '10' }, '--active-deadline "10" is not a duration'],
    [{ ttl: '1500ms' }, '--ttl "1500ms" must be whole seconds'],
    [{ shmSize: '1GB' }, '--shm-size "1GB" is not a Kubernetes quantity'],
    [{ podAnnotations: ['novalue'] }, '--pod-annotation "novalue" must look like KEY=VALUE'],
    [{ env: ['1X=2'] }, '--env "1X=2"'],
  ])('%o is a usage error', (overrides, message) => {
    expect(usageError(() => validateTrainOptions(input(overrides)))).toContain(message);
  });

  it('accepts the primer example', () => {
    const o = validateTrainOptions(input({ name: 'model-training', gpus: '2', backoffLimit: '2', command: ['python', 'train.py', '--epochs=100'] }));
    expect(o).toMatchObject({ name: 'model-training', backoffLimit: 2, workers: 1, masterPort: 29500 });
    expect(o.resources.gpus).toBe(2);
  });

  it('reads durations as seconds and defaults the concurrency policy to Forbid', () => {
    const o = validateTrainOptions(input({ activeDeadline: '1h30m', ttl: '10m', schedule: '@daily' }));
    expect(o.activeDeadlineSeconds).toBe(5400);
    expect(o.ttlSeconds).toBe(600);
    expect(o.schedule?.concurrencyPolicy).toBe('Forbid');
  });

  it('prefixes the registry to images without one', () => {
    expect(validateTrainOptions(input({ image: 'trainer:v1', registry: 'registry.example.com/ml' })).image).toBe('registry.example.com/ml/trainer:v1');
  });
});
