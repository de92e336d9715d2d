import { SINGLE_PROCESS, type ProcessGroup } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { openDistributed } from './open-distributed.js';

const fakeGroup: ProcessGroup = { ...SINGLE_PROCESS, rank: 1, size: 2 };

/** A stand-in for `import('@ssdet/distributed')` that records whether and how it was used. */
function loader(
  module: unknown = { openProcessGroup: (mode: string) => ({ ...fakeGroup, mode }) },
) {
  const calls: string[] = [];
  return {
    calls,
    load: async () => {
      calls.push('import');
      if (module instanceof Error) throw module;
      return module;
    },
  };
}

describe('openDistributed (ssdet pretrain --distributed)', () => {
  it('does not import @ssdet/distributed for none, nor for auto without a launcher variable', async () => {
    for (const [mode, env] of [
      ['none', { OMPI_COMM_WORLD_SIZE: '2' }],
      ['auto', { PATH: '/usr/bin' }],
      ['auto', { OMPI_COMM_WORLD_SIZE: '' }],
    ] as const) {
      const { calls, load } = loader();
      expect(await openDistributed(mode, env, load)).toBe(SINGLE_PROCESS);
      expect(calls).toEqual([]);
    }
  });

  it('opens the MPI group under a launcher (auto) or when asked (mpi), passing the mode on', async () => {
    for (const [mode, env] of [
      ['auto', { OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_RANK: '1' }],
      ['auto', { PMIX_RANK: '0' }],
      ['auto', { SLURM_PROCID: '3', SLURM_STEP_NUM_TASKS: '4' }],
      ['mpi', {}],
    ] as const) {
      const { calls, load } = loader();
      const group = await openDistributed(mode, env, load);
      expect(calls).toEqual(['import']);
      expect(group).toMatchObject({ rank: 1, size: 2, mode });
    }
  });

  it('says in one line why MPI was wanted when @ssdet/distributed cannot be loaded', async () => {
    const missing = loader(new Error("Cannot find package '@ssdet/distributed'\n    at stack"));
    await expect(
      openDistributed('auto', { OMPI_COMM_WORLD_SIZE: '2' }, missing.load),
    ).rejects.toThrow(
      /^OMPI_COMM_WORLD_SIZE is set \(an MPI launcher started this process\), but @ssdet\/distributed cannot be loaded \(Cannot find package '@ssdet\/distributed'\); install it/,
    );
    await expect(openDistributed('mpi', {}, loader({}).load)).rejects.toMatchObject({
      code: 'DISTRIBUTED_UNAVAILABLE',
      message: expect.stringMatching(
        /^--distributed mpi, but the installed @ssdet\/distributed exports no openProcessGroup/,
      ),
    });
  });
});
