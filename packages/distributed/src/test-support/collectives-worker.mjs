// One rank of an `mpirun -np N node collectives-worker.mjs <scenario>` job, spawned by
// ../mpi-collectives.test.ts. Every rank fills its buffers from (rank, buffer, element) with small
// integers, so every sum and mean across ranks is exact in float32 and the expected value is a
// closed form of the job size; each rank checks its own result and prints one JSON line.
import { MpiProcessGroup } from '@ssdet/distributed';

const scenario = process.argv[2];
const group = new MpiProcessGroup();
const { rank, size } = group;
const report = (fields) =>
  process.stdout.write(`${JSON.stringify({ rank, size, scenario, ...fields })}\n`);

/** Rank `r`'s element `j` of buffer `i`: a + r·b with a, b small integers. */
const base = (i, j) => (i * 31 + j) % 13;
const slope = (i, j) => (i + j) % 5;

/** Tiny gradients, mid-sized ones, two that overflow one fusion buffer together, one above it. */
function bufferLengths() {
  const lengths = [];
  for (let i = 0; i < 300; i += 1) lengths.push(1 + ((i * 7) % 50));
  lengths.push(0, 100_000, 1_000_000, 3_000_000, 3_000_000, 5_000_000, 17, 2_359_296);
  return lengths;
}

function filled(lengths, owner) {
  return lengths.map((length, i) => {
    const buffer = new Float32Array(length);
    for (let j = 0; j < length; j += 1) buffer[j] = base(i, j) + owner * slope(i, j);
    return buffer;
  });
}

/** Largest |actual − expected| over every element, and how many elements were compared. */
function maxError(buffers, expected) {
  let error = 0;
  let elements = 0;
  buffers.forEach((buffer, i) => {
    for (let j = 0; j < buffer.length; j += 1) {
      error = Math.max(error, Math.abs(buffer[j] - expected(i, j)));
    }
    elements += buffer.length;
  });
  return { error, elements };
}

if (scenario === 'allreduce') {
  const lengths = bufferLengths();
  const ranksSum = (size * (size - 1)) / 2;
  const summed = filled(lengths, rank);
  group.allreduce(summed, 'sum');
  const sum = maxError(summed, (i, j) => size * base(i, j) + ranksSum * slope(i, j));
  const averaged = filled(lengths, rank);
  group.allreduce(averaged, 'mean');
  const mean = maxError(averaged, (i, j) => base(i, j) + (ranksSum / size) * slope(i, j));
  report({ buffers: lengths.length, sum, mean });
} else if (scenario === 'broadcast') {
  const root = size - 1;
  const buffers = filled(bufferLengths(), rank);
  group.broadcast(buffers, root);
  report({ root, ...maxError(buffers, (i, j) => base(i, j) + root * slope(i, j)) });
} else if (scenario === 'allgather') {
  const mine = Float32Array.from({ length: 3 * rank + 2 }, (_, j) => 100 * rank + j);
  const gathered = group.allgather(mine);
  // Rank 1 contributes nothing the second time: an empty part must still hold its place.
  const sparse = group.allgather(rank === 1 ? new Float32Array(0) : mine);
  report({
    gathered: gathered.map((part) => Array.from(part)),
    sparse: sparse.map((part) => Array.from(part)),
  });
} else if (scenario === 'bad-root') {
  let message = 'no error';
  try {
    group.broadcast([new Float32Array(4)], size + 3);
  } catch (error) {
    message = `${error.constructor.name}: ${error.message}`;
  }
  // The communicator is still usable after the error.
  const after = [new Float32Array([1])];
  group.allreduce(after, 'sum');
  report({ message, after: after[0][0] });
} else if (scenario === 'rank-exits') {
  group.barrier();
  if (rank === size - 1) process.exit(3);
  // The others wait for a rank that never comes; mpirun must end them.
  group.barrier();
  report({ survived: true });
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
