// Temporary (issue 25 helper), deleted after profiling.
import './updetr.bench.js';
import '../../../tools/bench/zz-kernel-cpu-profiler.tmp.js';
