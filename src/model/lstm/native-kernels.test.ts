import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from './native-backend.js';

// Each SIMD flavour of the addon (forced with PW_LSTM_KERNELS in a child process, since the choice
// is made once at load) must agree with the portable engine: the generic one is what ARM and old
// x86-64 machines run.
const here = new URL('.', import.meta.url).pathname;
const script = `
import { PortableBackend } from '${here}portable-backend.ts';
import { NativeBackend, loadNativeAddon } from '${here}native-backend.ts';
import { initialWeights } from '${here}params.ts';
import { mulberry32 } from '${here}rng.ts';
const addon = loadNativeAddon().addon;
const cfg = { lstmUnits: [20, 12], denseUnits: [6], dropout: 0.25, inputSize: 3, windowSize: 7, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };
const w = initialWeights(cfg, 3, 5);
let worstOut = 0, worstGrad = 0;
for (const B of [3, 9]) {
  const p = new PortableBackend(cfg); p.setWeights(w);
  const n = new NativeBackend(addon, cfg, 2); n.setWeights(w);
  const r = mulberry32(B);
  const x = new Float32Array(B * 21).map(() => r()), y = new Float32Array(B * 3).map(() => r());
  const po = p.predict(x, B), no = n.predict(x, B);
  for (let i = 0; i < po.length; i++) worstOut = Math.max(worstOut, Math.abs(po[i] - no[i]) / Math.max(1, Math.abs(po[i])));
  const pg = p.gradients(x, y, B, 7), ng = n.gradients(x, y, B, 7);
  const gmax = pg.grads.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
  for (let i = 0; i < pg.grads.length; i++) worstGrad = Math.max(worstGrad, Math.abs(pg.grads[i] - ng.grads[i]) / (Math.abs(pg.grads[i]) + 1e-2 * gmax));
}
process.stdout.write(JSON.stringify({ simd: addon.simd(), worstOut, worstGrad }));
`;

const flavours = process.arch === 'x64' ? ['generic', 'avx2'] : ['generic'];
const run = loadNativeAddon().addon || process.env.PLANTWATCH_REQUIRE_SERVICES === '1' ? describe : describe.skip;

run('native kernel flavours', () => {
  it.each(flavours)('%s kernels agree with the portable engine', (flavour) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, PW_LSTM_KERNELS: flavour },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    const res = JSON.parse(r.stdout) as { simd: string; worstOut: number; worstGrad: number };
    expect(res.simd).toBe(flavour);
    expect(res.worstOut).toBeLessThan(1e-4);
    expect(res.worstGrad).toBeLessThan(1e-3);
  });
});
