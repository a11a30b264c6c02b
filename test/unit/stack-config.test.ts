import { describe, expect, it } from 'vitest';
import { loadStackConfig, StackConfigError } from '../../stack/config.ts';

describe('local stack settings', () => {
  it('defaults to loopback on fixed ports', () => {
    const cfg = loadStackConfig({});
    expect(cfg.brokers).toBe('127.0.0.1:19092');
    expect(cfg.registryUrl).toBe('http://127.0.0.1:18081/apis/ccompat/v7');
    expect(cfg.runDir).toBe(cfg.home);
  });

  it('reports every bad setting at once', () => {
    const load = () => loadStackConfig({ CLOSELOOP_KAFKA_PORT: 'abc', CLOSELOOP_REGISTRY_PORT: '80' });
    expect(load).toThrow(StackConfigError);
    expect(load).toThrow(/CLOSELOOP_KAFKA_PORT[\s\S]*CLOSELOOP_REGISTRY_PORT/);
  });

  it('refuses two parts on one port', () => {
    expect(() => loadStackConfig({ CLOSELOOP_KAFKA_PORT: '18081' })).toThrow(/ports must differ/);
  });
});
