import { describe, expect, it } from 'vitest';
import { failureReason, renderBenchReport, type SizeResult } from '../../pipeline/bench.ts';
import { type BenchMeasurement, summariseTimings } from '../../pipeline/bench-child.ts';

const machine = { cpuCount: 2, cpuModel: 'Test CPU', totalMemGb: 16, node: 'v20.0.0', os: 'linux test' };
const corpus = { seed: 'bench', badShare: 0.02, timeoutSeconds: 600 };

function measurement(records: number, seconds: number, rss: number): BenchMeasurement {
  return {
    records,
    seconds,
    records_per_s: records / seconds,
    peak_rss_mb: rss,
    exit_code: 0,
    stages: { ingest: { ms: seconds * 400, records, records_per_s: records / (seconds * 0.4) } },
  };
}

function size(records: number, seconds: number, rss: number): SizeResult {
  return {
    records,
    generateSeconds: 1,
    csvMb: records / 5500,
    processSeconds: seconds + 0.5,
    observedPeakRssMb: rss - 10,
    outcome: { status: 'ok', measurement: measurement(records, seconds, rss) },
  };
}

describe('summariseTimings', () => {
  it('summariseTimings(timings) sums a repeated stage and derives records per second', () => {
    const out = summariseTimings([
      { stage: 'ingest', ms: 500, records: 1000 },
      { stage: 'fit', ms: 100, records: 800 },
      { stage: 'fit', ms: 300, records: 800 },
      { stage: 'emit', ms: 0, records: 20 },
    ]);
    expect(out.ingest).toEqual({ ms: 500, records: 1000, records_per_s: 2000 });
    expect(out.fit).toEqual({ ms: 400, records: 1600, records_per_s: 4000 });
    expect(out.emit!.records_per_s).toBeNull();
  });
});

describe('renderBenchReport', () => {
  it('renderBenchReport(...) judges each target from the measurements, with the 200k → 2M ratio', () => {
    const text = renderBenchReport(
      machine,
      [size(20_000, 1, 200), size(200_000, 2, 300), size(2_000_000, 19, 900)],
      null,
      corpus,
    );
    expect(text).toContain('2 × Test CPU');
    expect(text).toContain('| 2,000,000 |');
    expect(text).toMatch(/2M records: &lt; 20 s \(process wall\) \| 19\.5 s \| met/);
    expect(text).toMatch(/peak RSS &lt; 1024 MB \| 900 MB \| met/);
    expect(text).toMatch(/time ratio ≤ 11 \| 9\.5× \| met/);
    expect(text).toMatch(/npm run refit &lt; 1\.5 s incl\. start-up \| — \| not measured/);
  });

  it('renderBenchReport(...) reports a timed-out 2M run as missed and a slow ratio as missed', () => {
    const timedOut: SizeResult = {
      records: 2_000_000,
      generateSeconds: 10,
      csvMb: 360,
      processSeconds: 600,
      observedPeakRssMb: 3000,
      outcome: { status: 'timeout', detail: 'stopped after 600 s' },
    };
    const text = renderBenchReport(machine, [size(200_000, 2, 300), timedOut], null, corpus);
    expect(text).toMatch(/2M records: &lt; 20 s \(process wall\) \| 600 s \(timeout\) \| MISSED/);
    expect(text).toContain('timed out (stopped after 600 s)');
    expect(text).toMatch(/peak RSS &lt; 1024 MB \| ≥ 3000 MB \(timeout\) \| MISSED/);
    expect(text).toContain('| ≥ 3000 |');
    const slow = renderBenchReport(machine, [size(200_000, 2, 300), size(2_000_000, 30, 500)], null, corpus);
    expect(slow).toMatch(/time ratio ≤ 11 \| 15× \| MISSED/);
  });

  it('renderBenchReport(...) shows the bundled npm run refit time against its target', () => {
    const text = renderBenchReport(
      machine,
      [],
      {
        npmSeconds: 1.2,
        npmRuns: [1.3, 1.2, 1.1],
        npmExitCode: 0,
        outcome: { status: 'ok', measurement: measurement(1800, 0.4, 150) },
      },
      corpus,
    );
    expect(text).toMatch(/npm run refit &lt; 1\.5 s incl\. start-up \| 1\.2 s \| met/);
    expect(text).toMatch(/median of 3: 1\.3, 1\.2, 1\.1 s/);
  });
});

describe('failureReason', () => {
  it('failureReason(stderr) picks the fatal heap line, else the error line, else the last line', () => {
    const oom =
      '<--- Last few GCs --->\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n 1: 0xb8 node::Abort()\n15: 0x139f7fa v8::internal::LookupIterator';
    expect(failureReason(oom)).toBe(
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    );
    expect(
      failureReason(
        'bench: refit failed: RangeError: Maximum call stack size exceeded\n    at push (x.ts:1)',
      ),
    ).toBe('bench: refit failed: RangeError: Maximum call stack size exceeded');
    expect(failureReason('something\nlast words\n')).toBe('last words');
    expect(failureReason('')).toBe('no output');
  });
});
