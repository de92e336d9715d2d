import { isSsdetError } from '@ssdet/core';
import { describe, expect, it } from 'vitest';
import { detectDistributedEnvironment } from './environment.js';

describe('detectDistributedEnvironment', () => {
  it('finds no launcher in an ordinary environment', () => {
    expect(detectDistributedEnvironment({ HOME: '/root', PATH: '/usr/bin' })).toBeUndefined();
  });

  it("reads Open MPI's mpirun variables first", () => {
    expect(
      detectDistributedEnvironment({
        OMPI_COMM_WORLD_RANK: '3',
        OMPI_COMM_WORLD_SIZE: '4',
        PMIX_RANK: '3',
        SLURM_PROCID: '0',
        SLURM_STEP_NUM_TASKS: '1',
      }),
    ).toEqual({ launcher: 'open-mpi', rank: 3, size: 4 });
  });

  it('reads PMIx, with the size from srun when it is there', () => {
    expect(detectDistributedEnvironment({ PMIX_RANK: '1' })).toEqual({
      launcher: 'pmix',
      rank: 1,
      size: undefined,
    });
    expect(
      detectDistributedEnvironment({
        PMIX_RANK: '5',
        SLURM_PROCID: '5',
        SLURM_STEP_NUM_TASKS: '8',
      }),
    ).toEqual({ launcher: 'pmix', rank: 5, size: 8 });
  });

  it('reads PMI-1/2 (MPICH Hydra, srun --mpi=pmi2)', () => {
    expect(detectDistributedEnvironment({ PMI_RANK: '0', PMI_SIZE: '2' })).toEqual({
      launcher: 'pmi',
      rank: 0,
      size: 2,
    });
  });

  it("reads Slurm's task variables only inside an srun step", () => {
    expect(detectDistributedEnvironment({ SLURM_PROCID: '2', SLURM_STEP_NUM_TASKS: '16' })).toEqual(
      { launcher: 'slurm', rank: 2, size: 16 },
    );
    // A batch script has SLURM_PROCID and SLURM_NTASKS but runs once: not a distributed launch.
    expect(detectDistributedEnvironment({ SLURM_PROCID: '0', SLURM_NTASKS: '16' })).toBeUndefined();
  });

  it('treats empty variables as unset', () => {
    expect(
      detectDistributedEnvironment({ OMPI_COMM_WORLD_RANK: '', PMI_RANK: ' ' }),
    ).toBeUndefined();
  });

  it.each([
    [{ OMPI_COMM_WORLD_RANK: 'one', OMPI_COMM_WORLD_SIZE: '2' }, /OMPI_COMM_WORLD_RANK="one"/],
    [{ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '0' }, /OMPI_COMM_WORLD_SIZE="0".*≥ 1/],
    [{ PMI_RANK: '-1', PMI_SIZE: '2' }, /PMI_RANK="-1"/],
    [{ PMI_RANK: '2', PMI_SIZE: '2' }, /PMI_RANK=2 is not below the job size 2/],
    [{ SLURM_PROCID: '1.5', SLURM_STEP_NUM_TASKS: '2' }, /SLURM_PROCID="1.5"/],
  ])('rejects %j with a one-line error naming the variable', (env, message) => {
    let caught: unknown;
    try {
      detectDistributedEnvironment(env);
    } catch (error) {
      caught = error;
    }
    expect(isSsdetError(caught)).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('\n');
  });
});
