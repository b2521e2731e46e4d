import { describe, expect, it } from 'vitest';
import { buildPlant } from '../../src/domain/index.js';
import { RealtimePlantSimulator } from '../../src/simulate/index.js';

describe('RealtimePlantSimulator start-up errors', () => {
  it('fails fast with a typed error when the broker cannot be reached', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const sim = new RealtimePlantSimulator({ plant: buildPlant({ machineCount: 3 }), url: 'mqtt://127.0.0.1:1', seed: 1 });
    const t0 = Date.now();
    await expect(sim.start()).rejects.toMatchObject({ code: 'PW_ERR_SIM_CONNECT', message: expect.stringContaining('mqtt://127.0.0.1:1') });
    expect(Date.now() - t0).toBeLessThan(10_000);
    await sim.stop();
  });

  it('refuses bad options, naming them', () => {
    const plant = buildPlant({ machineCount: 3 });
    expect(() => new RealtimePlantSimulator({ plant, url: 'http://x', seed: 1 })).toThrow(expect.objectContaining({ code: 'PW_ERR_SIM_URL' }));
    expect(() => new RealtimePlantSimulator({ plant, url: 'mqtt://x', seed: 1, tickMs: 0 })).toThrow(expect.objectContaining({ code: 'PW_ERR_SIM_TICK' }));
    expect(() => new RealtimePlantSimulator({ plant, url: 'mqtt://x', seed: 1, faultTypes: ['boom' as never] })).toThrow(expect.objectContaining({ code: 'PW_ERR_SIM_FAULT_TYPE' }));
  });
});
