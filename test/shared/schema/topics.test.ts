import { describe, expect, it } from 'vitest';
import {
  collectorSubscriptions,
  deviceTopic,
  fleetSummaryTopic,
  parseDeviceTopic,
} from '../../../shared/schema/topics.ts';

describe('topics', () => {
  it('round-trips device topics', () => {
    for (const kind of ['metrics', 'status', 'alerts'] as const) {
      expect(parseDeviceTopic(deviceTopic('f1', 'd1', kind))).toEqual({
        fleet: 'f1',
        device: 'd1',
        kind,
      });
    }
  });

  it.each([
    ['redband/v1/f1/summary'],
    ['redband/v2/f1/d1/metrics'],
    ['redband/v1/f1/d1/other'],
    ['redband/v1//d1/metrics'],
    ['redband/v1/f1/d1/metrics/extra'],
    ['other/v1/f1/d1/metrics'],
  ])('does not take %s for a device topic', (topic) => {
    expect(parseDeviceTopic(topic)).toBeNull();
  });

  it('names the summary and subscription topics', () => {
    expect(fleetSummaryTopic('f1')).toBe('redband/v1/f1/summary');
    expect(collectorSubscriptions()).toEqual(['redband/v1/+/+/metrics', 'redband/v1/+/+/status']);
    expect(collectorSubscriptions('f1')).toEqual([
      'redband/v1/f1/+/metrics',
      'redband/v1/f1/+/status',
    ]);
  });
});
