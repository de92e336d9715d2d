import { SINGLE_PROCESS, isSsdetError } from '@ssdet/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openProcessGroup, type DistributedMode } from './open-process-group.js';

const MPIRUN_RANK_1_OF_4 = { OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '4' };

function thrown(open: () => unknown): Error & { code?: string } {
  try {
    open();
  } catch (error) {
    expect(isSsdetError(error)).toBe(true);
    return error as Error & { code?: string };
  }
  throw new Error('expected openProcessGroup to throw');
}

describe('openProcessGroup', () => {
  // Every MPI attempt in this file must find no addon, whether or not this machine has built one.
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env['SSDET_MPI_ADDON'];
    process.env['SSDET_MPI_ADDON'] = '/nonexistent/ssdet_mpi.node';
  });
  afterEach(() => {
    if (saved === undefined) delete process.env['SSDET_MPI_ADDON'];
    else process.env['SSDET_MPI_ADDON'] = saved;
  });

  it('runs alone when no launcher started the process (auto)', () => {
    expect(openProcessGroup('auto', { env: { HOME: '/root' } })).toBe(SINGLE_PROCESS);
  });

  it('runs alone under a launcher of one process (auto)', () => {
    const env = { OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '1' };
    expect(openProcessGroup('auto', { env })).toBe(SINGLE_PROCESS);
  });

  it('runs alone with none, even under a launcher', () => {
    expect(openProcessGroup('none', { env: MPIRUN_RANK_1_OF_4 })).toBe(SINGLE_PROCESS);
  });

  it('says in one line how to build the addon when mpi is asked and it is missing', () => {
    const error = thrown(() => openProcessGroup('mpi', { env: {} }));
    expect(error.code).toBe('DISTRIBUTED_MPI_UNAVAILABLE');
    expect(error.message).toMatch(/^--distributed mpi needs MPI, but .*MPI addon is not built/);
    expect(error.message).toContain('npm run build:native -w @ssdet/distributed');
    expect(error.message).toContain('libopenmpi-dev');
    expect(error.message).not.toContain('\n');
  });

  it('refuses to run N undistributed copies when launched as several ranks without the addon', () => {
    const error = thrown(() => openProcessGroup('auto', { env: MPIRUN_RANK_1_OF_4 }));
    expect(error.code).toBe('DISTRIBUTED_MPI_UNAVAILABLE');
    expect(error.message).toMatch(/rank 1 of 4 \(open-mpi environment\)/);
    expect(error.message).not.toContain('\n');
  });

  it('rejects an unknown mode, naming the choices', () => {
    const error = thrown(() => openProcessGroup('gloo' as DistributedMode));
    expect(error.message).toBe('--distributed gloo: expected one of auto, mpi, none.');
  });
});
